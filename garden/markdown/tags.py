"""Inline ``#tag`` and ``#nested/tag``.

A tag starts after whitespace or at the start of a line (so a URL's ``#fragment`` is not one), must
contain something other than digits (``#1`` is not a tag), and is never read inside code, which
mistune has already taken out of the inline text.
"""

from __future__ import annotations

from typing import Any

from mistune import InlineParser, InlineState, Markdown

TAG_PATTERN = r"(?<!\S)#(?P<tag_name>[\w/\-]*[^\W\d][\w/\-]*)"


def _parse_tag(inline: InlineParser, m: Any, state: InlineState) -> int:
    name = m.group("tag_name").strip("/")
    state.append_token({"type": "tag", "raw": "#" + name, "attrs": {"name": name}})
    return m.start() + 1 + len(m.group("tag_name"))


def tags(md: Markdown) -> None:
    md.inline.register("tag", TAG_PATTERN, _parse_tag, before="link", start_chars="#")


def normalize_tag(tag: str) -> str:
    """Front-matter tags may be written "#tag" or "tag"; Obsidian treats them alike."""
    return tag.strip().lstrip("#").strip("/")
