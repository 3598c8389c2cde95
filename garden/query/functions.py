"""The functions and methods queries may call: Dataview's global functions, Bases' global
functions, and Bases' methods by the type of their receiver. Nothing else can be called.

Every function takes the ``Scope`` and its evaluated arguments and never raises on a value of
the wrong type (it answers null); ``QueryError`` is for a wrong number of arguments or a budget
spent. Dataview's functions are "vectorized" as in Dataview: given a list where one value is
expected, they answer the list of their results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import math
import re
from collections.abc import Callable
from typing import Any

import regex

from garden.query.evaluate import Compiled, Record, Scope
from garden.query.values import (
    MAX_ITEMS,
    Date,
    Duration,
    FileRef,
    Lambda,
    Link,
    QueryError,
    Regex,
    SortKey,
    Value,
    check_size,
    equal,
    fold_text,
    is_empty,
    parse_date,
    parse_duration,
    to_text,
    truthy,
    type_name,
)

Function = Callable[[Scope, list[Value]], Value]

REGEX_SECONDS = 0.5  # the longest one regular expression may run on one value


def _arity(name: str, args: list[Value], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise QueryError(f"{name}() takes {want} arguments, got {len(args)}")


def _number(v: Value) -> float | None:
    if isinstance(v, bool):
        return None
    return v if isinstance(v, int | float) else None


def _int(v: Value, default: int = 0) -> int:
    n = _number(v)
    if n is None or math.isnan(n) or math.isinf(n):
        return default
    return int(n)


def _tidy(x: float) -> float:
    """Whole floats as ints, so 3.0 shows as 3."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def js_round(x: float, digits: int = 0) -> float:
    """JavaScript's ``Math.round`` (halves up), to ``digits`` places."""
    factor = 10.0**digits
    return _tidy(math.floor(x * factor + 0.5) / factor) if digits else _tidy(math.floor(x + 0.5))


# --------------------------------------------------------------------------------------------
# Regular expressions: JavaScript's syntax, run with a time limit
# --------------------------------------------------------------------------------------------
_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z_])")


def compile_regex(pattern: str, flags: str = "") -> Any:
    options = 0
    if "i" in flags:
        options |= regex.IGNORECASE
    if "m" in flags:
        options |= regex.MULTILINE
    if "s" in flags:
        options |= regex.DOTALL
    try:
        return regex.compile(_NAMED_GROUP.sub("(?P<", pattern), options | regex.V0)
    except (regex.error, ValueError, OverflowError) as exc:
        raise QueryError(f"bad regular expression /{pattern}/: {exc}") from None


def _run(fn: Callable[[], Value]) -> Value:
    try:
        return fn()
    except TimeoutError:
        raise QueryError(
            f"a regular expression ran longer than {REGEX_SECONDS} s on one value"
        ) from None


_JS_REPLACEMENT = re.compile(r"\$(\d{1,2}|&|\$)")


def _js_replacement(template: str) -> Callable[[Any], str]:
    def expand(m: Any) -> str:
        def one(token: Any) -> str:
            t = token.group(1)
            if t == "$":
                return "$"
            if t == "&":
                return str(m.group(0))
            n = int(t)
            return (m.group(n) or "") if n <= len(m.groups()) else token.group(0)

        return _JS_REPLACEMENT.sub(one, template)

    return expand


def regex_replace(text: str, rx: Regex | str, replacement: str, *, all_matches: bool) -> str:
    pattern = compile_regex(rx.pattern, rx.flags) if isinstance(rx, Regex) else compile_regex(rx)
    count = 0 if all_matches else 1
    return _run(
        lambda: check_size(
            pattern.sub(_js_replacement(replacement), text, count=count, timeout=REGEX_SECONDS)
        )
    )


# --------------------------------------------------------------------------------------------
# Dates: formatting with Moment (Bases) and Luxon (Dataview) tokens, in the site's language
# --------------------------------------------------------------------------------------------
def _names(kind: str, width: Any, language: str) -> Any:
    from babel import dates as babel_dates

    try:
        if kind == "month":
            return babel_dates.get_month_names(width, locale=language)
        return babel_dates.get_day_names(width, locale=language)
    except Exception:  # an unknown language: English names
        if kind == "month":
            return babel_dates.get_month_names(width, locale="en")
        return babel_dates.get_day_names(width, locale="en")


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }".replace(" ", "")


