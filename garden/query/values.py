"""The values queries compute with, shared by the Bases and Dataview front ends.

A value is one of: ``None`` (null), ``bool``, ``int`` or ``float`` (numbers), ``str``, ``list``
(never mutated once made), ``dict`` (an object), or one of the frozen types below: ``Date``,
``Duration``, ``Link``, ``FileRef`` (a Bases file object), ``Regex`` and ``Lambda``. Everything
here is pure and total: no operation raises on a value of the wrong type; it answers null (or
false) the way Dataview and Bases do, and ``QueryError`` is kept for what a user must be told.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

Value: TypeAlias = Any  # see the module docstring

MAX_TEXT = 1_000_000  # characters in one text value
MAX_ITEMS = 100_000  # elements in one list


class QueryError(Exception):
    """A query that cannot be evaluated: a syntax error, an unknown function, a budget spent.
    The message is shown to the user with the file and line of the query."""


@dataclass(frozen=True, slots=True)
class Date:
    """A date, or a date and time (``has_time``), in no particular time zone: as written."""

    value: dt.datetime
    has_time: bool = False

    def __lt__(self, other: Date) -> bool:
        return self.value < other.value


@dataclass(frozen=True, slots=True)
class Duration:
    """A span of time: whole months (a year is 12) and seconds (a day is 86,400), kept apart so
    that adding "1 month" to a date moves its month, as in Luxon and Moment."""

    months: int = 0
    seconds: float = 0.0

    @property
    def millis(self) -> float:
        """For comparisons and for Bases, where a duration in arithmetic is milliseconds."""
        return (self.months * 30 * 86400 + self.seconds) * 1000.0

    def __add__(self, other: Duration) -> Duration:
        return Duration(self.months + other.months, self.seconds + other.seconds)

    def __neg__(self) -> Duration:
        return Duration(-self.months, -self.seconds)

    def scaled(self, factor: float) -> Duration:
        months = self.months * factor
        whole = int(months)
        # A fraction of a month becomes days of 30: "1 month" * 1.5 = 1 month and 15 days.
        return Duration(whole, self.seconds * factor + (months - whole) * 30 * 86400)


@dataclass(frozen=True, slots=True, eq=False)
class Link:
    """A link value: from a property (``[[Note]]``), ``link()``, or a file. ``path`` is the vault
    path of the published note or file it reaches; None when it reaches nothing a reader may see
    (no such note, or an unpublished one: then ``reason`` says which), or for a URL."""

    target: str  # as written: "Folder/Note", "pic.png", or a URL
    display: str | None = None
    subpath: str | None = None  # a heading, or "^block"
    embed: bool = False
    path: str | None = None
    kind: str = "note"  # "note", "file" (an attachment), "url" or "broken"
    reason: str = ""  # why it is broken

    def key(self) -> tuple[str, str]:
        if self.path is not None:
            return ("path", self.path)
        return ("text", fold_text(self.target.removesuffix(".md")))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Link):
            return self.key() == other.key() and (self.subpath or "") == (other.subpath or "")
        if isinstance(other, FileRef):
            return self.path is not None and self.path == other.path
        return False

    def __hash__(self) -> int:
        return hash(self.key())

    @property
    def name(self) -> str:
        """What a link without display text shows: the file name, without ``.md``."""
        if self.kind == "url":
            return self.target
        base = (self.path or self.target).rsplit("/", 1)[-1]
        return base[:-3] if base.lower().endswith(".md") else base

    def shown(self) -> str:
        return self.display or self.name


@dataclass(frozen=True, slots=True, eq=False)
class FileRef:
    """A Bases file object (``file``, ``this``, ``link.asFile()``): the row of a published note
    or file. ``row`` is a ``garden.query.table.Row``; typed loosely to keep this module low."""

    row: Any

    @property
    def path(self) -> str:
        return str(self.row.path)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FileRef):
            return self.path == other.path
        if isinstance(other, Link):
            return other.path is not None and other.path == self.path
        return False

    def __hash__(self) -> int:
        return hash(self.path)


@dataclass(frozen=True, slots=True)
class Regex:
    """A Bases regular expression literal, ``/pattern/flags`` (JavaScript's syntax)."""

    pattern: str
    flags: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Lambda:
    """A Dataview lambda ``(x, y) => body``: ``call`` evaluates the body with the arguments."""

    params: tuple[str, ...]
    call: Callable[[list[Value]], Value]


# --------------------------------------------------------------------------------------------
# Types, truth, text
# --------------------------------------------------------------------------------------------
def type_name(value: Value) -> str:
    """Dataview's ``typeof``: "null", "boolean", "number", "string", "array", "object", "date",
    "duration", "link", "function" (and "file", "regex" for Bases values)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, Date):
        return "date"
    if isinstance(value, Duration):
        return "duration"
    if isinstance(value, Link):
        return "link"
    if isinstance(value, FileRef):
        return "file"
    if isinstance(value, Regex):
        return "regex"
    if isinstance(value, Lambda):
        return "function"
    return "null"


def truthy(value: Value) -> bool:
    """Dataview's truthiness (Bases agrees but for empty lists, which it also counts false)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str | list | dict):
        return len(value) > 0
    if isinstance(value, Duration):
        return value.millis != 0
    if isinstance(value, Link):
        return bool(value.target)
    return True


def is_empty(value: Value) -> bool:
    """Bases ``isEmpty()``: null, "", [] and {} are empty; a number or a date never is."""
    if value is None:
        return True
    if isinstance(value, str | list | dict):
        return len(value) == 0
    return False


def number_text(value: float) -> str:
    """A number as JavaScript writes it: ``3``, not ``3.0``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def iso_date(value: Date) -> str:
    if not value.has_time:
        return value.value.date().isoformat()
    text = value.value.isoformat(timespec="milliseconds" if value.value.microsecond else "seconds")
    return text


def to_text(value: Value) -> str:
    """A value as text, for ``+`` with text, ``toString()`` and ``string()``: plain and stable
    (dates in ISO form; the page shows them formatted for the site's language instead)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return number_text(value)
    if isinstance(value, Date):
        return iso_date(value)
    if isinstance(value, Duration):
        return duration_text(value)
    if isinstance(value, Link):
        return value.shown()
    if isinstance(value, FileRef):
        return str(value.row.name)
    if isinstance(value, list):
        return ", ".join(to_text(v) for v in value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {to_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Regex):
        return f"/{value.pattern}/{value.flags}"
    if isinstance(value, Lambda):
        return "<function>"
    return str(value)


_UNITS = (
    ("year", 365 * 86400),
    ("week", 7 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
    ("second", 1),
)


def duration_parts(value: Duration) -> list[tuple[str, float]]:
    """(unit, amount) from the largest unit down, zero amounts left out: 1 month and 26 hours
    are [("month", 1), ("day", 1), ("hour", 2)]. Weeks are shown as days."""
    parts: list[tuple[str, float]] = []
    years, months = divmod(abs(value.months), 12)
    sign = -1 if value.months < 0 else 1
    if years:
        parts.append(("year", sign * years))
    if months:
        parts.append(("month", sign * months))
    rest = abs(value.seconds)
    sign = -1 if value.seconds < 0 else 1
    for unit, size in _UNITS[2:]:
        amount, rest = divmod(rest, size)
        if amount:
            parts.append((unit, sign * int(amount)))
    if rest > 1e-9:
        parts.append(("millisecond", sign * round(rest * 1000)))
    return parts


def duration_text(value: Duration) -> str:
    parts = duration_parts(value)
    if not parts:
        return "0 seconds"
    return ", ".join(f"{number_text(n)} {unit}{'' if abs(n) == 1 else 's'}" for unit, n in parts)


# --------------------------------------------------------------------------------------------
# Equality and order
# --------------------------------------------------------------------------------------------
def fold_text(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _collation_key(text: str) -> tuple[str, str]:
    """Like JavaScript's ``localeCompare``: accents and case matter only to break ties, and then
    lower case sorts before upper case."""
    base = "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    ).casefold()
    return base, text.swapcase()


def collate(a: str, b: str) -> int:
    ka, kb = _collation_key(a), _collation_key(b)
    return (ka > kb) - (ka < kb)


def equal(a: Value, b: Value) -> bool:
    """Value equality: numbers by value (``1 == 1.0``), lists and objects element by element,
    links by the note they reach, a link and a file when the link reaches that file."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, Date) and isinstance(b, Date):
        return a.value == b.value
    if isinstance(a, Duration) and isinstance(b, Duration):
        return a.millis == b.millis
    if isinstance(a, Link | FileRef) and isinstance(b, Link | FileRef):
        return a == b
    if type(a) is not type(b):
        return False
    return bool(a == b)


def compare(a: Value, b: Value) -> int:
    """Dataview's total order: null first; values of different types by their type's name;
    text as ``localeCompare``; lists element by element; links by path. Used for ``<`` in DQL,
    for sorting in both front ends, and for min/max."""
    if a is None or b is None:
        return (a is not None) - (b is not None)
    ta, tb = type_name(a), type_name(b)
    if ta != tb:
        return (ta > tb) - (ta < tb)
    if ta == "string":
        return collate(a, b)
    if ta in ("number", "boolean"):
        return (a > b) - (a < b)
    if ta == "date":
        return (a.value > b.value) - (a.value < b.value)
    if ta == "duration":
        return (a.millis > b.millis) - (a.millis < b.millis)
    if ta == "link":
        ka, kb = a.key(), b.key()
        if ka != kb:
            return (ka > kb) - (ka < kb)
        sa, sb = a.subpath or "", b.subpath or ""
        return (sa > sb) - (sa < sb)
    if ta == "file":
        return (a.path > b.path) - (a.path < b.path)
    if ta == "array":
        for x, y in zip(a, b, strict=False):
            c = compare(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ta == "object":
        ka, kb = sorted(a), sorted(b)
        c = compare(ka, kb)
        if c:
            return c
        for key in ka:
            c = compare(a[key], b[key])
            if c:
                return c
        return 0
    return 0


_TYPE_NAMES = ("array", "boolean", "date", "duration", "file", "function", "link", "number",
               "object", "regex", "string")  # fmt: skip
_TYPE_ORDER = {name: rank for rank, name in enumerate(sorted(_TYPE_NAMES))}


def sort_keys(values: list[Value]) -> list[Any]:
    """Keys that order ``values`` exactly as ``compare`` does, made once per value: plain
    tuples for plain values (fast), ``SortKey`` wrappers when a list or object is among them."""
    keys: list[Any] = []
    for value in values:
        if value is None:
            keys.append((0,))
            continue
        kind = type(value)
        if kind is str:
            keys.append((1, _TYPE_ORDER["string"], _collation_key(value)))
        elif kind is int or kind is float:
            keys.append((1, _TYPE_ORDER["number"], value))
        elif kind is bool:
            keys.append((1, _TYPE_ORDER["boolean"], int(value)))
        elif kind is Date:
            keys.append((1, _TYPE_ORDER["date"], value.value))
        elif kind is Duration:
            keys.append((1, _TYPE_ORDER["duration"], value.millis))
        elif kind is Link:
            keys.append((1, _TYPE_ORDER["link"], value.key(), value.subpath or ""))
        else:
            return [SortKey(v) for v in values]
    return keys


class SortKey:
    """Wraps a value so ``sorted`` orders by ``compare``."""

    __slots__ = ("value",)

    def __init__(self, value: Value) -> None:
        self.value = value

    def __lt__(self, other: SortKey) -> bool:
        return compare(self.value, other.value) < 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SortKey) and compare(self.value, other.value) == 0

    __hash__ = None  # type: ignore[assignment]


# --------------------------------------------------------------------------------------------
# Reading dates and durations from text
# --------------------------------------------------------------------------------------------
_ISO = re.compile(
    r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:[T ](?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:[.,](?P<f>[0-9]{1,9}))?)?"
    r"(?P<tz>Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?)?$"
)


def parse_date(text: str, *, month_only: bool = True) -> Date | None:
    """An ISO 8601 date (``2021-04``, ``2021-04-18``, ``2021-04-18T04:19``,
    ``2021-04-18 04:19:35.000+06:30``), or None. A time zone is read and dropped: the date stays
    as written, as Obsidian shows it."""
    m = _ISO.match(text.strip())
    if m is None or (m.group("d") is None and not month_only):
        return None
    try:
        day = int(m.group("d") or 1)
        has_time = m.group("H") is not None
        frac = (m.group("f") or "0")[:6].ljust(6, "0")
        value = dt.datetime(
            int(m.group("y")),
            int(m.group("m")),
            day,
            int(m.group("H") or 0),
            int(m.group("M") or 0),
            int(m.group("S") or 0),
            int(frac),
        )
    except ValueError:
        return None
    return Date(value, has_time)


_DURATION_UNITS: dict[str, tuple[int, float]] = {}
for _names, _months, _seconds in (
    (("y", "yr", "yrs", "year", "years"), 12, 0.0),
    (("mo", "mos", "month", "months", "M"), 1, 0.0),
    (("w", "wk", "wks", "week", "weeks"), 0, 7 * 86400.0),
    (("d", "day", "days"), 0, 86400.0),
    (("h", "hr", "hrs", "hour", "hours"), 0, 3600.0),
    (("m", "min", "mins", "minute", "minutes"), 0, 60.0),
    (("s", "sec", "secs", "second", "seconds"), 0, 1.0),
    (("ms", "millisecond", "milliseconds"), 0, 0.001),
):
    for _name in _names:
        _DURATION_UNITS[_name] = (_months, _seconds)

_DURATION_PART = re.compile(r"\s*([+-]?[0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]+)\s*,?")


def parse_duration(text: str) -> Duration | None:
    """``"1 week"``, ``"2h"``, ``"1M"`` (a month; ``m`` is a minute), ``"6hr7min"``,
    ``"9 years, 8 months, 4 days"``; None when the text is not a duration."""
    text = text.strip()
    if not text:
        return None
    pos = 0
    months = 0
    seconds = 0.0
    while pos < len(text):
        m = _DURATION_PART.match(text, pos)
        if m is None or m.end() == pos:
            return None
        unit = m.group(2)
        found = _DURATION_UNITS.get(unit) or (
            None if unit == "M" else _DURATION_UNITS.get(unit.lower())
        )
        if found is None:
            return None
        amount = float(m.group(1))
        whole = int(amount) if amount.is_integer() else None
        if found[0]:
            if whole is None:  # a fraction of a month or year: in days, as Luxon does
                seconds += amount * found[0] * 30 * 86400
            else:
                months += whole * found[0]
        else:
            seconds += amount * found[1]
        pos = m.end()
    return Duration(months, seconds)


def add_duration(date: Date, span: Duration, sign: int = 1) -> Date:
    """``date`` moved by ``span`` (months first, keeping the day when the month has it, else its
    last day; then the seconds). A date without time stays one while whole days are added."""
    value = date.value
    months = value.month - 1 + sign * span.months
    year = value.year + months // 12
    month = months % 12 + 1
    try:
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        value = value.replace(year=year, month=month, day=min(value.day, last))
        value = value + dt.timedelta(seconds=sign * span.seconds)
    except (ValueError, OverflowError):
        raise QueryError("date out of range") from None
    has_time = date.has_time or (span.seconds % 86400 != 0)
    return Date(value, has_time)


def date_difference(a: Date, b: Date) -> Duration:
    delta = a.value - b.value
    return Duration(0, delta.total_seconds())


# --------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------
_KEY_DROP = re.compile(r"[^\w\s-]+", re.UNICODE)
_KEY_SPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def canonical_key(key: str) -> str:
    """Dataview's sanitized field name: formatting and punctuation dropped, lower case, spaces as
    dashes (``**Basic Field**`` → ``basic-field``)."""
    text = _KEY_DROP.sub("", key.replace("*", "").replace("~~", "").replace("==", ""))
    return _KEY_SPACE.sub("-", text.strip()).lower()


def check_size(value: Value) -> Value:
    """Refuse a text or a list too large to be a real query's value (a query's memory budget)."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise QueryError(f"text longer than {MAX_TEXT:,} characters")
    if isinstance(value, list) and len(value) > MAX_ITEMS:
        raise QueryError(f"list longer than {MAX_ITEMS:,} items")
    return value
