"""The build cache: what the previous build of one site knew, so the next one redoes only what
changed.

Layout in a site's cache folder (``places.SiteCache.build``: one per (vault, OUT) pair, in the
user's cache folder)::

    state.pickle                fingerprint of the inputs, parsed notes (without their token
                                trees), the identity of every file in OUT
    pages.pickle                the page records of the last site (``render.memo``)
    tokens/ab/<digest>.<format>.pickle   a note's mistune tokens, by content hash
    diagrams/ab/<key>.json      a drawn diagram, by its text and the renderer's version

Parsed notes are keyed by the file's (size, mtime, inode) and checked by content hash, like make
and git do; their token trees are loaded only for notes that are rendered again. A cache that
cannot be read (another version, a truncated file) is ignored: the build is then a clean one.
Writes are atomic (temporary file + rename), so a killed build never leaves a half-written entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from garden import __version__
from garden.diagnostics import Diagnostic
from garden.model import Note

# bump when a pickled value changes shape (2: Note.modified; 3: mermaid blocks' lines in token
# trees, and the links of their internal-link nodes in Note.links)
_FORMAT = 3
_TOKENS_EXT = f".{_FORMAT}.pickle"  # token trees of an older shape are never read
StatKey = tuple[int, int, int]
# A file changed this close to the last build's end may have changed again within the same
# mtime tick (file systems store mtimes in coarse ticks): its stat is not trusted ("racy git").
RACY_NS = 2_000_000_000


def stat_key(path: Path) -> StatKey:
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def digest_of(*parts: object) -> str:
    """A stable digest of plain values (str, int, tuples, lists, dicts with sorted keys)."""
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def content_identity(data: bytes) -> str:
    """A file's identity by content: emit hard-links a file whose identity did not change."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def code_fingerprint() -> str:
    """garden's own code: a changed renderer must not reuse pages the old one made."""
    package = Path(__file__).parent
    keys = sorted((str(p.relative_to(package)), stat_key(p)[:2]) for p in package.rglob("*.py"))
    return digest_of(__version__, _FORMAT, keys)


@dataclass
class CachedNote:
    stat: StatKey
    note: Note  # tokens=None: they are in tokens/<note.digest>.pickle
    diagnostics: list[Diagnostic]


@dataclass
class BuildState:
    fingerprint: str = ""  # of every input; equal means nothing changed
    # (size, mtime, inode) of OUT's marker file after the build: proves OUT is still this site
    out_marker: StatKey | None = None
    notes: dict[str, CachedNote] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # OUT path -> content digest
    summary: dict[str, Any] = field(default_factory=dict)  # counts reported by a no-change build
    saved_ns: int = 0  # wall clock when the state was saved
    git: Any = None  # gitdates.GitDays of the last build (its history pass, by HEAD commit)

    def trusts(self, key: StatKey) -> bool:
        """Whether a file with this stat can be taken as unchanged without reading it."""
        return key[1] < self.saved_ns - RACY_NS


class BuildCache:
    def __init__(self, folder: Path) -> None:
        """``folder``: this site's build cache (made private by ``SiteCache.prepare``)."""
        self.folder = folder
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
        self.state_path = self.folder / "state.pickle"

    def load(self) -> BuildState:
        state = _read_pickle(self.state_path)
        return state if isinstance(state, BuildState) else BuildState()

    def save(self, state: BuildState) -> None:
        state.saved_ns = time.time_ns()
        _write_pickle(self.state_path, state)

    def load_pages(self) -> dict[str, Any]:
        """The page records of the last build (``render.memo``), or none if unreadable."""
        pages = _read_pickle(self.folder / "pages.pickle")
        return pages if isinstance(pages, dict) else {}

    def save_pages(self, pages: dict[str, Any]) -> None:
        _write_pickle(self.folder / "pages.pickle", pages)

    def _entry(self, kind: str, digest: str, ext: str) -> Path:
        return self.folder / kind / digest[:2] / (digest + ext)

    def write_tokens(self, digest: str, tokens: list[dict[str, Any]]) -> None:
        path = self._entry("tokens", digest, _TOKENS_EXT)
        if not path.exists():
            _write_atomic(path, pickle.dumps(tokens, protocol=pickle.HIGHEST_PROTOCOL))

    def write_token_bytes(self, digest: str, data: bytes) -> None:
        """``write_tokens`` of a tree already pickled (by a parse worker)."""
        path = self._entry("tokens", digest, _TOKENS_EXT)
        if not path.exists():
            _write_atomic(path, data)

    def read_tokens(self, digest: str) -> list[dict[str, Any]] | None:
        try:
            with open(self._entry("tokens", digest, _TOKENS_EXT), "rb") as f:
                tokens = pickle.load(f)
        except Exception:  # missing or damaged: the caller parses the note again
            return None
        return tokens if isinstance(tokens, list) else None

    def read_entry(self, kind: str, key: str) -> bytes | None:
        """The bytes stored under ``key`` in the folder ``kind`` (drawn diagrams), or None."""
        try:
            return self._entry(kind, key, ".json").read_bytes()
        except OSError:
            return None

    def write_entry(self, kind: str, key: str, data: bytes) -> None:
        _write_atomic(self._entry(kind, key, ".json"), data)

    def has_entry(self, kind: str, key: str) -> bool:
        return self._entry(kind, key, ".json").is_file()

    def prune(self, live_tokens: set[str], kind: str = "tokens", ext: str = _TOKENS_EXT) -> None:
        """Drop entries of ``kind`` (token trees, drawn diagrams) this build's site did not use,
        so the cache does not grow forever."""
        folder = self.folder / kind
        if not folder.is_dir():
            return
        for shard in folder.iterdir():
            for entry in shard.iterdir():
                name = entry.name
                if not name.endswith(ext) or name[: -len(ext)] not in live_tokens:
                    with contextlib.suppress(OSError):
                        entry.unlink()


# What this process last wrote or read, by file, with the file's stat then: a long-lived process
# (``garden serve``) rebuilding again and again takes its last state from memory, not from disk.
_IN_MEMORY: dict[Path, tuple[StatKey, object]] = {}


def _read_pickle(path: Path) -> object | None:
    """The value stored at ``path`` by this version of garden, or None."""
    try:
        key = stat_key(path)
        known = _IN_MEMORY.get(path)
        if known is not None and known[0] == key:
            return known[1]
        with open(path, "rb") as f:
            fmt, value = pickle.load(f)
    except Exception:  # a cache from another version or a damaged file may fail any way
        return None
    if fmt != (_FORMAT, __version__):
        return None
    _IN_MEMORY[path] = (key, value)
    return value


def _write_pickle(path: Path, value: object) -> None:
    data = pickle.dumps(((_FORMAT, __version__), value), protocol=pickle.HIGHEST_PROTOCOL)
    _write_atomic(path, data)
    with contextlib.suppress(OSError):
        _IN_MEMORY[path] = (stat_key(path), value)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
