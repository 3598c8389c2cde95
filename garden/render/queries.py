"""Query results as HTML: tables, cards, lists, task lists and inline values.

Everything is complete without a script: every row is in the page, every view of a base is
shown under its name. ``static/query.js`` then sorts a table by a clicked header, pages through
long results (never cutting them: the pager says how many there are) and turns a base's views
into tabs. Dates and numbers are written for the site's language (CLDR data, through Babel), and
each cell carries a ``data-sort`` key so the script sorts them as values, not as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.units import format_unit
from mistune.util import escape

from garden.query.functions import HtmlValue, IconValue, ImageValue
from garden.query.results import QueryResult, ResultGroup, ResultRow, TaskItem
from garden.query.values import Date, Duration, Link, Value, duration_parts, number_text, to_text

PAGE_SIZE = 50  # rows a page of a long result shows once the script pages it
_NONE = '<span class="query-none">(none)</span>'  # a group whose key is empty

LinkHTML = Callable[[Link, str | None], str]  # (link, label HTML or None) -> HTML
ImageHTML = Callable[[Value, int], str]  # (a cover: link, URL or colour; width) -> HTML
TextHTML = Callable[[str, str], str]  # (Markdown text, the note it is written in) -> HTML


class Formatter:
    """Values as text and HTML for one language."""

    def __init__(self, language: str) -> None:
        try:
            self.locale = Locale.parse(language.replace("-", "_"))
        except (UnknownLocaleError, ValueError, TypeError):
            self.locale = Locale.parse("en")

    def number(self, value: float) -> str:
        """In the language's digits and separators; numbers below 10,000 are not grouped, so a
        year reads 1815 (CLDR groups four digits in English, not in many languages)."""
        if isinstance(value, float) and not math.isfinite(value):
            return number_text(value)
        grouped = abs(value) >= 10_000
        return str(format_decimal(value, locale=self.locale, group_separator=grouped))

    def date(self, value: Date) -> str:
        if value.has_time:
            return str(format_datetime(value.value, "medium", locale=self.locale))
        return str(format_date(value.value, "medium", locale=self.locale))

    def duration(self, value: Duration) -> str:
        parts = duration_parts(value)
        if not parts:
            return str(format_unit(0, "duration-second", length="long", locale=self.locale))
        words = [
            str(format_unit(amount, f"duration-{unit}", length="long", locale=self.locale))
            for unit, amount in parts
        ]
        return str(format_list(words, style="unit", locale=self.locale))

    def text(self, value: Value) -> str:
        """A value as plain text, as the page shows it (for sorting and summaries)."""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return self.number(value)
        if isinstance(value, Date):
            return self.date(value)
        if isinstance(value, Duration):
            return self.duration(value)
        if isinstance(value, list):
            return ", ".join(self.text(v) for v in value)
        return to_text(value) if value is not None else ""


def sort_key(value: Value) -> str:
    """What the table script sorts a cell by: numbers and dates sort as such."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, Date):
        return value.value.isoformat()
    if isinstance(value, Duration):
        return number_text(value.millis)
    if isinstance(value, Link):
        return value.shown()
    if isinstance(value, list):
        return ", ".join(sort_key(v) for v in value)
    return to_text(value)


