"""Read one note into a ``Note``: front matter, title, tags, aliases, headings, block ids, links.

A note that cannot be decoded or whose front matter cannot be read still becomes a ``Note`` (so
links to it resolve as Obsidian would), with a warning naming the file and line. Front matter
that cannot be read is recorded for the filter stage when it names a key that could hide the
note (``publish.might_hide``); otherwise the note is read as if it had none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

from garden.diagnostics import Category, Diagnostic
from garden.frontmatter import CREATED_KEYS, UPDATED_KEYS, front_matter_day, split_frontmatter
from garden.markdown import parse_body
from garden.markdown.reference import parse_wikilink
from garden.markdown.tags import normalize_tag
from garden.markdown.wikilinks import plain_text
from garden.model import LinkRef, Note, SourceFile
from garden.paths import VaultPath, fold
from garden.publish import might_hide
from garden.query.fields import extract, find_queries
from garden.query.table import created_time

MAX_NOTE_BYTES = 20 * 1024 * 1024  # far above any real note; stops a stray dump eating memory
_SPLIT_TAGS = re.compile(r"[,\s]+")


def decode_note(data: bytes, path: str, diagnostics: list[Diagnostic]) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diagnostics.append(
            Diagnostic(Category.ENCODING, path, line, "not valid UTF-8; undecodable bytes replaced")
        )
        text = data.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _string_list(value: Any) -> list[str]:
    """A front-matter list that users write as a YAML list or as one string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if v is not None and not isinstance(v, dict | list)]
    return [str(value)]


def _tags(frontmatter: dict[str, Any], inline: tuple[str, ...]) -> tuple[str, ...]:
    """The note's tags, front matter first, each once: as in Obsidian (and on tag pages), case
    does not tell tags apart; the first spelling is kept."""
    found: dict[str, str] = {}
    for key in ("tags", "tag"):
        for item in _string_list(frontmatter.get(key)):
            for tag in _SPLIT_TAGS.split(item):
                tag = normalize_tag(tag)
                if tag:
                    found.setdefault(fold(tag), tag)
    for tag in inline:
        found.setdefault(fold(tag), tag)
    return tuple(found.values())


def description(frontmatter: dict[str, Any], tokens: list[dict[str, Any]]) -> str:
    """The front matter's description, else the text of the first paragraph (cut at 200)."""
    value = frontmatter.get("description")
    if isinstance(value, str) and value.strip():
        return value.strip()
    for tok in tokens:
        if tok["type"] == "paragraph":
            text = " ".join(plain_text(tok.get("children") or []).split())
            if text:
                return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "…"
    return ""


def _unread_note(path: VaultPath, *, ignored_by: str = "", frontmatter_error: str = "") -> Note:
    """A note known by its name only: ignored by config, or unreadable."""
    name = path.rsplit("/", 1)[-1][: -len(".md")]
    return Note(
        path,
        name,
        {},
        (),
        (),
        (),
        frozenset(),
        (),
        [],
        ignored_by=ignored_by,
        frontmatter_error=frontmatter_error,
    )


ParseBytes = Callable[..., tuple[Note, list[Diagnostic]]]  # (path, data, *, modified)


def parse_source_file(
    source: SourceFile, parse_bytes: ParseBytes, unread: Callable[[str, bool], Note]
) -> tuple[Note, list[Diagnostic]]:
    """Read a page source and parse its bytes with ``parse_bytes``. A file under an ignore
    pattern is never read (only its name takes part in link resolution), and a file that cannot
    be read is warned about: for both, ``unread(ignored_by, unreadable)`` makes the ``Note``."""
    if source.ignored_by:
        return unread(source.ignored_by, False), []
    try:
        st = source.abs_path.stat()
        if st.st_size > MAX_NOTE_BYTES:
            raise OSError(f"file is {st.st_size} bytes, more than the {MAX_NOTE_BYTES} allowed")
        data = source.abs_path.read_bytes()
    except OSError as exc:
        problem = Diagnostic(Category.READ, source.path, 0, f"cannot read {source.kind}: {exc}")
        return unread("", True), [problem]
    note, diagnostics = parse_bytes(source.path, data, modified=utc_day(st.st_mtime_ns))
    # The file's facts, from the stat taken as it was read (queries show them).
    facts = dataclasses.replace(note, size=st.st_size, mtime=st.st_mtime, ctime=created_time(st))
    return facts, diagnostics


def parse_note(source: SourceFile) -> tuple[Note, list[Diagnostic]]:
    def unread(ignored_by: str, unreadable: bool) -> Note:
        problem = "unreadable" if unreadable else ""
        return _unread_note(source.path, ignored_by=ignored_by, frontmatter_error=problem)

    return parse_source_file(source, parse_note_bytes, unread)


_PROPERTY_LINK = re.compile(r"^\s*(!?)\[\[([^\[\]\n]+?)\]\]\s*$")


