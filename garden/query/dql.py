"""Dataview's query language (DQL): parse a ```` ```dataview ```` block, run it over the property
table, and give a ``QueryResult``.

Supported (Dataview's docs: "Structure of a Query", "Query Types", "Data Commands", "Sources"):
``LIST [WITHOUT ID] [expr]``, ``TABLE [WITHOUT ID] expr [AS "name"], ...``, ``TASK``;
``FROM`` with ``#tag``, ``"folder"`` (or ``"folder/note"``), ``[[note]]`` (notes linking to it),
``[[]]`` (to this note), ``outgoing([[note]])``, ``and``, ``or``, ``-``/``!`` and parentheses;
then ``WHERE``, ``SORT expr [ASC|DESC], ...``, ``GROUP BY expr [AS name]``,
``FLATTEN expr [AS name]`` and ``LIMIT n`` in any order and number, each applied to the rows
the previous one left, as in Dataview. ``//`` starts a comment line. ``CALENDAR`` is refused
with a message (a calendar needs a script garden does not ship).

Without ``SORT``, rows come in the order of their notes' vault paths (Dataview's own order is
its index's, which no two machines share); groups are sorted by key, as in Dataview.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from garden.query.evaluate import Compiled, Context, DictRecord, Record, Scope, compile_expression
from garden.query.expr import Node, parse_expression
from garden.query.results import QueryResult, ResultGroup, ResultRow, TaskItem, plain
from garden.query.values import QueryError, Value, compare, fold_text, sort_keys, truthy

MAX_QUERY = 50_000  # characters of one query


# --------------------------------------------------------------------------------------------
# Sources (FROM)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TagSource:
    tag: str


@dataclass(frozen=True, slots=True)
class FolderSource:
    path: str


@dataclass(frozen=True, slots=True)
class LinkSource:
    target: str  # "" for this note
    outgoing: bool = False


@dataclass(frozen=True, slots=True)
class NotSource:
    source: Source


@dataclass(frozen=True, slots=True)
class BinarySource:
    op: str  # "and" or "or"
    left: Source
    right: Source


Source = TagSource | FolderSource | LinkSource | NotSource | BinarySource

_SOURCE_TOKEN = re.compile(
    r"\s*(?:(?P<tag>#[^\s()\"\[\]]+)|(?P<folder>\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<outgoing>outgoing\s*\(\s*\[\[(?P<out>[^\]]*)\]\]\s*\))|(?P<link>\[\[(?P<in>[^\]]*)\]\])"
    r"|(?P<op>\(|\)|-|!)|(?P<word>and|or)\b)",
    re.IGNORECASE,
)


def parse_source(text: str) -> Source:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _SOURCE_TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if not text[pos:].strip():
                break
            raise QueryError(f"FROM: cannot read {text[pos:].strip()[:40]!r}")
        if m.group("tag"):
            tokens.append(("tag", m.group("tag")[1:]))
        elif m.group("folder"):
            tokens.append(("folder", m.group("folder")[1:-1].replace('\\"', '"')))
        elif m.group("outgoing"):
            tokens.append(("outgoing", m.group("out")))
        elif m.group("link") is not None:
            tokens.append(("link", m.group("in")))
        elif m.group("op"):
            tokens.append(("op", m.group("op")))
        else:
            tokens.append(("op", m.group("word").lower()))
        pos = m.end()
    if not tokens:
        raise QueryError('FROM needs a source: #tag, "folder" or [[note]]')
    parser = _SourceParser(tokens)
    source = parser.binary()
    if parser.pos != len(tokens):
        raise QueryError(f"FROM: unexpected {tokens[parser.pos][1]!r}")
    return source


class _SourceParser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def binary(self) -> Source:
        left = self.atom()
        while (tok := self.peek()) is not None and tok in (("op", "and"), ("op", "or")):
            self.pos += 1
            left = BinarySource(tok[1], left, self.atom())
        return left

    def atom(self) -> Source:
        tok = self.peek()
        if tok is None:
            raise QueryError("FROM: a source is missing")
        self.pos += 1
        kind, value = tok
        if kind == "tag":
            return TagSource(value)
        if kind == "folder":
            return FolderSource(value)
        if kind == "link":
            return LinkSource(value.split("|")[0].split("#")[0].strip())
        if kind == "outgoing":
            return LinkSource(value.split("|")[0].split("#")[0].strip(), outgoing=True)
        if value in ("-", "!"):
            return NotSource(self.atom())
        if value == "(":
            inner = self.binary()
            if self.peek() != ("op", ")"):
                raise QueryError("FROM: a ')' is missing")
            self.pos += 1
            return inner
        raise QueryError(f"FROM: unexpected {value!r}")


# --------------------------------------------------------------------------------------------
# The query
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Command:
    kind: str  # "where", "sort", "group", "flatten", "limit"
    exprs: tuple[Node, ...] = ()
    descending: tuple[bool, ...] = ()  # per sort key
    name: str = ""  # GROUP BY / FLATTEN ... AS name (else the expression's text)
    limit: int = 0


@dataclass(frozen=True, slots=True)
class Query:
    kind: str  # "list", "table", "task"
    without_id: bool
    columns: tuple[tuple[Node, str], ...]  # (expression, header)
    source: Source | None
    commands: tuple[Command, ...]


_KEYWORDS = ("FROM", "WHERE", "SORT", "GROUP BY", "FLATTEN", "LIMIT")
_KEYWORD = re.compile(
    r"(?<![\w.\-])(FROM|WHERE|SORT|GROUP\s+BY|FLATTEN|LIMIT)(?![\w\-])", re.IGNORECASE
)


def _top_level(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` outside quotes and brackets, where keywords and commas may split."""
    spans: list[tuple[int, int]] = []
    depth = 0
    quote = ""
    start = 0
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if char == quote:
                quote = ""
                start = i + 1
            i += 1
            continue
        if char in "\"'" and depth == 0:
            if start < i:
                spans.append((start, i))
            quote = char
        elif char in "([{":
            if depth == 0 and start < i:
                spans.append((start, i))
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
            if depth == 0:
                start = i + 1
        i += 1
    if not quote and depth == 0 and start < len(text):
        spans.append((start, len(text)))
    return spans


