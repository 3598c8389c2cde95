"""Resolve every link the way Obsidian does, and build the link graph.

Rules for a link target ``T`` written in note ``S`` (tested in ``tests/test_resolve.py``):

1. ``[[#Heading]]`` (empty target) is ``S`` itself.
2. Names compare case-insensitively and Unicode-form-insensitively (NFC vs NFD).
   ``T`` may omit ``.md``; any other file needs its extension (``[[Figure 1.png]]``).
3. ``/T`` is a path from the vault root; ``./T`` and ``../T`` are relative to ``S``'s folder and
   may not climb out of the vault.
4. Otherwise ``T`` is matched against the end of every file's path (``[[b/Note]]`` finds
   ``a/b/Note.md``). When several files match, as observed in Obsidian's
   ``getFirstLinkpathDest``: an exact vault path wins (``[[Note]]`` is the root ``Note.md``);
   otherwise a file in ``S``'s own folder; otherwise the shortest path; ties by path order.
5. No file: a front-matter alias of a note (same tie-break), then a folder (``[[Folder/]]``).
6. Anything else is broken. A ``#Heading`` or ``#^block`` that the target lacks still links to the
   note (as in Obsidian), with a warning.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import replace

import networkx as nx

from garden.diagnostics import Category, Diagnostic
from garden.model import LinkRef, Note, Resolution, SourceFile, Vault, same_shape
from garden.paths import NOTE_SUFFIX, VaultPath, fold, heading_key, nfc, normalize_vault_path


def _strip_md(path: str) -> str:
    return path[: -len(NOTE_SUFFIX)] if path.lower().endswith(NOTE_SUFFIX) else path


class NoteIndex:
    """Lookup tables over the whole vault, keyed by folded (case- and form-insensitive) text."""

    def __init__(
        self,
        notes: Iterable[Note],
        attachments: Iterable[VaultPath],
        folders: Iterable[str],
    ) -> None:
        self.notes: dict[VaultPath, Note] = {}
        # folded path without ".md" (notes) or with extension (attachments) -> paths
        self.by_path: dict[str, list[VaultPath]] = {}
        self.by_name: dict[str, list[VaultPath]] = {}
        self.by_alias: dict[str, list[VaultPath]] = {}
        self.folders: dict[str, str] = {fold(f): f for f in folders}
        for note in notes:
            self.notes[note.path] = note
            self._add(_strip_md(note.path), note.path)
            for alias in note.aliases:
                self.by_alias.setdefault(fold(alias), []).append(note.path)
        for path in attachments:
            self._add(path, path)

    def _add(self, key_path: str, path: VaultPath) -> None:
        key = fold(key_path)
        self.by_path.setdefault(key, []).append(path)
        self.by_name.setdefault(key.rsplit("/", 1)[-1], []).append(path)

    def is_note(self, path: VaultPath) -> bool:
        return path in self.notes


def _folder(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _best(candidates: list[VaultPath], source: VaultPath) -> VaultPath:
    """Obsidian's tie-break: the linking note's own folder, then the shortest path."""
    own = _folder(source)
    return min(candidates, key=lambda p: (_folder(p) != own, len(p), p))


def resolve_target(index: NoteIndex, target: str, source: VaultPath) -> Resolution:
    """Where ``target`` (the path part of a link, as written in ``source``) points."""
    return _resolve(index, target, source)[0]


def _resolve(index: NoteIndex, target: str, source: VaultPath) -> tuple[Resolution, bool]:
    """``resolve_target``, and whether the answer holds for a link from any folder: False when
    ``source``'s folder decided it (a relative path, or a tie-break between files)."""
    if not target.strip():
        return Resolution("note", source), False
    text = nfc(target.strip()).replace("\\", "/")
    wants_folder = text.endswith("/")
    anchored = text.startswith(("/", "./", "../"))
    if text.startswith("/"):
        normalized = normalize_vault_path(text)
    elif anchored:
        normalized = normalize_vault_path(posixpath.join(_folder(source), text))
    else:
        normalized = normalize_vault_path(text)
    anywhere = not anchored or text.startswith("/")
    if normalized is None:
        return Resolution("broken", reason="points outside the vault"), anywhere
    key = fold(normalized)
    if not wants_folder and key:
        keys = [key[: -len(NOTE_SUFFIX)], key] if key.endswith(NOTE_SUFFIX) else [key]
        for k in keys:
            exact = index.by_path.get(k)
            if exact:
                return _file(index, _best(exact, source)), anywhere and len(exact) == 1
        if not anchored:
            for k in keys:
                found = _suffix_matches(index, k)
                if found:
                    return _file(index, _best(found, source)), len(found) == 1
            aliases = index.by_alias.get(fold(text))
            if aliases:
                return Resolution("note", _best(aliases, source)), len(aliases) == 1
    folder = index.folders.get(key)
    if folder is not None or (wants_folder and not key):
        return Resolution("folder", VaultPath(folder or "")), anywhere
    return Resolution("broken", reason="no such note or file"), anywhere


