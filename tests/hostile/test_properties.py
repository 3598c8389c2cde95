"""Property tests: random vaults (Markdown, front matter, file names) through the whole pipeline.

No exception escapes the build, no private marker reaches OUT, and every index entry has its page
(byte-identical rebuilds of hostile vaults: ``test_bad_input``). ``make test`` runs a few
examples; ``make fuzz`` (GARDEN_FUZZ=1) runs enough vaults for at least ``FUZZ_NOTES`` generated
notes and prints the count.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import build_site, leaks, make_vault
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = bool(os.environ.get("GARDEN_FUZZ"))
FUZZ_NOTES = 10_000
MARKER = "QQSECRETQQ"  # public text never holds a "q", so a hit is a leak

# Text without "q"/"Q" (so markers stand out) but with everything else that breaks parsers.
_ALPHABET = st.characters(
    blacklist_categories=("Cs",), blacklist_characters="qQ\x00"
) | st.sampled_from(list("[]()!#^|%*_`$<>&\"'\\/:\n\r\t -=~+.,;é\u0301\u200b\ufeff"))
TEXT = st.text(_ALPHABET, max_size=40)
NAME = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="qQ/\\\x00")
    | st.sampled_from(list("#?%&\"' .-[]|^é")),
    min_size=1,
    max_size=30,
).filter(lambda n: not n.startswith(".") and n.strip() and len(n.encode()) < 200)

FRAGMENTS = [
    "# {t}\n",
    "## {t} ^blk\n",
    "[[{n}]]",
    "![[{n}]]",
    "[[{n}#{t}]]",
    "![[{n}#^blk]]",
    "[[{n}|{t}]]",
    "[{t}]({n}.md)",
    "![{t}]({n}.png)",
    "![[{n}.png|100]]",
    "> [!{t}] {t}\n> {t}\n",
    "- [ ] {t}\n- {t}\n  - {t}\n",
    "| {t} | {t} |\n|---|---|\n| {t} | {t} |\n",
    "`{t}`",
    "```{t}\n{t}\n```\n",
    "$${t}$$",
    "${t}$",
    "%%{t}%%",
    "=={t}==",
    "#{t}",
    "[^1] {t}\n\n[^1]: {t}\n",
    "<div>{t}</div>\n",
    "<span onclick='x'>{t}</span>",
    "[{t}](javascript:{t})",
    "{t}",
    "\n\n",
]

FLAGS = st.sampled_from(
    [
        "",
        "draft: true\n",
        "draft: false\n",
        "publish: false\n",
        "publish: yes\n",
        'draft: "{t}"\n',
        "tags: [{t}]\n",
        "aliases: {t}\n",
        "title: {t}\n",
        "date: {t}\n",
        "description: {t}\n",
        "{t}: {t}\n",
        "- {t}\n",
        "{t}\n",
    ]
)


@st.composite
def bodies(draw: st.DrawFn, names: list[str]) -> str:
    parts = []
    for fragment in draw(st.lists(st.sampled_from(FRAGMENTS), max_size=12)):
        t = draw(TEXT).replace("{", "(").replace("}", ")")
        n = draw(st.sampled_from(names))
        parts.append(fragment.replace("{t}", t).replace("{n}", n))
    return " ".join(parts)


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    lines = [
        draw(FLAGS).replace("{t}", draw(TEXT).replace("\n", " "))
        for _ in range(draw(st.integers(0, 3)))
    ]
    if not lines and draw(st.booleans()):
        return ""
    return "---\n" + "".join(lines) + "---\n"


@st.composite
def vaults(draw: st.DrawFn) -> tuple[dict[str, str | bytes], list[str]]:
    size = (3, 8) if FUZZ else (1, 6)  # fuzz: more notes per vault, more links between them
    names = draw(
        st.lists(NAME, min_size=size[0], max_size=size[1], unique_by=lambda n: n.casefold())
    )
    folders = draw(
        st.lists(
            st.sampled_from(["", "A/", "a/", "A/B/", "Ç/"]),
            min_size=len(names),
            max_size=len(names),
        )
    )
    files: dict[str, str | bytes] = {}
    markers = []
    for i, (name, folder) in enumerate(zip(names, folders, strict=True)):
        body = draw(bodies(names))
        if draw(st.booleans()):  # private: a marker in every place text can come from
            marker = f"{MARKER}{i}"
            markers.append(marker)
            fm = (
                f"---\ndraft: true\ntitle: {marker}t\naliases: [{marker}a]\ntags: [{marker}g]\n"
                f"description: {marker}d\n---\n"
            )
            body = f"# {marker}h\n\n{body}\n\n{marker}b ^blk\n\n#{marker}i\n"
        else:
            fm = draw(front_matter())
        encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1"]))
        text = (fm + body).replace("\n", draw(st.sampled_from(["\n", "\r\n"])))
        files[f"{folder}{name}.md"] = text.encode(encoding, errors="replace")
    files["pic.png"] = b"\x89PNG\r\n\x1a\n not an image"
    return files, markers


GENERATED = {"notes": 0}


@pytest.fixture(scope="module", autouse=True)
def _report_count() -> Iterator[None]:
    yield
    if FUZZ:
        print(f"\nfuzz: {GENERATED['notes']} generated notes went through the whole pipeline")
        assert GENERATED["notes"] >= FUZZ_NOTES


@settings(
    max_examples=2_500 if FUZZ else 10,  # fuzz: about 5 notes a vault
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not FUZZ,  # `make test` is repeatable; `make fuzz` looks somewhere new each run
)
@given(vaults())
def test_random_vaults_build_without_leaks(vault: tuple[dict[str, str | bytes], list[str]]) -> None:
    files, markers = vault
    GENERATED["notes"] += sum(1 for name in files if name.endswith(".md"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site = build_site(make_vault(root / "vault", files), root / "site")
        assert leaks(site.out, markers) == []
        for slug in site.index:
            assert (site.out / f"{slug}.html").is_file() or (
                site.out / slug / "index.html"
            ).is_file()
