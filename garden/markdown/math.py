"""Math: ``$inline$`` and ``$$display$$``, in paragraphs, block quotes, callouts and list items.

mistune's own ``math`` plugin is the base; garden changes what Obsidian does differently:

- ``$$a$$ and text $$b$$`` on one line is a paragraph with two display formulas, not one block
  whose "formula" is everything between the first and last ``$$``;
- ``$$…$$`` inside a paragraph is display math that sits in the text (``inline_math`` with
  ``display``), so the renderer can draw it without putting a block inside ``<p>``;
- block math is read inside block quotes (so callouts) and list items too.
"""

from __future__ import annotations

from typing import Any

from mistune import BlockParser, BlockState, InlineParser, InlineState, Markdown
from mistune.plugins.math import INLINE_MATH_PATTERN

# As mistune's, except that a one-line block may not contain "$$" between its delimiters.
BLOCK_MATH_PATTERN = (
    r"^ {0,3}\$\$(?P<math_text_single>(?:(?!\$\$)[^\n])*?)\$\$[ \t]*(?:\n|$)|"
    r"^ {0,3}\$\$[ \t]*\n(?P<math_text_multi>[\s\S]*?)\n {0,3}\$\$[ \t]*(?:\n|$)"
)


def _parse_block_math(block: BlockParser, m: Any, state: BlockState) -> int:
    text = m.group("math_text_single")
    if text is None:
        text = m.group("math_text_multi")
    state.append_token({"type": "block_math", "raw": text})
    return int(m.end())


def _parse_inline_math(inline: InlineParser, m: Any, state: InlineState) -> int:
    display = m.group("display_math_text")
    if display is not None:
        state.append_token({"type": "inline_math", "raw": display, "attrs": {"display": True}})
        return int(m.end())
    text = m.group("backtick_math_text")
    if text is None:
        text = m.group("math_text")
    state.append_token({"type": "inline_math", "raw": text, "attrs": {"display": False}})
    return int(m.end())


def math(md: Markdown) -> None:
    md.block.register("block_math", BLOCK_MATH_PATTERN, _parse_block_math, before="list")
    md.inline.register("inline_math", INLINE_MATH_PATTERN, _parse_inline_math, before="codespan")
    md.block.insert_rule(md.block.block_quote_rules, "block_math", before="list")
    md.block.insert_rule(md.block.list_rules, "block_math", before="list")
