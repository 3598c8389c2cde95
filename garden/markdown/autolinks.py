"""Bare ``https://…`` URLs become links, with GFM's rules for where the URL ends.

mistune's ``url`` plugin stops before any ``)``, which breaks Wikipedia-style URLs such as
``https://en.wikipedia.org/wiki/Rust_(programming_language)``. GFM (and Obsidian) take the run of
non-space characters, then drop trailing punctuation and a trailing ``)`` only while the URL has
more ``)`` than ``(`` — so ``(see https://x.org/a)`` still leaves the closing parenthesis out.
"""

from __future__ import annotations

from typing import Any

from mistune import InlineParser, InlineState, Markdown
from mistune.util import escape_url

URL_PATTERN = r"https?://[^\s<]*[^\s<?!.,:;*_~'\"]"
_TRAILING = "?!.,:;*_~'\""


def url_end(url: str) -> int:
    """Length of ``url`` once trailing punctuation and unbalanced ``)`` are dropped."""
    end = len(url)
    while end:
        last = url[end - 1]
        # "]" is never part of a bare URL written inside [link text].
        unbalanced = last == ")" and url.count(")", 0, end) > url.count("(", 0, end)
        if last in _TRAILING or last == "]" or unbalanced:
            end -= 1
        else:
            break
    return end


def _parse_url(inline: InlineParser, m: Any, state: InlineState) -> int:
    text = m.group(0)
    if state.brackets:
        close = text.find("]")
        if close >= 0:
            text = text[:close]
    text = text[: url_end(text)]
    pos = m.start() + len(text)
    if not text.partition("://")[2]:
        inline.process_text(text, state)
        return pos
    if state.in_link or state.depth >= inline.max_nested_level:
        inline.process_text(text, state)
        return pos
    state.append_token(
        {
            "type": "link",
            "children": [{"type": "text", "raw": text}],
            "attrs": {"url": escape_url(text)},
            "_autolink": text,
        }
    )
    return pos


def autolinks(md: Markdown) -> None:
    md.inline.register("url_link", URL_PATTERN, _parse_url)
