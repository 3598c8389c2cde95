"""The query stage, between filter and render: build the property table of the published vault
and evaluate every query a published note or base shows, once. What it gives render is plain
(``QueryResults``): the renderer draws it, and the page cache hashes the results a page shows, so
an edit redraws exactly the pages whose results it changed.

Queries evaluated: each ```` ```dataview ```` and ```` ```base ```` block and each inline query
`` `= expr` `` of a published note (``this`` is that note); each ``![[X.base]]`` or
``![[X.base#View]]`` embed (``this`` is the embedding note); and every view of every published
``.base`` file, for its page (``this`` is the base file). ```` ```dataviewjs ```` blocks and
`` `$= js` `` are never run. A query that cannot be evaluated is a warning naming the file and
line, and its result says why.

Work is kept small two ways. A query runs over its candidate rows only: the notes its ``FROM``
tags and folders select, or its base's top-level ``file.hasTag``/``file.inFolder``/``file.ext``
filters (an index lookup; the query's own filter still decides). And a result is reused from the
last build when nothing it depends on changed: its text, the digests of its candidate rows, of
``this`` when it uses ``this``, the clock when it uses ``now()``, and the whole vault's when it
read through a link (``Context.elsewhere``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from garden.diagnostics import Diagnostic
from garden.model import Note, Resolution, Vault
from garden.paths import VaultPath
from garden.query.bases import Base, CompiledBase, Filter, View, parse_base
from garden.query.dql import (
    BinarySource,
    FolderSource,
    NotSource,
    Pages,
    Query,
    Source,
    TagSource,
    parse_query,
    run_inline,
    run_query,
)
from garden.query.evaluate import Budget, Context
from garden.query.expr import Binary, Field, Lit, Method, Name, Node, Reads, parse_expression, reads
from garden.query.fields import inline_expression
from garden.query.results import QueryResult, error_result
from garden.query.table import PropertyTable, Row
from garden.query.values import QueryError

CATEGORY = "query"

JS_WARNING = "dataviewjs is never run: a vault's JavaScript does not run at build time"


def build_time() -> dt.datetime:
    """The build's "now" for ``now()``/``today()``: ``SOURCE_DATE_EPOCH`` when set (reproducible
    builds), else the clock; local time, as Obsidian shows it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch))
    return dt.datetime.now().replace(microsecond=0)


@dataclass
class QueryResults:
    """Every result the pages show, by where it is written."""

    blocks: dict[tuple[str, str, str], QueryResult | tuple[QueryResult, ...]] = field(
        default_factory=dict
    )
    embeds: dict[tuple[str, str, str], QueryResult] = field(default_factory=dict)
    base_pages: dict[str, tuple[QueryResult, ...]] = field(default_factory=dict)
    by_note: dict[str, list[object]] = field(default_factory=dict)  # what each note's body shows

    def block(
        self, note: str, kind: str, text: str
    ) -> QueryResult | tuple[QueryResult, ...] | None:
        return self.blocks.get((note, kind, text))

    def embed(self, note: str, base: str, view: str) -> QueryResult | None:
        return self.embeds.get((note, base, view))

    def inputs(self, note: str) -> list[object]:
        """The results a note's body shows, for its page key."""
        return self.by_note.get(note, [])


@dataclass(frozen=True, slots=True)
class CachedResult:
    """A result kept for the next build: valid while ``key`` (and, when the evaluation read
    through a link, ``vault``: the whole vault's digest) is the same."""

    key: str
    vault: str  # "" when the evaluation read its candidate rows only
    result: QueryResult


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


# --------------------------------------------------------------------------------------------
# Candidate rows: a superset of what a query can select, from the table's indexes
# --------------------------------------------------------------------------------------------
Paths = set[str] | None  # None: every row


def _both(a: Paths, b: Paths) -> Paths:
    if a is None:
        return b
    if b is None:
        return a
    return a & b


def _either(a: Paths, b: Paths) -> Paths:
    return None if a is None or b is None else a | b


def source_candidates(source: Source | None, table: PropertyTable) -> Paths:
    if isinstance(source, TagSource):
        return table.tagged(source.tag)
    if isinstance(source, FolderSource):
        folder = source.path.strip("/")
        exact = {p for p in (folder, folder + ".md") if p in table.rows}
        return table.in_folder(folder) | exact if folder else None
    if isinstance(source, BinarySource):
        left = source_candidates(source.left, table)
        right = source_candidates(source.right, table)
        return _both(left, right) if source.op == "and" else _either(left, right)
    return None  # everything, a negation, links (which the resolver decides)