def _token_table(d: dt.datetime, language: str, moment: bool) -> dict[str, Callable[[], str]]:
    months = lambda w: _names("month", w, language)[d.month]  # noqa: E731
    days = lambda w: _names("day", w, language)[d.weekday()]  # noqa: E731
    hour12 = d.hour % 12 or 12
    epoch = d.replace(tzinfo=dt.UTC).timestamp()
    common: dict[str, Callable[[], str]] = {
        "MMMM": lambda: months("wide"),
        "MMM": lambda: months("abbreviated"),
        "MM": lambda: f"{d.month:02d}",
        "M": lambda: str(d.month),
        "HH": lambda: f"{d.hour:02d}",
        "H": lambda: str(d.hour),
        "hh": lambda: f"{hour12:02d}",
        "h": lambda: str(hour12),
        "mm": lambda: f"{d.minute:02d}",
        "m": lambda: str(d.minute),
        "ss": lambda: f"{d.second:02d}",
        "s": lambda: str(d.second),
        "SSS": lambda: f"{d.microsecond // 1000:03d}",
        "x": lambda: str(int(epoch * 1000)),
        "X": lambda: str(int(epoch)),
    }
    if moment:  # Moment.js, as Bases' format() reads it
        common.update(
            {
                "YYYY": lambda: f"{d.year:04d}",
                "YY": lambda: f"{d.year % 100:02d}",
                "DD": lambda: f"{d.day:02d}",
                "Do": lambda: _ordinal(d.day),
                "D": lambda: str(d.day),
                "dddd": lambda: days("wide"),
                "ddd": lambda: days("abbreviated"),
                "d": lambda: str(d.isoweekday() % 7),
                "A": lambda: "AM" if d.hour < 12 else "PM",
                "a": lambda: "am" if d.hour < 12 else "pm",
                "WW": lambda: f"{d.isocalendar()[1]:02d}",
                "W": lambda: str(d.isocalendar()[1]),
                "Q": lambda: str((d.month - 1) // 3 + 1),
            }
        )
    else:  # Luxon, as Dataview's dateformat() reads it
        common.update(
            {
                "yyyy": lambda: f"{d.year:04d}",
                "yy": lambda: f"{d.year % 100:02d}",
                "y": lambda: str(d.year),
                "LLLL": lambda: months("wide"),
                "LLL": lambda: months("abbreviated"),
                "LL": lambda: f"{d.month:02d}",
                "L": lambda: str(d.month),
                "dd": lambda: f"{d.day:02d}",
                "d": lambda: str(d.day),
                "EEEE": lambda: days("wide"),
                "EEE": lambda: days("abbreviated"),
                "cccc": lambda: days("wide"),
                "ccc": lambda: days("abbreviated"),
                "E": lambda: str(d.isoweekday()),
                "c": lambda: str(d.isoweekday()),
                "a": lambda: "AM" if d.hour < 12 else "PM",
                "WW": lambda: f"{d.isocalendar()[1]:02d}",
                "W": lambda: str(d.isocalendar()[1]),
                "kkkk": lambda: f"{d.isocalendar()[0]:04d}",
                "q": lambda: str((d.month - 1) // 3 + 1),
                "S": lambda: str(d.microsecond // 1000),
                "ooo": lambda: f"{d.timetuple().tm_yday:03d}",
                "o": lambda: str(d.timetuple().tm_yday),
            }
        )
    return common


def format_date(date: Date, pattern: str, language: str, *, moment: bool) -> str:
    """``date`` written with Moment's tokens (``YYYY-MM-DD``, ``[text]`` kept) or Luxon's
    (``yyyy-MM-dd``, ``'text'`` kept); month and day names in ``language``."""
    table = _token_table(date.value, language, moment)
    tokens = sorted(table, key=len, reverse=True)
    out: list[str] = []
    i = 0
    quote_open, quote_close = ("[", "]") if moment else ("'", "'")
    while i < len(pattern):
        char = pattern[i]
        if char == quote_open:
            end = pattern.find(quote_close, i + 1)
            if end < 0:
                out.append(pattern[i + 1 :])
                break
            out.append(pattern[i + 1 : end] if end > i + 1 or moment else "'")
            i = end + 1
            continue
        for token in tokens:
            if pattern.startswith(token, i):
                out.append(table[token]())
                i += len(token)
                break
        else:
            out.append(char)
            i += 1
    return "".join(out)


def relative_text(date: Date, now: dt.datetime, language: str) -> str:
    from babel.dates import format_timedelta

    delta = date.value - now
    try:
        return str(format_timedelta(delta, add_direction=True, locale=language))
    except Exception:
        return str(format_timedelta(delta, add_direction=True, locale="en"))


def to_date(value: Value, ctx_now: dt.datetime) -> Date | None:
    if isinstance(value, Date):
        return value
    if isinstance(value, str):
        text = value.strip()
        shorthand = date_shorthand(text, ctx_now)
        if shorthand is not None:
            return shorthand
        return parse_date(text)
    if isinstance(value, Link):
        return parse_date(value.name)
    if _number(value) is not None:
        try:
            stamp = dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            return None
        return Date(stamp, True)
    return None


def date_shorthand(word: str, now: dt.datetime) -> Date | None:
    """Dataview's ``date(today)``, ``date(now)``, ``date(sow)``..."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if word == "now":
        return Date(now, True)
    if word == "today":
        return Date(today)
    if word == "tomorrow":
        return Date(today + dt.timedelta(days=1))
    if word == "yesterday":
        return Date(today - dt.timedelta(days=1))
    if word in ("sow", "eow"):
        start = today - dt.timedelta(days=today.weekday())
        return Date(start if word == "sow" else start + dt.timedelta(days=6))
    if word in ("som", "eom"):
        start = today.replace(day=1)
        if word == "som":
            return Date(start)
        nxt = (start + dt.timedelta(days=32)).replace(day=1)
        return Date(nxt - dt.timedelta(days=1))
    if word in ("soy", "eoy"):
        return Date(
            today.replace(month=1, day=1) if word == "soy" else today.replace(month=12, day=31)
        )
    return None


# --------------------------------------------------------------------------------------------
# Links and files
# --------------------------------------------------------------------------------------------
_WIKILINK = re.compile(r"^\s*(!?)\[\[([^\[\]\n]*)\]\]\s*$")


def link_from_text(ctx: Any, text: str, *, embed: bool = False, display: str | None = None) -> Link:
    """A link from ``[[Note#Heading|shown]]`` text or a path, resolved from the query's note."""
    m = _WIKILINK.match(text)
    if m is not None:
        embed = embed or bool(m.group(1))
        text = m.group(2)
    text = text.replace("\\|", "|")
    target, _, shown = text.partition("|")
    link: Link = ctx.resolve(target, ctx.origin)
    return Link(
        link.target,
        display or shown.strip() or link.display,
        link.subpath,
        embed,
        link.path,
        link.kind,
        link.reason,
    )


def _link_arg(scope: Scope, value: Value) -> Link | None:
    if isinstance(value, Link):
        return value
    if isinstance(value, FileRef):
        return value.row.as_link()
    if isinstance(value, Record):
        return value.link()
    if isinstance(value, str):
        return link_from_text(scope.ctx, value)
    return None


def _target_path(scope: Scope, value: Value) -> str | None:
    """The vault path a file, link, record or path text names, when it reaches a published one."""
    if isinstance(value, FileRef):
        return value.path
    if isinstance(value, ThisObject) and value.row is not None:
        return str(value.row.path)
    link = _link_arg(scope, value)
    return link.path if link is not None else None


def file_field(ref: FileRef, name: str, scope: Scope) -> Value:
    """A Bases file object's fields (Functions: File type; Bases syntax: File properties)."""
    row = ref.row
    if name in row.FACTS:
        return row.fact(name)
    if name == "name":
        return row.file_name
    if name == "basename":
        return row.name
    if name == "tags":
        return ["#" + t for t in row.tags]
    if name == "links":
        return list(row.links)
    if name == "embeds":
        return list(row.embeds)
    if name == "backlinks":
        return list(row.backlinks)
    if name == "properties":
        return dict(row.frontmatter)
    if name == "file":
        return ref
    return None


class NoteProperties(Record):
    """Bases ``note``: a note's front-matter properties."""

    __slots__ = ("row",)

    def __init__(self, row: Any) -> None:
        self.row = row

    def get(self, name: str) -> Value:
        return self.row.prop(name) if self.row is not None else None

    def keys(self) -> list[str]:
        return list(self.row.frontmatter) if self.row is not None else []


class ThisObject(Record):
    """Bases ``this``: the note showing the base (or the base file on its own page):
    ``this.file``, ``this.note.x``, ``this.x``; equal to a link that reaches it."""

    __slots__ = ("row",)

    def __init__(self, row: Any) -> None:
        self.row = row

    def get(self, name: str) -> Value:
        if name == "file":
            return FileRef(self.row)
        if name == "note":
            return NoteProperties(self.row)
        return self.row.prop(name)

    def link(self) -> Link | None:
        return self.row.as_link()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ThisObject):
            return bool(self.row.path == other.row.path)
        if isinstance(other, Link | FileRef):
            return other.path is not None and other.path == str(self.row.path)
        return False

    def __hash__(self) -> int:
        return hash(str(self.row.path))


def _midnight(when: dt.datetime) -> dt.datetime:
    return when.replace(hour=0, minute=0, second=0, microsecond=0)


def _text_arg(args: list[Value]) -> str:
    return to_text(args[0]) if args else ""


def _first_list(args: list[Value]) -> list[Value]:
    return _as_list(args[0]) if args else []


def _as_list(value: Value) -> list[Value]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _file_method(ref: FileRef, name: str, args: list[Value], scope: Scope) -> Value:
    row = ref.row
    if name == "asLink":
        _arity("asLink", args, 0, 1)
        link = row.as_link()
        return Link(
            link.target, to_text(args[0]) if args else None, None, False, link.path, link.kind
        )
    if name == "hasTag":
        keys = row.tag_keys
        return any(fold_text(to_text(a).strip().lstrip("#")) in keys for a in args if a is not None)
    if name == "inFolder":
        _arity("inFolder", args, 1)
        folder = to_text(args[0]).strip().strip("/")
        return not folder or row.folder == folder or row.folder.startswith(folder + "/")
    if name == "hasProperty":
        _arity("hasProperty", args, 1)
        return to_text(args[0]) in row.frontmatter
    if name == "hasLink":
        _arity("hasLink", args, 1)
        target = _target_path(scope, args[0])
        return target is not None and any(link.path == target for link in row.links)
    return _any_method(ref, name, args, scope)


# --------------------------------------------------------------------------------------------
# Bases methods
# --------------------------------------------------------------------------------------------
def _any_method(value: Value, name: str, args: list[Value], scope: Scope) -> Value:
    if name == "isTruthy":
        return truthy(value)
    if name == "isType":
        _arity("isType", args, 1)
        wanted = to_text(args[0]).lower()
        kind = type_name(value)
        aliases = {"array": "list", "boolean": "boolean", "string": "string"}
        return wanted in (kind, aliases.get(kind, kind))
    if name == "toString":
        return to_text(value)
    if name == "isEmpty":
        return is_empty(value)
    return None


def _string_method(s: str, name: str, args: list[Value], scope: Scope) -> Value:
    texts = [to_text(a) for a in args]
    if name == "contains":
        _arity("contains", args, 1)
        return texts[0] in s
    if name == "containsAll":
        return all(t in s for t in texts)
    if name == "containsAny":
        return any(t in s for t in texts)
    if name == "startsWith":
        _arity("startsWith", args, 1)
        return s.startswith(texts[0])
    if name == "endsWith":
        _arity("endsWith", args, 1)
        return s.endswith(texts[0])
    if name == "lower":
        return s.lower()
    if name == "upper":
        return s.upper()
    if name == "title":
        return re.sub(r"\w\S*", lambda m: m.group(0)[0].upper() + m.group(0)[1:].lower(), s)
    if name == "trim":
        return s.strip()
    if name == "reverse":
        return s[::-1]
    if name == "repeat":
        _arity("repeat", args, 1)
        return check_size(s * max(0, min(_int(args[0]), 1_000_000)))
    if name == "slice":
        _arity("slice", args, 1, 2)
        return _slice(s, args)
    if name == "split":
        _arity("split", args, 1, 2)
        sep = args[0]
        if isinstance(sep, Regex):
            pattern = compile_regex(sep.pattern, sep.flags)
            parts = _run(lambda: pattern.split(s, timeout=REGEX_SECONDS))
            parts = [p or "" for p in parts]
        else:
            sep_text = to_text(sep)
            parts = s.split(sep_text) if sep_text else list(s)
        if len(args) > 1 and args[1] is not None:
            parts = parts[: max(0, _int(args[1]))]
        return check_size(parts)
    if name == "replace":
        _arity("replace", args, 2)
        if isinstance(args[0], Regex):
            return regex_replace(s, args[0], texts[1], all_matches="g" in args[0].flags)
        return check_size(s.replace(texts[0], texts[1]))
    if name == "isEmpty":
        return s == ""
    return _any_method(s, name, args, scope)


def _slice(seq: Any, args: list[Value]) -> Any:
    start = _int(args[0]) if args and args[0] is not None else 0
    end = _int(args[1], len(seq)) if len(args) > 1 and args[1] is not None else len(seq)
    return seq[start:end]


def _number_method(n: float, name: str, args: list[Value], scope: Scope) -> Value:
    if name == "abs":
        return abs(n)
    if name == "ceil":
        return _tidy(float(math.ceil(n))) if math.isfinite(n) else n
    if name == "floor":
        return _tidy(float(math.floor(n))) if math.isfinite(n) else n
    if name == "round":
        _arity("round", args, 0, 1)
        return js_round(n, _int(args[0]) if args else 0) if math.isfinite(n) else n
    if name == "toFixed":
        _arity("toFixed", args, 1)
        digits = max(0, min(_int(args[0]), 100))
        return f"{n:.{digits}f}"
    if name == "isEmpty":
        return False
    return _any_method(n, name, args, scope)


def _date_method(d: Date, name: str, args: list[Value], scope: Scope) -> Value:
    language = getattr(scope.ctx, "language", "en")
    if name == "date":
        return Date(d.value.replace(hour=0, minute=0, second=0, microsecond=0))
    if name == "format":
        _arity("format", args, 1)
        return format_date(d, to_text(args[0]), language, moment=True)
    if name == "time":
        return d.value.strftime("%H:%M:%S")
    if name == "relative":
        return relative_text(d, scope.ctx.now, language)
    if name == "isEmpty":
        return False
    return _any_method(d, name, args, scope)


def _list_method(items: list[Value], name: str, args: list[Value], scope: Scope) -> Value:
    scope.ctx.budget.spend(len(items))
    if name == "contains":
        _arity("contains", args, 1)
        return any(equal(item, args[0]) for item in items)
    if name == "containsAll":
        return all(any(equal(item, a) for item in items) for a in args)
    if name == "containsAny":
        return any(any(equal(item, a) for item in items) for a in args)
    if name == "flat":
        return check_size(
            [x for item in items for x in (item if isinstance(item, list) else [item])]
        )
    if name == "isEmpty":
        return not items
    if name == "join":
        _arity("join", args, 0, 1)
        sep = to_text(args[0]) if args else ","
        return check_size(sep.join(to_text(item) for item in items))
    if name == "reverse":
        return items[::-1]
    if name == "slice":
        _arity("slice", args, 1, 2)
        return _slice(items, args)
    if name == "sort":
        return sorted(items, key=SortKey)
    if name == "unique":
        return _unique(items)
    numbers = [x for x in items if _number(x) is not None]
    if name == "sum":
        return _tidy(math.fsum(numbers))
    if name in ("mean", "average"):
        return _tidy(math.fsum(numbers) / len(numbers)) if numbers else None
    if name == "min":
        return min(items, key=SortKey) if items else None
    if name == "max":
        return max(items, key=SortKey) if items else None
    return _any_method(items, name, args, scope)


def _unique(items: list[Value]) -> list[Value]:
    out: list[Value] = []
    for item in items:
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def list_method_lazy(
    name: str, items: list[Value], expr: Compiled, rest: list[Compiled], scope: Scope
) -> Value:
    """``filter``, ``map``, ``reduce`` (and ``sort``) whose first argument is an expression
    evaluated for each element with ``value`` and ``index`` (and ``acc``) bound."""
    scope.ctx.budget.spend(len(items))
    if name == "sort":
        return sorted(items, key=SortKey)
    if name == "reduce":
        acc = rest[0](scope) if rest else None
        for i, item in enumerate(items):
            acc = expr(scope.with_locals({"value": item, "index": i, "acc": acc}))
        return acc
    out: list[Value] = []
    for i, item in enumerate(items):
        result = expr(scope.with_locals({"value": item, "index": i}))
        if name == "filter":
            if truthy(result):
                out.append(item)
        else:
            out.append(result)
    return out


def _link_method(link: Link, name: str, args: list[Value], scope: Scope) -> Value:
    if name == "asFile":
        return scope.ctx.file(link.path) if link.path is not None else None
    if name == "linksTo":
        _arity("linksTo", args, 1)
        source = scope.ctx.file(link.path) if link.path is not None else None
        target = _target_path(scope, args[0])
        return bool(
            source is not None
            and target is not None
            and any(lk.path == target for lk in source.row.links)
        )
    return _any_method(link, name, args, scope)


def _object_method(obj: Any, name: str, args: list[Value], scope: Scope) -> Value:
    keys = obj.keys() if isinstance(obj, Record) else list(obj)
    if name == "isEmpty":
        return not keys
    if name == "keys":
        return list(keys)
    if name == "values":
        return [obj.get(k) for k in keys]
    return _any_method(obj, name, args, scope)


def _regex_method(rx: Regex, name: str, args: list[Value], scope: Scope) -> Value:
    if name == "matches":
        _arity("matches", args, 1)
        pattern = compile_regex(rx.pattern, rx.flags)
        text = to_text(args[0])
        return _run(lambda: pattern.search(text, timeout=REGEX_SECONDS) is not None)
    return _any_method(rx, name, args, scope)


_METHOD_NAMES = frozenset(
    {
        # any
        "isTruthy", "isType", "toString", "isEmpty",
        # string
        "contains", "containsAll", "containsAny", "startsWith", "endsWith", "lower", "upper",
        "title", "trim", "reverse", "repeat", "slice", "split", "replace",
        # number
        "abs", "ceil", "floor", "round", "toFixed",
        # date
        "date", "format", "time", "relative",
        # list
        "filter", "flat", "join", "map", "reduce", "sort", "unique", "sum", "mean", "average",
        "min", "max",
        # link and file
        "asFile", "linksTo", "asLink", "hasTag", "inFolder", "hasProperty", "hasLink",
        # object, regex
        "keys", "values", "matches",
    }
)  # fmt: skip


def known_method(name: str) -> bool:
    return name in _METHOD_NAMES


def call_method(target: Value, name: str, args: list[Value], scope: Scope) -> Value:
    """``target.name(args)`` (Bases), by the type of ``target``."""
    if isinstance(target, FileRef):
        return _file_method(target, name, args, scope)
    if isinstance(target, ThisObject):
        return _file_method(FileRef(target.row), name, args, scope)
    if isinstance(target, str):
        return _string_method(target, name, args, scope)
    if isinstance(target, bool):
        return _any_method(target, name, args, scope)
    if isinstance(target, int | float):
        return _number_method(target, name, args, scope)
    if isinstance(target, Date):
        return _date_method(target, name, args, scope)
    if isinstance(target, list):
        return _list_method(target, name, args, scope)
    if isinstance(target, Link):
        return _link_method(target, name, args, scope)
    if isinstance(target, dict | Record):
        return _object_method(target, name, args, scope)
    if isinstance(target, Regex):
        return _regex_method(target, name, args, scope)
    if target is None and name == "isEmpty":
        return True
    return _any_method(target, name, args, scope)


# --------------------------------------------------------------------------------------------
# Bases global functions
# --------------------------------------------------------------------------------------------
def _b_date(scope: Scope, args: list[Value]) -> Value:
    _arity("date", args, 1)
    return to_date(args[0], scope.ctx.now) if not isinstance(args[0], int | float) else None


def _b_duration(scope: Scope, args: list[Value]) -> Value:
    _arity("duration", args, 1)
    return args[0] if isinstance(args[0], Duration) else parse_duration(to_text(args[0]))


def _b_number(scope: Scope, args: list[Value]) -> Value:
    _arity("number", args, 1)
    value = args[0]
    if isinstance(value, bool):
        return 1 if value else 0
    if _number(value) is not None:
        return value
    if isinstance(value, Date):
        return int(value.value.replace(tzinfo=dt.UTC).timestamp() * 1000)
    if isinstance(value, Duration):
        return _tidy(value.millis)
    if isinstance(value, str):
        try:
            return _tidy(float(value.strip()))
        except ValueError:
            return None
    return None


def _b_link(scope: Scope, args: list[Value]) -> Value:
    _arity("link", args, 1, 2)
    display = to_text(args[1]) if len(args) > 1 and args[1] is not None else None
    target = args[0]
    if isinstance(target, FileRef):
        link = target.row.as_link()
        return Link(link.target, display, None, False, link.path, link.kind)
    if isinstance(target, Link):
        return Link(
            target.target,
            display or target.display,
            target.subpath,
            False,
            target.path,
            target.kind,
            target.reason,
        )
    text = to_text(target)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        return Link(text, display, kind="url")
    return link_from_text(scope.ctx, text, display=display)


def _b_file(scope: Scope, args: list[Value]) -> Value:
    _arity("file", args, 1)
    path = _target_path(scope, args[0])
    return scope.ctx.file(path) if path is not None else None


def _b_list(scope: Scope, args: list[Value]) -> Value:
    _arity("list", args, 1)
    return _as_list(args[0]) if args[0] is not None else []


def _b_minmax(pick: Callable[..., Value]) -> Function:
    def fn(scope: Scope, args: list[Value]) -> Value:
        numbers = [a for a in args if _number(a) is not None]
        return pick(numbers) if numbers else None

    return fn


def _b_random(scope: Scope, args: list[Value]) -> Value:
    """Stable per row and query, so a build is reproducible (Obsidian draws anew per view)."""
    row = scope.record
    seed = f"{scope.ctx.origin}\0{row.path if row is not None else ''}".encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:6], "big") / 2**48


BASES_FUNCTIONS: dict[str, Function] = {
    "date": _b_date,
    "duration": _b_duration,
    "number": _b_number,
    "link": _b_link,
    "file": _b_file,
    "list": _b_list,
    "max": _b_minmax(max),
    "min": _b_minmax(min),
    "now": lambda scope, args: Date(scope.ctx.now, True),
    "today": lambda scope, args: Date(_midnight(scope.ctx.now)),
    "escapeHTML": lambda scope, args: html.escape(_text_arg(args)),
    "html": lambda scope, args: HtmlValue(_text_arg(args)),
    "image": lambda scope, args: ImageValue(
        _link_arg(scope, args[0]) if args else None, _text_arg(args)
    ),
    "icon": lambda scope, args: IconValue(_text_arg(args)),
    "random": _b_random,
}


class HtmlValue(str):
    """``html("<b>x</b>")``: text drawn as HTML (cleaned when the config says ``sanitize``)."""


class IconValue(str):
    """``icon("arrow-right")``: Obsidian draws a Lucide icon; the page shows its name."""


class ImageValue(str):
    """``image(path or url)``: drawn as an image."""

    link: Link | None

    def __new__(cls, link: Link | None, text: str) -> ImageValue:
        obj = super().__new__(cls, text)
        obj.link = link
        return obj


# --------------------------------------------------------------------------------------------
# Dataview functions
# --------------------------------------------------------------------------------------------
def _vectorized(fn: Callable[..., Value], arity: tuple[int, int]) -> Function:
    """Apply ``fn`` to each element when its first argument is a list (Dataview's rule)."""

    def call(scope: Scope, args: list[Value]) -> Value:
        if not arity[0] <= len(args) <= arity[1]:
            raise QueryError(f"wrong number of arguments ({len(args)})")
        if args and isinstance(args[0], list):
            scope.ctx.budget.spend(len(args[0]))
            return [fn(scope, item, *args[1:]) for item in args[0]]
        return fn(scope, *args)

    return call


def _d_string_fn(fn: Callable[[str, list[Value]], Value], low: int, high: int) -> Function:
    def one(scope: Scope, value: Value, *rest: Value) -> Value:
        if not isinstance(value, str):
            return None
        return fn(value, list(rest))

    return _vectorized(one, (low, high))


def _d_number_fn(fn: Callable[[float, list[Value]], Value], low: int, high: int) -> Function:
    def one(scope: Scope, value: Value, *rest: Value) -> Value:
        number = _number(value)
        if number is None:
            return None
        return fn(number, list(rest))

    return _vectorized(one, (low, high))


def _flatten_args(args: list[Value]) -> list[Value]:
    return args[0] if len(args) == 1 and isinstance(args[0], list) else args


def _d_date(scope: Scope, args: list[Value]) -> Value:
    _arity("date", args, 1, 2)
    if len(args) == 2:
        return _parse_with_format(to_text(args[0]), to_text(args[1]))
    value = args[0]
    if isinstance(value, Link) and value.path is not None:
        page = scope.ctx.page(value.path)
        day = page.get("file").get("day") if page is not None else None
        if isinstance(day, Date):
            return day
    return to_date(value, scope.ctx.now) if not isinstance(value, int | float) else None


_LUXON_PARSE = {
    "yyyy": r"(?P<y>\d{4})",
    "yy": r"(?P<yy>\d{2})",
    "MM": r"(?P<M>\d{2})",
    "M": r"(?P<M>\d{1,2})",
    "dd": r"(?P<d>\d{2})",
    "d": r"(?P<d>\d{1,2})",
    "HH": r"(?P<H>\d{2})",
    "H": r"(?P<H>\d{1,2})",
    "mm": r"(?P<m>\d{2})",
    "ss": r"(?P<s>\d{2})",
    "x": r"(?P<x>-?\d+)",
}


def _parse_with_format(text: str, pattern: str) -> Date | None:
    out: list[str] = []
    i = 0
    seen: set[str] = set()
    while i < len(pattern):
        for token in sorted(_LUXON_PARSE, key=len, reverse=True):
            if pattern.startswith(token, i):
                piece = _LUXON_PARSE[token]
                group = piece.split(">")[0][4:]
                if group in seen:
                    return None
                seen.add(group)
                out.append(piece)
                i += len(token)
                break
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    m = re.fullmatch("".join(out), text.strip())
    if m is None:
        return None
    parts = m.groupdict()
    try:
        if parts.get("x"):
            return Date(
                dt.datetime.fromtimestamp(int(parts["x"]) / 1000, tz=dt.UTC).replace(tzinfo=None),
                True,
            )
        year = int(parts["y"]) if parts.get("y") else 2000 + int(parts.get("yy") or 0)
        has_time = bool(parts.get("H"))
        value = dt.datetime(
            year,
            int(parts.get("M") or 1),
            int(parts.get("d") or 1),
            int(parts.get("H") or 0),
            int(parts.get("m") or 0),
            int(parts.get("s") or 0),
        )
    except (ValueError, OverflowError, OSError):
        return None
    return Date(value, has_time)


def _d_dur(scope: Scope, args: list[Value]) -> Value:
    _arity("dur", args, 1)
    value = args[0]
    if isinstance(value, Duration):
        return value
    return parse_duration(to_text(value)) if isinstance(value, str) else None


def _d_number(scope: Scope, args: list[Value]) -> Value:
    _arity("number", args, 1)
    value = args[0]
    if _number(value) is not None:
        return value
    if isinstance(value, str):
        m = re.search(r"-?[0-9]+(?:\.[0-9]+)?", value)
        return _tidy(float(m.group(0))) if m else None
    return None


def _d_link(scope: Scope, value: Value, display: Value = None) -> Value:
    shown = to_text(display) if display is not None else None
    if isinstance(value, Link):
        return Link(
            value.target,
            shown or value.display,
            value.subpath,
            value.embed,
            value.path,
            value.kind,
            value.reason,
        )
    if not isinstance(value, str):
        return None
    return link_from_text(scope.ctx, value, display=shown)


def _d_embed(scope: Scope, args: list[Value]) -> Value:
    _arity("embed", args, 1, 2)
    link = args[0]
    if not isinstance(link, Link):
        return None
    flag = truthy(args[1]) if len(args) > 1 else True
    return Link(link.target, link.display, link.subpath, flag, link.path, link.kind, link.reason)


def _d_elink(scope: Scope, args: list[Value]) -> Value:
    _arity("elink", args, 1, 2)
    url = to_text(args[0])
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):
        url = "https://" + url
    return Link(url, to_text(args[1]) if len(args) > 1 else None, kind="url")


def _d_minmax(pick: Callable[..., Value]) -> Function:
    def fn(scope: Scope, args: list[Value]) -> Value:
        values = _flatten_args(args)
        return pick(values, key=SortKey) if values else None

    return fn


def _d_sum(scope: Scope, args: list[Value]) -> Value:
    _arity("sum", args, 1)
    values = _as_list(args[0])
    if not values:
        return None
    total: Value = values[0]
    from garden.query.evaluate import arithmetic

    for v in values[1:]:
        total = arithmetic("+", total, v, "dql")
    return total


def _d_product(scope: Scope, args: list[Value]) -> Value:
    _arity("product", args, 1)
    numbers = [v for v in _as_list(args[0]) if _number(v) is not None]
    return _tidy(math.prod(numbers)) if numbers else None


def _d_average(scope: Scope, args: list[Value]) -> Value:
    _arity("average", args, 1)
    values = _as_list(args[0])
    numbers = [v for v in values if _number(v) is not None]
    if not values or len(numbers) != len(values):
        return (
            None if not values else (_tidy(math.fsum(numbers) / len(numbers)) if numbers else None)
        )
    return _tidy(math.fsum(numbers) / len(numbers))


def _d_reduce(scope: Scope, args: list[Value]) -> Value:
    _arity("reduce", args, 2)
    values = _as_list(args[0])
    if not values:
        return None
    op = args[1]
    from garden.query.evaluate import arithmetic

    result: Value = values[0]
    for v in values[1:]:
        if isinstance(op, Lambda):
            result = op.call([result, v])
        elif op in ("+", "-", "*", "/"):
            result = arithmetic(to_text(op), result, v, "dql")
        elif op == "&":
            result = truthy(result) and truthy(v)
        elif op == "|":
            result = truthy(result) or truthy(v)
        else:
            raise QueryError(f"reduce(): unknown operand {to_text(op)!r}")
    return result


def _d_by(pick: Callable[..., Value]) -> Function:
    def fn(scope: Scope, args: list[Value]) -> Value:
        _arity("minby/maxby", args, 2)
        values, key = _as_list(args[0]), args[1]
        if not values or not isinstance(key, Lambda):
            return None
        return pick(values, key=lambda v: SortKey(key.call([v])))

    return fn


def _contains(container: Value, value: Value, *, fold: bool, exact: bool) -> bool:
    if isinstance(container, str):
        if not isinstance(value, str):
            return False
        return fold_text(value) in fold_text(container) if fold else value in container
    if isinstance(container, list):
        for item in container:
            if exact or not isinstance(item, str | list):
                if fold and isinstance(item, str) and isinstance(value, str):
                    if fold_text(item) == fold_text(value):
                        return True
                elif equal(item, value):
                    return True
            elif _contains(item, value, fold=fold, exact=exact):
                return True
        return False
    if isinstance(container, dict | Record):
        keys = container.keys() if isinstance(container, Record) else container
        key = to_text(value)
        return any((fold_text(k) == fold_text(key)) if fold else k == key for k in keys)
    if isinstance(container, Link | FileRef) and isinstance(value, Link | FileRef):
        return container == value
    return False


def _d_contains(fold: bool, exact: bool) -> Function:
    def fn(scope: Scope, args: list[Value]) -> Value:
        _arity("contains", args, 2)
        return _contains(args[0], args[1], fold=fold, exact=exact)

    return fn


def _d_containsword(scope: Scope, args: list[Value]) -> Value:
    _arity("containsword", args, 2)
    word = fold_text(to_text(args[1]))

    def has(text: Value) -> bool:
        return isinstance(text, str) and word in re.findall(r"\w+", fold_text(text))

    if isinstance(args[0], list):
        return [has(item) for item in args[0]]
    return has(args[0])


def _d_extract(scope: Scope, args: list[Value]) -> Value:
    if not args:
        raise QueryError("extract() needs an object")
    obj = args[0]
    if isinstance(obj, Record):
        return {to_text(k): obj.get(to_text(k)) for k in args[1:]}
    if isinstance(obj, dict):
        return {to_text(k): obj.get(to_text(k)) for k in args[1:] if to_text(k) in obj}
    return None


def _d_length(scope: Scope, args: list[Value]) -> Value:
    _arity("length", args, 1)
    value = args[0]
    if isinstance(value, list | str | dict):
        return len(value)
    if isinstance(value, Record):
        return len(value.keys())
    return 0 if value is None else None


def _d_join(scope: Scope, args: list[Value]) -> Value:
    _arity("join", args, 1, 2)
    sep = to_text(args[1]) if len(args) > 1 else ", "
    return check_size(sep.join(to_text(v) for v in _as_list(args[0])))


def _d_quantifier(mode: str) -> Function:
    def fn(scope: Scope, args: list[Value]) -> Value:
        if len(args) == 2 and isinstance(args[1], Lambda) and isinstance(args[0], list):
            scope.ctx.budget.spend(len(args[0]))
            results = [truthy(args[1].call([v])) for v in args[0]]
        else:
            results = [truthy(v) for v in _flatten_args(args)]
        if mode == "all":
            return all(results)
        if mode == "any":
            return any(results)
        return not any(results)

    return fn


def _d_filter(scope: Scope, args: list[Value]) -> Value:
    _arity("filter", args, 2)
    values, fn = _as_list(args[0]), args[1]
    if not isinstance(fn, Lambda):
        raise QueryError("filter() needs a function: filter(list, (x) => ...)")
    scope.ctx.budget.spend(len(values))
    return [v for v in values if truthy(fn.call([v]))]


def _d_map(scope: Scope, args: list[Value]) -> Value:
    _arity("map", args, 2)
    values, fn = _as_list(args[0]), args[1]
    if not isinstance(fn, Lambda):
        raise QueryError("map() needs a function: map(list, (x) => ...)")
    scope.ctx.budget.spend(len(values))
    return [fn.call([v]) for v in values]


def _d_flat(scope: Scope, args: list[Value]) -> Value:
    _arity("flat", args, 1, 2)
    depth = _int(args[1], 1) if len(args) > 1 else 1

    def flatten(items: list[Value], level: int) -> list[Value]:
        out: list[Value] = []
        for item in items:
            if isinstance(item, list) and level > 0:
                out.extend(flatten(item, level - 1))
            else:
                out.append(item)
            if len(out) > MAX_ITEMS:
                raise QueryError(f"list longer than {MAX_ITEMS:,} items")
        return out

    return flatten(_as_list(args[0]), max(0, min(depth, 100)))


def _d_slice(scope: Scope, args: list[Value]) -> Value:
    _arity("slice", args, 1, 3)
    return _slice(_as_list(args[0]), args[1:])


def _d_default(vectorized: bool) -> Function:
    def fn(scope: Scope, args: list[Value]) -> Value:
        _arity("default", args, 2)
        value, fallback = args
        if vectorized and isinstance(value, list):
            return [fallback if v is None else v for v in value]
        return fallback if value is None else value

    return fn


def _d_dateformat(scope: Scope, args: list[Value]) -> Value:
    _arity("dateformat", args, 2)
    date = args[0]
    if not isinstance(date, Date):
        return None
    return format_date(date, to_text(args[1]), getattr(scope.ctx, "language", "en"), moment=False)


def _d_durationformat(scope: Scope, args: list[Value]) -> Value:
    _arity("durationformat", args, 2)
    span, pattern = args[0], to_text(args[1])
    if not isinstance(span, Duration):
        return None
    units = [("y", 12 * 30 * 86400.0), ("M", 30 * 86400.0), ("w", 7 * 86400.0), ("d", 86400.0),
             ("h", 3600.0), ("m", 60.0), ("s", 1.0), ("S", 0.001)]  # fmt: skip
    used = {c for c in re.sub(r"'[^']*'", "", pattern)}
    rest = span.millis / 1000
    amounts: dict[str, int] = {}
    for unit, size in units:
        if unit in used:
            amounts[unit], rest = int(rest // size), rest % size
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "'":
            end = pattern.find("'", i + 1)
            end = len(pattern) if end < 0 else end
            out.append(pattern[i + 1 : end])
            i = end + 1
            continue
        if char in amounts:
            j = i
            while j < len(pattern) and pattern[j] == char:
                j += 1
            out.append(str(amounts[char]).zfill(j - i))
            i = j
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _d_striptime(scope: Scope, value: Value) -> Value:
    if not isinstance(value, Date):
        return None
    return Date(value.value.replace(hour=0, minute=0, second=0, microsecond=0))


def _d_display(scope: Scope, args: list[Value]) -> Value:
    _arity("display", args, 1)
    value = args[0]
    if isinstance(value, str):
        text = re.sub(
            r"!?\[\[([^\]|]*?)(?:\|([^\]]*))?\]\]",
            lambda m: m.group(2) or m.group(1).rsplit("/", 1)[-1],
            value,
        )
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
        return re.sub(r"[*_~=`]+", "", text)
    if isinstance(value, Date):
        from babel.dates import format_date as babel_format_date

        return str(babel_format_date(value.value, "long", locale="en"))
    return to_text(value)


def _d_meta(scope: Scope, args: list[Value]) -> Value:
    _arity("meta", args, 1)
    link = args[0]
    if not isinstance(link, Link):
        return None
    subpath = link.subpath
    kind = "file" if not subpath else "block" if subpath.startswith("^") else "header"
    return {
        "display": link.display,
        "embed": link.embed,
        "path": link.path.removesuffix(".md") if link.path else link.target,
        "subpath": subpath.lstrip("^") if subpath else None,
        "type": kind,
    }


def _d_hash(scope: Scope, args: list[Value]) -> Value:
    _arity("hash", args, 1, 3)
    seed = "\0".join(to_text(a) for a in args).encode()
    return int.from_bytes(hashlib.sha256(seed).digest()[:6], "big")


def _d_currencyformat(scope: Scope, args: list[Value]) -> Value:
    _arity("currencyformat", args, 1, 2)
    number = _number(args[0])
    if number is None:
        return None
    from babel.numbers import format_currency

    currency = to_text(args[1]) if len(args) > 1 else "USD"
    try:
        return str(format_currency(number, currency, locale=getattr(scope.ctx, "language", "en")))
    except Exception:
        return str(format_currency(number, currency, locale="en"))


def _d_typeof(scope: Scope, args: list[Value]) -> Value:
    _arity("typeof", args, 1)
    value = args[0]
    if isinstance(value, Record):
        return "object"
    return type_name(value)


def _d_object(scope: Scope, args: list[Value]) -> Value:
    if len(args) % 2:
        raise QueryError("object() takes keys and values in pairs")
    return {to_text(args[i]): args[i + 1] for i in range(0, len(args), 2)}


def _d_string(scope: Scope, args: list[Value]) -> Value:
    _arity("string", args, 1)
    return to_text(args[0])


def _regex_fn(kind: str) -> Function:
    def fn(scope: Scope, args: list[Value]) -> Value:
        if kind == "replace":
            _arity("regexreplace", args, 3)
            text, pattern, repl = args
            if isinstance(text, list):
                return [
                    regex_replace(to_text(t), to_text(pattern), to_text(repl), all_matches=True)
                    for t in text
                ]
            if not isinstance(text, str):
                return None
            return regex_replace(text, to_text(pattern), to_text(repl), all_matches=True)
        _arity("regex" + kind, args, 2)
        pattern = compile_regex(to_text(args[0]))
        text = args[1]
        if not isinstance(text, str):
            return False
        if kind == "test":
            return _run(lambda: pattern.search(text, timeout=REGEX_SECONDS) is not None)
        return _run(lambda: pattern.fullmatch(text, timeout=REGEX_SECONDS) is not None)

    return fn


def _split(text: str, rest: list[Value]) -> Value:
    pattern = compile_regex(to_text(rest[0]))
    parts = _run(lambda: pattern.split(text, timeout=REGEX_SECONDS))
    parts = [p if p is not None else "" for p in parts]
    if len(rest) > 1 and rest[1] is not None:
        parts = parts[: max(0, _int(rest[1]))]
    return check_size(parts)


def _truncate(text: str, rest: list[Value]) -> Value:
    length = _int(rest[0])
    suffix = to_text(rest[1]) if len(rest) > 1 else "..."
    if len(text) <= length:
        return text
    return text[: max(0, length - len(suffix))] + suffix


def _pad(left: bool) -> Callable[[str, list[Value]], Value]:
    def pad(text: str, rest: list[Value]) -> Value:
        width = min(_int(rest[0]), 100_000)
        fill = to_text(rest[1]) if len(rest) > 1 else " "
        if len(text) >= width or not fill:
            return text
        padding = (fill * width)[: width - len(text)]
        return padding + text if left else text + padding

    return pad


DQL_FUNCTIONS: dict[str, Function] = {
    # constructors
    "object": _d_object,
    "list": lambda scope, args: list(args),
    "array": lambda scope, args: list(args),
    "date": _d_date,
    "dur": _d_dur,
    "number": _d_number,
    "string": _d_string,
    "link": _vectorized(_d_link, (1, 2)),
    "embed": _d_embed,
    "elink": _d_elink,
    "typeof": _d_typeof,
    # numbers
    "round": _d_number_fn(lambda n, r: js_round(n, _int(r[0]) if r else 0), 1, 2),
    "trunc": _d_number_fn(lambda n, r: _tidy(float(math.trunc(n))), 1, 1),
    "floor": _d_number_fn(lambda n, r: _tidy(float(math.floor(n))), 1, 1),
    "ceil": _d_number_fn(lambda n, r: _tidy(float(math.ceil(n))), 1, 1),
    "min": _d_minmax(min),
    "max": _d_minmax(max),
    "sum": _d_sum,
    "product": _d_product,
    "reduce": _d_reduce,
    "average": _d_average,
    "minby": _d_by(min),
    "maxby": _d_by(max),
    # containers
    "contains": _d_contains(fold=False, exact=False),
    "icontains": _d_contains(fold=True, exact=False),
    "econtains": _d_contains(fold=False, exact=True),
    "containsword": _d_containsword,
    "extract": _d_extract,
    "sort": lambda scope, args: sorted(_as_list(args[0]), key=SortKey) if args else [],
    "reverse": lambda scope, args: _as_list(args[0])[::-1] if args else [],
    "length": _d_length,
    "nonnull": lambda scope, args: [v for v in _first_list(args) if v is not None],
    "firstvalue": lambda scope, args: next((v for v in _first_list(args) if v is not None), None),
    "all": _d_quantifier("all"),
    "any": _d_quantifier("any"),
    "none": _d_quantifier("none"),
    "join": _d_join,
    "filter": _d_filter,
    "map": _d_map,
    "unique": lambda scope, args: _unique(_as_list(args[0])) if args else [],
    "flat": _d_flat,
    "slice": _d_slice,
    # text
    "regextest": _regex_fn("test"),
    "regexmatch": _regex_fn("match"),
    "regexreplace": _regex_fn("replace"),
    "replace": _d_string_fn(lambda s, r: check_size(s.replace(to_text(r[0]), to_text(r[1]))), 3, 3),
    "lower": _d_string_fn(lambda s, r: s.lower(), 1, 1),
    "upper": _d_string_fn(lambda s, r: s.upper(), 1, 1),
    "split": _d_string_fn(_split, 2, 3),
    "startswith": _d_string_fn(lambda s, r: s.startswith(to_text(r[0])), 2, 2),
    "endswith": _d_string_fn(lambda s, r: s.endswith(to_text(r[0])), 2, 2),
    "padleft": _d_string_fn(_pad(True), 2, 3),
    "padright": _d_string_fn(_pad(False), 2, 3),
    "substring": _d_string_fn(lambda s, r: _slice(s, r), 2, 3),
    "truncate": _d_string_fn(_truncate, 2, 3),
    # utilities
    "default": _d_default(vectorized=True),
    "ldefault": _d_default(vectorized=False),
    "striptime": _vectorized(_d_striptime, (1, 1)),
    "dateformat": _d_dateformat,
    "durationformat": _d_durationformat,
    "currencyformat": _d_currencyformat,
    "localtime": lambda scope, args: args[0] if args else None,
    "display": _d_display,
    "meta": _d_meta,
    "hash": _d_hash,
}  # fmt: skip


def function_for(dialect: str, name: str) -> Function | None:
    if dialect == "bases":
        return BASES_FUNCTIONS.get(name)
    return DQL_FUNCTIONS.get(name.lower())