def _split_clauses(text: str) -> list[tuple[str, str]]:
    """(keyword, body) in order; the first is ("HEAD", query type and fields)."""
    cuts: list[tuple[int, int, str]] = []
    for start, end in _top_level(text):
        for m in _KEYWORD.finditer(text, start, end):
            cuts.append((m.start(), m.end(), re.sub(r"\s+", " ", m.group(1).upper())))
    clauses: list[tuple[str, str]] = []
    last_end, last_kind = 0, "HEAD"
    for cut_start, cut_end, kind in cuts:
        clauses.append((last_kind, text[last_end:cut_start].strip()))
        last_end, last_kind = cut_end, kind
    clauses.append((last_kind, text[last_end:].strip()))
    return clauses


def _split_commas(text: str) -> list[str]:
    parts: list[str] = []
    last = 0
    for start, end in _top_level(text):
        for i in range(start, end):
            if text[i] == ",":
                parts.append(text[last:i])
                last = i + 1
    parts.append(text[last:])
    return [p.strip() for p in parts if p.strip()]


_AS = re.compile(r"\s+AS\s+", re.IGNORECASE)


def _split_as(text: str) -> tuple[str, str | None]:
    """``expr AS "Name"`` → (expr, Name); the last top-level AS wins."""
    found: re.Match[str] | None = None
    for start, end in _top_level(text):
        for m in _AS.finditer(text, start, end):
            found = m
    if found is None:
        # `AS "Name"`: the quoted name is outside every top-level span; look at the tail.
        tail = re.search(r"\s+AS\s+(\"(?:[^\"\\]|\\.)*\")\s*$", text, re.IGNORECASE)
        if tail is not None:
            return text[: tail.start()].strip(), tail.group(1)[1:-1]
        return text.strip(), None
    name = text[found.end() :].strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    return text[: found.start()].strip(), name


def _expression(text: str, where: str) -> Node:
    if not text.strip():
        raise QueryError(f"{where} needs an expression")
    try:
        return parse_expression(text.strip(), "dql")
    except QueryError as exc:
        raise QueryError(f"{where}: {exc}") from None


