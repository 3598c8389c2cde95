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
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from garden.diagnostics import Diagnostic
from garden.model import Note, Resolution, Vault
from garden.paths import VaultPath, is_base
from garden.query.bases import Base, CompiledBase, parse_base
from garden.query.dql import Pages, parse_query, run_inline, run_query
from garden.query.evaluate import Budget, Context, Record
from garden.query.expr import parse_expression
from garden.query.fields import inline_expression
from garden.query.results import QueryResult, error_result
from garden.query.table import PageRecord, PropertyTable, Row, TaskRecord
from garden.query.values import QueryError

CATEGORY = "query"
MAX_BASE_BYTES = 1024 * 1024

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


def _read_base(path: Path) -> tuple[str, str]:
    """The text of a base file, or "" and why it cannot be read."""
    try:
        if path.stat().st_size > MAX_BASE_BYTES:
            return "", f"larger than {MAX_BASE_BYTES // 1024} kB"
        return path.read_bytes().decode("utf-8-sig"), ""
    except OSError as exc:
        return "", f"cannot read: {exc.strerror or exc}"
    except UnicodeDecodeError:
        return "", "not valid UTF-8"


class QueryStage:
    """Runs once per build over the published vault. ``resolve(target, source)`` resolves link
    text over the whole vault (the resolver's rules), so a link to a private note is known as
    one and shown broken; ``now`` is the build's clock; ``language`` the site's."""

    def __init__(
        self,
        vault: Vault,
        resolve: Callable[[str, str], Resolution],
        *,
        now: dt.datetime | None = None,
        language: str = "en",
    ) -> None:
        self.vault = vault
        self.table = PropertyTable(vault, resolve)
        self.now = now or build_time()
        self.language = language
        self.diagnostics: list[Diagnostic] = []
        self.results = QueryResults()
        self._bases: dict[str, tuple[CompiledBase | None, str]] = {}
        note_rows = self.table.note_rows
        self.pages = Pages(
            [row.record for row in note_rows],
            tags_of=lambda r: r.row.tags,  # type: ignore[attr-defined]
            folder_of=lambda r: r.row.folder,  # type: ignore[attr-defined]
            path_of=lambda r: r.row.path,  # type: ignore[attr-defined]
            links_of=lambda r: {lk.path for lk in r.row.all_links if lk.path is not None},  # type: ignore[attr-defined]
            tasks_of=lambda r: [t for t in r.get("file").get("lists") if t.item.status is not None],  # type: ignore[union-attr, attr-defined]
            resolve_path=lambda text, origin: self.table.resolve_text(text, origin).path,
        )

    def warn(self, path: str, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(CATEGORY, path, line, message))

    def context(self, origin: str) -> Context:
        return Context(
            now=self.now,
            origin=origin,
            language=self.language,
            resolve=self.table.resolve_text,
            page=self.table.page,
            file=self.table.file,
            budget=Budget(),
        )

    # -- bases ----------------------------------------------------------------------------
    def base(self, path: str) -> tuple[CompiledBase | None, str]:
        """The compiled base of a published ``.base`` file, or None and why not (warned once)."""
        if path not in self._bases:
            source = self.vault.attachments.get(VaultPath(path))
            compiled: CompiledBase | None = None
            problem = "not a published base"
            if source is not None:
                text, problem = _read_base(source.abs_path)
                if not problem:
                    compiled, problem = self._compile_base(text, path, 0)
                else:
                    self.warn(path, 0, problem)
            self._bases[path] = (compiled, problem)
        return self._bases[path]

    def _compile_base(self, text: str, path: str, line: int) -> tuple[CompiledBase | None, str]:
        try:
            base = parse_base(text)
            for problem in base.problems:
                self.warn(path, line, problem)
            return CompiledBase(base), ""
        except QueryError as exc:
            self.warn(path, line, f"base: {exc}")
            return None, str(exc)

    def run_view(self, compiled: CompiledBase, view_name: str | None, origin: str, this: Row | None,
                 where: tuple[str, int]) -> QueryResult:  # fmt: skip
        base: Base = compiled.base
        view = base.view(view_name)
        if view is None:
            message = f"no view named {view_name!r}" if view_name else "the base has no views"
            self.warn(where[0], where[1], message)
            return error_result(message)
        try:
            result = compiled.run(view, self.table.all_rows, self.context(origin), this)
        except QueryError as exc:
            message = f"view {view.name!r}: {exc}"
            self.warn(where[0], where[1], message)
            return error_result(message)
        return _with_views(result, base)

    def all_views(
        self, compiled: CompiledBase, origin: str, this: Row | None, where: tuple[str, int]
    ) -> tuple[QueryResult, ...]:
        return tuple(
            self.run_view(compiled, view.name, origin, this, where) for view in compiled.base.views
        )

    # -- the whole vault ------------------------------------------------------------------
    def run(self) -> QueryResults:
        for path in sorted(self.vault.notes):
            self._note(self.vault.notes[path])
        for path in sorted(self.vault.attachments):
            if is_base(path):
                compiled, _ = self.base(path)
                this = self.table.rows.get(path)
                if compiled is not None:
                    self.results.base_pages[path] = self.all_views(compiled, path, this, (path, 0))
                else:
                    self.results.base_pages[path] = (error_result(self._bases[path][1]),)
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
            if res.kind != "attachment" or res.target is None or not is_base(res.target):
                continue
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
            return run_query(query, self.pages, self.context(row.path), row.record)
        except QueryError as exc:
            self.warn(row.path, line, f"dataview: {exc}")
            return error_result(str(exc))
        except RecursionError:
            self.warn(row.path, line, "dataview: the query nests too deeply")
            return error_result("the query nests too deeply")

    def _inline(self, code: str, row: Row, line: int) -> QueryResult:
        text = inline_expression(code)
        try:
            node = parse_expression(text, "dql")
            value = run_inline(node, self.context(row.path), row.record)
            return QueryResult("value", value=value, total=1)
        except QueryError as exc:
            self.warn(row.path, line, f"dataview: `= {text}`: {exc}")
            return error_result(str(exc))
        except RecursionError:
            self.warn(row.path, line, "dataview: the expression nests too deeply")
            return error_result("the expression nests too deeply")


def _with_views(result: QueryResult, base: Base) -> QueryResult:
    from dataclasses import replace

    return replace(result, views=tuple((v.name, v.type) for v in base.views))


def run_queries(
    vault: Vault,
    resolve: Callable[[str, str], Resolution],
    *,
    now: dt.datetime | None = None,
    language: str = "en",
) -> tuple[QueryResults, list[Diagnostic]]:
    """Evaluate every query of the published ``vault``: the query stage."""
    stage = QueryStage(vault, resolve, now=now, language=language)
    results = stage.run()
    return results, stage.diagnostics


__all__ = ["PageRecord", "QueryResults", "QueryStage", "Record", "TaskRecord", "run_queries"]