class QueryDrawer:
    """Draws results for one page renderer: ``link`` draws a link value (class ``internal``, or
    ``broken``), ``image`` a card cover through the image pipeline, ``markdown`` a task's text
    in the context of the note it is written in; ``sanitize`` cleans ``html()`` values."""

    def __init__(
        self,
        formatter: Formatter,
        link: LinkHTML,
        image: ImageHTML,
        markdown: TextHTML,
        sanitize: Callable[[str], str],
    ) -> None:
        self.fmt = formatter
        self.link = link
        self.image = image
        self.markdown = markdown
        self.sanitize = sanitize

    # -- values ---------------------------------------------------------------------------
    def value(self, value: Value, *, checkbox: bool = False) -> str:
        if value is None:
            return ""
        if isinstance(value, HtmlValue):
            return self.sanitize(str(value))
        if isinstance(value, ImageValue):
            return self.image(value.link or str(value), 0)
        if isinstance(value, IconValue):
            name = escape(str(value))
            return f'<span class="query-icon" data-icon="{name}">{name}</span>'
        if isinstance(value, bool):
            if checkbox:
                state = " checked" if value else ""
                label = "true" if value else "false"
                return f'<input type="checkbox" disabled aria-label="{label}"{state}>'
            return "true" if value else "false"
        if isinstance(value, int | float):
            return escape(self.fmt.number(value))
        if isinstance(value, str):
            return escape(value)
        if isinstance(value, Date):
            iso = value.value.isoformat() if value.has_time else value.value.date().isoformat()
            return f'<time datetime="{iso}">{escape(self.fmt.date(value))}</time>'
        if isinstance(value, Duration):
            return escape(self.fmt.duration(value))
        if isinstance(value, Link):
            return self.link(value, None)
        if isinstance(value, list):
            if not value:
                return ""
            if len(value) == 1 and not isinstance(value[0], list | dict):
                return self.value(value[0], checkbox=checkbox)
            items = "".join(f"<li>{self.value(v, checkbox=checkbox)}</li>" for v in value)
            return f'<ul class="query-values">{items}</ul>'
        if isinstance(value, dict):
            items = "".join(
                f'<li><span class="query-key">{escape(str(k))}</span>: {self.value(v)}</li>'
                for k, v in value.items()
            )
            return f'<ul class="query-values query-object">{items}</ul>' if items else ""
        return escape(to_text(value))

    # -- results --------------------------------------------------------------------------
    def result(self, result: QueryResult, *, engine: str, code: str = "", dom_id: str = "q") -> str:
        """The HTML of one result (a base view, a DQL query, an inline value)."""
        if result.kind == "error":
            return self.notice(result.error, code)
        if result.kind == "value":
            return f'<span class="query-inline">{self.value(result.value)}</span>'
        if result.kind == "table":
            return self.table(result, engine)
        if result.kind == "cards":
            return self.cards(result)
        if result.kind == "task":
            return self.tasks(result)
        return self.listing(result, engine)

    def notice(self, message: str, code: str = "", language: str = "") -> str:
        shown = ""
        if code:
            lang = f' class="language-{escape(language)}"' if language else ""
            shown = f"<pre><code{lang}>{escape(code)}</code></pre>"
        return (
            f'<div class="query query-error" role="note"><p class="query-notice">'
            f"<strong>Query not shown:</strong> {escape(message)}</p>{shown}</div>\n"
        )

    def _empty(self) -> str:
        return '<p class="query-empty">No results.</p>'

    def table(self, result: QueryResult, engine: str) -> str:
        checkbox = engine == "bases"
        headers = list(result.headers)
        if result.id_column and headers:
            headers[0] = f"{headers[0]} ({result.total})"
        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
        bodies: list[str] = []
        for group in result.groups:
            rows = "".join(self._table_row(row, checkbox) for row in group.rows)
            group_head = ""
            if result.grouped:
                summary = self._summary_row(result, group.summaries, "query-group-summary")
                key = self.value(group.key) or _NONE
                group_head = (
                    f'<tr class="query-group">'
                    f'<th scope="rowgroup" colspan="{max(1, len(headers))}">'
                    f'{key} <span class="query-count">{len(group.rows)}</span></th></tr>{summary}'
                )
            bodies.append(f"<tbody>{group_head}{rows}</tbody>")
        foot = self._summary_row(result, result.summaries, "query-summary")
        foot = f"<tfoot>{foot}</tfoot>" if foot else ""
        if not result.total:
            return f'<div class="query query-{engine}">{self._empty()}</div>\n'
        return (
            f'<div class="query query-{engine} query-table-wrap">'
            f'<table class="query-table" data-page-size="{PAGE_SIZE}">'
            f"<thead><tr>{head}</tr></thead>{''.join(bodies)}{foot}</table>"
            f"{self._limit_note(result)}</div>\n"
        )

    def _table_row(self, row: ResultRow, checkbox: bool) -> str:
        cells = "".join(
            f'<td data-sort="{escape(sort_key(v))}">{self.value(v, checkbox=checkbox)}</td>'
            for v in row.cells
        )
        return f'<tr class="query-row">{cells}</tr>'

    def _summary_row(self, result: QueryResult, values: tuple[Value, ...], css: str) -> str:
        if not result.summary_names or not values:
            return ""
        cells = []
        for name, value in zip(result.summary_names, values, strict=False):
            if name:
                cells.append(
                    f'<td><span class="query-summary-name">{escape(name)}</span> '
                    f"{self.value(value)}</td>"
                )
            else:
                cells.append("<td></td>")
        return f'<tr class="{css}">{"".join(cells)}</tr>'

    def _limit_note(self, result: QueryResult) -> str:
        limit = result.option("limit")
        if limit is not None and result.total > limit:
            return (
                f'<p class="query-limit">The first {self.fmt.number(limit)} of '
                f"{self.fmt.number(result.total)} results (the view's limit).</p>"
            )
        return ""

    def cards(self, result: QueryResult) -> str:
        if not result.total:
            return f'<div class="query query-bases">{self._empty()}</div>\n'
        size = _number_option(result.option("cardSize"), 200, 80, 800)
        ratio = _number_option(result.option("imageAspectRatio"), 1.0, 0.25, 4.0)
        fit = "contain" if str(result.option("imageFit", "cover")).lower() == "contain" else "cover"
        has_image = result.option("image") is not None
        groups: list[str] = []
        for group in result.groups:
            cards = "".join(self._card(result, row, size, has_image) for row in group.rows)
            head = self._group_heading(result, group)
            groups.append(
                f'{head}<div class="query-cards" data-page-size="{PAGE_SIZE}">{cards}</div>'
            )
        style = f"--card-size: {size:g}px; --card-ratio: {1 / ratio:.4g}; --card-fit: {fit}"
        return (
            f'<div class="query query-bases query-cards-wrap" style="{style}">'
            f"{''.join(groups)}{self._limit_note(result)}</div>\n"
        )

    def _card(self, result: QueryResult, row: ResultRow, size: float, has_image: bool) -> str:
        cover = ""
        if has_image:
            inner = self.image(row.image, int(size)) if row.image not in (None, "", []) else ""
            cover = f'<div class="query-card-cover">{inner}</div>'
        fields = []
        title = ""
        for header, value in zip(result.headers, row.cells, strict=False):
            if (
                isinstance(value, Link)
                and row.link is not None
                and value.path == row.link.path
                and not title
            ):
                title = f'<p class="query-card-title">{self.value(value)}</p>'
                continue
            if value in (None, "", []):
                continue
            fields.append(f"<dt>{escape(header)}</dt><dd>{self.value(value, checkbox=True)}</dd>")
        if not title and row.link is not None:
            title = f'<p class="query-card-title">{self.link(row.link, None)}</p>'
        body = f'<dl class="query-card-fields">{"".join(fields)}</dl>' if fields else ""
        inner = f'<div class="query-card-body">{title}{body}</div>'
        return f'<div class="query-card">{cover}{inner}</div>'

    def _group_heading(self, result: QueryResult, group: ResultGroup) -> str:
        if not result.grouped:
            return ""
        key = self.value(group.key) or _NONE
        return _group_heading(key, len(group.rows))

    def listing(self, result: QueryResult, engine: str) -> str:
        """A DQL LIST, or a base's list view."""
        if not result.total:
            return f'<div class="query query-{engine}">{self._empty()}</div>\n'
        groups: list[str] = []
        for group in result.groups:
            items = "".join(self._list_item(result, row, engine) for row in group.rows)
            head = self._group_heading(result, group) if engine == "bases" else ""
            groups.append(f'{head}<ul class="query-list" data-page-size="{PAGE_SIZE}">{items}</ul>')
        return (
            f'<div class="query query-{engine}">{"".join(groups)}{self._limit_note(result)}</div>\n'
        )

    def _list_item(self, result: QueryResult, row: ResultRow, engine: str) -> str:
        cells = [self.value(v) for v in row.cells]
        if engine == "bases":
            shown = [c for c in cells if c]
            if not shown and row.link is not None:
                shown = [self.link(row.link, None)]
            head, rest = (shown[0], shown[1:]) if shown else ("", [])
            extra = f'<span class="query-list-fields">, {", ".join(rest)}</span>' if rest else ""
            return f'<li class="query-row">{head}{extra}</li>'
        if result.id_column and not cells[0]:
            cells[0] = _NONE  # a group whose key is empty
        if result.id_column and len(cells) > 1:
            return f'<li class="query-row">{cells[0]}: {cells[1]}</li>'
        return f'<li class="query-row">{cells[0] if cells else ""}</li>'

    def tasks(self, result: QueryResult) -> str:
        if not result.total:
            return f'<div class="query query-dataview">{self._empty()}</div>\n'
        parts: list[str] = []
        for group in result.groups:
            if result.grouped:
                key = self.value(group.key) or _NONE
                parts.append(_group_heading(key, len(group.rows)))
            items = "".join(
                self._task(row.task, row.link, top=not result.grouped)
                for row in group.rows
                if row.task
            )
            parts.append(
                f'<ul class="query-tasks contains-task-list" data-page-size="{PAGE_SIZE}">'
                f"{items}</ul>"
            )
        return f'<div class="query query-dataview">{"".join(parts)}</div>\n'

    def _task(self, task: TaskItem, source: Link | None, *, top: bool) -> str:
        text = self.markdown(task.text, task.path)
        children = "".join(self._task(child, None, top=False) for child in task.children)
        nested = f'<ul class="contains-task-list">{children}</ul>' if children else ""
        back = ""
        if top and source is not None:
            back = f' <span class="query-task-source">{self.link(source, None)}</span>'
        if task.status is None:
            return f'<li class="query-row">{text}{back}{nested}</li>'
        checked = task.status != " "
        state = "done" if checked else "not done"
        box = (
            f'<input class="task-list-item-checkbox" type="checkbox" disabled aria-label="{state}"'
            + (" checked>" if checked else ">")
        )
        status = escape(task.status.strip())
        attrs = f'class="task-list-item query-row" data-task="{status}"'
        return f"<li {attrs}>{box}{text}{back}{nested}</li>"

    # -- a base's views -------------------------------------------------------------------
    def views(
        self, results: tuple[QueryResult, ...], dom_id: str, *, heading_level: int = 3
    ) -> str:
        """Every view of a base, each under its name; the script makes them tabs."""
        if len(results) == 1:
            only = results[0]
            return self.result(only, engine="bases")
        names = [name for name, _ in results[0].views] if results and results[0].views else []
        panels = []
        for index, result in enumerate(results):
            name = names[index] if index < len(names) else f"View {index + 1}"
            panel_id = f"{dom_id}-view{index + 1}"
            panels.append(
                f'<section class="base-view" id="{escape(panel_id)}" data-view="{escape(name)}">'
                f'<h{heading_level} class="base-view-name">{escape(name)}</h{heading_level}>'
                f"{self.result(result, engine='bases')}</section>"
            )
        return f'<div class="base-views">{"".join(panels)}</div>\n'


def _group_heading(key_html: str, count: int) -> str:
    count_html = f'<span class="query-count">{count}</span>'
    return f'<p class="query-group-heading">{key_html} {count_html}</p>'


def _number_option(value: Any, default: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return default
    return min(max(float(value), low), high)