def _property_links(value: Any, found: list[LinkRef]) -> None:
    """Links written as a property's value (``up: "[[Parent]]"``, or in a list): Obsidian
    counts them as the note's links."""
    if isinstance(value, str):
        m = _PROPERTY_LINK.match(value)
        if m is not None:
            ref = parse_wikilink(m.group(2), embed=bool(m.group(1)))
            found.append(dataclasses.replace(ref, embed=False, syntax="frontmatter"))
    elif isinstance(value, list):
        for item in value:
            _property_links(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _property_links(item, found)


def _frontmatter_links(data: dict[str, Any], text: str) -> tuple[LinkRef, ...]:
    found: list[LinkRef] = []
    for key, value in data.items():
        if str(key).lower() in ("aliases", "alias", "tags", "tag"):
            continue
        _property_links(value, found)
    if not found:
        return ()
    lines = text.split("\n")
    located = []
    for ref in found:
        needle = "[[" + ref.target
        line = next((i + 1 for i, ln in enumerate(lines[1:40], 1) if needle in ln), 0)
        located.append(dataclasses.replace(ref, line=line))
    return tuple(located)


def parse_base(source: SourceFile) -> tuple[Note, list[Diagnostic]]:
    """An Obsidian base (``X.base``): a page source whose YAML the query stage reads (and warns
    about); it has no front matter, links or tags of its own."""

    def unread(ignored_by: str, unreadable: bool) -> Note:
        return _base_note(source.path, "", ignored_by=ignored_by)

    return parse_source_file(source, parse_base_bytes, unread)


def _base_note(path: VaultPath, text: str, **facts: Any) -> Note:
    title = base_title(path)
    return Note(
        path, title, {}, (), (), (), frozenset(), (), [], kind="base", base_text=text, **facts
    )


def base_title(path: str) -> str:
    """``Folder/Books.base`` → ``Books``: what Obsidian shows as the base's name."""
    name = path.rsplit("/", 1)[-1]
    return name[: -len(".base")] if name.lower().endswith(".base") else name


def parse_base_bytes(
    path: VaultPath, data: bytes, *, modified: str = ""
) -> tuple[Note, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    text = decode_note(data, path, diagnostics)
    note = _base_note(path, text, digest=note_digest(data), modified=modified, size=len(data))
    return note, diagnostics


def utc_day(ns: int) -> str:
    """``YYYY-MM-DD`` (UTC) of a file time in nanoseconds since the epoch."""
    try:
        return dt.datetime.fromtimestamp(ns / 1e9, tz=dt.UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):  # a clock far outside what dates can hold
        return ""


def note_digest(data: bytes) -> str:
    """The content hash that names a note's cached token tree."""
    return hashlib.sha256(data).hexdigest()[:32]


def _key_line(text: str, key: str, body_first_line: int) -> int:
    """The line of the front matter that sets ``key`` (1-based), else the first."""
    pattern = re.compile(rf"\s*['\"]?{re.escape(key)}['\"]?\s*:")
    for number, line in enumerate(text.split("\n")[: max(body_first_line - 1, 1)], start=1):
        if pattern.match(line):
            return number
    return 1


def parse_note_bytes(
    path: VaultPath,
    data: bytes,
    *,
    modified: str = "",
) -> tuple[Note, list[Diagnostic]]:
    """Parse a note's raw bytes (``path`` is where it is in the vault; ``modified`` the UTC day
    of the file's modification time, for the 'filesystem' date source)."""
    diagnostics: list[Diagnostic] = []
    name = path.rsplit("/", 1)[-1][: -len(".md")]
    text = decode_note(data, path, diagnostics)
    fm = split_frontmatter(text)
    error = fm.error
    if error and might_hide(fm.raw):
        message = f"{error}; note not published (its front matter names draft or publish)"
        diagnostics.append(Diagnostic(Category.FRONTMATTER, path, fm.error_line, message))
    elif error:  # nothing in it could have hidden the note: read it as no front matter
        message = f"{error}; published without front matter (no line names draft or publish)"
        diagnostics.append(Diagnostic(Category.FRONTMATTER, path, fm.error_line, message))
        error = ""
    body = parse_body(fm.body, fm.body_first_line)
    data_fm = fm.data
    title_value = data_fm.get("title")
    title = str(title_value).strip() if isinstance(title_value, str | int | float) else ""
    aliases = tuple(
        a.strip()
        for key in ("aliases", "alias")
        for a in _string_list(data_fm.get(key))
        if a.strip()
    )
    date = ""
    for key in (*CREATED_KEYS, *UPDATED_KEYS):
        value = data_fm.get(key)
        if value is None or value == "":
            continue
        day = front_matter_day(value)
        if day is None:
            line = _key_line(text, key, fm.body_first_line)
            shown = value if isinstance(value, str) else repr(value)
            message = f"{key}: {shown!r} is not a date (YYYY-MM-DD); the note is not dated by it"
            diagnostics.append(Diagnostic(Category.DATE, path, line, message))
        elif not date and key in CREATED_KEYS:
            date = day
    fields, items = extract(fm.body, fm.body_first_line)
    links = _frontmatter_links(data_fm, text) + body.refs
    note = Note(
        path=path,
        title=title or name,
        frontmatter=data_fm,
        tags=_tags(data_fm, body.tags),
        aliases=aliases,
        headings=body.headings,
        block_ids=body.block_ids,
        links=links,
        tokens=body.tokens,
        description=description(data_fm, body.tokens),
        date=date,
        frontmatter_error=error,
        digest=note_digest(data),
        modified=modified,
        fields=fields,
        items=items,
        queries=find_queries(body.tokens, fm.body, fm.body_first_line),
        size=len(data),
    )
    return note, diagnostics
