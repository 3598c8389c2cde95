"""Task list items: ``- [ ] todo``, ``- [x] done`` and Obsidian's custom statuses (``- [?]``,
``- [/]``, ``- [-]``, …).

Obsidian makes any single character in the brackets a task; every status but a space counts as
checked. The character is kept (``attrs['task']``) so the page can carry it as ``data-task``,
which is what themes and CSS snippets made for Obsidian style custom statuses by.
"""

from __future__ import annotations

import re
from typing import Any

from mistune import BlockState, Markdown

_TASK = re.compile(r"^\[(?P<status>[^\]\n])\](?:[ \t]+|$)")


def tasks(md: Markdown) -> None:
    # Before inline parsing: the marker must be read from the item's raw text, where "[?]" is
    # still text and not yet a (would-be) link.
    md.before_render_hooks.append(_rewrite_hook)


def _rewrite_hook(md: Markdown, state: BlockState) -> None:
    _rewrite(state.tokens)


def _rewrite(tokens: list[dict[str, Any]]) -> None:
    for tok in tokens:
        if tok["type"] == "list_item":
            _to_task(tok)
        children = tok.get("children")
        if children:
            _rewrite(children)


def _to_task(item: dict[str, Any]) -> None:
    children = item.get("children") or []
    if not children or children[0]["type"] not in ("paragraph", "block_text"):
        return
    first = children[0]
    text = first.get("text", "")
    m = _TASK.match(text)
    if not m:
        return
    first["text"] = text[m.end() :]
    status = m.group("status")
    item["type"] = "task_list_item"
    item["attrs"] = {**item.get("attrs", {}), "checked": status != " ", "task": status}
