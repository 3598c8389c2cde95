"""Spec-style fixtures: Markdown in, HTML out, through garden's parser and base renderer.

Every ``fixtures/*.txt`` file holds cases written as::

    ## case name
    markdown input
    .
    expected HTML
    .

A case named ``## name [xfail: reason]`` is a known bug: its expected HTML is what Obsidian
shows, and the test fails (strictly) until garden produces it. Text between cases is commentary.
Whitespace between tags is ignored; whitespace inside ``<pre>`` is compared exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import mistune
import pytest

from garden.markdown import parse_body
from garden.markdown.html import NoteHTMLRenderer

FIXTURES = Path(__file__).parent / "fixtures"
_HEADING = re.compile(r"^## (?P<name>.+?)(?:\s+\[xfail:\s*(?P<reason>.+)\])?\s*$")
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL)


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    markdown: str
    html: str
    xfail: str | None


def parse_fixture(path: Path) -> list[Case]:
    cases: list[Case] = []
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        m = _HEADING.match(lines[i])
        i += 1
        if not m:
            continue
        parts: list[list[str]] = [[], []]
        for part in parts:
            while i < len(lines) and lines[i] != ".":
                part.append(lines[i])
                i += 1
            if i == len(lines):
                raise ValueError(f"{path.name}: case {m['name']!r} is missing a '.' line")
            i += 1
        markdown = "\n".join(parts[0]).strip("\n") + "\n"
        cases.append(Case(path.name, m["name"], markdown, "\n".join(parts[1]), m["reason"]))
    names = [c.name for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"{path.name}: duplicate case names {sorted(duplicates)}")
    return cases


def normalize(html: str) -> str:
    """Drop whitespace between tags (outside ``<pre>``) and at both ends."""
    pieces = _PRE.split(html.strip())
    return "".join(
        piece if piece.startswith("<pre") else re.sub(r">\s+<", "><", piece) for piece in pieces
    ).strip()


def render(markdown: str) -> str:
    return NoteHTMLRenderer()(parse_body(markdown).tokens, mistune.BlockState())


def _params() -> list[object]:
    params: list[object] = []
    for path in sorted(FIXTURES.glob("*.txt")):
        for case in parse_fixture(path):
            marks = [pytest.mark.xfail(reason=case.xfail, strict=True)] if case.xfail else []
            params.append(pytest.param(case, id=f"{path.stem}: {case.name}", marks=marks))
    return params


@pytest.mark.parametrize("case", _params())
def test_fixture(case: Case) -> None:
    assert normalize(render(case.markdown)) == normalize(case.html)


def test_every_fixture_file_has_cases() -> None:
    expected = {
        "block_ids",
        "callouts",
        "code",
        "comments",
        "gfm",
        "math",
        "tags",
        "wikilinks",
    }
    found = {p.stem for p in FIXTURES.glob("*.txt")}
    assert expected <= found
    for path in FIXTURES.glob("*.txt"):
        assert parse_fixture(path), f"{path.name} has no cases"


def test_normalize_keeps_whitespace_inside_pre() -> None:
    assert normalize("<p>a</p>\n  <p>b</p>") == "<p>a</p><p>b</p>"
    assert normalize("<pre><code><b>x</b> <i>y</i>\n</code></pre>") == (
        "<pre><code><b>x</b> <i>y</i>\n</code></pre>"
    )
