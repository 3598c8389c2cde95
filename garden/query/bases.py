"""Obsidian Bases: read a ``.base`` file (or a ```` ```base ```` block) and evaluate its views.

The file format is the help vault's "Bases syntax": ``filters`` (a statement, or a tree of
``and``/``or``/``not`` lists), ``formulas``, ``properties`` (``displayName``), ``summaries``
(custom summary formulas over ``values``) and ``views``, each a ``table``, ``cards`` or ``list``
with its own ``filters`` (joined to the global ones with AND), ``order`` (the properties shown),
``sort`` (``property``/``direction`` pairs), ``groupBy``, ``limit`` and ``summaries``; a cards
view's ``image``, ``imageFit``, ``imageAspectRatio`` and ``cardSize``.

Properties are named ``note.x`` (or just ``x``), ``file.x`` or ``formula.x``. A view's rows are
the published notes and files its filters select; without ``sort``, in vault-path order.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from garden.query.evaluate import (
    Compiled,
    Context,
    FormulaValues,
    Scope,
    compile_expression,
)
from garden.query.expr import Node, parse_expression
from garden.query.functions import file_field
from garden.query.results import QueryResult, ResultGroup, ResultRow, plain
from garden.query.values import (
    Date,
    Duration,
    FileRef,
    QueryError,
    Value,
    equal,
    is_empty,
    sort_keys,
    truthy,
)

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

VIEW_TYPES = ("table", "cards", "list")
MAX_BASE = 200_000  # characters of one base


@dataclass(frozen=True, slots=True)
class Filter:
    """A filter tree: ``op`` is "and", "or", "not" (over ``children``) or "expr" (``text``)."""

    op: str
    children: tuple[Filter, ...] = ()
    text: str = ""


@dataclass(frozen=True, slots=True)
class View:
    name: str
    type: str
    filters: Filter | None = None
    order: tuple[str, ...] = ()
    sort: tuple[tuple[str, bool], ...] = ()  # (property, descending)
    group_by: tuple[str, bool] | None = None
    limit: int | None = None
    summaries: tuple[tuple[str, str], ...] = ()  # (property, summary name)
    options: tuple[tuple[str, Any], ...] = ()
    problem: str = ""  # why this view cannot be shown ("" when it can)


@dataclass(frozen=True, slots=True)
class Base:
    filters: Filter | None = None
    formulas: tuple[tuple[str, str], ...] = ()
    display_names: tuple[tuple[str, str], ...] = ()
    summaries: tuple[tuple[str, str], ...] = ()
    views: tuple[View, ...] = ()
    problems: tuple[str, ...] = field(default=())  # about the base as a whole

    def view(self, name: str | None) -> View | None:
        """The view named ``name`` (case-insensitive), or the first one."""
        if not self.views:
            return None
        if not name:
            return self.views[0]
        for view in self.views:
            if view.name == name:
                return view
        for view in self.views:
            if view.name.casefold() == name.casefold():
                return view
        return None


def property_id(name: str) -> str:
    """``status`` and ``note.status`` are one property; ``file.x`` and ``formula.x`` stay."""
    name = str(name).strip()
    if name.startswith(("file.", "formula.", "note.")):
        return name
    return "note." + name


def _filter(value: Any, where: str) -> Filter:
    if isinstance(value, str | int | float | bool):
        return Filter("expr", text=str(value).lower() if isinstance(value, bool) else str(value))
    if isinstance(value, dict):
        if len(value) != 1:
            raise QueryError(f"{where}: a filter object has exactly one of and, or, not")
        ((op, items),) = value.items()
        op = str(op).lower()
        if op not in ("and", "or", "not"):
            raise QueryError(f"{where}: unknown filter {op!r} (use and, or, not)")
        if items is None:
            items = []
        if not isinstance(items, list):
            items = [items]
        return Filter(op, tuple(_filter(item, where) for item in items))
    if value is None:
        return Filter("and")
    raise QueryError(f"{where}: a filter is a text or an and/or/not list")


def parse_base(text: str) -> Base:
    """The base in ``text`` (YAML). Problems with the whole file raise ``QueryError``; a view
    that cannot be read keeps its ``problem`` and the others stay usable."""
    if len(text) > MAX_BASE:
        raise QueryError(f"base longer than {MAX_BASE:,} characters")
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise QueryError(f"invalid YAML{where}: {problem}") from None
    except (ValueError, OverflowError, RecursionError) as exc:
        raise QueryError(f"invalid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise QueryError("a base is a YAML mapping (filters, formulas, properties, views)")
    problems: list[str] = []
    filters = _filter(data["filters"], "filters") if data.get("filters") is not None else None
    formulas = _mapping(data.get("formulas"), "formulas")
    names: list[tuple[str, str]] = []
    for prop, config in _mapping_raw(data.get("properties"), "properties"):
        if isinstance(config, dict) and config.get("displayName") is not None:
            names.append((property_id(prop), str(config["displayName"])))
    summaries = _mapping(data.get("summaries"), "summaries")
    known = {str(k) for k in data}
    for key in sorted(known - {"filters", "formulas", "properties", "summaries", "views"}):
        problems.append(f"unknown key {key!r} ignored")
    views: list[View] = []
    raw_views = data.get("views")
    if raw_views is None:
        raw_views = [{"type": "table", "name": "Table"}]
    if not isinstance(raw_views, list):
        raise QueryError("views is a list of views")
    for index, raw in enumerate(raw_views):
        views.append(_view(raw, index))
    return Base(
        filters, tuple(formulas), tuple(names), tuple(summaries), tuple(views), tuple(problems)
    )


def _mapping_raw(value: Any, where: str) -> list[tuple[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise QueryError(f"{where} is a mapping of names to values")
    return [(str(k), v) for k, v in value.items()]


def _mapping(value: Any, where: str) -> list[tuple[str, str]]:
    return [
        (k, str(v) if not isinstance(v, bool) else str(v).lower())
        for k, v in _mapping_raw(value, where)
        if v is not None
    ]


_CARD_OPTIONS = ("image", "imageFit", "imageAspectRatio", "cardSize")


def _view(raw: Any, index: int) -> View:
    if not isinstance(raw, dict):
        return View(f"View {index + 1}", "table", problem="a view is a mapping (type, name, ...)")
    kind = str(raw.get("type") or "table").lower()
    name = str(raw.get("name") or kind.title())
    try:
        if kind not in VIEW_TYPES:
            raise QueryError(f"view type {kind!r} is not supported (table, cards and list are)")
        filters = (
            _filter(raw["filters"], f"view {name!r}") if raw.get("filters") is not None else None
        )
        order = tuple(property_id(p) for p in (raw.get("order") or []) if p is not None)
        sort: list[tuple[str, bool]] = []
        for item in raw.get("sort") or []:
            if isinstance(item, dict) and item.get("property"):
                sort.append(
                    (
                        property_id(item["property"]),
                        str(item.get("direction", "ASC")).upper() == "DESC",
                    )
                )
            elif isinstance(item, str):
                sort.append((property_id(item), False))
        group = raw.get("groupBy")
        group_by = None
        if isinstance(group, dict) and group.get("property"):
            group_by = (
                property_id(group["property"]),
                str(group.get("direction", "ASC")).upper() == "DESC",
            )
        elif isinstance(group, str):
            group_by = (property_id(group), False)
        limit = raw.get("limit")
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise QueryError(f"limit must be a whole number, got {limit!r}")
        summaries = tuple(
            (property_id(k), str(v))
            for k, v in _mapping_raw(raw.get("summaries"), "summaries")
            if v
        )
        options = tuple((k, raw[k]) for k in _CARD_OPTIONS if raw.get(k) is not None)
        if raw.get("image") is not None:
            options = tuple((k, property_id(v) if k == "image" else v) for k, v in options)
        return View(name, kind, filters, order, tuple(sort), group_by, limit, summaries, options)
    except QueryError as exc:
        return View(name, kind, problem=str(exc))


# --------------------------------------------------------------------------------------------
# Evaluating a view
# --------------------------------------------------------------------------------------------
def _compile_filter(node: Filter, formulas_ok: bool) -> Callable[[Scope], bool]:
    if node.op == "expr":
        fn = compile_expression(parse_expression(node.text, "bases"), "bases")
        return lambda scope: truthy(fn(scope))
    children = [_compile_filter(child, formulas_ok) for child in node.children]
    if node.op == "and":
        return lambda scope: all(child(scope) for child in children)
    if node.op == "or":
        return lambda scope: any(child(scope) for child in children)
    return lambda scope: not any(child(scope) for child in children)


def _formula_cycle(formulas: dict[str, Node]) -> str | None:
    """The name of a formula that uses itself, through others or directly, or None."""
    from garden.query.expr import Field, Name

    uses: dict[str, set[str]] = {}

    def walk(node: Any, found: set[str]) -> None:
        if isinstance(node, Field) and isinstance(node.obj, Name) and node.obj.name == "formula":
            found.add(node.name)
        if hasattr(node, "__slots__"):
            for slot in node.__slots__:
                child = getattr(node, slot, None)
                if isinstance(child, tuple):
                    for item in child:
                        walk(item[1] if isinstance(item, tuple) else item, found)
                elif hasattr(child, "__slots__"):
                    walk(child, found)

    for name, node in formulas.items():
        found: set[str] = set()
        walk(node, found)
        uses[name] = found
    state: dict[str, int] = {}

    def visit(name: str) -> str | None:
        if state.get(name) == 1:
            return name
        if state.get(name) == 2 or name not in uses:
            return None
        state[name] = 1
        for nxt in uses[name]:
            cyclic = visit(nxt)
            if cyclic is not None:
                return cyclic
        state[name] = 2
        return None

    for name in formulas:
        cyclic = visit(name)
        if cyclic is not None:
            return cyclic
    return None


class CompiledBase:
    """A base with its expressions compiled once; ``run(view, ...)`` evaluates a view."""

    def __init__(self, base: Base, text: str = "") -> None:
        self.base = base
        self.text = text  # the base's YAML, which names its cached results
        nodes: dict[str, Node] = {}
        for name, text in base.formulas:
            try:
                nodes[name] = parse_expression(text, "bases")
            except QueryError as exc:
                raise QueryError(f"formula {name!r}: {exc}") from None
        cyclic = _formula_cycle(nodes)
        if cyclic is not None:
            raise QueryError(f"formula {cyclic!r} uses itself (through other formulas or directly)")
        self.formulas: dict[str, Compiled] = {}
        for name, node in nodes.items():
            try:
                self.formulas[name] = compile_expression(node, "bases")
            except QueryError as exc:
                raise QueryError(f"formula {name!r}: {exc}") from None
        try:
            self.filters = _compile_filter(base.filters, True) if base.filters is not None else None
        except QueryError as exc:
            raise QueryError(f"filters: {exc}") from None
        self.summaries: dict[str, Compiled] = {}
        for name, text in base.summaries:
            try:
                self.summaries[name] = compile_expression(parse_expression(text, "bases"), "bases")
            except QueryError as exc:
                raise QueryError(f"summary {name!r}: {exc}") from None
        self.display = dict(base.display_names)

    def header(self, prop: str) -> str:
        if prop in self.display:
            return self.display[prop]
        kind, _, name = prop.partition(".")
        if kind == "file":
            return "file " + name if name != "name" else "file name"
        return name

    def value(self, prop: str, scope: Scope) -> Value:
        kind, _, name = prop.partition(".")
        row = scope.record
        if kind == "note":
            return row.prop(name)
        if kind == "file":
            return file_field(FileRef(row), name, scope)
        if scope.formulas is None or name not in self.formulas:
            raise QueryError(f"no formula named {name!r}")
        return scope.formulas.get(name, scope)

    def run(self, view: View, rows: list[Any], ctx: Context, this: Any) -> QueryResult:
        """Evaluate ``view`` over ``rows`` (``table.Row``s), ``this`` the note showing it."""
        if view.problem:
            raise QueryError(view.problem)
        try:
            view_filter = _compile_filter(view.filters, True) if view.filters is not None else None
        except QueryError as exc:
            raise QueryError(f"view {view.name!r} filters: {exc}") from None
        for prop in (
            *view.order,
            *(p for p, _ in view.sort),
            *([view.group_by[0]] if view.group_by else []),
        ):
            kind, _, name = prop.partition(".")
            if kind == "formula" and name not in self.formulas:
                raise QueryError(
                    f"view {view.name!r} uses formula.{name}, which the base does not define"
                )
        budget = ctx.budget
        scopes: list[Scope] = []
        for row in rows:
            budget.spend()
            scope = Scope(ctx, row, this, None, FormulaValues(self.formulas))
            if self.filters is not None and not self.filters(scope):
                continue
            if view_filter is not None and not view_filter(scope):
                continue
            scopes.append(scope)
        for prop, descending in reversed(view.sort):
            keys = sort_keys([self.value(prop, s) for s in scopes])
            order = sorted(range(len(scopes)), key=keys.__getitem__, reverse=descending)
            scopes = [scopes[i] for i in order]
        total = len(scopes)
        if view.limit is not None:
            scopes = scopes[: view.limit]
        columns = list(view.order) or ["file.name"]
        image = dict(view.options).get("image")
        result_rows = [self._row(columns, s, image) for s in scopes]
        summary_names = tuple(dict(view.summaries).get(prop, "") for prop in columns)
        groups: list[ResultGroup]
        if view.group_by is not None:
            prop, descending = view.group_by
            keyed_groups: list[tuple[Value, list[int]]] = []
            keys = [plain(self.value(prop, s)) for s in scopes]
            sort_by = sort_keys(keys)
            order = sorted(range(len(scopes)), key=sort_by.__getitem__, reverse=descending)
            for i in order:
                if keyed_groups and equal(keyed_groups[-1][0], keys[i]):
                    keyed_groups[-1][1].append(i)
                else:
                    keyed_groups.append((keys[i], [i]))
            # Within a group, rows keep the view's sort order.
            groups = []
            for key, members in keyed_groups:
                members.sort()
                group_rows = [result_rows[i] for i in members]
                groups.append(
                    ResultGroup(
                        key,
                        tuple(group_rows),
                        self._summaries(columns, summary_names, group_rows, ctx),
                    )
                )
        else:
            groups = [ResultGroup(None, tuple(result_rows))]
        options = tuple(view.options)
        return QueryResult(
            view.type,
            tuple(self.header(p) for p in columns),
            tuple(groups),
            grouped=view.group_by is not None,
            total=total,
            options=(*options, ("limit", view.limit), ("columns", tuple(columns))),
            summary_names=summary_names if any(summary_names) else (),
            summaries=self._summaries(columns, summary_names, result_rows, ctx)
            if any(summary_names)
            else (),
        )

    def _row(self, columns: list[str], scope: Scope, image: str | None) -> ResultRow:
        row = scope.record
        cells = []
        for prop in columns:
            value = self.value(prop, scope)
            if prop == "file.name":
                value = row.as_link()  # the name, shown as a link to the note
            cells.append(plain(value))
        cover = plain(self.value(image, scope)) if image else None
        return ResultRow(tuple(cells), row.as_link(), None, cover)

    def _summaries(
        self, columns: list[str], names: tuple[str, ...], rows: list[ResultRow], ctx: Context
    ) -> tuple[Value, ...]:
        if not any(names):
            return ()
        out: list[Value] = []
        for index, name in enumerate(names):
            if not name:
                out.append(None)
                continue
            values = [r.cells[index] for r in rows]
            out.append(self.summary(name, values, ctx))
        return tuple(out)

    def summary(self, name: str, values: list[Value], ctx: Context) -> Value:
        custom = self.summaries.get(name)
        if custom is not None:
            return plain(custom(Scope(ctx, None, None, {"values": values})))
        return builtin_summary(name, values)


def _numbers(values: list[Value]) -> list[float]:
    return [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _tidy(x: float) -> float:
    return int(x) if isinstance(x, float) and x.is_integer() and abs(x) < 2**53 else x


def builtin_summary(name: str, values: list[Value]) -> Value:
    """The default summaries of "Bases syntax" (Average, Min, Max, Sum, Range, Median, Stddev,
    Earliest, Latest, Checked, Unchecked, Empty, Filled, Unique)."""
    key = name.strip().lower()
    numbers = _numbers(values)
    dates = [v for v in values if isinstance(v, Date)]
    if key == "average":
        return _tidy(math.fsum(numbers) / len(numbers)) if numbers else None
    if key == "sum":
        return _tidy(math.fsum(numbers)) if numbers else 0
    if key == "min":
        return min(numbers) if numbers else None
    if key == "max":
        return max(numbers) if numbers else None
    if key == "median":
        return _tidy(float(statistics.median(numbers))) if numbers else None
    if key == "stddev":
        return _tidy(statistics.pstdev(numbers)) if len(numbers) > 0 else None
    if key == "range":
        if numbers:
            return _tidy(max(numbers) - min(numbers))
        if dates:
            return Duration(0, (max(dates).value - min(dates).value).total_seconds())
        return None
    if key == "earliest":
        return min(dates) if dates else None
    if key == "latest":
        return max(dates) if dates else None
    if key == "checked":
        return sum(1 for v in values if v is True)
    if key == "unchecked":
        return sum(1 for v in values if v is False)
    if key == "empty":
        return sum(1 for v in values if is_empty(v))
    if key == "filled":
        return sum(1 for v in values if not is_empty(v))
    if key == "unique":
        seen: list[Value] = []
        for v in values:
            if not any(equal(v, s) for s in seen):
                seen.append(v)
        return len(seen)
    raise QueryError(f"unknown summary {name!r}")


KNOWN_SUMMARIES = ("Average", "Min", "Max", "Sum", "Range", "Median", "Stddev", "Earliest",
                   "Latest", "Checked", "Unchecked", "Empty", "Filled", "Unique")  # fmt: skip
