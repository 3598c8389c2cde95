"""``%%comments%%``: inline or over many lines and blocks, never in the output.

Each ``%%`` is an inline token (``comment``) read by mistune like any other inline syntax, so
``%%`` inside code — spans, fenced or indented blocks, at any depth of quotes, callouts and
lists — and inside math, raw HTML or a link's URL is never seen: the parser has already taken
those out of the text. ``remove_comments`` then walks the finished tokens in document order,
toggling at every ``%%`` and dropping what lies between, across block boundaries, so a comment
may span paragraphs, and an unclosed one hides the rest of the note, as in Obsidian. A comment
inside a paragraph leaves the paragraph whole ("Para %%a⏎b%% tail" is one paragraph).

``blank_comments`` is the text-level counterpart, only for finding links' line numbers.
"""

from __future__ import annotations

import re
from typing import Any

from mistune import InlineParser, InlineState, Markdown

Token = dict[str, Any]

# Blocks whose only content is inline text: left empty by a comment, they disappear.
_TEXT_BLOCKS = frozenset({"paragraph", "block_text", "heading"})
# Parts of a table keep their place even when a comment empties them.
_STRUCTURE = frozenset({"table_head", "table_body", "table_row", "table_cell"})


def _parse_comment(inline: InlineParser, m: Any, state: InlineState) -> int:
    state.append_token({"type": "comment"})
    return int(m.end())


def comments(md: Markdown) -> None:
    md.inline.register("comment", r"%%", _parse_comment, start_chars="%")


def remove_comments(tokens: list[Token]) -> None:
    """Drop every ``%%`` token and everything between a pair of them, in place."""
    _Walk().tokens(tokens)


class _Walk:
    def __init__(self) -> None:
        self.hidden = False

    def tokens(self, tokens: list[Token]) -> bool:
        """Filter ``tokens`` in place; say whether anything was removed."""
        kept: list[Token] = []
        removed = False
        for tok in tokens:
            if tok["type"] == "comment":
                self.hidden = not self.hidden
                removed = True
                continue
            children = tok.get("children")
            if not children:
                if self.hidden:
                    removed = True
                else:
                    kept.append(tok)
                continue
            hidden_before = self.hidden
            if not self.tokens(children):
                kept.append(tok)
                continue
            removed = True
            if tok["type"] in _TEXT_BLOCKS or tok["type"] == "table_cell":
                _trim(children)
            if children or tok["type"] in _STRUCTURE:
                kept.append(tok)
            elif not (hidden_before or tok["type"] in _TEXT_BLOCKS or _is_inline(tok)):
                kept.append(tok)  # e.g. a list item "- %%note%%": an empty bullet stays
        tokens[:] = kept
        return removed


def _is_inline(tok: Token) -> bool:
    return tok["type"] in ("emphasis", "strong", "link", "strikethrough", "mark")


def _trim(inlines: list[Token]) -> None:
    """A comment at either end of a block leaves no dangling space or line break."""
    for end in (0, -1):
        while inlines:
            tok = inlines[end]
            if tok["type"] in ("softbreak", "linebreak"):
                inlines.pop(end)
                continue
            if tok["type"] == "text":
                raw = tok["raw"].lstrip() if end == 0 else tok["raw"].rstrip()
                if not raw:
                    inlines.pop(end)
                    continue
                inlines[end] = dict(tok, raw=raw)
            break


_COMMENT = re.compile(r"%%.*?(?:%%|\Z)", re.DOTALL)


def blank_comments(text: str) -> str:
    """``text`` with comments blanked, lengths and newlines kept (``text`` has code masked)."""
    return _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
