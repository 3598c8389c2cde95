"""What a query gives the renderer: plain, frozen values (no closures, no rows), so the page
cache can hash them and a page is drawn again exactly when a result it shows changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from garden.query.evaluate import Record
from garden.query.values import Date, Duration, FileRef, Lambda, Link, Regex, Value


@dataclass(frozen=True, slots=True)
class TaskItem:
    """A task or list item in a TASK result, with the children shown under it."""

    text: str
    status: str | None
    path: str  # the note it is written in
    line: int
    children: tuple[TaskItem, ...] = ()


@dataclass(frozen=True, slots=True)
class ResultRow:
    cells: tuple[Value, ...]
    link: Link | None = None  # the note or file the row is (None for a group's row)
    task: TaskItem | None = None
    image: Value = None  # a card's cover: a link to an image, a URL, or a colour


@dataclass(frozen=True, slots=True)
class ResultGroup:
    key: Value  # the group's key (None when the result is not grouped; see ``grouped``)
    rows: tuple[ResultRow, ...]
    summaries: tuple[Value, ...] = ()  # one per column, None where the column has none


@dataclass(frozen=True, slots=True)
class QueryResult:
    """``kind``: "table", "list", "cards", "task", "value" (an inline query) or "error".
    ``headers`` name the columns (a table's; a card's or list item's fields). ``id_column``:
    the first column is the row's note (or group key). ``total`` counts every row, ``limit``
    says a view asked for at most so many (then they are all there is to show)."""

    kind: str
    headers: tuple[str, ...] = ()
    groups: tuple[ResultGroup, ...] = ()
    grouped: bool = False
    id_column: bool = False
    total: int = 0
    error: str = ""
    value: Value = None  # an inline query's value
    options: tuple[tuple[str, Any], ...] = ()  # the view's settings (cards, list markers...)
    summary_names: tuple[str, ...] = ()  # per column: the summary's name, "" for none
    summaries: tuple[Value, ...] = ()  # per column, over every row
    views: tuple[tuple[str, str], ...] = field(default=())  # a base's (name, type) of each view

    def option(self, name: str, default: Any = None) -> Any:
        for key, value in self.options:
            if key == name:
                return value
        return default


def error_result(message: str) -> QueryResult:
    return QueryResult("error", error=message)


def plain(value: Value) -> Value:
    """A value fit for a result: rows become their links, objects and lists stay."""
    if value is None or isinstance(value, bool | int | float | str | Date | Duration | Link):
        return value
    if isinstance(value, FileRef):
        return value.row.as_link()
    if isinstance(value, Record):
        link = value.link()
        if link is not None:
            return link
        return {k: plain(value.get(k)) for k in value.keys()}  # noqa: SIM118 (a Record)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Regex):
        return f"/{value.pattern}/{value.flags}"
    if isinstance(value, Lambda):
        return "<function>"
    return value
