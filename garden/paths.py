"""The kinds of path garden deals with, and the only place that converts between them. Pure: no I/O.

- ``VaultPath``: a file's path inside the vault, forward slashes, NFC, no leading slash
  (``Guide/Links & embeds.md``).
- ``Slug``: a page's URL path from the site root, no leading slash and no extension
  (``Guide/Links-and-embeds``); the home page is ``index``. Unique per site.
- ``OutPath``: a file's path inside OUT, forward slashes (``Guide/Links-and-embeds.html``).
- A relative URL: what pages write in ``href``/``src``; percent-encoded, works from ``file://``
  and any static server.
"""

from __future__ import annotations

import functools
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath
from typing import NewType
from urllib.parse import quote, unquote, urlsplit

VaultPath = NewType("VaultPath", str)
Slug = NewType("Slug", str)
OutPath = NewType("OutPath", str)

NOTE_SUFFIX = ".md"

# Characters kept in a slug segment: Unicode letters and digits, "-", "_", ".". Everything else
# (spaces, punctuation, URL metacharacters such as ? # % &, and the characters Windows and macOS
# refuse in file names: : * ? " < > | \\ and control characters) becomes "-", so a slug never
# needs escaping on disk and survives any static host and any of the three systems.
_UNSAFE = re.compile(r"[^\w.\-]+")
_DASHES = re.compile(r"-{2,}")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """The key Obsidian compares names by: case-insensitive and Unicode-form-insensitive."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())


# File names are limited to 255 bytes. A slug can be longer than its source name ("&" becomes
# "-and-"), and OUT names add "-2", "-1600w" and an extension, so cap a segment well below that.
MAX_SEGMENT_BYTES = 150


# Names Windows reserves for devices, in every folder and with any extension ("nul.html",
# "Com1.png"): such a file cannot be made, copied or deleted there. Compared without case.
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"]
    + [f"{port}{n}" for port in ("com", "lpt") for n in (*"123456789", "¹", "²", "³")]
)


def slugify_segment(segment: str) -> str:
    """One folder or file name of a slug: letters, digits, ``-``, ``_``, ``.``; no leading or
    trailing dot or dash (Windows drops a trailing dot), never a Windows device name (``CON``
    becomes ``CON_``), at most ``MAX_SEGMENT_BYTES``."""
    text = nfc(segment).replace("&", "-and-")
    text = _UNSAFE.sub("-", text)
    text = _DASHES.sub("-", text).strip("-.")
    if len(text.encode("utf-8")) > MAX_SEGMENT_BYTES:
        cut = text.encode("utf-8")[:MAX_SEGMENT_BYTES].decode("utf-8", errors="ignore")
        text = cut.strip("-.")
    stem, dot, rest = text.partition(".")
    if stem.casefold() in WINDOWS_RESERVED:
        text = f"{stem}_{dot}{rest}"
    return text or "untitled"


def slugify(path: str) -> Slug:
    """Slug for a vault path (extension already removed for notes): slugify each folder segment."""
    segments = [s for s in nfc(path).replace("\\", "/").split("/") if s]
    return Slug("/".join(slugify_segment(s) for s in segments) or "index")


def note_slug(path: VaultPath) -> Slug:
    stem = path[: -len(NOTE_SUFFIX)] if path.lower().endswith(NOTE_SUFFIX) else path
    return slugify(stem)


def attachment_out_path(path: VaultPath) -> OutPath:
    """Attachments keep their extension (lower-cased); the name part is slugified like a note's."""
    folder, name = posixpath.split(path)
    stem, ext = posixpath.splitext(name)
    out_name = slugify_segment(stem) + ("." + slugify_segment(ext[1:]).lower() if ext else "")
    return OutPath(f"{slugify(folder)}/{out_name}" if folder else out_name)


_HEADING_DROP = re.compile(r"[^\w\- ]+")


def heading_id(text: str) -> str:
    """GitHub-style anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    text = _HEADING_DROP.sub("", nfc(text).strip().lower())
    return text.replace(" ", "-") or "section"


_HEADING_KEY = re.compile(r"[\W_]+")


def heading_key(text: str) -> str:
    """How a heading written in a link is matched to a heading in a note.

    Obsidian strips characters it cannot put in a link (``# | ^ : %% [[ ]]``) when it writes a
    heading link, so compare on letters and digits only, case-folded.
    """
    return _HEADING_KEY.sub(" ", fold(text)).strip()


def page_out_path(slug: Slug, *, folder_index: bool = False) -> OutPath:
    return OutPath(f"{slug}/index.html" if folder_index else f"{slug}.html")


def relative_url(from_out: str, to_out: str, fragment: str | None = None) -> str:
    """URL of ``to_out`` as written in the page stored at ``from_out`` (both OUT-relative)."""
    url = _relative(from_out.rpartition("/")[0], to_out)  # its folder (posixpath.dirname, faster)
    if fragment:
        url += "#" + quote(fragment, safe="^-_.~")
    return url


def _relative_path(base: str, to_out: str) -> str:
    # Pure string work: posixpath.relpath asks the OS for the current folder on every call, and
    # a page links to dozens of others (it was a quarter of the render time).
    base_parts = base.split("/") if base else []
    to_parts = to_out.split("/")
    common = 0
    limit = min(len(base_parts), len(to_parts))
    while common < limit and base_parts[common] == to_parts[common]:
        common += 1
    rel = "/".join([".."] * (len(base_parts) - common) + to_parts[common:])
    return quote(rel or ".", safe="/._-~")


# Not a decorator: mutation testing (mutmut) leaves decorated functions alone.
_relative = functools.lru_cache(maxsize=1 << 16)(_relative_path)


@dataclass(frozen=True, slots=True)
class Href:
    """A link from the page at ``page`` to ``target`` (OUT-relative), written relative to the
    page when it is drawn (``str()``, as a template does). Page views hold these rather than
    URLs: the page cache compares views of every page and draws few, and comparing where links
    point is cheaper than writing each URL out."""

    page: str
    target: str

    def __str__(self) -> str:
        return relative_url(self.page, self.target)


def root_prefix(from_out: str) -> str:
    """Relative prefix from a page to the site root: "" or "../" repeated."""
    return "../" * from_out.count("/")


def vault_path_of(relative: PurePath) -> VaultPath:
    """The vault path of a file path relative to the vault, whatever the platform's separator:
    links and vault paths always use ``/``, as in Obsidian."""
    return VaultPath(nfc("/".join(relative.parts)))


def root_path(base_url: str) -> str:
    """The site root as a path from the host's root: the path of ``base_url``
    (``https://example.org/notes/`` gives ``/notes/``), or ``/`` without one. For the one page a
    host serves at any URL (404.html), where a relative link would depend on the missing URL."""
    url = base_url.strip()
    if url and "://" not in url and not url.startswith("/"):
        url = "//" + url  # "example.org/notes": a host without a scheme
    path = "/" + urlsplit(url).path.strip("/")
    return quote(unquote(path).rstrip("/") + "/", safe="/._-~")


def is_inside(child: PurePath, parent: PurePath) -> bool:
    """True when ``child`` is ``parent`` or below it (both resolved by the caller)."""
    return child == parent or parent in child.parents


def normalize_vault_path(path: str) -> VaultPath | None:
    """Collapse ``.``/``..`` in a vault-relative path; None if it climbs out of the vault."""
    parts: list[str] = []
    for part in nfc(path).replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return VaultPath("/".join(parts))
