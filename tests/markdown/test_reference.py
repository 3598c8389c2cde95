"""How a link as written becomes a ``LinkRef``: ``parse_wikilink``, ``parse_markdown_destination``
and the links ``parse_body`` collects from a note."""

from __future__ import annotations

import pytest

from garden.markdown import parse_body
from garden.markdown.reference import is_external, parse_markdown_destination, parse_wikilink
from garden.model import LinkRef


def wiki(target: str, **fields: object) -> LinkRef:
    return LinkRef(target=target, syntax="wiki", **fields)  # type: ignore[arg-type]


def md(target: str, **fields: object) -> LinkRef:
    return LinkRef(target=target, syntax="markdown", **fields)  # type: ignore[arg-type]


# (written as, expected). "written as" is the whole link, so the table reads like a note.
WIKILINKS = [
    ("[[Note]]", wiki("Note")),
    ("[[Note.md]]", wiki("Note.md")),
    ("[[Folder/Note]]", wiki("Folder/Note")),
    ("[[Note|alias]]", wiki("Note", label="alias")),
    ("[[Note#Heading]]", wiki("Note", heading="Heading")),
    ("[[Note#Heading|alias]]", wiki("Note", heading="Heading", label="alias")),
    ("[[#Heading]]", wiki("", heading="Heading")),
    ("[[Note#H1#H2]]", wiki("Note", heading="H1#H2")),
    ("[[Note#^blockid]]", wiki("Note", block="blockid")),
    ("[[Note#^blockid|alias]]", wiki("Note", block="blockid", label="alias")),
    ("[[#^blockid]]", wiki("", block="blockid")),
    ("[[Note#H1#^blockid]]", wiki("Note", block="blockid")),
    ("[[Folder/]]", wiki("Folder/")),
    ("[[ Note | alias ]]", wiki("Note", label="alias")),
    ("[[Note#]]", wiki("Note")),
    ("[[Note|a|b]]", wiki("Note", label="a|b")),
    # A link (not an embed) has no size: digits after the pipe are its display text.
    ("[[Note|480]]", wiki("Note", label="480")),
    # In a table the pipe is escaped; the escape is not part of the target.
    ("[[Note\\|alias]]", wiki("Note", label="alias")),
    ("[[Note#Heading\\|alias]]", wiki("Note", heading="Heading", label="alias")),
    ("![[Note]]", wiki("Note", embed=True)),
    ("![[Note#Heading]]", wiki("Note", heading="Heading", embed=True)),
    ("![[Note#^blockid]]", wiki("Note", block="blockid", embed=True)),
    ("![[img.png]]", wiki("img.png", embed=True)),
    ("![[img.png|480]]", wiki("img.png", embed=True, width=480)),
    ("![[img.png|alt|480]]", wiki("img.png", embed=True, label="alt", width=480)),
    ("![[img.png|480x270]]", wiki("img.png", embed=True, width=480, height=270)),
    ("![[img.png|480 x 270]]", wiki("img.png", embed=True, width=480, height=270)),
    ("![[img.png|alt|480x270]]", wiki("img.png", embed=True, label="alt", width=480, height=270)),
    (
        "![[img.png|alt with | pipe|300]]",
        wiki("img.png", embed=True, label="alt with | pipe", width=300),
    ),
    ("![[img.png\\|300]]", wiki("img.png", embed=True, width=300)),
    ("![[img.png|just alt]]", wiki("img.png", embed=True, label="just alt")),
    ("![[img.png|x480]]", wiki("img.png", embed=True, label="x480")),
    ("![[doc.pdf#page=3]]", wiki("doc.pdf", heading="page=3", embed=True)),
]


def _inner(written: str) -> tuple[str, bool]:
    embed = written.startswith("!")
    inner = written.removeprefix("!")
    assert inner.startswith("[[") and inner.endswith("]]")
    return inner[2:-2], embed


@pytest.mark.parametrize(("written", "expected"), WIKILINKS, ids=[w for w, _ in WIKILINKS])
def test_parse_wikilink(written: str, expected: LinkRef) -> None:
    inner, embed = _inner(written)
    assert parse_wikilink(inner, embed=embed) == expected


# (url, text or alt, embed, expected)
MARKDOWN = [
    ("Note.md", "text", False, md("Note.md", label="text")),
    ("Note%20Name.md#H", None, False, md("Note Name.md", heading="H")),
    (
        "Folder/My%20Note.md#Heading%20Two",
        None,
        False,
        md("Folder/My Note.md", heading="Heading Two"),
    ),
    ("Note.md#^blockid", None, False, md("Note.md", block="blockid")),
    ("#Local", None, False, md("", heading="Local")),
    ("Folder/", None, False, md("Folder/")),
    # A link's text is never a size, even when it looks like one.
    ("x.png", "alt|480", False, md("x.png", label="alt|480")),
    ("x.png", "alt|480", True, md("x.png", embed=True, label="alt", width=480)),
    ("x.png", "alt|480x270", True, md("x.png", embed=True, label="alt", width=480, height=270)),
    ("x.png", "250", True, md("x.png", embed=True, width=250)),
    ("x.png", "250x100", True, md("x.png", embed=True, width=250, height=100)),
    ("x.png", "a|b", True, md("x.png", embed=True, label="a|b")),
    ("x.png", "", True, md("x.png", embed=True)),
    ("x.png", None, True, md("x.png", embed=True)),
    ("/assets/x.png", "", True, md("/assets/x.png", embed=True)),
    ("My%20Image.png", "alt", True, md("My Image.png", embed=True, label="alt")),
]