def _equality(node: Node, dql: bool) -> tuple[str, object] | None:
    """``prop == "text"`` (or a number; ``note.prop`` in Bases) as (property, literal)."""
    if not (isinstance(node, Binary) and node.op == "=="):
        return None
    for side, other in ((node.left, node.right), (node.right, node.left)):
        if not isinstance(other, Lit):
            continue
        if isinstance(side, Name) and side.name not in ("file", "this", "note", "formula", "row"):
            return side.name, other.value
        on_note = isinstance(side, Field) and isinstance(side.obj, Name) and side.obj.name == "note"
        if on_note and not dql:
            assert isinstance(side, Field)
            return side.name, other.value
    return None


def where_candidates(node: Node, table: PropertyTable) -> Paths:
    """Notes a DQL ``WHERE`` can keep, from its ``field = literal`` conjuncts."""
    if isinstance(node, Binary) and node.op == "&&":
        return _both(where_candidates(node.left, table), where_candidates(node.right, table))
    found = _equality(node, dql=True)
    return table.equal_rows(found[0], found[1], dql=True) if found else None


def _expression_candidates(node: Node, table: PropertyTable) -> Paths:
    if isinstance(node, Binary) and node.op == "&&":
        return _both(
            _expression_candidates(node.left, table), _expression_candidates(node.right, table)
        )
    if isinstance(node, Binary) and node.op == "||":
        return _either(
            _expression_candidates(node.left, table), _expression_candidates(node.right, table)
        )
    found = _equality(node, dql=False)
    if found is not None:
        return table.equal_rows(found[0], found[1], dql=False)
    literals = [a.value for a in getattr(node, "args", ()) if isinstance(a, Lit)]
    on_file = isinstance(node, Method) and isinstance(node.obj, Name) and node.obj.name == "file"
    if on_file and literals and all(isinstance(v, str) for v in literals):
        assert isinstance(node, Method)
        if node.name == "hasTag" and len(literals) == len(node.args):
            tagged: set[str] = set()
            for tag in literals:
                tagged |= table.tagged(tag)
            return tagged
        if node.name == "inFolder" and len(node.args) == 1:
            return table.in_folder(literals[0]) if literals[0].strip("/") else None
    if (
        isinstance(node, Binary)
        and node.op == "=="
        and isinstance(node.left, Field)
        and isinstance(node.left.obj, Name)
        and node.left.obj.name == "file"
        and node.left.name == "ext"
        and isinstance(node.right, Lit)
        and isinstance(node.right.value, str)
    ):
        ext = node.right.value.lower()
        return {p for p, row in table.rows.items() if row.ext == ext}
    return None


def filter_candidates(node: Filter | None, table: PropertyTable) -> Paths:
    if node is None:
        return None
    if node.op == "expr":
        try:
            return _expression_candidates(parse_expression(node.text, "bases"), table)
        except QueryError:
            return None
    if node.op == "and":
        found: Paths = None
        for child in node.children:
            found = _both(found, filter_candidates(child, table))
        return found
    if node.op == "or" and node.children:
        union: Paths = set()
        for child in node.children:
            union = _either(union, filter_candidates(child, table))
        return union
    return None


def _base_reads(base: Base, view: View) -> Reads:
    found = Reads()
    texts = [text for _, text in base.formulas] + [text for _, text in base.summaries]
    todo = [f for f in (base.filters, view.filters) if f is not None]
    while todo:
        node = todo.pop()
        if node.op == "expr":
            texts.append(node.text)
        todo.extend(node.children)
    for text in texts:
        with contextlib.suppress(QueryError):
            found = found | reads(parse_expression(text, "bases"), "bases")
    return found


