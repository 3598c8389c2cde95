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
from mistune.plugins.table import table_in_list, table_in_quote

from garden.markdown.autolinks import autolinks
from garden.markdown.block_ids import assign_block_ids
from garden.markdown.callouts import transform_callouts
from garden.markdown.comments import blank_comments, comments, remove_comments
from garden.markdown.footnotes import inline_footnotes, number_footnotes
from garden.markdown.math import math
from garden.markdown.mermaid import number_diagrams
from garden.markdown.tags import normalize_tag, tags
from garden.markdown.tasks import tasks
from garden.markdown.wikilinks import internal_markdown_links, plain_text, wikilinks
from garden.model import Heading, LinkRef
from garden.paths import heading_id

Token = dict[str, Any]

PLUGINS = (
    comments,  # %% as a token, so code and math (taken out by their own rules) keep theirs
    wikilinks,  # before "link": [[x]] is never a bracketed link
    tags,
    "strikethrough",
    "mark",  # ==highlight==
    "table",
    table_in_quote,  # so in callouts too
    table_in_list,
    tasks,  # - [ ], - [x] and custom statuses - [?]
    "footnotes",
    inline_footnotes,  # ^[text]; after "footnotes", which draws the list
    autolinks,  # bare https:// URLs
    math,  # $inline$ and $$display$$, in quotes and lists too
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
    # in document order, line numbers filled in from the body text; then the links of mermaid
    # diagrams' internal-link nodes (syntax "diagram")
    refs: tuple[LinkRef, ...]
    tags: tuple[str, ...]  # inline tags in first-seen order


def iter_tokens(tokens: list[Token]) -> Iterator[Token]:
    """Every token, depth first, in document order."""
    return iter(all_tokens(tokens))


def all_tokens(tokens: list[Token]) -> list[Token]:
    """Every token, depth first, in document order, as a list: one walk (with a stack, not
    nested generators, whose cost grows with the depth of lists in lists) that the passes over
    a parsed note share."""
    found: list[Token] = []
    add = found.append
    stack = [iter(tokens)]
    while stack:
        for tok in stack[-1]:
            add(tok)
            children = tok.get("children")
            if children:
                stack.append(iter(children))
                break
        else:
            stack.pop()
    return found


# A mermaid fence's info string, wherever the block is (mermaid.is_mermaid decides).
_MERMAID = re.compile("mermaid", re.IGNORECASE)


def parse_body(body: str, first_line: int = 1) -> ParsedBody:
    """Parse a note body that starts at line ``first_line`` of its file. The passes over the
    tokens that only change what their syntax marks are skipped when the text has none of it
    (most notes have no comment, callout, block id or diagram)."""
    text = body
    tokens, _state = _markdown().parse(text)
    assert isinstance(tokens, list)
    if "%%" in text:
        remove_comments(tokens)
    number_footnotes(tokens)
    internal_markdown_links(tokens)
    if "[!" in text:
        transform_callouts(tokens)
    block_ids: set[str] = set()
    if "^" in text:
        assign_block_ids(tokens, block_ids)
    flat = all_tokens(tokens)
    headings = _assign_heading_ids(flat)
    refs, inline_tags = _collect(flat, text, first_line)
    if _MERMAID.search(text):
        refs += tuple(number_diagrams(tokens, text, first_line))
    return ParsedBody(tokens, headings, frozenset(block_ids), refs, inline_tags)


def _assign_heading_ids(flat: list[Token]) -> tuple[Heading, ...]:
    """Ids for the headings among ``flat`` (``all_tokens``)."""
    headings: list[Heading] = []
    used: dict[str, int] = {}
    for tok in flat:
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


# Any indent and quote markers: fences inside quotes, callouts and nested list items count too
# (over-masking only costs a line number, never a link).
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
_PREFIX = re.compile(r"^[ \t>]*")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")


def mask_code(text: str) -> str:
    """``text`` with code (fences and inline spans) blanked out, lengths and newlines kept, so a
    link shown as an example inside code is not mistaken for the real one further down."""
    if "`" not in text and "~" not in text:
        return text
    out: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        if fence is not None:
            if fence[0] in line:
                bare = _PREFIX.sub("", line).rstrip()
                if bare.startswith(fence) and not bare.strip(fence[0]):
                    fence = None
            out.append(" " * len(line))
            continue
        if "`" not in line and "~" not in line:  # neither a fence nor a code span
            out.append(line)
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
    footnotes, which come last), so a forward search from the end of the previous link, with a
    restart from the top, finds each one. Code and comments are blanked first.
    """

    def __init__(self, text: str, first_line: int) -> None:
        masked = mask_code(text)
        self.text = blank_comments(masked) if "%%" in masked else masked
        self.first_line = first_line
        self.pos = 0
        self.line = first_line

    def find(self, needles: list[str]) -> int:
        for needle in needles:
            if not needle:
                continue
            idx = self._search(needle, self.pos)
            if idx < 0:
                idx = self._search(needle, 0)
                if idx < 0:
                    continue
                self.pos, self.line = 0, self.first_line
            found = self.line + self.text.count("\n", self.pos, idx)
            end = idx + len(needle)
            self.line = found + self.text.count("\n", idx, end)
            self.pos = end
            return found
        return 0

    def _search(self, needle: str, start: int) -> int:
        """First ``needle`` from ``start``; a link "[[A]]" is never the end of an embed "![[A]]"."""
        idx = self.text.find(needle, start)
        while idx > 0 and needle.startswith("[[") and self.text[idx - 1] == "!":
            idx = self.text.find(needle, idx + 1)
        return idx


def _collect(
    flat: list[Token], text: str, first_line: int
) -> tuple[tuple[LinkRef, ...], tuple[str, ...]]:
    """The links (with their lines) and inline tags among ``flat`` (``all_tokens``)."""
    finder: _LineFinder | None = None  # made at the first link: masking code costs
    refs: list[LinkRef] = []
    seen_tags: dict[str, None] = {}
    for tok in flat:
        if tok["type"] == "ref":
            if finder is None:
                finder = _LineFinder(text, first_line)
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
