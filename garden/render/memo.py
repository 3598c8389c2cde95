"""What the last build drew, so this one draws only the pages whose output can change.

A page's key is a hash of everything its HTML is made from: the build's global inputs (garden's
code, the config, the theme), the template, the page's place in OUT, every value the template is
given except the note's body, and, for the body, the note's digest and ``PageRenderer.inputs``
(each link's resolution and the target facts the body shows, through embeds). When a page's key
equals the one it had, its HTML is the file already in OUT: emit hard-links it from there. What
drawing the page had as side effects (warnings, attachments copied, image variants asked for, the
search document) is kept with the key and replayed, so the site is the same as a clean build's.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from markupsafe import Markup

from garden.cache import digest_of
from garden.diagnostics import Diagnostic
from garden.paths import Href, OutPath, VaultPath
from garden.render.search import SearchDoc, Terms

T = TypeVar("T")
# A dataclass's field values as a tuple, by class (one attrgetter call instead of a getattr each).
_FIELDS: dict[type, Callable[[Any], tuple[object, ...]]] = {}
_SCALARS = frozenset({str, int, float, bool, type(None), Markup})


def _fields_of(kind: type) -> Callable[[Any], tuple[object, ...]] | None:
    names = tuple(f.name for f in dataclasses.fields(kind))
    if not names:
        return lambda _value: ()
    if len(names) == 1:
        return lambda value: (getattr(value, names[0]),)
    return operator.attrgetter(*names)


def _plain(value: object, page: str) -> object:
    """``value`` with every dataclass turned into a tuple of its class name and fields: the same
    text from ``repr`` as the dataclasses' own ``__repr__``s would give for the key, several
    times faster (theirs guard against recursion on every call). A link from ``page`` (an
    ``Href``, of which a page's view holds hundreds) is written as its target alone: the keys
    that pass ``page`` hold it once."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is Href:
        href: Href = value  # type: ignore[assignment]
        return href.target if href.page == page else ("Href", href.page, href.target)
    if kind is tuple:
        return tuple([v if type(v) in _SCALARS else _plain(v, page) for v in value])  # type: ignore[attr-defined]
    if kind is list:
        return [v if type(v) in _SCALARS else _plain(v, page) for v in value]  # type: ignore[attr-defined]
    fields = _FIELDS.get(kind)
    if fields is None:
        if not dataclasses.is_dataclass(value):
            return value  # frozensets, dicts...: their repr is already plain
        fields = _FIELDS[kind] = _fields_of(kind)  # type: ignore[assignment]
    return (
        kind.__name__,
        *[v if type(v) in _SCALARS else _plain(v, page) for v in fields(value)],  # type: ignore[misc]
    )


@dataclass(frozen=True)  # not slots: pickled many thousands at a time, the dict way is faster
class PageRecord:
    key: str
    identity: str  # emit's content identity of the page's HTML
    diagnostics: tuple[Diagnostic, ...] = ()
    copied: tuple[VaultPath, ...] = ()  # attachments the page links to as they are
    variants: tuple[tuple[VaultPath, int, int], ...] = ()  # (image, width, line) it shows
    variant_outs: tuple[OutPath, ...] = ()  # where those variants were in that build
    search: SearchDoc | None = None  # a note's search document
    body: str = ""  # a note's body key: its digest and ``PageRenderer.inputs``
    terms: Terms = ((), ())  # the search document's ``doc_terms``
    diagrams: tuple[tuple[str, str, int], ...] = ()  # (key, source, line or -1) it shows


@dataclass
class PageMemo:
    """The records of the last build (``old``), when OUT still holds that build's pages, and
    this build's (``new``), for the next one. ``salt``: the global inputs' digest. Besides pages,
    any costly value computed from the site (the global graph's layout...) is kept by key in
    ``values``."""

    salt: str = ""
    old: Mapping[OutPath, PageRecord] = field(default_factory=dict)
    new: dict[OutPath, PageRecord] = field(default_factory=dict)
    reused: int = 0  # pages taken from OUT this build
    old_values: Mapping[str, tuple[str, Any]] = field(default_factory=dict)
    new_values: dict[str, tuple[str, Any]] = field(default_factory=dict)

    @classmethod
    def restore(cls, salt: str, saved: Mapping[str, Any], *, pages: bool) -> PageMemo:
        """The memo of ``saved`` (a ``snapshot``; ``{}`` for none). ``pages``: whether OUT is
        still the site whose pages it records."""
        old_pages = saved.get("pages", {}) if pages else {}
        return cls(salt, old_pages, old_values=saved.get("values", {}))

    def snapshot(self) -> dict[str, Any]:
        return {"pages": self.new, "values": self.new_values}

    def key(self, *parts: object) -> str:
        return digest_of(self.salt, _plain(parts, ""))

    def page_key(
        self, template: str, out: OutPath, view: object, site: object, body: str = ""
    ) -> str:
        """The key of the page at ``out`` drawn by ``template`` from ``view`` and ``site``
        (``body``: a note's body key)."""
        return digest_of(self.salt, template, out, _plain(view, out), _plain(site, out), body)

    def previous(self, out: OutPath, key: str) -> PageRecord | None:
        record = self.old.get(out)
        return record if record is not None and record.key == key else None

    def value(self, name: str, key: str, make: Callable[[], T]) -> T:
        """``make()``, or what it gave this build or the last one if ``key`` is the same."""
        known = self.new_values.get(name)
        if known is None or known[0] != key:
            known = self.old_values.get(name)
        result: T = known[1] if known is not None and known[0] == key else make()
        self.new_values[name] = (key, result)
        return result
