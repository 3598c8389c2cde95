"""Find the vault's files without ever leaving the vault.

Skipped entirely (as Obsidian does): dot-files and dot-folders such as ``.obsidian/``, ``.trash/``
and ``.git/``. Files under an ignore pattern are listed but marked, so a link to them resolves the
way Obsidian resolves it and then turns broken instead of reaching another note of the same name.
Symlinks are followed only when they point inside the vault.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from garden.diagnostics import Category, Diagnostic
from garden.errors import VaultError
from garden.model import FileKind, SourceFile
from garden.paths import VaultPath, is_inside, nfc

_GENERATED = {"garden.yaml", ".garden-cache"}

# The page sources, by extension (compared in lower case); any other file is an attachment.
# A new kind is a line here, a parser in ``parse.PARSERS``, a publish rule (``publish.py``) and
# a drawing in the renderer.
SOURCE_KINDS: dict[str, FileKind] = {".md": "note", ".canvas": "canvas", ".base": "base"}


def file_kind(name: str) -> FileKind:
    """What the file called ``name`` is to garden, by its extension."""
    dot = name.rfind(".")
    return SOURCE_KINDS.get(name[dot:].lower(), "attachment") if dot > 0 else "attachment"


def _glob_regex(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            char = glob[i]
            out.append("[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char))
            i += 1
    return "".join(out)


def compile_ignore(patterns: tuple[str, ...]) -> list[tuple[str, re.Pattern[str]]]:
    """Glob patterns over vault paths: ``*`` stays in one folder, ``**`` crosses folders, and a
    pattern also matches everything below a folder it names (``Templates`` = ``Templates/**``)."""
    return [
        (pattern, re.compile(f"^{_glob_regex(pattern.strip().strip('/'))}(?:/.*)?$"))
        for pattern in patterns
    ]


def ignored_by(path: str, patterns: list[tuple[str, re.Pattern[str]]]) -> str:
    for pattern, regex in patterns:
        if regex.match(path):
            return pattern
    return ""


def scan_vault(
    vault: Path, ignore: tuple[str, ...] = ()
) -> tuple[list[SourceFile], set[str], list[Diagnostic]]:
    """Return the vault's files (sorted by path), its folders, and warnings."""
    if not vault.is_dir():
        raise VaultError(f"{vault}: not a folder")
    root = vault.resolve()
    patterns = compile_ignore(ignore)
    files: list[SourceFile] = []
    folders: set[str] = set()
    diagnostics: list[Diagnostic] = []
    visited: set[Path] = {root}
    taken: set[str] = set()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        directory, rel = stack.pop()
        try:
            # Names already in NFC first, so they keep their name if an NFD twin exists.
            entries = sorted(
                os.scandir(directory), key=lambda e: (nfc(e.name), nfc(e.name) != e.name, e.name)
            )
        except OSError as exc:
            diagnostics.append(
                Diagnostic(Category.SCAN, rel, 0, f"cannot read folder: {exc.strerror}")
            )
            continue
        for entry in entries:
            name = nfc(entry.name)
            if name.startswith(".") or (not rel and name in _GENERATED):
                continue
            path = f"{rel}/{name}" if rel else name
            if path in taken:
                # "Café" typed in NFC and in NFD: two files the disk keeps apart. The second keeps
                # its own (NFD) name so neither replaces the other; links find the first.
                name = entry.name
                path = f"{rel}/{name}" if rel else name
                diagnostics.append(
                    Diagnostic(
                        Category.SCAN, path, 0, "same name as another file in another Unicode form"
                    )
                )
            taken.add(path)
            target = Path(entry.path)
            if entry.is_symlink():
                try:
                    real = target.resolve(strict=True)
                except (OSError, RuntimeError):
                    diagnostics.append(Diagnostic(Category.SCAN, path, 0, "broken symlink skipped"))
                    continue
                if not is_inside(real, root):
                    diagnostics.append(
                        Diagnostic(Category.SCAN, path, 0, "symlink leaves the vault; not followed")
                    )
                    continue
                target = real
            try:
                is_dir = target.is_dir()
            except OSError as exc:  # in a folder it may list but not enter (mode r--), say
                diagnostics.append(
                    Diagnostic(Category.SCAN, path, 0, f"cannot read: {exc.strerror}")
                )
                continue
            if is_dir:
                real_dir = target.resolve()
                if real_dir in visited:
                    continue  # a symlink loop or a second route to a folder already scanned
                visited.add(real_dir)
                folders.add(path)
                stack.append((real_dir, path))
            elif target.is_file():
                files.append(
                    SourceFile(VaultPath(path), target, file_kind(name), ignored_by(path, patterns))
                )
    files.sort(key=lambda f: f.path)
    return files, folders, diagnostics
