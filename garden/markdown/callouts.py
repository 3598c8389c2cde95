"""Callouts: ``> [!type|metadata]± Title`` turns a block quote into a callout token.

Runs on the parsed tokens (not the text) so a callout body is parsed exactly like a block quote's:
nested callouts, lists, code and embeds inside all work.
"""

from __future__ import annotations

import re
from typing import Any

# "[!note|wide]": what follows the pipe is metadata (themes and CSS snippets size or style the
# callout by it), not part of the type.
_MARKER = re.compile(r"^\[!(?P<kind>[^\]\s|]+)(?:\|(?P<metadata>[^\]]*))?\](?P<fold>[+-]?)[ \t]*")

_CANONICAL = {
    "summary": "abstract",
    "tldr": "abstract",
    "hint": "tip",
    "important": "tip",
    "check": "success",
    "done": "success",
    "help": "question",
    "faq": "question",
    "caution": "warning",
    "attention": "warning",
    "fail": "failure",
    "missing": "failure",
    "error": "danger",
    "cite": "quote",
}


def canonical_callout(kind: str) -> str:
    kind = kind.lower()
    return _CANONICAL.get(kind, kind)


def transform_callouts(tokens: list[dict[str, Any]]) -> None:
    for tok in tokens:
        children = tok.get("children")
        if children:
            transform_callouts(children)
        if tok["type"] == "block_quote":
            _to_callout(tok)


def _to_callout(tok: dict[str, Any]) -> None:
    children = tok.get("children") or []
    if not children or children[0]["type"] != "paragraph":
        return
    inlines = children[0].get("children") or []
    if not inlines or inlines[0]["type"] != "text":
        return
    m = _MARKER.match(inlines[0]["raw"])
    if not m:
        return
    first = dict(inlines[0], raw=inlines[0]["raw"][m.end() :])
    rest_inlines = [first, *inlines[1:]]
    split = next((i for i, t in enumerate(rest_inlines) if t["type"] == "softbreak"), None)
    title = rest_inlines if split is None else rest_inlines[:split]
    body_inlines = [] if split is None else rest_inlines[split + 1 :]
    title = [t for t in title if t.get("raw") != ""]
    body: list[dict[str, Any]] = []
    if body_inlines:
        body.append({"type": "paragraph", "children": body_inlines})
    body.extend(children[1:])
    kind = m.group("kind")
    tok["type"] = "callout"
    tok["attrs"] = {
        **tok.get("attrs", {}),
        "kind": canonical_callout(kind),
        "fold": m.group("fold"),
        "metadata": (m.group("metadata") or "").strip(),
        "default_title": kind[:1].upper() + kind[1:].lower(),
    }
    tok["children"] = [{"type": "callout_title", "children": title}, *body]
