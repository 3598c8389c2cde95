"""The property table: one typed row per published note (and, for Bases, per published file),
made once per build from what parse, resolve and the publish filter already know.

A row holds a note's front matter with types (ISO dates become dates, ``"[[Note]]"`` becomes a
link), Dataview's inline fields typed the way Dataview types them, its tags, links (body and
front matter, each resolved: a link into a private note is broken), backlinks, list items and
file facts. Nothing of an unpublished note is in the table, so no query can reach one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

from garden.model import InlineField, ListItem, Note, Resolution, SourceFile, Vault
from garden.paths import VaultPath
from garden.query.evaluate import Record
from garden.query.values import (
    Date,
    Duration,
    FileRef,
    Link,
    Value,
    canonical_key,
    fold_text,
    parse_date,
    parse_duration,
)

Resolver = Callable[[str, str], Resolution]  # (link target as written, linking path)

_LINK_TEXT = re.compile(r"^\s*(!?)\[\[([^\[\]\n]*)\]\]\s*$")
_TAG = re.compile(r"(?<![\w#&])#([^\s#!\"$%&'()*+,.:;<=>?@^`{|}~\[\]\\]+)")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_DAY_IN_NAME = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_TASK_DATES = {"🗓️": "due", "🗓": "due", "📅": "due", "✅": "completion", "➕": "created",
               "🛫": "start", "⏳": "scheduled"}  # fmt: skip
_TASK_DATE = re.compile(r"(🗓️|🗓|📅|✅|➕|🛫|⏳)\s*(\d{4}-\d{2}-\d{2})")
_BLOCK_ID = re.compile(r"\s\^([A-Za-z0-9-]+)\s*$")


def split_link_text(text: str) -> tuple[str, str | None, str | None, bool] | None:
    """``[[Target#Heading|Shown]]`` → (target, subpath, display, embed); None for other text."""
    m = _LINK_TEXT.match(text)
    if m is None:
        return None
    inner = m.group(2).replace("\\|", "|")
    path_part, _, display = inner.partition("|")
    target, _, subpath = path_part.partition("#")
    return target.strip(), subpath.strip() or None, display.strip() or None, bool(m.group(1))


def _local_time(seconds: float) -> Date | None:
    if not seconds:
        return None
    try:
        return Date(dt.datetime.fromtimestamp(seconds), True)
    except (OverflowError, OSError, ValueError):
        return None


class PropertyTable:
    """Rows of the published vault, and the lookups queries need: link resolution, rows by
    path, tag and folder indexes."""

    def __init__(self, vault: Vault, resolve: Resolver, *, files: bool = True) -> None:
        self.vault = vault
        self._resolve = resolve
        self.rows: dict[str, Row] = {}
        for path in sorted(vault.notes):
            self.rows[path] = Row(self, path, vault.notes[VaultPath(path)], None)
        # Dataview's pages are Markdown notes; a base sees canvases and bases as files too.
        self.note_rows = [row for row in self.rows.values() if row.is_note]
        if files:
            for path in sorted(vault.attachments):
                self.rows[path] = Row(self, path, None, vault.attachments[VaultPath(path)])
        self.all_rows = sorted(self.rows.values(), key=lambda row: row.path)
        self._link_cache: dict[tuple[str, str], Link] = {}
        self._equal_index: dict[tuple[str, bool], dict[object, set[str]]] = {}

    # -- indexes (a query's candidate rows; its filter still decides) ----------------------
    @cached_property
    def tag_index(self) -> dict[str, set[str]]:
        """Folded tag → the paths of the notes carrying it or a tag nested under it."""
        index: dict[str, set[str]] = {}
        for row in self.note_rows:
            for tag in row.tag_keys:
                index.setdefault(tag, set()).add(row.path)
        return index

    def tagged(self, tag: str) -> set[str]:
        return self.tag_index.get(fold_text(tag.strip().lstrip("#")), set())

    def in_folder(self, folder: str) -> set[str]:
        """Paths of the rows in ``folder`` or below it (all of them for the vault root)."""
        folder = folder.strip().strip("/")
        if not folder:
            return set(self.rows)
        return self._folder_index.get(folder, set())

    @cached_property
    def _folder_index(self) -> dict[str, set[str]]:
        """Folder → the paths of the rows in it or below it."""
        index: dict[str, set[str]] = {}
        for path in self.rows:
            cut = path.rfind("/")
            while cut > 0:
                path_folder = path[:cut]
                index.setdefault(path_folder, set()).add(path)
                cut = path_folder.rfind("/")
        return index

    def note_records(self, paths: set[str] | None) -> list[PageRecord]:
        """The records of the notes among ``paths`` (None: all), in path order."""
        if paths is None:
            return [row.record for row in self.note_rows]
        rows = self.rows
        return [rows[p].record for p in sorted(paths) if rows[p].is_note]

    @cached_property
    def _digest_numbers(self) -> dict[str, int]:
        return {path: int(row.digest, 16) for path, row in self.rows.items()}

    @cached_property
    def everything_digest(self) -> str:
        """Changes whenever any row does: the key of a query that may read any row."""
        return self.digest_of(set(self.rows))

    def digest_of(self, paths: set[str] | None) -> str:
        """Changes whenever one of the rows ``paths`` (None: all) changes, comes or goes: the
        sum of their digests (each a 128-bit hash of the row and its path), so no sorting."""
        if paths is None:
            return self.everything_digest
        numbers = self._digest_numbers
        total = sum(map(numbers.__getitem__, paths))
        return f"{len(paths)}:{total % (1 << 160):x}"

    def equal_rows(self, name: str, literal: object, *, dql: bool) -> set[str] | None:
        """The notes whose property ``name`` equals ``literal`` (text or a number), as ``==``
        compares them (DQL: front matter and inline fields; Bases: front matter); None when
        that cannot be known from the values alone (the literal reads as a date)."""
        if isinstance(literal, bool) or not isinstance(literal, str | int | float):
            return None
        if isinstance(literal, str) and parse_date(literal) is not None:
            return None
        key = (name, dql)
        index = self._equal_index.get(key)
        if index is None:
            index = {}
            for row in self.note_rows:
                value = row.field(name) if dql else row.prop(name)
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    if isinstance(value, Duration) and not dql:
                        index.setdefault(value.millis, set()).add(row.path)
                    continue
                index.setdefault(value, set()).add(row.path)
            self._equal_index[key] = index
        return index.get(literal, set())

    # -- links ----------------------------------------------------------------------------
    def link_to(self, target: str, origin: str, *, display: str | None = None,
                subpath: str | None = None, embed: bool = False) -> Link:  # fmt: skip
        """A link from ``origin`` to ``target`` (as written), to a published note or file, or
        broken with the reason."""
        key = (target, origin)
        link = self._link_cache.get(key)
        if link is None:
            if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", target):
                link = Link(target, kind="url")
            else:
                link = self.link_for(target, self._resolve(target, origin))
            self._link_cache[key] = link
        if display is None and subpath is None and not embed:
            return link
        return Link(link.target, display, subpath, embed, link.path, link.kind, link.reason)

    def link_for(self, target: str, res: Resolution, **extra: Any) -> Link:
        if res.kind == "note" and res.target is not None and res.target in self.vault.notes:
            return Link(target, path=res.target, kind="note", **extra)
        if (
            res.kind == "attachment"
            and res.target is not None
            and res.target in self.vault.attachments
        ):
            return Link(target, path=res.target, kind="file", **extra)
        if res.kind in ("note", "attachment") and res.target is not None:
            return Link(target, kind="broken", reason="links to an unpublished note", **extra)
        return Link(target, kind="broken", reason=res.reason or "no such note or file", **extra)

    def resolve_text(self, text: str, origin: str) -> Link:
        """``Context.resolve``: link text (``Note#Heading``) from the note ``origin``."""
        target, _, subpath = text.partition("#")
        return self.link_to(target.strip(), origin, subpath=subpath.strip() or None)

    def file(self, path: str) -> FileRef | None:
        row = self.rows.get(path)
        return FileRef(row) if row is not None else None

    def page(self, path: str) -> PageRecord | None:
        row = self.rows.get(path)
        return row.record if row is not None and row.is_note else None

    # -- typing ---------------------------------------------------------------------------
    def typed(self, value: Any, origin: str) -> Value:
        """A front-matter value with types: dates, links, lists and objects of them."""
        if isinstance(value, str):
            split = split_link_text(value)
            if split is not None:
                target, subpath, display, embed = split
                return self.link_to(target, origin, display=display, subpath=subpath, embed=embed)
            date = parse_date(value, month_only=False)
            return date if date is not None else value
        if isinstance(value, list):
            return [self.typed(v, origin) for v in value]
        if isinstance(value, dict):
            return {str(k): self.typed(v, origin) for k, v in value.items()}
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
            return value
        return value

    def inline_value(self, text: str, origin: str) -> Value:
        """An inline field's value typed as Dataview types it: a date, duration, quoted text,
        link, tag, boolean, number; a comma-separated list of such; otherwise the text."""
        text = text.strip()
        if not text:
            return None
        atom = self._atom(text, origin)
        if atom is not _NOT_ATOM:
            return atom
        parts = _split_commas(text)
        if len(parts) > 1:
            values = [self._atom(p.strip(), origin) for p in parts]
            if all(v is not _NOT_ATOM for v in values):
                return values
        return text

    def _atom(self, text: str, origin: str) -> Any:
        if len(text) >= 2 and text[0] == text[-1] == '"':
            return text[1:-1].replace('\\"', '"')
        split = split_link_text(text)
        if split is not None:
            target, subpath, display, embed = split
            return self.link_to(target, origin, display=display, subpath=subpath, embed=embed)
        date = parse_date(text)
        if date is not None:
            return date
        lower = text.lower()
        if lower in ("true", "false"):
            return lower == "true"
        if lower == "null":
            return None
        if _NUMBER.match(text):
            number = float(text)
            return (
                int(number)
                if number.is_integer() and "." not in text and "e" not in lower
                else number
            )
        if re.match(r"^#[^\s#]+$", text):
            return text
        duration = parse_duration(text)
        if duration is not None and re.search(r"[a-zA-Z]", text) and re.match(r"^[0-9]", text):
            return duration
        return _NOT_ATOM


_NOT_ATOM: Any = object()


def _split_commas(text: str) -> list[str]:
    """Split at commas outside quotes and brackets."""
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for i, char in enumerate(text):
        if char == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "[(":
            depth += 1
        elif not quoted and char in "])":
            depth -= 1
        elif char == "," and not quoted and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


class Row:
    """One published note or file. The Bases engine reads it directly (``prop``, ``tags``...);
    Dataview reads it through ``record`` (a ``PageRecord``)."""

    def __init__(
        self, table: PropertyTable, path: str, note: Note | None, source: SourceFile | None
    ) -> None:
        self.table = table
        self.path = path
        self.note = note
        self.source = source
        self.is_note = note is not None and note.kind == "note"
        self.file_name = path.rsplit("/", 1)[-1]
        stem, dot, ext = self.file_name.rpartition(".")
        self.name = stem if dot else self.file_name
        self.ext = ext.lower() if dot else ""
        self.folder = path.rsplit("/", 1)[0] if "/" in path else ""

    # -- file facts -----------------------------------------------------------------------
    @cached_property
    def _stat(self) -> tuple[int, float, float]:
        if self.note is not None:
            return self.note.size, self.note.mtime, self.note.ctime
        assert self.source is not None
        try:
            st = Path(self.source.abs_path).stat()
        except OSError:
            return 0, 0.0, 0.0
        return st.st_size, st.st_mtime, created_time(st)

    @property
    def size(self) -> int:
        return self._stat[0]

    @cached_property
    def mtime(self) -> Date | None:
        return _local_time(self._stat[1])

    @cached_property
    def ctime(self) -> Date | None:
        return _local_time(self._stat[2])

    # -- properties -----------------------------------------------------------------------
    @cached_property
    def frontmatter(self) -> dict[str, Value]:
        if self.note is None:
            return {}
        return {str(k): self.prop(str(k)) for k in self.note.frontmatter}

    def prop(self, name: str) -> Value:
        """A Bases note property: front matter only, as in Obsidian. Typed when first asked."""
        note = self.note
        if note is None or name not in note.frontmatter:
            return None
        cache = self._props
        if name not in cache:
            cache[name] = self.table.typed(note.frontmatter[name], self.path)
        return cache[name]

    @cached_property
    def _props(self) -> dict[str, Value]:
        return {}

    @cached_property
    def _field_keys(self) -> tuple[dict[str, list[str]], dict[str, str]]:
        """Dataview's field names: each written key with the inline values under it, and each
        sanitized name (``basic-field``) not written as such, with the key it stands for."""
        raw: dict[str, list[str]] = {}
        note = self.note
        if note is not None:
            for key in note.frontmatter:
                raw.setdefault(str(key), [])
            for f in note.fields:
                raw.setdefault(f.key, []).append(f.value)
        derived: dict[str, str] = {}
        for key in raw:
            canon = canonical_key(key)
            if canon and canon not in raw and canon not in derived:
                derived[canon] = key
        return raw, derived

    def field(self, name: str) -> Value:
        """Dataview's field ``name`` (or its sanitized form): front matter and inline fields;
        a key given several times is a list of its values. Typed when first asked."""
        cache = self._fields_cache
        if name in cache:
            return cache[name]
        raw, derived = self._field_keys
        key = name if name in raw else derived.get(name)
        if key is None:
            canon = canonical_key(name)
            key = canon if canon in raw else derived.get(canon)
        value: Value = None
        if key is not None:
            values: list[Value] = []
            if self.note is not None and key in self.note.frontmatter:
                values.append(self.prop(key))
            values.extend(self.table.inline_value(text, self.path) for text in raw[key])
            value = values[0] if len(values) == 1 else _flat_values(values)
        cache[name] = value
        return value

    @cached_property
    def _fields_cache(self) -> dict[str, Value]:
        return {}

    @property
    def fields(self) -> dict[str, Value]:
        """Every Dataview field, under its own name and its sanitized one."""
        raw, derived = self._field_keys
        return {name: self.field(name) for name in [*raw, *derived]}

    @property
    def tags(self) -> tuple[str, ...]:
        return self.note.tags if self.note is not None else ()

    @cached_property
    def all_links(self) -> list[Link]:
        """Every link and embed of the note, body and front matter, resolved (published only)."""
        if self.note is None:
            return []
        out: list[Link] = []
        vault = self.table.vault
        for ref in self.note.links:
            res = vault.resolution(self.note.path, ref)
            subpath = f"^{ref.block}" if ref.block else ref.heading
            out.append(
                self.table.link_for(
                    ref.target or self.name,
                    res,
                    display=ref.label,
                    subpath=subpath,
                    embed=ref.embed,
                )
            )
        return out

    @cached_property
    def links(self) -> list[Link]:
        return [link for link in self.all_links if not link.embed]

    @cached_property
    def embeds(self) -> list[Link]:
        return [link for link in self.all_links if link.embed]

    @cached_property
    def backlinks(self) -> list[Link]:
        graph = self.table.vault.graph
        if self.note is None or self.path not in graph:
            return []
        return [self.table.rows[p].as_link() for p in sorted(graph.predecessors(self.path))]

    FACTS = frozenset({"path", "folder", "ext", "size", "ctime", "mtime"})

    def fact(self, name: str) -> Value:
        """A file fact both front ends name alike (``FACTS``)."""
        return str(self.path) if name == "path" else getattr(self, name)

    def as_link(self) -> Link:
        return Link(self.name, path=self.path, kind="note" if self.note is not None else "file")

    @cached_property
    def record(self) -> PageRecord:
        return PageRecord(self)

    @cached_property
    def tag_keys(self) -> frozenset[str]:
        """The note's tags folded, with every tag they are nested under (``a/b`` is ``a`` too)."""
        keys: set[str] = set()
        for tag in self.tags:
            folded = fold_text(tag)
            keys.add(folded)
            cut = folded.rfind("/")
            while cut > 0:
                folded = folded[:cut]
                keys.add(folded)
                cut = folded.rfind("/")
        return frozenset(keys)

    @cached_property
    def digest(self) -> str:
        """Changes whenever anything a query can read of this row changes: the file's bytes
        (its properties, fields, tasks, tags), its stat, where its links go, who links to it."""
        h = hashlib.sha256(f"{self.path}\0{self._stat}".encode())
        note = self.note
        if note is not None:
            h.update(note.digest.encode())
            resolutions = self.table.vault.resolutions
            path = note.path
            for ref in note.links:
                res = resolutions.get((path, ref.key))
                if res is not None:
                    h.update(f"\0{res.kind}\0{res.target}".encode())
            graph = self.table.vault.graph
            if path in graph:
                h.update("\0".join(sorted(graph.predecessors(path))).encode())
        return h.hexdigest()[:32]


def _flat_values(values: list[Value]) -> list[Value]:
    out: list[Value] = []
    for v in values:
        if isinstance(v, list):
            out.extend(v)
        else:
            out.append(v)
    return out


def created_time(st: Any) -> float:
    """A file's creation time where the system keeps one; else the earlier of its modification
    and status-change times (Linux file systems do not all report a birth time)."""
    birth = getattr(st, "st_birthtime", None)
    if birth:
        return float(birth)
    return float(min(st.st_mtime, st.st_ctime))


# --------------------------------------------------------------------------------------------
# Dataview's view of a row
# --------------------------------------------------------------------------------------------
class PageRecord(Record):
    """A page as Dataview sees it: its fields, and ``file`` (the implicit fields)."""

    __slots__ = ("_file", "row")

    def __init__(self, row: Row) -> None:
        self.row = row
        self._file: PageFile | None = None

    def get(self, name: str) -> Value:
        if name == "file":
            if self._file is None:
                self._file = PageFile(self.row)
            return self._file
        return self.row.field(name)

    def keys(self) -> list[str]:
        raw, derived = self.row._field_keys
        return ["file", *raw, *derived]

    def link(self) -> Link | None:
        return self.row.as_link()


class PageFile(Record):
    """Dataview's ``file`` object (Metadata on pages: implicit fields)."""

    __slots__ = ("_cache", "row")

    NAMES = ("name", "folder", "path", "ext", "link", "size", "ctime", "cday", "mtime", "mday",
             "tags", "etags", "inlinks", "outlinks", "aliases", "tasks", "lists", "frontmatter",
             "day", "starred")  # fmt: skip

    def __init__(self, row: Row) -> None:
        self.row = row
        self._cache: dict[str, Value] = {}

    def keys(self) -> list[str]:
        return list(self.NAMES)

    def link(self) -> Link | None:
        return self.row.as_link()

    def get(self, name: str) -> Value:
        if name in self._cache:
            return self._cache[name]
        value = self._compute(name)
        self._cache[name] = value
        return value

    def _compute(self, name: str) -> Value:
        row = self.row
        note = row.note
        if name in Row.FACTS:
            return row.fact(name)
        if name == "name":
            return row.name
        if name == "link":
            return row.as_link()
        if name in ("cday", "mday"):
            when = row.ctime if name == "cday" else row.mtime
            return (
                Date(when.value.replace(hour=0, minute=0, second=0, microsecond=0))
                if when
                else None
            )
        if name == "tags":
            expanded: dict[str, None] = {}
            for tag in row.tags:
                parts = tag.split("/")
                for i in range(1, len(parts) + 1):
                    expanded.setdefault("#" + "/".join(parts[:i]), None)
            return list(expanded)
        if name == "etags":
            return ["#" + t for t in row.tags]
        if name == "inlinks":
            return list(row.backlinks)
        if name == "outlinks":
            return [lk for lk in row.all_links if lk.kind != "url"]
        if name == "aliases":
            return list(note.aliases) if note is not None else []
        if name == "tasks":
            return [t for t in self._items() if t.item.status is not None]
        if name == "lists":
            return list(self._items())
        if name == "frontmatter":
            return dict(note.frontmatter) if note is not None else {}
        if name == "day":
            m = _DAY_IN_NAME.search(row.name)
            if m is not None:
                day = parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
                if day is not None:
                    return day
            value = row.field("date") or row.field("Date")
            return value if isinstance(value, Date) else None
        if name == "starred":
            return False
        return None

    def _items(self) -> list[TaskRecord]:
        cached = self._cache.get("_items")
        if cached is None:
            cached = task_records(self.row)
            self._cache["_items"] = cached
        return cached


# --------------------------------------------------------------------------------------------
# List items and tasks
# --------------------------------------------------------------------------------------------
class TaskRecord(Record):
    """A list item or task (Metadata on tasks and lists). It inherits its page's fields."""

    __slots__ = ("children", "fields", "item", "parent_record", "row")

    def __init__(self, row: Row, item: ListItem, fields: dict[str, Value]) -> None:
        self.row = row
        self.item = item
        self.fields = fields
        self.children: list[TaskRecord] = []
        self.parent_record: TaskRecord | None = None

    NAMES = ("status", "checked", "completed", "fullyCompleted", "text", "line", "lineCount",
             "path", "tags", "outlinks", "link", "children", "task", "annotated", "parent",
             "blockId")  # fmt: skip

    def keys(self) -> list[str]:
        return list(dict.fromkeys([*self.fields, *self.NAMES]))

    def link(self) -> Link | None:
        return self.row.as_link()

    def get(self, name: str) -> Value:
        item = self.item
        if name in self.fields:
            return self.fields[name]
        if name == "status":
            return item.status
        if name == "checked":
            return item.status is not None and item.status != " "
        if name == "completed":
            return item.status in ("x", "X")
        if name == "fullyCompleted":
            return item.status in ("x", "X") and all(c.get("fullyCompleted") for c in self.children)
        if name in ("text", "visual"):
            return item.text
        if name == "line":
            return item.line - 1  # Dataview counts from 0
        if name == "lineCount":
            return item.lines
        if name == "path":
            return self.row.path
        if name == "tags":
            return ["#" + t for t in _TAG.findall(item.text)]
        if name == "outlinks":
            return [lk for lk in self.row.all_links if f"[[{lk.target}" in item.text]
        if name == "link":
            return self.row.as_link()
        if name == "children":
            return list(self.children)
        if name == "task":
            return item.status is not None
        if name == "annotated":
            return bool(self.fields)
        if name == "parent":
            return item.parent - 1 if item.parent else None
        if name == "blockId":
            m = _BLOCK_ID.search(item.text)
            return m.group(1) if m else None
        if name == "file":
            return self.row.record.get("file")
        return self.row.record.get(name)


def task_records(row: Row) -> list[TaskRecord]:
    """The note's list items with their fields, children linked to parents."""
    note = row.note
    if note is None:
        return []
    by_item: dict[int, list[InlineField]] = {}
    for f in note.fields:
        if f.item:
            by_item.setdefault(f.item, []).append(f)
    records: dict[int, TaskRecord] = {}
    out: list[TaskRecord] = []
    for item in note.items:
        fields: dict[str, Value] = {}
        for f in by_item.get(item.line, ()):
            value = row.table.inline_value(f.value, row.path)
            fields[f.key] = value
            fields.setdefault(canonical_key(f.key), value)
        for m in _TASK_DATE.finditer(item.text):
            date = parse_date(m.group(2))
            if date is not None:
                fields.setdefault(_TASK_DATES[m.group(1)], date)
        record = TaskRecord(row, item, fields)
        records[item.line] = record
        parent = records.get(item.parent)
        if parent is not None:
            parent.children.append(record)
            record.parent_record = parent
        out.append(record)
    return out