@pytest.mark.parametrize(
    ("url", "label", "embed", "expected"),
    MARKDOWN,
    ids=[f"{'!' if e else ''}[{t}]({u})" for u, t, e, _ in MARKDOWN],
)
def test_parse_markdown_destination(
    url: str, label: str | None, embed: bool, expected: LinkRef
) -> None:
    assert parse_markdown_destination(url, label, embed=embed) == expected


@pytest.mark.parametrize(
    ("url", "external"),
    [
        ("https://example.com", True),
        ("http://example.com/a#b", True),
        ("mailto:me@example.com", True),
        ("obsidian://open?vault=x", True),
        ("//cdn.example.com/x.js", True),
        ("javascript:alert(1)", True),
        ("Note.md", False),
        ("Folder/Note%20Name.md", False),
        ("/assets/x.png", False),
        ("../x.png", False),
        ("#Heading", False),
    ],
)
def test_is_external(url: str, external: bool) -> None:
    assert is_external(url) is external


# The links parse_body finds in a note body, in document order: (body, [(target, fields)]).
BODIES = [
    ("See [[Note]].", [wiki("Note")]),
    ("![[img.png|alt|480]]", [wiki("img.png", embed=True, label="alt", width=480)]),
    ("[text](Other%20Note.md#H)", [md("Other Note.md", heading="H")]),
    ("![alt|480](x.png)", [md("x.png", embed=True, label="alt", width=480)]),
    ("![250](x.png)", [md("x.png", embed=True, width=250)]),
    ("![](/assets/x.png)", [md("/assets/x.png", embed=True)]),
    ("| a |\n|---|\n| [[Note\\|alias]] |", [wiki("Note", label="alias")]),
    ("| a |\n|---|\n| ![[img.png\\|300]] |", [wiki("img.png", embed=True, width=300)]),
    ("[ext](https://example.com) and <https://example.org>", []),
    ("`[[Code]]` and\n\n```\n[[Fenced]]\n```", []),
    ("\\[[Escaped]]", []),
    ("Hidden %%[[Secret]]%% text", []),
    ("[[A]] then [[B|b]] then ![[C]]", [wiki("A"), wiki("B", label="b"), wiki("C", embed=True)]),
    ("> [!note] Title [[InTitle]]\n> Body [[InBody]]", [wiki("InTitle"), wiki("InBody")]),
]


@pytest.mark.parametrize(("body", "expected"), BODIES, ids=[b for b, _ in BODIES])
def test_parse_body_collects_links(body: str, expected: list[LinkRef]) -> None:
    refs = [r for r in parse_body(body).refs]
    assert [r.key for r in refs] == [r.key for r in expected]
    assert [(r.label, r.embed, r.width, r.height, r.syntax) for r in refs] == [
        (r.label, r.embed, r.width, r.height, r.syntax) for r in expected
    ]


# (body, first_line, [line of each link in document order])
LINES = [
    ("[[A]]\n\n[[B]]\n\n[[C]]\n", 1, [1, 3, 5]),
    ("[[A]]\n\n[[B]]\n", 5, [5, 7]),
    ("`[[A]]` example\n\n[[A]]\n", 1, [3]),
    ("[[A|one]]\n[[A]]\n", 1, [1, 2]),
    pytest.param("See [[A]].\n\nAgain [[A]].\n", 1, [1, 3], id="same link twice"),
    pytest.param("![[A]]\n\n[[A]]\n", 1, [1, 3], id="embed then link to the same note"),
    pytest.param("[[A]] [[A]]\n[[A]]\n", 1, [1, 1, 2], id="same link twice on one line"),
    pytest.param("%%[[A]]%%\n\n[[A]]\n", 1, [3], id="a commented-out copy is skipped"),
    pytest.param(
        "> ```\n> [[A]] %%\n> ```\n\n[[A]]\n", 1, [5], id="a copy in quoted code is skipped"
    ),
    pytest.param("Text.[^1] [[B]]\n\n[^1]: See [[A]].\n", 1, [1, 3], id="link in a footnote"),
]


@pytest.mark.parametrize(("body", "first_line", "lines"), LINES)
def test_link_line_numbers(body: str, first_line: int, lines: list[int]) -> None:
    assert [r.line for r in parse_body(body, first_line).refs] == lines
