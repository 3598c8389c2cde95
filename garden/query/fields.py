"""What parse reads from a note's text for queries: Dataview's inline fields, the list items and
tasks, and the queries themselves, each with its line. Pure functions of the text.

Inline fields (Dataview, "Adding metadata"):

- ``Key:: value`` on a line of its own (also after a list marker or a quote's ``>``), the key's
  Markdown formatting dropped (``**Rating**:: 6`` is ``Rating``);
- ``[key:: value]`` and ``(key:: value)`` anywhere in a line, brackets nested in the value kept.

Lines inside fenced code, and inline code spans, hold no fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from garden.model import InlineField, ListItem, QuerySource

_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})")
_PREFIX = re.compile(r"^[ \t>]*")
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")
_COMMENT = re.compile(r"%%.*?%%")
_LIST_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|[0-9]{1,9}[.)])(?:[ \t]+|$)"
    r"(?:\[(?P<status>[^\]\n])\](?:[ \t]+|$))?(?P<text>.*)$"
)
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_FULL_LINE_KEY = re.compile(r"^(?P<key>[^\s:\[\]()`#|][^:\[\]()`|]*?)::(?:[ \t]+|$)(?P<value>.*)$")
_MARKER_STARTS = frozenset("-*+0123456789")
_KEY_FORMATTING = re.compile(r"^[*_~=]+|[*_~=]+$")


def _lines_outside_code(body: str, first_line: int) -> Iterator[tuple[int, str]]:
    """(line number, text) of every line not inside a fenced code block, with inline code and
    ``%%comments%%`` blanked (same length) so no field is read from them."""
    fence: str | None = None
    in_comment = False
    for offset, line in enumerate(body.split("\n")):
        if fence is not None:
            bare = _PREFIX.sub("", line).rstrip()
            if bare.startswith(fence) and not bare.strip(fence[0]):
                fence = None
            continue
        if ("`" in line or "~" in line) and (m := _FENCE.match(line)) is not None:
            fence = m.group(1)
            continue
        if in_comment:
            end = line.find("%%")
            if end < 0:
                continue
            line = " " * (end + 2) + line[end + 2 :]
            in_comment = False
        if "`" in line:
            line = _CODE_SPAN.sub(lambda c: " " * len(c.group(0)), line)
        if "%%" in line:
            line = _COMMENT.sub(lambda c: " " * len(c.group(0)), line)
            if line.count("%%") % 2 == 1:
                start = line.find("%%")
                line = line[:start]
                in_comment = True
        yield first_line + offset, line


def _closing(line: str, start: int, open_char: str, close_char: str) -> int:
    """Index of the bracket closing the one before ``start`` (nesting and ``\\`` escapes kept),
    or -1."""
    depth = 0
    escaped = False
    for i in range(start, len(line)):
        char = line[i]
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
            continue
        if char == open_char:
            depth += 1
        elif char == close_char:
            if depth == 0:
                return i
            depth -= 1
    return -1


def bracketed_fields(line: str) -> list[tuple[str, str, str, int, int]]:
    """``[key:: value]`` and ``(key:: value)`` in ``line``: (key, value, wrapping, start, end)."""
    found: list[tuple[str, str, str, int, int]] = []
    i = 0
    while i < len(line):
        char = line[i]
        if char not in "[(":
            i += 1
            continue
        close_char = "]" if char == "[" else ")"
        sep = line.find("::", i + 1)
        if sep < 0:
            break
        key = line[i + 1 : sep].strip()
        if not key or any(c in key for c in "[]()"):
            i += 1
            continue
        end = _closing(line, sep + 2, char, close_char)
        if end < 0:
            i += 1
            continue
        found.append((_clean_key(key), line[sep + 2 : end].strip(), char, i, end + 1))
        i = end + 1
    return found


def _clean_key(key: str) -> str:
    return _KEY_FORMATTING.sub("", key.strip()).strip()


def extract(body: str, first_line: int = 1) -> tuple[tuple[InlineField, ...], tuple[ListItem, ...]]:
    """The inline fields and list items of a note body that starts at line ``first_line``."""
    fields: list[InlineField] = []
    items: list[ListItem] = []
    stack: list[tuple[int, int]] = []  # (indent width, line) of the open list items
    last_item: ListItem | None = None
    last_indent = -1
    for number, raw in _lines_outside_code(body, first_line):
        quote = _QUOTE.match(raw) if ">" in raw else None
        line = raw[quote.end() :] if quote else raw
        bare = line.lstrip()
        m = _LIST_ITEM.match(line) if bare[:1] in _MARKER_STARTS else None
        item_line = 0
        text = line
        if m is not None:
            indent = len(m.group("indent").expandtabs(4))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            parent = stack[-1][1] if stack else 0
            text = m.group("text")
            last_item = ListItem(number, parent, m.group("status"), text.strip())
            items.append(last_item)
            stack.append((indent, number))
            last_indent = indent
            item_line = number
        elif not line.strip():
            if not raw.strip():
                pass  # a blank line does not end a list: a later indented line continues it
        elif last_item is not None and len(line) - len(line.lstrip()) > last_indent:
            # A continuation line of the last item.
            items[-1] = ListItem(
                last_item.line,
                last_item.parent,
                last_item.status,
                last_item.text,
                number - last_item.line + 1,
            )
            last_item = items[-1]
            item_line = last_item.line
        else:
            stack.clear()
            last_item = None
            last_indent = -1
        if "::" not in text:
            continue
        bracketed = bracketed_fields(text)
        for key, value, wrapping, _, _ in bracketed:
            fields.append(InlineField(key, value, number, wrapping, item_line))
        if not bracketed:
            full = _FULL_LINE_KEY.match(text.strip())
            if full is not None:
                key = _clean_key(full.group("key"))
                if key and not key.startswith(("http", "www")):
                    fields.append(
                        InlineField(key, full.group("value").strip(), number, "", item_line)
                    )
    return tuple(fields), tuple(items)


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------
_QUERY_LANGUAGES = {"dataview": "dataview", "dataviewjs": "dataviewjs", "base": "base"}
_FENCE_INFO = re.compile(r"^[ \t>]*(?:[-*+][ \t]+|[0-9]+[.)][ \t]+)*(`{3,}|~{3,})[ \t]*([^\s`]*)")


def _info_word(info: str | None) -> str:
    return (info or "").strip().split(None, 1)[0].lower() if info and info.strip() else ""


def find_queries(
    tokens: list[dict[str, Any]], body: str, first_line: int = 1
) -> tuple[QuerySource, ...]:
    """The queries of a note's token tree in document order, with their lines found in the text
    the tokens were parsed from (``body``, starting at line ``first_line``)."""
    from garden.markdown import iter_tokens

    if "`" not in body and "~~~" not in body:
        return ()  # no code, so no query
    fence_lines: dict[str, list[int]] = {}
    for offset, text_line in enumerate(body.split("\n")):
        m = _FENCE_INFO.match(text_line)
        if m is not None:
            word = m.group(2).lower()
            if word in _QUERY_LANGUAGES:
                fence_lines.setdefault(word, []).append(first_line + offset)
    used: dict[str, int] = {}
    found: list[QuerySource] = []
    search_from = 0
    for tok in iter_tokens(tokens):
        kind = tok["type"]
        if kind == "block_code":
            word = _info_word((tok.get("attrs") or {}).get("info"))
            if word not in _QUERY_LANGUAGES:
                continue
            n = used.get(word, 0)
            used[word] = n + 1
            lines = fence_lines.get(word, [])
            line = lines[n] + 1 if n < len(lines) else 0
            found.append(QuerySource(_QUERY_LANGUAGES[word], tok.get("raw", ""), line))  # type: ignore[arg-type]
        elif kind == "codespan":
            code = tok.get("raw", "")
            query_kind = inline_kind(code)
            if not query_kind:
                continue
            pos = body.find("`" + code, search_from)
            if pos < 0:
                pos = body.find("`" + code)
            if pos >= 0:
                search_from = pos + len(code)
            line = first_line + body.count("\n", 0, pos) if pos >= 0 else 0
            found.append(QuerySource(query_kind, code, line))  # type: ignore[arg-type]
    return tuple(found)


def inline_kind(code: str) -> str:
    """ "inline" for Dataview's `` `= expr` ``, "inline-js" for `` `$= js` ``, else "". Code
    that starts with ``==`` (``==highlight==`` shown as an example) is no query."""
    stripped = code.strip()
    if stripped.startswith("$=") and not stripped.startswith("$==") and stripped[2:].strip():
        return "inline-js"
    if stripped.startswith("=") and not stripped.startswith("==") and stripped[1:].strip():
        return "inline"
    return ""


def inline_expression(code: str) -> str:
    """The expression of an inline query's code (`` `= this.x` `` → ``this.x``)."""
    return code.strip()[1:].strip()
