"""Decide what is published, and cut everything else out of the vault.

A note is unpublished when any of these holds (the first that applies is its reason):
its path is under a config ignore pattern; its front matter could not be read and names a key
that could hide it (``might_hide``: it may have meant to); ``draft`` is true; ``publish`` is
false; or, with config ``publish: explicit``, ``publish`` is not true. Front matter that cannot
be read and names no such key is read as no front matter at all (``parse.py``). Flags accept
every spelling YAML users write: booleans, ``"true"``/``"false"``, ``yes``/``no``,
``on``/``off``, ``1``/``0``. An unrecognised value on either flag keeps the note private
(publishing by mistake cannot be undone).

A canvas or a base (a page source without front matter, ``LINKED_KINDS``) is published unless
an ignore pattern covers it; with ``publish: explicit``, when a published page links to or embeds
it (a note with ``publish: true``, or a canvas published so, at any remove).

Links into unpublished notes become ``Broken("unpublished")``; attachments survive only when a
published note links to or embeds them and no ignore pattern covers them. ``explain_file`` says
which of these rules decided a file's fate, for ``garden explain``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import networkx as nx

from garden.model import Note, Resolution, Vault
from garden.paths import VaultPath

# Page sources with no front matter to say whether to publish them: published by the contract's
# rule for canvases and bases (see the module's docstring).
LINKED_KINDS = frozenset({"canvas", "base"})
EXPLICIT_UNLINKED = "config publish: explicit, and no published note links to or embeds it"

_TRUE = {"true", "yes", "on", "1", "y"}
# The keys that can keep a note private. Front matter that cannot be parsed and in which one of
# them appears on any line, in any case and any part of a word (``Draft:``, ``- publish``,
# ``unpublished``), may have meant to hide the note; over-hiding is the safe mistake.
_HIDING = re.compile(r"draft|publish", re.IGNORECASE)


def might_hide(frontmatter_text: str) -> bool:
    """Whether unparseable front matter names a key that could keep the note private."""
    return _HIDING.search(frontmatter_text) is not None


_FALSE = {"false", "no", "off", "0", "n"}


def flag_value(value: Any) -> bool | None:
    """True/False for a recognised flag value, None for an unrecognised one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def _shown(value: Any) -> str:
    """A flag value as the user wrote it: ``true``, ``'yes'``, ``0``."""
    return str(value).lower() if isinstance(value, bool) else repr(value)


def unpublished_reason(
    frontmatter: dict[str, Any], frontmatter_error: str, ignored_by: str, *, explicit: bool = False
) -> str:
    """Why a note stays private, or "" when it is published."""
    if ignored_by:
        return f"matches ignore pattern {ignored_by!r}"
    if frontmatter_error:
        return f"front matter unreadable ({frontmatter_error})"
    # "Draft: true" means the same to the person who typed it: compare keys without case.
    flags = {k.lower(): v for k, v in sorted(frontmatter.items()) if v is not None}
    for key, value in frontmatter.items():
        if key.lower() == "draft" and value is not None and flag_value(value) is not False:
            flags["draft"] = value  # any spelling that hides the note wins
        if key.lower() == "publish" and value is not None and flag_value(value) is not True:
            flags["publish"] = value
    if "draft" in flags:
        draft = flag_value(flags["draft"])
        if draft is None:
            return f"draft: {flags['draft']!r} is not true/false, so treated as a draft"
        if draft:
            return f"draft: {_shown(flags['draft'])}"
    if "publish" in flags:
        publish = flag_value(flags["publish"])
        if publish is None:
            return f"publish: {flags['publish']!r} is not true/false, so not published"
        if not publish:
            return f"publish: {_shown(flags['publish'])}"
        return ""
    if explicit:
        return "config publish: explicit, and the note has no publish: true"
    return ""


def filter_published(vault: Vault, *, explicit: bool = False) -> tuple[Vault, dict[VaultPath, str]]:
    """The published part of ``vault``, and the reason for every note left out. ``explicit``:
    only notes with ``publish: true`` (config ``publish: explicit``)."""
    reasons = _unpublished(vault, explicit=explicit)
    notes = {p: n for p, n in vault.notes.items() if p not in reasons}
    published_folders = _folders_of(notes)

    resolutions: dict[Any, Resolution] = {}
    used_attachments: set[VaultPath] = set()
    for (source, key), res in vault.resolutions.items():
        if source not in notes:
            continue
        if res.kind == "note" and res.target in reasons:
            res = Resolution("broken", reason="links to an unpublished note")
        elif res.kind == "folder" and res.target not in published_folders:
            res = Resolution("broken", reason="folder has no published notes")
        elif res.kind == "attachment" and res.target is not None:
            attachment = res.target
            ignored = vault.attachments[attachment].ignored_by
            if ignored:  # an ignore pattern keeps a file private whoever links to it
                res = Resolution("broken", reason=f"matches ignore pattern {ignored!r}")
            else:
                used_attachments.add(attachment)
        resolutions[(source, key)] = res

    # The vault's root publish.css is Obsidian Publish's site stylesheet: the theme links it.
    css = vault.attachments.get(VaultPath("publish.css"))
    if css is not None and not css.ignored_by:
        used_attachments.add(css.path)

    attachments = {p: a for p, a in vault.attachments.items() if p in used_attachments}
    graph = _graph_of(vault.graph, notes)
    published = replace(
        vault,
        notes=notes,
        attachments=attachments,
        folders=frozenset(published_folders),
        resolutions=resolutions,
        graph=graph,
    )
    return published, reasons


