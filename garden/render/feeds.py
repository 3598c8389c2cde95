"""Site-wide files for other programs: the Atom feed, ``sitemap.xml``, ``robots.txt``, and the
redirect pages that keep a note's front-matter aliases (often its old paths) working as URLs."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from garden.config import DATE_SOURCES
from garden.frontmatter import CREATED_KEYS, UPDATED_KEYS, front_matter_day
from garden.model import Note
from garden.paths import VaultPath

FEED_ENTRIES = 20
_NO_GIT: Mapping[VaultPath, str] = {}


def _day(value: Any) -> str:
    """``YYYY-MM-DD`` of a front-matter date, else "" (parse warned about it)."""
    return front_matter_day(value) or ""


def note_dates(
    note: Note, sources: Sequence[str] = DATE_SOURCES, git: Mapping[VaultPath, str] = _NO_GIT
) -> tuple[str, str]:
    """(created, updated) days of a note, from the first of ``sources`` (the config's ``dates``)
    that dates it; updated falls back to created. ("", "") when none does.

    - ``frontmatter``: ``date`` or ``created``; ``updated``, ``modified`` or ``lastmod``;
    - ``git``: the day of the file's last commit, from ``git`` (``gitdates.git_days``: only
      files committed and unchanged since are in it);
    - ``filesystem``: the UTC day of the file's modification time, recorded when it was read.

    The whole pair comes from one source: a note dated in its front matter is never given its
    file's time as its updated date (a fresh clone would mark every note updated today).
    """
    for source in sources:
        if source == "frontmatter":
            fm = note.frontmatter
            created = note.date or next((d for d in map(_day, map(fm.get, CREATED_KEYS)) if d), "")
            updated = next((d for d in map(_day, map(fm.get, UPDATED_KEYS)) if d), "")
        elif source == "git":
            created = updated = git.get(note.path, "")
        elif source == "filesystem":
            created = updated = note.modified
        else:
            continue
        if created or updated:
            return created, updated or created
    return "", ""


@dataclass(frozen=True)
class FeedEntry:
    title: str
    url: str  # from the site root
    day: str  # YYYY-MM-DD
    summary: str


def atom_feed(title: str, base_url: str, entries: Sequence[FeedEntry]) -> bytes:
    """An Atom feed of ``entries`` (newest first). Without a base URL, links are relative to the
    feed itself (it sits at the site root), which feed readers resolve."""
    base = base_url.rstrip("/") + "/" if base_url else ""
    site_id = base or "urn:garden:" + hashlib.sha1(title.encode()).hexdigest()
    updated = max((e.day for e in entries), default="1970-01-01")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(site_id)}</id>",
        f"<updated>{updated}T00:00:00Z</updated>",
        f"<link href={quoteattr(base or './')}/>",
        f'<link rel="self" href={quoteattr(base + "feed.xml")}/>',
        "<generator>garden</generator>",
    ]
    for e in entries:
        entry_id = (
            base + e.url if base else "urn:garden:" + hashlib.sha1(e.url.encode()).hexdigest()
        )
        lines += [
            "<entry>",
            f"<title>{escape(e.title)}</title>",
            f"<link href={quoteattr(base + e.url)}/>",
            f"<id>{escape(entry_id)}</id>",
            f"<updated>{e.day}T00:00:00Z</updated>",
            f"<summary>{escape(e.summary)}</summary>" if e.summary else "",
            f"<author><name>{escape(title)}</name></author>",
            "</entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(line for line in lines if line) + "\n").encode("utf-8")


def sitemap_xml(base_url: str, pages: Sequence[tuple[str, str]]) -> bytes:
    """``sitemap.xml`` for (URL from the site root, last-modified day or "") pairs. The format
    wants absolute URLs, so it is only made when the config has a ``base_url``."""
    base = base_url.rstrip("/") + "/"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, day in pages:
        lastmod = f"<lastmod>{day}</lastmod>" if day else ""
        lines.append(f"<url><loc>{escape(base + url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(base_url: str) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if base_url:
        lines.append(f"Sitemap: {base_url.rstrip('/')}/sitemap.xml")
    return ("\n".join(lines) + "\n").encode("utf-8")


def redirect_page(title: str, target: str, canonical: str) -> bytes:
    """A page that sends the reader on to ``target`` (relative), with a link for when the meta
    refresh is disabled; ``canonical`` tells search engines where the note really lives."""
    t, c = quoteattr(target), quoteattr(canonical or target)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<title>{escape(title)}</title>\n<link rel="canonical" href={c}>\n'
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={escape(target)}">\n'
        f"</head>\n<body>\n<main><p>Moved to <a href={t}>{escape(title)}</a>.</p></main>\n"
        "</body>\n</html>\n"
    ).encode()
