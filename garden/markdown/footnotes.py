"""Footnotes: mistune's ``[^1]`` / ``[^1]: text`` plus Obsidian's inline ``^[text]``, numbered in
the order they are first referenced, every reference with an id of its own.

mistune numbers footnotes while parsing and gives every reference to the same footnote the same
``id="fnref-N"``, so a footnote cited twice made two elements with one id. ``number_footnotes``
runs on the finished tokens (after comments are removed, so a reference inside a comment does not
count) and fills in ``attrs['ref']`` (this reference's position among the footnote's references)
and ``attrs['refs']`` on each footnote (how many back-links it needs); footnotes no reference
reaches any more are dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from mistune import InlineParser, InlineState, Markdown

# One level of brackets inside, so "^[see [[Note]]]" and "^[a [link](x)]" stay whole.
INLINE_FOOTNOTE_PATTERN = (
    r"\^\[(?P<inline_footnote_text>(?:[^\[\]\n]|\[\[[^\[\]\n]*\]\]|\[[^\[\]\n]*\])+)\]"
)


def _parse_inline_footnote(inline: InlineParser, m: Any, state: InlineState) -> int:
    env = state.env
    notes: list[str] = env.setdefault("footnotes", [])
    # A key with brackets can never be written as "[^key]", so it cannot clash with a named note.
    key = f"[inline {len(notes) + 1}]"
    env.setdefault("ref_footnotes", {})[key] = m.group("inline_footnote_text")
    indexes: dict[str, int] = env.setdefault(
        "footnote_indexes", {k: i for i, k in enumerate(notes)}
    )
    notes.append(key)
    indexes[key] = len(notes) - 1
    state.append_token({"type": "footnote_ref", "raw": key, "attrs": {"index": len(notes)}})
    return int(m.end())


def inline_footnotes(md: Markdown) -> None:
    """Register after mistune's ``footnotes`` plugin, which draws the footnote list."""
    md.inline.register(
        "inline_footnote",
        INLINE_FOOTNOTE_PATTERN,
        _parse_inline_footnote,
        before="link",
        start_chars="^",
    )


def _refs(tokens: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for tok in tokens:
        if tok["type"] == "footnote_ref":
            yield tok
        elif tok["type"] != "footnotes" and tok.get("children"):
            yield from _refs(tok["children"])


def number_footnotes(tokens: list[dict[str, Any]]) -> None:
    """Renumber footnotes by first reference and give each reference its own number, in place."""
    section = next((t for t in tokens if t["type"] == "footnotes"), None)
    if section is None:
        return
    new_index: dict[int, int] = {}
    counts: dict[int, int] = {}
    for ref in _refs(tokens):
        old = ref["attrs"]["index"]
        index = new_index.setdefault(old, len(new_index) + 1)
        counts[index] = counts.get(index, 0) + 1
        ref["attrs"] = {"index": index, "ref": counts[index]}
    items = []
    for item in section["children"]:
        renumbered = new_index.get(item["attrs"]["index"])
        if renumbered is not None:
            item["attrs"] = {**item["attrs"], "index": renumbered, "refs": counts[renumbered]}
            items.append(item)
    items.sort(key=lambda item: item["attrs"]["index"])
    if items:
        section["children"] = items
    else:
        tokens.remove(section)
