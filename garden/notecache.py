"""The parse stage's side of the build cache: every page source parsed once, in worker processes
when there are many, and each parsed note reused by later builds while its file is unchanged.

A token tree parsed in a worker crosses into the build's process as pickled bytes and stays so:
the published ones are written into the cache as they are, and a tree is unpickled only where
its page is drawn (a render worker, or this process for a small build). So the build's own
process neither unpickles every tree nor pickles it again to store it.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable, Sequence
from typing import Any

from garden.cache import BuildCache, BuildState, CachedNote, StatKey, digest_of, stat_key
from garden.diagnostics import Diagnostic
from garden.model import Note, SourceFile, Vault
from garden.parse import note_digest
from garden.paths import VaultPath
from garden.sources import parse_shipped, parse_source

Tokens = list[dict[str, Any]]
# How the build runs ``parse_shipped`` over many files in its workers (``Workers.map``).
Mapper = Callable[[Callable[[SourceFile], Any], Sequence[SourceFile]], list[Any]]
# Notes to parse before worker processes are worth starting (a few ms each to parse).
NOTES_FOR_WORKERS = 64


def _content_digest(source: SourceFile) -> str:
    try:
        return note_digest(source.abs_path.read_bytes())
    except OSError:
        return ""


class NoteCache:
    """Parsed notes from the last build, reused while the file is unchanged (same size, mtime
    and inode); their token trees stay on disk until a note is rendered again."""

    def __init__(self, store: BuildCache, old: BuildState, new: BuildState, inputs: str) -> None:
        self.store, self.old, self.new, self.inputs = store, old, new, inputs
        self.sources: dict[VaultPath, SourceFile] = {}
        self.stats: dict[VaultPath, StatKey] = {}  # taken once, by fingerprint()
        self.kept_tokens: set[str] = set()
        # Token trees of the notes parsed this build: a list, or pickled bytes from a worker.
        self.loaded: dict[VaultPath, Tokens | bytes] = {}

    def fingerprint(
        self, files: list[SourceFile], folders: set[str], git: dict[VaultPath, str]
    ) -> str:
        """Everything a build reads, by stat, and the git dates: equal fingerprints mean an
        equal site."""
        keys = []
        racy = False
        for f in files:
            try:
                key = stat_key(f.abs_path)
            except OSError:
                key = (0, 0, 0)
            racy = racy or not self.old.trusts(key)
            self.stats[f.path] = key
            keys.append((f.path, f.kind, f.ignored_by, key))
        self.new.fingerprint = digest_of(self.inputs, keys, sorted(folders), sorted(git.items()))
        # A file saved just before the last build ended may have changed since in the same mtime
        # tick: then the fingerprint proves nothing.
        return "" if racy else self.new.fingerprint

    def _cached(self, source: SourceFile) -> CachedNote | None:
        key = self.stats[source.path]
        cached = self.old.notes.get(source.path)
        if (
            cached is not None
            and cached.stat == key
            and cached.note.ignored_by == source.ignored_by
            and (self.old.trusts(key) or _content_digest(source) == cached.note.digest)
        ):
            return cached
        return None

    def parse_all(
        self, sources: list[SourceFile], mapper: Mapper | None = None
    ) -> list[tuple[Note, list[Diagnostic]]]:
        """Every source as a note (call ``fingerprint`` first), in the order given: from the
        cache when its file is unchanged, else parsed, through ``mapper`` (worker processes)
        when there are ``NOTES_FOR_WORKERS`` or more to parse."""
        found: list[tuple[Note, list[Diagnostic]] | None] = []
        fresh: list[SourceFile] = []
        for source in sources:
            self.sources[source.path] = source
            cached = self._cached(source)
            if cached is not None:
                self.new.notes[source.path] = cached
                found.append((cached.note, cached.diagnostics))
            else:
                found.append(None)
                fresh.append(source)
        shipped = None
        if mapper is not None and len(fresh) >= NOTES_FOR_WORKERS:
            shipped = mapper(parse_shipped, fresh)
        parsed = iter(shipped if shipped is not None else [self._parse_here(s) for s in fresh])
        out = []
        for item in found:
            if item is None:
                note, diagnostics, tokens = next(parsed)
                self.loaded[note.path] = tokens
                key = self.stats[note.path]
                self.new.notes[note.path] = CachedNote(key, note, diagnostics)
                item = (note, diagnostics)
            out.append(item)
        return out

    @staticmethod
    def _parse_here(source: SourceFile) -> tuple[Note, list[Diagnostic], Tokens]:
        note, diagnostics = parse_source(source)
        # The note goes on without its token tree, which stays here until its page is drawn:
        # nothing after the build (the preview's ``NoteRedraw``) then holds every tree.
        return dataclasses.replace(note, tokens=None), diagnostics, note.tokens or []

    def keep_tokens(self, published: Vault) -> None:
        """Store the token trees of the published notes parsed this build, and keep those of
        all published notes from pruning. Only published notes' trees are stored: the cache
        holds no body text of a private note (and this build no longer needs them)."""
        for note in published.notes.values():
            if note.digest:
                self.kept_tokens.add(note.digest)
                tokens = self.loaded.get(note.path)
                if isinstance(tokens, bytes):
                    self.store.write_token_bytes(note.digest, tokens)  # no-op when stored
                elif tokens is not None:
                    self.store.write_tokens(note.digest, tokens)
        self.loaded = {p: t for p, t in self.loaded.items() if p in published.notes}

    def release(self) -> None:
        """The site is drawn: later calls of ``tokens`` read the trees back from the cache."""
        self.loaded = {}

    def tokens(self, note: Note) -> Tokens:
        """A published note's token tree: in memory when parsed this build, else read back
        from the cache (or parsed again if the cache lost it) when its page is drawn.

        A tree unpickled or read back is not kept: it takes several times the memory of its
        pickle, and a render worker would otherwise hold the tree of every page it drew until
        it ends (two workers held 300 MB of them on 10,000 notes). A note embedded in other
        pages is unpickled again for each: a small cost beside drawing it."""
        if note.tokens is not None:
            return note.tokens
        found = self.loaded.get(note.path)
        if isinstance(found, bytes):
            tree = pickle.loads(found)
            assert isinstance(tree, list)
            return tree
        if found is None:
            found = self.store.read_tokens(note.digest)
            if found is None:
                found = parse_source(self.sources[note.path])[0].tokens or []
                if note.digest:
                    self.store.write_tokens(note.digest, found)
                else:  # nowhere to read it back from
                    self.loaded[note.path] = found
        return found
