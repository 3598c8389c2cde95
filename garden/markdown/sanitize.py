"""Clean the raw HTML written in notes, for config ``sanitize: true`` (vaults with several authors).

Only the author's raw HTML goes through nh3 (the Ammonia sanitizer): garden's own markup (links,
embeds, callouts, math, highlighted code) is built and escaped by garden and stays as it is. nh3
keeps harmless formatting (``<b>``, ``<details>``, ``<kbd>``, tables, images with http(s) or
relative ``src``...) and drops scripts, styles, event handlers, ``<iframe>``/``<object>``/``<form>``
and ``javascript:`` URLs.

mistune hands inline HTML over one tag at a time (``<span class="x">``, then the text, then
``</span>``), so an opening tag is cleaned on its own and the closing tag nh3 adds to balance it is
taken off again; a closing tag passes when its element is allowed (it carries no attributes).
"""

from __future__ import annotations

import re

import nh3

_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    # Harmless on any element, and what notes use to style and label their HTML.
    "*": {"class", "title", "lang", "dir"},
}
_TAGS = set(nh3.ALLOWED_TAGS)
_OPENING = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)\b[^>]*>", re.S)
_CLOSING = re.compile(r"</([A-Za-z][A-Za-z0-9-]*)\s*>")


def clean_html(html: str) -> str:
    """A block of raw HTML, cleaned."""
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES)


def clean_inline_html(html: str) -> str:
    """One inline HTML fragment (a tag, a comment...), cleaned without being balanced."""
    closing = _CLOSING.fullmatch(html.strip())
    if closing:
        name = closing.group(1).lower()
        return f"</{name}>" if name in _TAGS else ""
    cleaned = clean_html(html)
    opening = _OPENING.fullmatch(html.strip())
    if opening:
        closer = f"</{opening.group(1).lower()}>"
        if cleaned.endswith(closer):
            cleaned = cleaned[: -len(closer)]
    return cleaned
