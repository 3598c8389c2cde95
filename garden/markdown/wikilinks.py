"""``[[wikilinks]]`` and ``![[embeds]]`` as mistune inline tokens of type ``ref``.

Registered before mistune's own ``link`` rule so ``[[x]]`` is never read as a bracketed link.
Markdown links and images whose destination is inside the vault become ``ref`` tokens too (see
``internal_markdown_links``), so the renderer has a single path for every internal link.
"""

from __future__ import annotations

from typing import Any

from mistune import InlineParser, InlineState, Markdown

from garden.markdown.reference import is_external, parse_markdown_destination, parse_wikilink

WIKILINK_PATTERN = r"!?\[\[(?P<wikilink_inner>[^\[\]\n]+?)\]\]"


def _parse_wikilink(inline: InlineParser, m: Any, state: InlineState) -> int:
    raw = m.group(0)
    ref = parse_wikilink(m.group("wikilink_inner"), embed=raw.startswith("!"))
    state.append_token({"type": "ref", "attrs": {"ref": ref, "raw": raw}})
    return m.end()


def wikilinks(md: Markdown) -> None:
    md.inline.register(
        "wikilink", WIKILINK_PATTERN, _parse_wikilink, before="link", start_chars=("!", "[")
    )


def plain_text(tokens: list[dict[str, Any]]) -> str:
    """The visible text of inline tokens (alt text, heading text, titles)."""
    parts: list[str] = []
    for tok in tokens:
        kind = tok["type"]
        if kind == "ref":
            ref = tok["attrs"]["ref"]
            parts.append(ref.label or ref.target)
        elif "children" in tok:
            parts.append(plain_text(tok["children"]))
        elif kind in ("softbreak", "linebreak"):
            parts.append(" ")
        elif isinstance(tok.get("raw"), str):
            parts.append(tok["raw"])
    return "".join(parts)


def internal_markdown_links(tokens: list[dict[str, Any]]) -> None:
    """Turn ``link``/``image`` tokens that point inside the vault into ``ref`` tokens, in place."""
    for tok in tokens:
        children = tok.get("children")
        if children:
            internal_markdown_links(children)
        kind = tok["type"]
        if kind not in ("link", "image"):
            continue
        url = tok["attrs"]["url"]
        if is_external(url):
            continue
        embed = kind == "image"
        label = plain_text(children or []) if embed else None
        ref = parse_markdown_destination(url, label, embed=embed)
        tok["type"] = "ref"
        tok["attrs"] = {"ref": ref, "raw": url}
        if embed:
            tok.pop("children", None)