def _suffix_matches(index: NoteIndex, key: str) -> list[VaultPath]:
    name = key.rsplit("/", 1)[-1]
    candidates = index.by_name.get(name, [])
    if "/" not in key:
        return candidates
    tail = "/" + key
    return [p for p in candidates if fold(_strip_md(p) if index.is_note(p) else p).endswith(tail)]


def _file(index: NoteIndex, path: VaultPath) -> Resolution:
    return Resolution("note" if index.is_note(path) else "attachment", path)


def resolve_anchor(note: Note, ref: LinkRef) -> tuple[str | None, str]:
    """The anchor id for ``ref``'s heading or block in ``note``, or a reason it is missing."""
    if ref.block:
        if ref.block in note.block_ids:
            return "^" + ref.block, ""
        return None, f"no block ^{ref.block} in {note.path}"
    if ref.heading:
        wanted = heading_key(ref.heading.rsplit("#", 1)[-1])
        for heading in note.headings:
            if heading_key(heading.text) == wanted:
                return heading.id, ""
        for heading in note.headings:  # a link written with the anchor itself: [[Note#my-id]]
            if heading.id == ref.heading:
                return heading.id, ""
        return None, f"no heading '{ref.heading}' in {note.path}"
    return None, ""


def resolve_vault(
    notes: list[Note], attachments: list[SourceFile], folders: set[str]
) -> tuple[Vault, list[Diagnostic]]:
    """Resolve every link of every note (published or not: filtering comes after)."""
    index = NoteIndex(notes, (a.path for a in attachments), folders)
    diagnostics: list[Diagnostic] = []
    resolutions: dict[tuple[VaultPath, tuple[str, str | None, str | None]], Resolution] = {}
    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(note.path for note in notes)
    # Resolution of the path part depends only on the text and the linking folder, and mostly
    # on the text alone: a vault of deep folders links few texts from many folders.
    anywhere: dict[str, Resolution] = {}
    targets: dict[str, Resolution] = {}
    for note in notes:
        own_folder = _folder(note.path)
        for ref in note.links:
            key = (note.path, ref.key)
            if key in resolutions:
                continue
            resolution = anywhere.get(ref.target)
            if resolution is None:
                cache_key = f"{own_folder}\0{ref.target}"
                resolution = targets.get(cache_key)
                if resolution is None or not ref.target.strip():
                    resolution, everywhere = _resolve(index, ref.target, note.path)
                    targets[cache_key] = resolution
                    if everywhere:
                        anywhere[ref.target] = resolution
            # ``![[Books.base#Gallery]]`` names a view of the base, not a heading.
            if (
                resolution.kind == "note"
                and (ref.heading or ref.block)
                and index.notes[VaultPath(resolution.target or "")].kind != "base"
            ):
                assert resolution.target is not None
                anchor, problem = resolve_anchor(index.notes[resolution.target], ref)
                if problem:
                    diagnostics.append(Diagnostic(Category.ANCHOR, note.path, ref.line, problem))
                resolution = Resolution("note", resolution.target, anchor)
            resolutions[key] = resolution
            # A diagram's node links to its note, but is no link of the graph (as in Obsidian).
            if ref.syntax == "diagram":
                continue
            if resolution.kind == "note" and resolution.target != note.path:
                graph.add_edge(note.path, resolution.target)
    vault = Vault(
        notes={n.path: n for n in notes},
        attachments={a.path: a for a in attachments},
        folders=frozenset(folders),
        resolutions=resolutions,
        graph=graph,
    )
    return vault, diagnostics


def reuse_resolution(
    previous: Vault, notes: list[Note], attachments: list[SourceFile], folders: set[str]
) -> Vault | None:
    """``previous`` (made by ``resolve_vault``) with ``notes`` in place of its notes, when its
    resolution holds for them: the same notes (by path), each one the very same object or an
    edit of its text alone (``same_shape``), the same attachments and folders. Resolution reads
    nothing else, so it would give the same links, graph and warnings. None otherwise."""
    if len(notes) != len(previous.notes) or len(attachments) != len(previous.attachments):
        return None
    if folders != previous.folders:
        return None
    for note in notes:
        old = previous.notes.get(note.path)
        if old is None or (old is not note and not same_shape(old, note)):
            return None
    if any(previous.attachments.get(a.path) != a for a in attachments):
        return None
    return replace(
        previous,
        notes={n.path: n for n in notes},
        attachments={a.path: a for a in attachments},
    )


def find_home(vault: Vault, home: str) -> tuple[VaultPath | None, list[Diagnostic]]:
    """The note shown at ``index.html``: the configured one, else the vault's root ``index.md``."""
    index = NoteIndex(vault.notes.values(), (), ())
    if home:
        res = resolve_target(index, home, VaultPath(""))
        if res.kind == "note" and res.target is not None:
            return res.target, []
        problem = f"home note {home!r} is not a published note; using a generated home page"
        return None, [Diagnostic(Category.CONFIG, "", 0, problem)]
    found = index.by_path.get("index", [])
    return (found[0] if found else None), []
