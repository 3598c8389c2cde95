"""The folder explorer of the left sidebar, as one shared JSON file (``static/explorer.json``).

Shared rather than drawn into every page: a page's size must not grow with the number of notes
in the site. The theme's script draws it and highlights the current page; without JavaScript
the folder pages list the same notes.

Order: the vault paths listed in the config's ``explorer_order`` (or Obsidian Publish's
``navigationOrdering`` in ``site-options.json``) come first, in that order; everything else
follows, folders before notes, by name.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from garden.paths import fold, nfc

ExplorerKey = Callable[[str, str, bool], tuple[Any, ...]]


def explorer_order_key(order: Sequence[str] = ()) -> ExplorerKey:
    """The sort key of an entry among its folder's: ``key(vault path, title, is_folder)``. The
    paths of ``order`` (the config's ``explorer_order``) come first, in that order; then
    folders before notes, by title. Folder pages list their entries in the same order."""
    rank = {fold(nfc(p).strip("/")): i for i, p in enumerate(order)}

    def key(path: str, title: str, is_folder: bool) -> tuple[Any, ...]:
        return (rank.get(fold(path), len(rank)), not is_folder, fold(title), path)

    return key


def explorer_tree(
    notes: Mapping[str, tuple[str, str]],
    folders: Mapping[str, str],
    order: Sequence[str] = (),
    kinds: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Nested entries ``{"t": title, "u": URL from the site root, "c": children}`` (``c`` only on
    folders) for ``notes`` (vault path -> (title, URL)) and ``folders`` (folder -> page URL).
    ``kinds``: the kind of the page sources that are not notes (``"canvas"``), given to their
    entries as ``"k"``, so the explorer can mark them as Obsidian's does."""
    kinds = kinds or {}
    order_key = explorer_order_key(order)
    children: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}

    def add(parent: str, path: str, entry: dict[str, Any], is_folder: bool) -> None:
        key = order_key(path, entry["t"], is_folder)
        children.setdefault(parent, []).append((key, entry))

    nodes: dict[str, dict[str, Any]] = {}
    for folder in sorted(folders):
        if not folder:
            continue
        nodes[folder] = {"t": folder.rsplit("/", 1)[-1], "u": folders[folder], "c": []}
    for path, (title, url) in notes.items():
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        entry = {"t": title, "u": url}
        if path in kinds:
            entry["k"] = kinds[path]
        add(parent, path, entry, False)
    for folder, node in nodes.items():
        parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
        add(parent, folder, node, True)
    for folder, node in nodes.items():
        node["c"] = [entry for _, entry in sorted(children.get(folder, []), key=lambda e: e[0])]
    return [entry for _, entry in sorted(children.get("", []), key=lambda e: e[0])]


def explorer_json(tree: list[dict[str, Any]]) -> bytes:
    return json.dumps(tree, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