# --------------------------------------------------------------------------------------------
# The stage
# --------------------------------------------------------------------------------------------
class QueryStage:
    """Runs once per build over the published vault. ``resolve(target, source)`` resolves link
    text over the whole vault (the resolver's rules), so a link to a private note is known as
    one and shown broken; ``now`` is the build's clock; ``language`` the site's; ``previous``
    the results the last build kept (``CachedResult`` by key)."""

    def __init__(
        self,
        vault: Vault,
        resolve: Callable[[str, str], Resolution],
        *,
        now: dt.datetime | None = None,
        language: str = "en",
        previous: Mapping[str, CachedResult] | None = None,
    ) -> None:
        self.vault = vault
        self.table = PropertyTable(vault, resolve)
        self.now = now or build_time()
        self.language = language
        self.previous = previous or {}
        self.kept: dict[str, CachedResult] = {}
        self.reused = 0
        self.diagnostics: list[Diagnostic] = []
        self.results = QueryResults()
        self._bases: dict[str, tuple[CompiledBase | None, str]] = {}
        self._views: dict[str, QueryResult] = {}

    def warn(self, path: str, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(CATEGORY, path, line, message))

    def context(self, origin: str) -> Context:
        table = self.table
        ctx = Context(now=self.now, origin=origin, language=self.language, budget=Budget())

        def resolve(text: str, source: str) -> Any:
            ctx.elsewhere = True
            return table.resolve_text(text, source)

        def page(path: str) -> Any:
            ctx.elsewhere = True
            return table.page(path)

        def file(path: str) -> Any:
            ctx.elsewhere = True
            return table.file(path)

        ctx.resolve, ctx.page, ctx.file = resolve, page, file
        return ctx

    def pages(self, candidates: Paths) -> Pages:
        table = self.table
        return Pages(
            table.note_records(candidates),
            tags_of=lambda r: r.row.tag_keys,  # type: ignore[attr-defined]
            folder_of=lambda r: r.row.folder,  # type: ignore[attr-defined]
            path_of=lambda r: r.row.path,  # type: ignore[attr-defined]
            links_of=lambda r: {lk.path for lk in r.row.all_links if lk.path is not None},  # type: ignore[attr-defined]
            tasks_of=lambda r: [t for t in r.get("file").get("lists") if t.item.status is not None],
            resolve_path=lambda text, origin: table.resolve_text(text, origin).path,
        )

    def cached(self, key: str, run: Callable[[Context], QueryResult], origin: str) -> QueryResult:
        """``run``'s result, or the last build's when ``key`` is the same and, if that result
        read through a link, the vault is the same too."""
        old = self.previous.get(key)
        if old is not None and (not old.vault or old.vault == self.table.everything_digest):
            self.kept[key] = old
            self.reused += 1
            return old.result
        ctx = self.context(origin)
        result = run(ctx)
        vault = self.table.everything_digest if ctx.elsewhere else ""
        if result.kind != "error":
            self.kept[key] = CachedResult(key, vault, result)
        return result

    def _this_key(self, uses: Reads, row: Row | None) -> tuple[str, str]:
        this = row.digest if uses.this and row is not None else ""
        clock = self.now.isoformat() if uses.time else ""
        return this, clock

    # -- bases ----------------------------------------------------------------------------
    def base(self, path: str) -> tuple[CompiledBase | None, str]:
        """The compiled base of a published ``.base`` file, or None and why not (warned once)."""
        if path not in self._bases:
            note = self.vault.notes.get(VaultPath(path))
            compiled: CompiledBase | None = None
            problem = "not a published base"
            if note is not None and note.kind == "base":
                compiled, problem = self._compile_base(note.base_text, path, 0)
            self._bases[path] = (compiled, problem)
        return self._bases[path]

    def _compile_base(self, text: str, path: str, line: int) -> tuple[CompiledBase | None, str]:
        try:
            base = parse_base(text)
            for problem in base.problems:
                self.warn(path, line, problem)
            return CompiledBase(base, text), ""
        except QueryError as exc:
            self.warn(path, line, f"base: {exc}")
            return None, str(exc)

    def run_view(
        self,
        compiled: CompiledBase,
        view_name: str | None,
        origin: str,
        this: Row | None,
        where: tuple[str, int],
    ) -> QueryResult:
        base: Base = compiled.base
        view = base.view(view_name)
        if view is None:
            message = f"no view named {view_name!r}" if view_name else "the base has no views"
            self.warn(where[0], where[1], message)
            return error_result(message)
        candidates = _both(
            filter_candidates(base.filters, self.table), filter_candidates(view.filters, self.table)
        )
        this_key = self._this_key(_base_reads(base, view), this)
        key = _digest(
            "base",
            compiled.text,
            view.name,
            this.path if this is not None and this_key[0] else "",
            this_key,
            self.table.digest_of(candidates),
        )
        if key in self._views:  # the same view, shown by another note or page
            return self._views[key]
        rows = self.table.all_rows
        if candidates is not None:
            rows = [self.table.rows[p] for p in sorted(candidates)]
        try:
            result = self.cached(
                key, lambda ctx: compiled.run(view, rows, ctx, this), this.path if this else ""
            )
        except QueryError as exc:
            message = f"view {view.name!r}: {exc}"
            self.warn(where[0], where[1], message)
            return error_result(message)
        result = replace(result, views=tuple((v.name, v.type) for v in base.views))
        self._views[key] = result
        return result

    def all_views(
        self, compiled: CompiledBase, origin: str, this: Row | None, where: tuple[str, int]
    ) -> tuple[QueryResult, ...]:
        return tuple(
            self.run_view(compiled, view.name, origin, this, where) for view in compiled.base.views
        )

    # -- the whole vault ------------------------------------------------------------------
    def run(self) -> QueryResults:
        for path in sorted(self.vault.notes):
            note = self.vault.notes[path]
            if note.kind == "note":
                self._note(note)
            elif note.kind == "base":
                compiled, problem = self.base(path)
                this = self.table.rows.get(path)
                views = (
                    self.all_views(compiled, path, this, (path, 0))
                    if compiled is not None
                    else (error_result(problem),)
                )
                self.results.base_pages[path] = views
                self.results.by_note[path] = [("base", views)]
        return self.results

    def _note(self, note: Note) -> None:
        path = note.path
        shown: list[object] = []
        row = self.table.rows[path]
        for source in note.queries:
            key = (path, source.kind, source.text)
            if key in self.results.blocks:
                continue
            result: QueryResult | tuple[QueryResult, ...]
            if source.kind in ("dataviewjs", "inline-js"):
                self.warn(path, source.line, JS_WARNING)
                result = error_result(JS_WARNING)
            elif source.kind == "dataview":
                result = self._dql(source.text, row, source.line)
            elif source.kind == "inline":
                result = self._inline(source.text, row, source.line)
            else:
                compiled, problem = self._compile_base(source.text, path, source.line)
                result = (
                    self.all_views(compiled, path, row, (path, source.line))
                    if compiled is not None
                    else error_result(problem)
                )
            self.results.blocks[key] = result
            shown.append((source.kind, source.text, result))
        for ref in note.links:
            if not ref.embed:
                continue
            res = self.vault.resolution(path, ref)
            if res.kind != "note" or self.vault.notes[VaultPath(res.target or "")].kind != "base":
                continue
            assert res.target is not None
            view = ref.heading or ""
            key3 = (path, str(res.target), view)
            if key3 in self.results.embeds:
                continue
            compiled, problem = self.base(res.target)
            if compiled is None:
                self.warn(path, ref.line, f"![[{ref.target}]]: {problem}")
                embed_result = error_result(problem)
            else:
                embed_result = self.run_view(compiled, view or None, path, row, (path, ref.line))
            self.results.embeds[key3] = embed_result
            shown.append(("embed", res.target, view, embed_result))
        if shown:
            self.results.by_note[path] = shown

    def _dql(self, text: str, row: Row, line: int) -> QueryResult:
        try:
            query = parse_query(text)
        except QueryError as exc:
            self.warn(row.path, line, f"dataview: {exc}")
            return error_result(str(exc))
        candidates = source_candidates(query.source, self.table)
        if query.kind != "task":  # a TASK query's WHERE is about tasks, not notes
            for command in query.commands:
                if command.kind != "where":
                    break
                candidates = _both(candidates, where_candidates(command.exprs[0], self.table))
        key = _digest(
            "dql",
            text,
            row.path,
            self._this_key(_query_reads(query), row),
            self.table.digest_of(candidates),
            # FROM [[note]]: which note that is depends on the whole vault.
            self.table.everything_digest if _uses_links(query.source) else "",
        )
        pages = self.pages(candidates)
        return self._guarded(
            row.path,
            line,
            "dataview: ",
            lambda: self.cached(
                key, lambda ctx: run_query(query, pages, ctx, row.record), row.path
            ),
        )

    def _inline(self, code: str, row: Row, line: int) -> QueryResult:
        text = inline_expression(code)

        def run() -> QueryResult:
            node = parse_expression(text, "dql")
            value = run_inline(node, self.context(row.path), row.record)
            return QueryResult("value", value=value, total=1)

        return self._guarded(row.path, line, f"dataview: `= {text}`: ", run)

    def _guarded(
        self, path: str, line: int, what: str, run: Callable[[], QueryResult]
    ) -> QueryResult:
        """``run()``, or a warning and a result saying why it could not be evaluated."""
        try:
            return run()
        except QueryError as exc:
            message = str(exc)
        except RecursionError:
            message = "the query nests too deeply"
        self.warn(path, line, what + message)
        return error_result(message)


def _query_reads(query: Query) -> Reads:
    found = Reads()
    nodes = [node for node, _ in query.columns] + [n for c in query.commands for n in c.exprs]
    for node in nodes:
        found = found | reads(node, "dql")
    return found


def _uses_links(source: Source | None) -> bool:
    if isinstance(source, BinarySource):
        return _uses_links(source.left) or _uses_links(source.right)
    if isinstance(source, NotSource):
        return _uses_links(source.source)
    return source is not None and not isinstance(source, TagSource | FolderSource)


def run_queries(
    vault: Vault,
    resolve: Callable[[str, str], Resolution],
    *,
    now: dt.datetime | None = None,
    language: str = "en",
    previous: Mapping[str, CachedResult] | None = None,
) -> tuple[QueryResults, list[Diagnostic], dict[str, CachedResult]]:
    """Evaluate every query of the published ``vault``: the query stage. Returns the results,
    the warnings, and what the next build may reuse."""
    stage = QueryStage(vault, resolve, now=now, language=language, previous=previous)
    results = stage.run()
    return results, stage.diagnostics, stage.kept
