"""Block ids: ``text ^my-id`` at the end of a paragraph or list item, or ``^my-id`` alone on the
line after a list, quote, callout or table. The marker disappears; the block gets ``id="^my-id"``
so ``[[Note#^my-id]]`` can point at it and ``![[Note#^my-id]]`` can embed it."""

from __future__ import annotations

import re
from typing import Any

_TRAILING_ID = re.compile(r"(?:^|\s)\^(?P<id>[A-Za-z0-9\-]+)\s*$")
_CONTAINERS = ("list", "block_quote", "callout", "table", "block_code", "block_math")


def assign_block_ids(tokens: list[dict[str, Any]], found: set[str]) -> None:
    """Set ``attrs['block_id']`` on blocks in place and add every id to ``found``."""
    previous: dict[str, Any] | None = None
    kept: list[dict[str, Any]] = []
    for tok in tokens:
        kind = tok["type"]
        if kind == "blank_line":
            kept.append(tok)
            continue
        children = tok.get("children")
        if kind in ("paragraph", "block_text"):
            block_id, alone = _take_trailing_id(tok)
            if block_id and alone and previous is not None and previous["type"] in _CONTAINERS:
                previous.setdefault("attrs", {})["block_id"] = block_id
                found.add(block_id)
                if not tok.get("children"):
                    continue  # the id line itself was the whole paragraph
            elif block_id:
                tok.setdefault("attrs", {})["block_id"] = block_id
                found.add(block_id)
                if alone:
                    tok["_id_alone"] = True
        elif children:
            assign_block_ids(children, found)
            if kind in ("list_item", "task_list_item"):
                _lift_from_text(tok)
            elif kind in ("block_quote", "callout"):
                _lift_alone_from_last(tok)
        kept.append(tok)
        previous = tok
    tokens[:] = kept


def _take_trailing_id(tok: dict[str, Any]) -> tuple[str | None, bool]:
    """Strip a trailing ``^id`` from a paragraph; also say if it stood alone on its line."""
    inlines = tok.get("children") or []
    if not inlines or inlines[-1]["type"] != "text":
        return None, False
    m = _TRAILING_ID.search(inlines[-1]["raw"])
    if not m:
        return None, False
    remaining = inlines[-1]["raw"][: m.start()]
    alone = not remaining.strip() and (len(inlines) == 1 or inlines[-2]["type"] == "softbreak")
    if remaining:
        inlines[-1] = dict(inlines[-1], raw=remaining)
    else:
        inlines.pop()
        if alone and inlines and inlines[-1]["type"] == "softbreak":
            inlines.pop()
    tok["children"] = inlines
    return m.group("id"), alone


def _lift_from_text(item: dict[str, Any]) -> None:
    """In a list item the id belongs to the item, not to the text inside it."""
    for child in item.get("children") or []:
        block_id = (child.get("attrs") or {}).pop("block_id", None)
        if block_id and child["type"] in ("block_text", "paragraph"):
            item.setdefault("attrs", {})["block_id"] = block_id
            return


def _lift_alone_from_last(container: dict[str, Any]) -> None:
    """``^id`` on the last line of a quote or callout (lazy continuation) names the whole block."""
    children = container.get("children") or []
    if not children:
        return
    last = children[-1]
    if last.pop("_id_alone", False):
        container.setdefault("attrs", {})["block_id"] = last["attrs"].pop("block_id")
