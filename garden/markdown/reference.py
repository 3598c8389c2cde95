"""Parse a link as written into a ``LinkRef``: the one parser every stage shares.

Wikilinks: ``[[target#heading#sub|alias]]``, ``[[target#^block]]``, ``[[#heading]]``, and for
embeds ``![[img.png|480]]``, ``![[img.png|alt|480]]``, ``![[img.png|480x270]]``. Markdown links:
``[text](Folder/Note%20Name.md#Heading)`` and ``![alt|480](img.png)``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from garden.model import LinkRef

_SIZE = re.compile(r"^\s*(\d{1,5})(?:\s*x\s*(\d{1,5}))?\s*$")
# A scheme ("https:", "mailto:", "obsidian:", "javascript:") or a protocol-relative "//host".
_EXTERNAL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.\-]*:|//)")


def _split_fragment(path_part: str) -> tuple[str, str | None, str | None]:
    target, sep, fragment = path_part.partition("#")
    if not sep:
        return target.strip(), None, None
    fragment = fragment.strip()
    if "^" in fragment and (fragment.startswith("^") or "#^" in fragment):
        block = fragment.rsplit("^", 1)[1].strip()
        return target.strip(), None, block or None
    # Obsidian writes a subheading chain as "#H1#H2"; the last heading is the one that counts,
    # the chain only disambiguates in the editor.
    return target.strip(), fragment or None, None


def _parse_size(text: str) -> tuple[int | None, int | None] | None:
    m = _SIZE.match(text)
    if not m:
        return None
    width = int(m.group(1))
    height = int(m.group(2)) if m.group(2) else None
    return width, height


def parse_wikilink(inner: str, *, embed: bool = False) -> LinkRef:
    """``inner`` is the text between ``[[`` and ``]]``; a ``\\|`` (escaped in tables) is a ``|``."""
    inner = inner.replace("\\|", "|")
    path_part, _, rest = inner.partition("|")
    target, heading, block = _split_fragment(path_part)
    label: str | None = rest.strip() if rest else None
    width = height = None
    if embed and rest:
        head, _, last = rest.rpartition("|")
        size = _parse_size(last)
        if size is not None:
            width, height = size
            label = head.strip() or None
    return LinkRef(
        target=target,
        heading=heading,
        block=block,
        label=label or None,
        embed=embed,
        width=width,
        height=height,
        syntax="wiki",
    )


def is_external(url: str) -> bool:
    return bool(_EXTERNAL.match(url.strip()))


def parse_markdown_destination(url: str, label: str | None, *, embed: bool) -> LinkRef:
    """A Markdown link or image destination that is not external (see ``is_external``)."""
    target, heading, block = _split_fragment(unquote(url.strip()))
    width = height = None
    if embed and label:
        head, sep, last = label.rpartition("|")
        size = _parse_size(last)
        if size is not None:
            width, height = size
            label = head.strip() if sep else None
    return LinkRef(
        target=target,
        heading=heading,
        block=block,
        label=label or None,
        embed=embed,
        width=width,
        height=height,
        syntax="markdown",
    )
