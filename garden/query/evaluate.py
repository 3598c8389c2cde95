"""Evaluate expression ASTs safely: compiled once into Python closures, never ``eval``.

Nothing is reached that the query model does not offer: a name is a property of the row, a
local (a lambda's parameter, ``value``/``index``/``acc`` in a Bases list method), or one of the
few objects each dialect defines (``file``, ``note``, ``formula``, ``this``, ``row``); a
function or method is one of the tables in ``functions.py``. Each query has a ``Budget``: every
row and every element a list function visits spends from it, and texts and lists have a maximum
size, so a query's time and memory are bounded whatever it says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from garden.query.expr import (
    Apply,
    Binary,
    Call,
    Dialect,
    Field,
    Index,
    LambdaNode,
    LinkNode,
    ListNode,
    Lit,
    Method,
    Name,
    Node,
    ObjectNode,
    Unary,
)
from garden.query.values import (
    Date,
    Duration,
    FileRef,
    Lambda,
    Link,
    QueryError,
    Value,
    add_duration,
    check_size,
    compare,
    date_difference,
    equal,
    parse_date,
    parse_duration,
    to_text,
    truthy,
)

MAX_STEPS = 2_000_000  # rows and list elements one query may visit


class Budget:
    """What one query may spend; ``spend`` raises ``QueryError`` once it is gone."""

    __slots__ = ("left",)

    def __init__(self, steps: int = MAX_STEPS) -> None:
        self.left = steps

    def spend(self, steps: int = 1) -> None:
        self.left -= steps
        if self.left < 0:
            raise QueryError(f"the query does more than {MAX_STEPS:,} steps of work; simplify it")


class Record:
    """A row as an object of named values (a page, a Dataview result row, a group): ``get``
    answers null for a name it does not have."""

    def get(self, name: str) -> Value:
        raise NotImplementedError

    def keys(self) -> list[str]:
        return []

    def link(self) -> Link | None:
        """The link shown for this record when it is displayed as a value."""
        return None


class DictRecord(Record):
    """Named values over a parent record: a FLATTEN's new name, a GROUP BY's ``key``/``rows``."""

    __slots__ = ("parent", "values")

    def __init__(self, values: dict[str, Value], parent: Record | None = None) -> None:
        self.values = values
        self.parent = parent

    def get(self, name: str) -> Value:
        if name in self.values:
            return self.values[name]
        return self.parent.get(name) if self.parent is not None else None

    def keys(self) -> list[str]:
        parent = self.parent.keys() if self.parent is not None else []
        return list(dict.fromkeys([*self.values, *parent]))

    def link(self) -> Link | None:
        return self.parent.link() if self.parent is not None else None


@dataclass
class Context:
    """What every evaluation of one query shares. ``resolve(text, origin)`` turns link text
    into a ``Link`` (to a published note or file, or broken); ``page(path)`` is the record of
    a published note (DQL's ``[[Note]].field``); ``file(path)`` the ``FileRef`` of a published
    note or file; ``now`` the build's clock (``SOURCE_DATE_EPOCH`` when set)."""

    now: dt.datetime
    origin: str = ""  # the vault path of the note (or base file) holding the query
    language: str = "en"  # the site's language: month names in format(), relative()
    resolve: Callable[[str, str], Link] = lambda text, origin: Link(text, kind="broken")
    page: Callable[[str], Record | None] = lambda path: None
    file: Callable[[str], FileRef | None] = lambda path: None
    budget: Budget = field(default_factory=Budget)
    # Set when an evaluation read more than its rows: a link resolved, a linked note's fields
    # (the query stage then keys its cached result on the whole vault).
    elsewhere: bool = False


class Scope:
    """One evaluation: the row (a ``Record``; for Bases a ``table.Row``), the ``this`` row, the
    locals, and for Bases the row's formula values."""

    __slots__ = ("ctx", "formulas", "locals", "record", "this")

    def __init__(
        self,
        ctx: Context,
        record: Any = None,
        this: Any = None,
        locals_: dict[str, Value] | None = None,
        formulas: FormulaValues | None = None,
    ) -> None:
        self.ctx = ctx
        self.record = record
        self.this = this
        self.locals = locals_ or {}
        self.formulas = formulas

    def with_locals(self, extra: dict[str, Value]) -> Scope:
        return Scope(self.ctx, self.record, self.this, {**self.locals, **extra}, self.formulas)


Compiled = Callable[[Scope], Value]


class FormulaValues:
    """A Bases row's formulas, each evaluated at most once (a formula may use another, never in
    a cycle: ``Compiler`` refuses those before anything runs)."""

    __slots__ = ("active", "cache", "compiled")

    def __init__(self, compiled: dict[str, Compiled]) -> None:
        self.compiled = compiled
        self.cache: dict[str, Value] = {}
        self.active: set[str] = set()

    def get(self, name: str, scope: Scope) -> Value:
        if name in self.cache:
            return self.cache[name]
        fn = self.compiled.get(name)
        if fn is None:
            return None
        if name in self.active:
            raise QueryError(f"formula '{name}' uses itself")
        self.active.add(name)
        try:
            value = fn(scope)
        finally:
            self.active.discard(name)
        self.cache[name] = value
        return value


# --------------------------------------------------------------------------------------------
# Operators
# --------------------------------------------------------------------------------------------
def _tidy(x: float) -> float:
    return int(x) if isinstance(x, float) and x.is_integer() and abs(x) < 2**53 else x


def _is_number(v: Value) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _as_duration(v: Value, dialect: Dialect) -> Duration | None:
    if isinstance(v, Duration):
        return v
    if dialect == "bases" and isinstance(v, str):
        return parse_duration(v)
    return None


def arithmetic(op: str, a: Value, b: Value, dialect: Dialect) -> Value:
    """``+ - * / %``. A type mismatch gives null (the cell is empty), never an exception."""
    if op == "+":
        if _is_number(a) and _is_number(b):
            return a + b
        if isinstance(a, Date) or isinstance(b, Date):
            date, other = (a, b) if isinstance(a, Date) else (b, a)
            span = _as_duration(other, dialect)
            return add_duration(date, span) if span is not None else None
        if isinstance(a, Duration) and isinstance(b, Duration):
            return a + b
        if isinstance(a, str) or isinstance(b, str):
            if dialect == "bases" and (a is None or b is None):
                return check_size(
                    ("" if a is None else to_text(a)) + ("" if b is None else to_text(b))
                )
            if a is None or b is None:
                return None
            return check_size(to_text(a) + to_text(b))
        if isinstance(a, list) and isinstance(b, list):
            return check_size(a + b)
        return None
    if op == "-":
        if _is_number(a) and _is_number(b):
            return a - b
        if isinstance(a, Date):
            if isinstance(b, Date):
                return date_difference(a, b)
            if dialect == "bases" and isinstance(b, str) and parse_date(b) is not None:
                return date_difference(a, parse_date(b))  # type: ignore[arg-type]
            span = _as_duration(b, dialect)
            return add_duration(a, span, -1) if span is not None else None
        if isinstance(a, Duration) and isinstance(b, Duration):
            return a + (-b)
        return None
    if op == "*":
        if _is_number(a) and _is_number(b):
            return a * b
        if isinstance(a, Duration) and _is_number(b):
            return a.scaled(b)
        if isinstance(b, Duration) and _is_number(a) and dialect == "dql":
            return b.scaled(a)
        if isinstance(a, str) and _is_number(b) and dialect == "dql":
            return check_size(a * max(0, min(int(b), 1_000_000)))
        return None
    if op == "/":
        if _is_number(a) and _is_number(b):
            return a / b if b else None
        if isinstance(a, Duration) and _is_number(b):
            if not b:
                return None
            # Bases: the difference of two dates is milliseconds, as its docs divide it.
            return _tidy(a.millis / b) if dialect == "bases" else a.scaled(1 / b)
        return None
    if op == "%":
        if _is_number(a) and _is_number(b):
            if not b:
                return None
            # JavaScript's remainder takes the sign of the dividend.
            result = abs(a) % abs(b)
            return -result if a < 0 else result
        return None
    raise QueryError(f"unknown operator {op}")


def _bases_comparable(a: Value, b: Value) -> tuple[Value, Value] | None:
    """Two values ``<`` can order in Bases: numbers, texts, dates (a date compared with text
    reads the text as a date), durations; anything else (null, mixed types) is not."""
    if _is_number(a) and _is_number(b):
        return a, b
    # A duration (the difference of two dates) compares with a number as milliseconds.
    if isinstance(a, Duration) and _is_number(b):
        return a.millis, b
    if _is_number(a) and isinstance(b, Duration):
        return a, b.millis
    if isinstance(a, Date) and isinstance(b, str):
        parsed = parse_date(b)
        return (a, parsed) if parsed is not None else None
    if isinstance(a, str) and isinstance(b, Date):
        parsed = parse_date(a)
        return (parsed, b) if parsed is not None else None
    if type(a) is type(b) and isinstance(a, str | Date | Duration | bool):
        return a, b
    return None


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def _mixed(a: Value, b: Value, one: type | tuple[type, ...], other: type) -> bool:
    return (isinstance(a, one) and isinstance(b, other)) or (
        isinstance(a, other) and isinstance(b, one)
    )


def comparison(op: str, a: Value, b: Value, dialect: Dialect) -> bool:
    kind = type(a)
    if kind is type(b) and (kind is str or kind is int or kind is float):
        # The common case, the same in both dialects (text by its collation in DQL).
        if op == "==":
            return bool(a == b)
        if op == "!=":
            return bool(a != b)
        if kind is not str or dialect == "bases":
            return bool(_ORDER[op](a, b))
    if op in ("==", "!="):
        if dialect == "dql":
            same = compare(a, b) == 0 if type(a) is not type(b) else equal(a, b)
            same = same or equal(a, b)
        elif _mixed(a, b, Date, str) or _mixed(a, b, (int, float), Duration):
            # A date and its text, a duration and its milliseconds: compared as Bases does.
            pair = _bases_comparable(a, b)
            same = pair is not None and compare(*pair) == 0
        else:
            same = equal(a, b)
        return same if op == "==" else not same
    if dialect == "dql":
        c = compare(a, b)
    else:
        pair = _bases_comparable(a, b)
        if pair is None:
            return False
        c = compare(*pair)
    if op == "<":
        return c < 0
    if op == ">":
        return c > 0
    if op == "<=":
        return c <= 0
    return c >= 0


# --------------------------------------------------------------------------------------------
# Fields and indexes
# --------------------------------------------------------------------------------------------
_DATE_FIELDS: dict[str, Callable[[dt.datetime], Value]] = {
    "year": lambda d: d.year,
    "month": lambda d: d.month,
    "day": lambda d: d.day,
    "hour": lambda d: d.hour,
    "minute": lambda d: d.minute,
    "second": lambda d: d.second,
    "millisecond": lambda d: d.microsecond // 1000,
    "weekday": lambda d: d.isoweekday(),
    "week": lambda d: d.isocalendar()[1],
    "weekyear": lambda d: d.isocalendar()[0],
}


def _duration_field(span: Duration, name: str) -> Value:
    """A duration's components, as Luxon's: ``dur(1 day 12 hours).hours`` is 12."""
    seconds = abs(span.seconds)
    sign = -1 if span.seconds < 0 else 1
    table = {
        "years": int(span.months / 12),
        "months": span.months - 12 * int(span.months / 12),
        "weeks": sign * int(seconds // (7 * 86400)),
        "days": sign * int(seconds // 86400),
        "hours": sign * int(seconds % 86400 // 3600),
        "minutes": sign * int(seconds % 3600 // 60),
        "seconds": sign * int(seconds % 60),
        "milliseconds": sign * int(round(seconds * 1000) % 1000),
    }
    return table.get(name)


def get_field(value: Value, name: str, scope: Scope, dialect: Dialect) -> Value:
    if value is None:
        return None
    if isinstance(value, Record):
        return value.get(name)
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, FileRef):
        from garden.query.functions import file_field

        return file_field(value, name, scope)
    if isinstance(value, Date):
        fn = _DATE_FIELDS.get(name)
        return fn(value.value) if fn is not None else None
    if isinstance(value, Duration):
        return _duration_field(value, name)
    if isinstance(value, Link):
        if name == "length" and dialect == "bases":
            return None
        if value.kind == "note" and value.path is not None:
            page = scope.ctx.page(value.path)
            return page.get(name) if page is not None else None
        return None
    if isinstance(value, str):
        return len(value) if name == "length" else None
    if isinstance(value, list):
        if name == "length":
            return len(value)
        if dialect == "dql":  # swizzling: rows.file.name is the name of every row
            scope.ctx.budget.spend(len(value))
            return [get_field(item, name, scope, dialect) for item in value]
        return None
    return None


def get_index(value: Value, index: Value, scope: Scope, dialect: Dialect) -> Value:
    if isinstance(index, str):
        return get_field(value, index, scope, dialect)
    if not (isinstance(index, int | float) and not isinstance(index, bool)):
        return None
    if isinstance(index, float):
        if not index.is_integer():
            return None
        index = int(index)
    if isinstance(value, list | str):
        if index < 0:
            return None
        return value[index] if index < len(value) else None
    return None


# --------------------------------------------------------------------------------------------
# Compiling
# --------------------------------------------------------------------------------------------
_LAZY_METHODS = frozenset({"filter", "map", "reduce", "sort"})


class Compiler:
    """Turns an AST into a closure for one dialect. ``names(name)`` may give the closure for a
    bare name (the front end's namespaces); otherwise a name is a local or the row's value."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.params: list[tuple[str, ...]] = []  # the parameters of the lambdas being compiled

    def compile(self, node: Node) -> Compiled:
        method = getattr(self, "_" + type(node).__name__)
        result: Compiled = method(node)
        return result

    # -- leaves ---------------------------------------------------------------------------
    def _Lit(self, node: Lit) -> Compiled:
        value = node.value
        return lambda scope: value

    def _LinkNode(self, node: LinkNode) -> Compiled:
        from garden.query.functions import link_from_text

        text, embed = node.text, node.embed

        def link(scope: Scope) -> Value:
            return link_from_text(scope.ctx, text, embed=embed)

        return link

    def _Name(self, node: Name) -> Compiled:
        name = node.name
        if self.dialect == "bases":
            return self._bases_name(name)
        if name == "this":
            return lambda scope: scope.locals.get("this", scope.this)
        if name == "row":
            return lambda scope: scope.locals.get("row", scope.record)

        return _lookup(name, lambda record: record.get(name))

    def _bases_name(self, name: str) -> Compiled:
        from garden.query.functions import NoteProperties, ThisObject

        if name == "file":
            return lambda scope: FileRef(scope.record) if scope.record is not None else None
        if name == "note":
            return lambda scope: NoteProperties(scope.record)
        if name == "this":
            return lambda scope: ThisObject(scope.this) if scope.this is not None else None
        if name == "formula":
            return lambda scope: _FormulaNamespace(scope)

        return _lookup(name, lambda record: record.prop(name))

    # -- structure ------------------------------------------------------------------------
    def _Field(self, node: Field) -> Compiled:
        name = node.name
        dialect = self.dialect
        if dialect == "bases" and isinstance(node.obj, Name):
            base = node.obj.name
            if base == "note":
                return lambda scope: (
                    scope.locals["note"].get(name)
                    if "note" in scope.locals
                    else scope.record.prop(name)
                    if scope.record is not None
                    else None
                )
            if base == "formula":

                def formula(scope: Scope) -> Value:
                    if scope.formulas is None:
                        raise QueryError(f"no formula '{name}' here")
                    return scope.formulas.get(name, scope)

                return formula
        obj = self.compile(node.obj)

        def access(scope: Scope) -> Value:
            return get_field(obj(scope), name, scope, dialect)

        return access

    def _Index(self, node: Index) -> Compiled:
        obj = self.compile(node.obj)
        index = self.compile(node.index)
        dialect = self.dialect
        return lambda scope: get_index(obj(scope), index(scope), scope, dialect)

    def _ListNode(self, node: ListNode) -> Compiled:
        items = [self.compile(item) for item in node.items]
        return lambda scope: [item(scope) for item in items]

    def _ObjectNode(self, node: ObjectNode) -> Compiled:
        items = [(key, self.compile(value)) for key, value in node.items]
        return lambda scope: {key: value(scope) for key, value in items}

    def _LambdaNode(self, node: LambdaNode) -> Compiled:
        params = node.params
        self.params.append(params)
        try:
            body = self.compile(node.body)
        finally:
            self.params.pop()

        def make(scope: Scope) -> Value:
            def call(args: list[Value]) -> Value:
                bound = dict(zip(params, args, strict=False))
                for extra in params[len(args) :]:
                    bound[extra] = None
                return body(scope.with_locals(bound))

            return Lambda(params, call)

        return make

    # -- operators ------------------------------------------------------------------------
    def _Unary(self, node: Unary) -> Compiled:
        operand = self.compile(node.operand)
        if node.op == "!":
            return lambda scope: not truthy(operand(scope))
        if node.op == "+":
            return operand

        def negate(scope: Scope) -> Value:
            value = operand(scope)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return -value
            if isinstance(value, Duration):
                return -value
            return None

        return negate

    def _Binary(self, node: Binary) -> Compiled:
        left = self.compile(node.left)
        right = self.compile(node.right)
        op = node.op
        dialect = self.dialect
        if op == "&&":
            return lambda scope: truthy(left(scope)) and truthy(right(scope))
        if op == "||":
            if dialect == "bases":  # JavaScript: the first truthy operand itself

                def either(scope: Scope) -> Value:
                    a = left(scope)
                    return a if truthy(a) else right(scope)

                return either
            return lambda scope: truthy(left(scope)) or truthy(right(scope))
        if op in ("==", "!=", "<", ">", "<=", ">="):
            return lambda scope: comparison(op, left(scope), right(scope), dialect)
        return lambda scope: arithmetic(op, left(scope), right(scope), dialect)

    # -- calls ----------------------------------------------------------------------------
    def _Call(self, node: Call) -> Compiled:
        from garden.query.functions import function_for

        name = node.name
        if self.dialect == "bases" and name == "if":
            return self._if(node.args)
        if self.dialect == "dql" and name == "choice" and len(node.args) == 3:
            return self._if(node.args)
        if self.dialect == "dql" and any(name in params for params in self.params):
            return self._Apply(Apply(Name(name), node.args))  # a lambda's parameter, called
        fn = function_for(self.dialect, name)
        if fn is None:
            raise QueryError(f"unknown function {name}()")
        args = [self.compile(arg) for arg in node.args]
        return lambda scope: fn(scope, [arg(scope) for arg in args])

    def _if(self, nodes: tuple[Node, ...]) -> Compiled:
        if not 2 <= len(nodes) <= 3:
            raise QueryError("if() takes a condition, a value, and optionally another value")
        cond = self.compile(nodes[0])
        then = self.compile(nodes[1])
        other = self.compile(nodes[2]) if len(nodes) == 3 else (lambda scope: None)
        return lambda scope: then(scope) if truthy(cond(scope)) else other(scope)

    def _Apply(self, node: Apply) -> Compiled:
        fn = self.compile(node.fn)
        args = [self.compile(arg) for arg in node.args]
        return lambda scope: _call_lambda(fn(scope), [arg(scope) for arg in args], scope)

    def _Method(self, node: Method) -> Compiled:
        from garden.query.functions import call_method, known_method

        name = node.name
        if not known_method(name):
            raise QueryError(f"unknown function {name}()")
        obj = self.compile(node.obj)
        if name in _LAZY_METHODS and node.args:
            # list.filter(value > 2): the argument is evaluated per element, with value/index.
            lazy = [self.compile(arg) for arg in node.args]
            eager_rest = lazy[1:]

            def call_lazy(scope: Scope) -> Value:
                target = obj(scope)
                if isinstance(target, list):
                    from garden.query.functions import list_method_lazy

                    return list_method_lazy(name, target, lazy[0], eager_rest, scope)
                return call_method(target, name, [arg(scope) for arg in lazy], scope)

            return call_lazy
        args = [self.compile(arg) for arg in node.args]
        return lambda scope: call_method(obj(scope), name, [arg(scope) for arg in args], scope)


def _lookup(name: str, read: Callable[[Any], Value]) -> Compiled:
    """A bare name: a local (a lambda's parameter, ``value``...), else the row's value."""

    def lookup(scope: Scope) -> Value:
        if name in scope.locals:
            return scope.locals[name]
        record = scope.record
        return read(record) if record is not None else None

    return lookup


def _call_lambda(fn: Value, args: list[Value], scope: Scope) -> Value:
    if not isinstance(fn, Lambda):
        raise QueryError(f"{to_text(fn)} is not a function")
    scope.ctx.budget.spend()
    return fn.call(args)


class _FormulaNamespace(Record):
    """``formula`` as a value (``formula["name"]``)."""

    __slots__ = ("scope",)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def get(self, name: str) -> Value:
        formulas = self.scope.formulas
        return formulas.get(name, self.scope) if formulas is not None else None


def compile_expression(node: Node, dialect: Dialect) -> Compiled:
    return Compiler(dialect).compile(node)


def evaluate(node: Node, dialect: Dialect, scope: Scope) -> Value:
    """Compile and run ``node`` once (tests and inline queries; queries compile once per row
    set through ``compile_expression``)."""
    return compile_expression(node, dialect)(scope)
