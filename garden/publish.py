"""Decide what is published, and cut everything else out of the vault.

A note is unpublished when any of these holds (the first that applies is its reason):
its path is under a config ignore pattern; its front matter could not be read (it may have meant to
hide the note); ``draft`` is true; ``publish`` is false. Flags accept every spelling YAML users
write: booleans, ``"true"``/``"false"``, ``yes``/``no``, ``on``/``off``, ``1``/``0``. An
unrecognised value on either flag keeps the note private (publishing by mistake cannot be undone).

Links into unpublished notes become ``Broken("unpublished")``; attachments survive only when a
published note links to or embeds them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from garden.model import Resolution, Vault
from garden.paths import VaultPath

_TRUE = {"true", "yes", "on", "1", "y"}
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


def unpublished_reason(frontmatter: dict[str, Any], frontmatter_error: str, ignored_by: str) -> str:
    """Why a note stays private, or "" when it is published."""
    if ignored_by:
        return f"matches ignore pattern {ignored_by!r}"
    if frontmatter_error:
        return f"front matter unreadable ({frontmatter_error})"
    if "draft" in frontmatter and frontmatter["draft"] is not None:
        draft = flag_value(frontmatter["draft"])
        if draft is None:
            return f"draft: {frontmatter['draft']!r} is not true/false, so treated as a draft"
        if draft:
            return "draft: true"
    if "publish" in frontmatter and frontmatter["publish"] is not None:
        publish = flag_value(frontmatter["publish"])
        if publish is None:
            return f"publish: {frontmatter['publish']!r} is not true/false, so not published"
        if not publish:
            return "publish: false"
    return ""


def filter_published(vault: Vault) -> tuple[Vault, dict[VaultPath, str]]:
    """The published part of ``vault``, and the reason for every note left out."""
    reasons: dict[VaultPath, str] = {}
    for path, note in vault.notes.items():
        reason = unpublished_reason(note.frontmatter, note.frontmatter_error, note.ignored_by)
        if reason:
            reasons[path] = reason
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
            used_attachments.add(res.target)
        resolutions[(source, key)] = res

    attachments = {p: a for p, a in vault.attachments.items() if p in used_attachments}
    graph = vault.graph.subgraph(notes).copy()
    published = replace(
        vault,
        notes=notes,
        attachments=attachments,
        folders=frozenset(published_folders),
        resolutions=resolutions,
        graph=graph,
    )
    return published, reasons


def _folders_of(notes: dict[VaultPath, Any]) -> set[str]:
    """Folders holding at least one published note, at any depth; "" is the vault root."""
    folders: set[str] = {""}
    for path in notes:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folders.add("/".join(parts[:i]))
    return folders
