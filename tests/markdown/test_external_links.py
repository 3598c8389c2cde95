"""External link URLs are escaped once for their attribute, never twice."""

from __future__ import annotations

from mistune import BlockState

from garden.markdown import parse_body
from garden.markdown.html import NoteHTMLRenderer


def _html(markdown: str) -> str:
    return NoteHTMLRenderer()(parse_body(markdown, 1).tokens, BlockState())


def test_ampersand_in_an_external_url_is_escaped_once() -> None:
    html = _html("[x](https://e.org/?a=1&b=2) and https://e.org/?c=1&d=2\n")
    assert 'href="https://e.org/?a=1&amp;b=2"' in html
    assert 'href="https://e.org/?c=1&amp;d=2"' in html
    assert "&amp;amp;" not in html


def test_quotes_cannot_leave_the_href() -> None:
    html = _html('[x](<https://e.org/a"onmouseover="b>)\n')
    assert (
        '<a class="external" href="https://e.org/a%22onmouseover=%22b" rel="noopener">x</a>' in html
    )
    assert '"onmouseover' not in html
