"""Mermaid code blocks: where they are, and which of their nodes link to notes.

Obsidian makes a node a link to the note named by its text when the node has the class
``internal-link`` (``class A,B internal-link;`` or ``A:::internal-link``); the text is the
node's label (``A[Biology]`` links to "Biology"), or its id when it has none. Those links are
found here, from the diagram's text, so they are resolved with every other link (a link to an
unpublished note is broken; the diagram is drawn later, see ``garden.diagrams``). Like Obsidian,
they are not links of the graph: no backlink, no edge.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from garden.markdown.reference import parse_wikilink
from garden.model import LinkRef

LINK_CLASS = "internal-link"


def is_mermaid(info: str | None) -> bool:
    return bool(info) and info.strip().split(None, 1)[0].lower() == "mermaid"  # type: ignore[union-attr]


# Openers of a node's shape and the closers that may end each (flowchart syntax).
_SHAPES = {
    "[[": ("]]",),
    "[(": (")]",),
    "[/": ("/]", "\\]"),
    "[\\": ("\\]", "/]"),
    "(((": (")))",),
    "((": ("))",),
    "([": ("])",),
    "{{": ("}}",),
    "[": ("]",),
    "(": (")",),
    "{": ("}",),
    ">": ("]",),
}
# A node id: letters, digits, "_" and "." with inner "-" ("a-b", never the "--" of an arrow).
_ID = r"[^\W][\w.]*(?:-[\w.]+)*"
_NODE = re.compile(
    rf"(?<![\w\-.])({_ID})\s*(\[\[|\[\(|\[/|\[\\|\(\(\(|\(\(|\(\[|\{{\{{|\[|\(|\{{|>)"
)
_SHAPE_LABEL = re.compile(rf"(?<![\w\-.])({_ID})\s*@\{{[^}}]*?\blabel\s*:\s*\"([^\"]*)\"")
_STATE_AS = re.compile(r'^\s*state\s+"([^"]*)"\s+as\s+(\S+)', re.I)
_CLASS_STMT = re.compile(r"^\s*class\s+(.+?)\s+([\w-]+)\s*$")
_TRIPLE = re.compile(rf"(?<![\w\-.])({_ID}|\"[^\"]*\")\s*(?:[\[({{>][^\])}}]*[\])}}]+)?:::([\w-]+)")
# What is not a node where ids are looked for: labels, quoted text, edge text, keywords.
_NOT_NODES = re.compile(r'"[^"]*"|\|[^|]*\||[\[({{>][^\])}}]*[\])}}]+|:::[\w-]+|@\{{[^}}]*\}}')
_DIRECTIVE = re.compile(r"^\s*(class|classDef|style|linkStyle|click|%%)\b", re.I)
_HTML_TAG = re.compile(r"<[^>]*>")
_COMMENT = re.compile(r"%%.*$")


def _statements(source: str) -> list[tuple[int, str]]:
    """(line offset, statement) for each statement; ``;`` also ends one, except in a label."""
    out = []
    for offset, line in enumerate(source.split("\n")):
        line = _COMMENT.sub("", line)
        if '"' in line:
            out.append((offset, line))
            continue
        out.extend((offset, part) for part in line.split(";"))
    return out


def _label(text: str, opener: str) -> str | None:
    """The label of a node whose shape opens with ``opener`` just before ``text``."""
    if text.startswith('"'):
        end = text.find('"', 1)
        return text[1:end] if end > 0 else None
    closers = _SHAPES[opener]
    ends = [i for i in (text.find(c) for c in closers) if i >= 0]
    return text[: min(ends)] if ends else None


def internal_link_nodes(source: str) -> list[tuple[str, str, int]]:
    """(node id, note name, line offset in ``source``) for every node of the diagram given the
    class ``internal-link``, in the order they are first given it."""
    labels: dict[str, str] = {}
    linked: dict[str, int] = {}
    nodes: set[str] = set()  # ids used as nodes: a class statement may list ones that are not
    for offset, stmt in _statements(source):
        if offset and not _DIRECTIVE.match(stmt):
            nodes.update(re.findall(_ID, _NOT_NODES.sub(" ", stmt)))
        m = _STATE_AS.match(stmt)
        if m:
            labels.setdefault(m.group(2), m.group(1))
        for m in _SHAPE_LABEL.finditer(stmt):
            labels.setdefault(m.group(1), m.group(2))
        for m in _NODE.finditer(stmt):
            node, opener = m.group(1), m.group(2)
            if node.lower() in ("class", "classdef", "style", "click", "linkstyle"):
                continue
            label = _label(stmt[m.end() :], opener)
            if label is not None:
                labels.setdefault(node, label)
        m = _CLASS_STMT.match(stmt)
        if m and m.group(2) == LINK_CLASS:
            for node in re.findall(r'"[^"]*"|[^,\s]+', m.group(1)):
                linked.setdefault(node.strip('"'), offset)
        for m in _TRIPLE.finditer(stmt):
            if m.group(2) == LINK_CLASS:
                linked.setdefault(m.group(1).strip('"'), offset)
    out = []
    for node, offset in linked.items():
        if node not in nodes and node not in labels:
            continue
        text = " ".join(_HTML_TAG.sub("", labels.get(node, node)).split())
        if text:
            out.append((node, text, offset))
    return out


def diagram_link(name: str, line: int = 0) -> LinkRef:
    """The link an ``internal-link`` node makes: like ``[[name]]``, marked as a diagram's."""
    return replace(parse_wikilink(name), syntax="diagram", line=line)


_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})\s*(\S*)")


def number_diagrams(tokens: list[dict[str, Any]], text: str, first_line: int) -> list[LinkRef]:
    """Give each mermaid block token its line (``attrs["line"]``, for warnings) and return the
    links of its ``internal-link`` nodes. Blocks are matched to the text's mermaid fences in
    order; when they cannot be (a fence mistune read otherwise), lines stay 0."""
    from garden.markdown import iter_tokens  # the package imports this module

    blocks = [
        t
        for t in iter_tokens(tokens)
        if t["type"] == "block_code" and is_mermaid((t.get("attrs") or {}).get("info"))
    ]
    if not blocks:
        return []
    fences: list[int] = []
    fence: str | None = None
    for n, text_line in enumerate(text.split("\n")):
        m = _FENCE.match(text_line)
        if fence is not None:
            if m and m.group(1).startswith(fence) and not m.group(2):
                fence = None
            continue
        if m:
            fence = m.group(1)
            if is_mermaid(m.group(2)):
                fences.append(first_line + n)
    lines = fences if len(fences) == len(blocks) else [0] * len(blocks)
    refs: list[LinkRef] = []
    for tok, line in zip(blocks, lines, strict=True):
        tok["attrs"]["line"] = line
        for _node, name, offset in internal_link_nodes(tok.get("raw", "")):
            refs.append(diagram_link(name, line + 1 + offset if line else 0))
    return refs
