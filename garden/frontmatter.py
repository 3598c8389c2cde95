"""Split YAML front matter from a note and read it, with line numbers in errors."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import yaml

try:  # the C loader is ~10x faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class FrontMatter:
    data: dict[str, Any]
    body: str
    body_first_line: int  # 1-based line of the file where the body starts
    error: str = ""  # why the front matter could not be used ("" when fine)
    error_line: int = 0


def _closing_line(lines: list[str]) -> int | None:
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return i
    return None


def split_frontmatter(text: str) -> FrontMatter:
    if not text.startswith("---"):
        return FrontMatter({}, text, 1)
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return FrontMatter({}, text, 1)
    end = _closing_line(lines)
    if end is None:
        # Obsidian shows an unclosed block as text; but it may have been meant to hide the note.
        return FrontMatter({}, text, 1, "front matter has no closing '---'", 1)
    yaml_text = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    try:
        data = yaml.load(yaml_text, Loader=_Loader)  # a safe loader (CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # YAML may notice a problem only at the end of the block; point inside the block anyway.
        line = min(mark.line + 2, max(end, 2)) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return FrontMatter({}, body, end + 2, f"invalid YAML front matter: {problem}", line)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        return FrontMatter({}, body, end + 2, f"front matter is a {kind}, not a mapping", 2)
    return FrontMatter({str(k): _plain(v) for k, v in data.items()}, body, end + 2)


def _plain(value: Any) -> Any:
    """Dates and other YAML types become JSON-safe values so they can reach content-index.json."""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