@lru_cache(maxsize=2048)
def parse_query(text: str) -> Query:
    """The query in ``text``; raises ``QueryError`` saying what is wrong."""
    if len(text) > MAX_QUERY:
        raise QueryError(f"query longer than {MAX_QUERY:,} characters")
    lines = [line for line in text.split("\n") if not line.strip().startswith("//")]
    body = "\n".join(lines).strip()
    if not body:
        raise QueryError("empty query: start with LIST, TABLE or TASK")
    clauses = _split_clauses(body)
    head = clauses[0][1]
    m = re.match(r"^(\w+)\b(.*)$", head, re.DOTALL)
    if m is None:
        raise QueryError("a query starts with LIST, TABLE or TASK")
    kind = m.group(1).lower()
    rest = m.group(2).strip()
    if kind == "calendar":
        raise QueryError("CALENDAR queries are not supported (they need an interactive calendar)")
    if kind not in ("list", "table", "task"):
        raise QueryError(f"unknown query type {m.group(1)!r}: use LIST, TABLE or TASK")
    without_id = False
    wid = re.match(r"^WITHOUT\s+ID\b", rest, re.IGNORECASE)
    if wid is not None:
        without_id = True
        rest = rest[wid.end() :].strip()
    columns: list[tuple[Node, str]] = []
    if kind == "table":
        for part in _split_commas(rest):
            expr_text, name = _split_as(part)
            columns.append((_expression(expr_text, "TABLE"), name or expr_text))
    elif kind == "list" and rest:
        columns.append((_expression(rest, "LIST"), rest))
    elif kind == "task" and rest:
        raise QueryError(f"TASK takes no fields: {rest!r}")
    source: Source | None = None
    commands: list[Command] = []
    for keyword, clause in clauses[1:]:
        if keyword == "FROM":
            if source is not None or commands:
                raise QueryError("FROM must come once, right after the query type")
            source = parse_source(clause)
        elif keyword == "WHERE":
            commands.append(Command("where", (_expression(clause, "WHERE"),)))
        elif keyword == "SORT":
            exprs: list[Node] = []
            desc: list[bool] = []
            for part in _split_commas(clause):
                dm = re.search(r"\s+(ASC|ASCENDING|DESC|DESCENDING)\s*$", " " + part, re.IGNORECASE)
                if dm is not None:
                    desc.append(dm.group(1).upper().startswith("DESC"))
                    part = (" " + part)[: dm.start()].strip()
                else:
                    desc.append(False)
                exprs.append(_expression(part, "SORT"))
            commands.append(Command("sort", tuple(exprs), tuple(desc)))
        elif keyword in ("GROUP BY", "FLATTEN"):
            expr_text, name = _split_as(clause)
            node = _expression(expr_text, keyword)
            kind_name = "group" if keyword == "GROUP BY" else "flatten"
            commands.append(Command(kind_name, (node,), name=name or expr_text))
        elif keyword == "LIMIT":
            try:
                amount = int(clause.strip())
            except ValueError:
                raise QueryError(f"LIMIT needs a number, got {clause.strip()!r}") from None
            commands.append(Command("limit", limit=max(0, amount)))
    return Query(kind, without_id, tuple(columns), source, tuple(commands))


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------
class Pages:
    """What a query runs over (``table.PropertyTable`` gives it): the published notes' records
    in path order, and the lookups sources need."""

    def __init__(
        self,
        records: Sequence[Record],
        tags_of: Callable[[Record], frozenset[str]],  # folded, with the tags they nest in
        folder_of: Callable[[Record], str],
        path_of: Callable[[Record], str],
        links_of: Callable[[Record], set[str]],
        tasks_of: Callable[[Record], list[Record]],
        resolve_path: Callable[[str, str], str | None],
    ) -> None:
        self.records = records
        self.tags_of = tags_of
        self.folder_of = folder_of
        self.path_of = path_of
        self.links_of = links_of
        self.tasks_of = tasks_of
        self.resolve_path = resolve_path


def _matches(source: Source, record: Record, pages: Pages, ctx: Context) -> bool:
    if isinstance(source, TagSource):  # the tag or one nested under it
        return fold_text(source.tag.strip().lstrip("#")) in pages.tags_of(record)
    if isinstance(source, FolderSource):
        folder = source.path.strip("/")
        path = pages.path_of(record)
        if not folder:
            return True
        stem = path[:-3] if path.lower().endswith(".md") else path
        return path.startswith(folder + "/") or stem == folder or path == folder
    if isinstance(source, LinkSource):
        target = pages.resolve_path(source.target, ctx.origin) if source.target else ctx.origin
        if target is None:
            return False
        if source.outgoing:
            targets = _outgoing(target, pages)
            return pages.path_of(record) in targets
        return target in pages.links_of(record)
    if isinstance(source, NotSource):
        return not _matches(source.source, record, pages, ctx)
    if source.op == "and":
        return _matches(source.left, record, pages, ctx) and _matches(
            source.right, record, pages, ctx
        )
    return _matches(source.left, record, pages, ctx) or _matches(source.right, record, pages, ctx)


def _outgoing(path: str, pages: Pages) -> set[str]:
    for record in pages.records:
        if pages.path_of(record) == path:
            return pages.links_of(record)
    return set()


def _compile(node: Node) -> Compiled:
    return compile_expression(node, "dql")


