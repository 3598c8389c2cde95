"""Obsidian Flavored Markdown on mistune 3: the one place the plugins are listed and ordered.

``parse_body`` turns a note's body into mistune's token tree (plain lists and dicts, picklable)
plus what the later stages need from it: headings with their anchors, block ids, links and tags.
Rendering the same tokens to HTML is ``garden.markdown.html``'s job, so a note is parsed once and
its tokens can be rendered again (for embeds) without re-parsing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import mistune

from garden.markdown.block_ids import assign_block_ids
from garden.markdown.callouts import transform_callouts
from garden.markdown.comments import strip_comments
from garden.markdown.tags import normalize_tag, tags
from garden.markdown.wikilinks import internal_markdown_links, plain_text, wikilinks
from garden.model import Heading, LinkRef
from garden.paths import heading_id

Token = dict[str, Any]

PLUGINS = (
    wikilinks,  # before "link": [[x]] is never a bracketed link
    tags,
    "strikethrough",
    "mark",  # ==highlight==
    "table",
    "task_lists",
    "footnotes",
    "url",  # bare https:// autolinks
    "math",  # $inline$ and $$display$$
)


def create_markdown() -> mistune.Markdown:
    return mistune.create_markdown(renderer=None, plugins=list(PLUGINS))


_MARKDOWN: mistune.Markdown | None = None


def _markdown() -> mistune.Markdown:
    global _MARKDOWN
    if _MARKDOWN is None:
        _MARKDOWN = create_markdown()
    return _MARKDOWN


@dataclass(frozen=True, slots=True)
class ParsedBody:
    tokens: list[Token]
    headings: tuple[Heading, ...]
    block_ids: frozenset[str]
    refs: tuple[LinkRef, ...]  # in document order, line numbers filled in from the body text
    tags: tuple[str, ...]  # inline tags in first-seen order


def iter_tokens(tokens: list[Token]) -> Iterator[Token]:
    """Every token, depth first, in document order."""
    for tok in tokens:
        yield tok
        children = tok.get("children")
        if children:
            yield from iter_tokens(children)


def parse_body(body: str, first_line: int = 1) -> ParsedBody:
    """Parse a note body that starts at line ``first_line`` of its file."""
    text = strip_comments(body)
    tokens, _state = _markdown().parse(text)
    assert isinstance(tokens, list)
    internal_markdown_links(tokens)
    transform_callouts(tokens)
    block_ids: set[str] = set()
    assign_block_ids(tokens, block_ids)
    headings = _assign_heading_ids(tokens)
    refs, inline_tags = _collect(tokens, text, first_line)
    return ParsedBody(tokens, headings, frozenset(block_ids), refs, inline_tags)


def _assign_heading_ids(tokens: list[Token]) -> tuple[Heading, ...]:
    headings: list[Heading] = []
    used: dict[str, int] = {}
    for tok in iter_tokens(tokens):
        if tok["type"] != "heading":
            continue
        text = plain_text(tok.get("children") or []).strip()
        base = heading_id(text)
        n = used.get(base, 0)
        used[base] = n + 1
        anchor = base if n == 0 else f"{base}-{n}"
        tok["attrs"]["id"] = anchor
        headings.append(Heading(tok["attrs"]["level"], text, anchor))
    return tuple(headings)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")


def mask_code(text: str) -> str:
    """``text`` with code (fences and inline spans) blanked out, lengths and newlines kept, so a
    link shown as an example inside code is not mistaken for the real one further down."""
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            out.append(" " * len(line))
            continue
        m = _FENCE.match(line)
        if m:
            fence = m.group(1)
            out.append(" " * len(line))
            continue
        out.append(_CODE_SPAN.sub(lambda c: " " * len(c.group(0)), line))
    return "\n".join(out)


class _LineFinder:
    """Line numbers for links, found by searching the raw text forward from the last link.

    mistune keeps no source positions; links appear in the token tree in document order (except
    footnotes, which come last), so a forward search with a restart from the top finds each one.
    """

    def __init__(self, text: str, first_line: int) -> None:
        self.text = mask_code(text)
        self.first_line = first_line
        self.pos = 0
        self.line = first_line

    def find(self, needles: list[str]) -> int:
        for needle in needles:
            if not needle:
                continue
            idx = self.text.find(needle, self.pos)
            if idx < 0:
                idx = self.text.find(needle)
                if idx < 0:
                    continue
                self.pos, self.line = 0, self.first_line
            self.line += self.text.count("\n", self.pos, idx)
            self.pos = idx
            return self.line
        return 0


def _collect(
    tokens: list[Token], text: str, first_line: int
) -> tuple[tuple[LinkRef, ...], tuple[str, ...]]:
    finder = _LineFinder(text, first_line)
    refs: list[LinkRef] = []
    seen_tags: dict[str, None] = {}
    for tok in iter_tokens(tokens):
        if tok["type"] == "ref":
            attrs = tok["attrs"]
            ref: LinkRef = attrs["ref"]
            line = finder.find([attrs["raw"], ref.target])
            ref = replace(ref, line=line)
            attrs["ref"] = ref
            refs.append(ref)
        elif tok["type"] == "tag":
            name = normalize_tag(tok["attrs"]["name"])
            if name:
                seen_tags.setdefault(name, None)
    return tuple(refs), tuple(seen_tags)
