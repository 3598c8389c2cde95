"""Nothing of an unpublished note reaches OUT, whatever reaches for it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import build_site, make_vault

from garden.publish import flag_value, unpublished_reason

PRIVATE_FLAGS = [
    "draft: true",
    "draft: yes",
    'draft: "true"',
    "draft: on",
    "draft: 1",
    "draft: maybe",  # unrecognised: stays private
    "publish: false",
    "publish: no",
    'publish: "false"',
    "publish: off",
    "publish: 0",
]


def _private_note(i: int, flag: str) -> str:
    return (
        f"---\n{flag}\ntitle: TITLEMARK{i}\naliases: [ALIASMARK{i}]\ntags: [TAGMARK{i}]\n"
        f"description: DESCMARK{i}\n---\n# Heading {i}\n\nBODYMARK{i} #INLINETAGMARK{i}\n\n"
        f"Block BLOCKMARK{i} ^blk{i}\n\n![[private-only-{i}.txt]]\n"
    )


def _vault(tmp_path: Path) -> Path:
    files: dict[str, str | bytes] = {}
    links = []
    for i, flag in enumerate(PRIVATE_FLAGS):
        files[f"Private/FILEMARK{i}.md"] = _private_note(i, flag)
        files[f"private-only-{i}.txt"] = f"ATTACHMARK{i}".encode()
        links += [
            f"[[Private/FILEMARK{i}]]",
            f"![[Private/FILEMARK{i}]]",
            f"![[Private/FILEMARK{i}#Heading {i}]]",
            f"![[Private/FILEMARK{i}#^blk{i}]]",
        ]
    files["Public.md"] = "# Public\n\n" + "\n\n".join(links) + "\n\n![[Relay]]\n"
    files["Relay.md"] = "Relay embeds: ![[Private/FILEMARK0]]\n"  # a nested embed of a draft
    files["Bad front matter.md"] = "---\ntitle: [unclosed\n---\nBADYAMLMARK\n"
    files["List front matter.md"] = "---\n- a\n- b\n---\nLISTYAMLMARK\n"
    files[".obsidian/workspace.json"] = '{"x": "OBSIDIANMARK"}'
    files[".trash/Old.md"] = "TRASHMARK"
    files["Templates/Tpl.md"] = "TEMPLATEMARK"
    files["garden.yaml"] = "ignore: [Templates/**]\n"
    return make_vault(tmp_path / "vault", files)


MARKERS = [
    f"{kind}MARK{i}"
    for i in range(len(PRIVATE_FLAGS))
    for kind in ("TITLE", "ALIAS", "TAG", "DESC", "BODY", "INLINETAG", "BLOCK", "ATTACH")
] + ["BADYAMLMARK", "LISTYAMLMARK", "OBSIDIANMARK", "TRASHMARK", "TEMPLATEMARK"]


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_no_byte_of_a_private_note_reaches_out(tmp_path: Path) -> None:
    site = build_site(_vault(tmp_path), tmp_path / "site")
    assert set(site.index) == {"Public", "Relay"}
    for rel in site.files():
        data = (site.out / rel).read_bytes()
        text = data.decode("utf-8", errors="replace")
        if rel.endswith(".json"):
            text += "\n".join(_strings(json.loads(text)))
        for marker in MARKERS:
            assert marker.lower() not in text.lower(), f"{marker} leaked into {rel}"
        assert "FILEMARK" not in rel and "private-only" not in rel
    public = site.article("Public.html")
    # four links per private note, and the one inside the embedded Relay note
    assert public.count('class="broken') == 4 * len(PRIVATE_FLAGS) + 1
    assert site.index["Public"]["links"] == ["Relay"]  # the private notes are not there
    frontmatter = site.warnings("frontmatter")
    assert sorted((d.path, d.line) for d in frontmatter) == [
        ("Bad front matter.md", 2),
        ("List front matter.md", 2),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        ("yes", True),
        ("TRUE", True),
        (1, True),
        (False, False),
        ("off", False),
        ("No", False),
        (0, False),
        ("maybe", None),
        ([], None),
    ],
)
def test_flag_spellings(value: object, expected: bool | None) -> None:
    assert flag_value(value) is expected


def test_published_flags_publish() -> None:
    assert unpublished_reason({"publish": True, "draft": False}, "", "") == ""
    assert unpublished_reason({"draft": None}, "", "") == ""
    assert unpublished_reason({}, "", "") == ""