def _graph_of(graph: nx.DiGraph, notes: Mapping[VaultPath, Note]) -> nx.DiGraph:
    """The part of ``graph`` between ``notes``, its nodes and edges in ``graph``'s order.
    (networkx's ``subgraph(...).copy()`` is slower, and takes the order of a set of the nodes
    when they are fewer than half the graph's: it would differ from process to process.)"""
    kept: nx.DiGraph = nx.DiGraph()
    kept.add_nodes_from((n, dict(data)) for n, data in graph.nodes(data=True) if n in notes)
    kept.add_edges_from(
        (a, b, dict(data)) for a, b, data in graph.edges(data=True) if a in notes and b in notes
    )
    return kept


def _unpublished(vault: Vault, *, explicit: bool) -> dict[VaultPath, str]:
    """Why each page source that is not published is not."""
    reasons: dict[VaultPath, str] = {}
    for path, note in vault.notes.items():
        reason = _own_reason(note, explicit=explicit)
        if reason:
            reasons[path] = reason
    if explicit:
        # A canvas is published when a published page links to or embeds it: follow the links
        # out of the published pages, through the canvases they publish.
        todo = [p for p in vault.notes if p not in reasons]
        while todo:
            for target in vault.graph.successors(todo.pop()):
                if reasons.get(target) == EXPLICIT_UNLINKED:
                    del reasons[target]
                    todo.append(target)
    return reasons


def _own_reason(note: Note, *, explicit: bool) -> str:
    """Why ``note`` is not published by its own rules ("" when it is)."""
    if note.kind in LINKED_KINDS:
        if note.ignored_by:
            return f"matches ignore pattern {note.ignored_by!r}"
        return EXPLICIT_UNLINKED if explicit else ""
    return unpublished_reason(
        note.frontmatter, note.frontmatter_error, note.ignored_by, explicit=explicit
    )


def _folders_of(notes: dict[VaultPath, Any]) -> set[str]:
    """Folders holding at least one published note, at any depth; "" is the vault root."""
    folders: set[str] = {""}
    for path in notes:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folders.add("/".join(parts[:i]))
    return folders


@dataclass(frozen=True)
class Verdict:
    """Whether one vault file will be published, and the rules that decided it."""

    path: str
    kind: str  # "note", "canvas", "attachment", or "not in vault"
    published: bool
    why: tuple[str, ...]  # one sentence per line, most decisive first


def explain_file(
    everything: Vault, published: Vault, reasons: dict[VaultPath, str], path: VaultPath
) -> Verdict | None:
    """Why ``path`` (a note or attachment that the scan found) is published or not; None when
    the scan did not find it. ``everything`` is the resolved vault before filtering."""
    if path in everything.notes:
        note = everything.notes[path]
        if path in reasons:
            return Verdict(path, note.kind, False, (reasons[path],))
        if note.kind in LINKED_KINDS:
            users = [u for u in everything.graph.predecessors(path) if u in published.notes]
            why = tuple(f"linked from {u}" for u in sorted(users)) or (
                f"a {note.kind} is published unless an ignore pattern covers it",
            )
            return Verdict(path, note.kind, True, why)
        flag = flag_value(note.frontmatter.get("publish"))
        reason = "publish: true" if flag else "no draft: true or publish: false in its front matter"
        return Verdict(path, "note", True, (reason,))
    if path not in everything.attachments:
        return None
    users = _referrers(published, path)
    if path in published.attachments:
        return Verdict(path, "attachment", True, tuple(f"used by {u}" for u in users))
    ignored = everything.attachments[path].ignored_by
    if ignored:
        return Verdict(path, "attachment", False, (f"matches ignore pattern {ignored!r}",))
    private = _referrers(everything, path)
    if private:
        why = tuple(f"used only by {u}, which is not published: {reasons[u]}" for u in private)
        return Verdict(path, "attachment", False, why)
    return Verdict(path, "attachment", False, ("no note links to or embeds it",))


def _referrers(vault: Vault, attachment: VaultPath) -> list[VaultPath]:
    """Notes of ``vault`` whose links resolve to ``attachment``, sorted."""
    return sorted(
        {
            source
            for (source, _), res in vault.resolutions.items()
            if res.kind == "attachment" and res.target == attachment
        }
    )