def run_query(query: Query, pages: Pages, ctx: Context, this: Record | None) -> QueryResult:
    """Run ``query`` for the note whose record is ``this``; ``QueryError`` when it fails."""
    budget = ctx.budget
    rows: list[Record] = []
    for record in pages.records:
        budget.spend()
        if query.source is None or _matches(query.source, record, pages, ctx):
            rows.append(record)
    if query.kind == "task":
        tasks: list[Record] = []
        for record in rows:
            tasks.extend(pages.tasks_of(record))
        rows = tasks
        budget.spend(len(rows))
    grouped_by = ""
    for command in query.commands:
        rows, grouped_by = _apply(command, rows, ctx, this, grouped_by)
    columns = [(_compile(node), header) for node, header in query.columns]
    if query.kind == "task":
        return _task_result(rows, grouped_by)
    id_column = not query.without_id
    out_rows: list[ResultRow] = []
    for record in rows:
        budget.spend()
        scope = Scope(ctx, record, this)
        cells = [plain(fn(scope)) for fn, _ in columns]
        if id_column:
            cells.insert(0, plain(record.get("key")) if grouped_by else plain(record.link()))
        out_rows.append(ResultRow(tuple(cells), None if grouped_by else record.link()))
    headers = tuple(h for _, h in query.columns)
    if id_column:
        headers = ("Group" if grouped_by else "File", *headers)
    group = ResultGroup(None, tuple(out_rows))
    # After GROUP BY each row is a group, named in the first column: no group headings.
    return QueryResult(query.kind, headers, (group,), id_column=id_column, total=len(out_rows))


def _apply(
    command: Command, rows: list[Record], ctx: Context, this: Record | None, grouped_by: str
) -> tuple[list[Record], str]:
    budget = ctx.budget
    budget.spend(len(rows))
    if command.kind == "where":
        fn = _compile(command.exprs[0])
        return [r for r in rows if truthy(fn(Scope(ctx, r, this)))], grouped_by
    if command.kind == "limit":
        return rows[: command.limit], grouped_by
    if command.kind == "sort":
        order = list(range(len(rows)))
        for expr, descending in reversed(list(zip(command.exprs, command.descending, strict=True))):
            fn = _compile(expr)
            keys = sort_keys([fn(Scope(ctx, r, this)) for r in rows])
            order.sort(key=keys.__getitem__, reverse=descending)  # stable: earlier keys win
        return [rows[i] for i in order], grouped_by
    if command.kind == "flatten":
        fn = _compile(command.exprs[0])
        out: list[Record] = []
        for r in rows:
            value = fn(Scope(ctx, r, this))
            for item in value if isinstance(value, list) else [value]:
                out.append(DictRecord({command.name: item}, r))
            budget.spend()
        return out, "" if grouped_by == command.name else grouped_by
    # group
    fn = _compile(command.exprs[0])
    keyed_rows = [(fn(Scope(ctx, r, this)), r) for r in rows]
    keys = sort_keys([key for key, _ in keyed_rows])
    order = sorted(range(len(keyed_rows)), key=keys.__getitem__)
    keyed_rows = [keyed_rows[i] for i in order]
    groups: list[tuple[Value, list[Record]]] = []
    for key, record in keyed_rows:
        if groups and compare(groups[-1][0], key) == 0:
            groups[-1][1].append(record)
        else:
            groups.append((key, [record]))
    records: list[Record] = [
        _GroupRecord({"key": key, "rows": members, command.name: key}) for key, members in groups
    ]
    return records, command.name


class _GroupRecord(DictRecord):
    def link(self) -> Any:
        key = self.values.get("key")
        return key


def _task_result(rows: list[Record], grouped_by: str) -> QueryResult:
    """Tasks as Dataview shows them: a matching task with all its children; a task whose parent
    also matches shown only under it; in groups when the query groups them."""
    if grouped_by:
        groups = []
        for group in rows:
            members = group.get("rows") or []
            groups.append(ResultGroup(plain(group.get("key")), _task_items(members)))
        total = sum(len(g.rows) for g in groups)
        return QueryResult("task", groups=tuple(groups), grouped=True, total=total)
    items = _task_items(rows)
    return QueryResult("task", groups=(ResultGroup(None, items),), total=len(items))


def _task_items(tasks: list[Record]) -> tuple[ResultRow, ...]:
    chosen = {id(t) for t in tasks}

    def has_chosen_ancestor(task: Any) -> bool:
        parent = getattr(task, "parent_record", None)
        while parent is not None:
            if id(parent) in chosen:
                return True
            parent = getattr(parent, "parent_record", None)
        return False

    def item(task: Any) -> TaskItem:
        it = task.item
        return TaskItem(
            it.text, it.status, str(task.row.path), it.line, tuple(item(c) for c in task.children)
        )

    out: list[ResultRow] = []
    for task in tasks:
        if not hasattr(task, "item"):
            continue  # a FLATTEN made it something else
        if has_chosen_ancestor(task):
            continue
        out.append(ResultRow((), task.link(), item(task)))
    return tuple(out)


def run_inline(expression: Node, ctx: Context, this: Record | None) -> Value:
    """An inline query `` `= expr` ``: one value, with ``this`` the note it is written in."""
    fn = _compile(expression)
    return plain(fn(Scope(ctx, this, this)))


KEYWORDS = _KEYWORDS
