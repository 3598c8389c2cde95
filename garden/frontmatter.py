"""Split YAML front matter from a note and read it, with line numbers in errors."""

from __future__ import annotations

import datetime
import re
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
    # The front matter's text when it could not be used: the YAML between the fences, or, with
    # no closing fence, every line after the opening one.
    raw: str = ""


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
        unclosed = "\n".join(lines[1:])
        return FrontMatter({}, text, 1, "front matter has no closing '---'", 1, unclosed)
    yaml_text = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    try:
        data = yaml.load(yaml_text, Loader=_Loader)  # a safe loader (CSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            # YAML may notice a problem only at the end of the block; point inside it anyway.
            line = min(mark.line + 2, max(end, 2))
        elif isinstance(exc, yaml.reader.ReaderError):
            # A character YAML refuses (a control character): the reader stops at its first one.
            # (Its position counts bytes with the C loader, characters without: not used.)
            line = yaml_text.count("\n", 0, yaml_text.find(chr(exc.character))) + 2
        else:
            line = 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        error = f"invalid YAML front matter: {problem}"
        return FrontMatter({}, body, end + 2, error, line, yaml_text)
    except (ValueError, OverflowError, RecursionError, MemoryError) as exc:
        # Constructors raise these for values YAML's grammar allows: 2024-02-30, a 5,000-digit
        # integer, brackets nested 10,000 deep.
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return FrontMatter({}, body, end + 2, f"invalid YAML front matter: {problem}", 2, yaml_text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        kind = type(data).__name__
        error = f"front matter is a {kind}, not a mapping"
        return FrontMatter({}, body, end + 2, error, 2, yaml_text)
    try:
        plain = _plain(data, [MAX_VALUES], 0)
    except _TooLarge as exc:
        return FrontMatter({}, body, end + 2, f"front matter {exc}", 2, yaml_text)
    return FrontMatter(plain, body, end + 2)


# YAML aliases can expand a few lines into billions of values ("billion laughs") or into a value
# that contains itself; real front matter has a few dozen values, a few levels deep.
MAX_VALUES = 10_000
MAX_DEPTH = 32


class _TooLarge(Exception):
    pass


def _plain(value: Any, budget: list[int], depth: int) -> Any:
    """Dates and other YAML types become JSON-safe values so they can reach content-index.json.
    ``budget`` counts down the values still allowed."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge(f"has more than {MAX_VALUES} values (YAML aliases?)")
    if depth > MAX_DEPTH:
        raise _TooLarge(f"is nested more than {MAX_DEPTH} levels deep (or contains itself)")
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, set | frozenset):  # !!set: its order would change from run to run
        return sorted((_plain(v, budget, depth + 1) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_plain(v, budget, depth + 1) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# Front-matter keys that date a note: when it was written, and when it was last changed.
CREATED_KEYS = ("date", "created")
UPDATED_KEYS = ("updated", "modified", "lastmod")
_TIME = re.compile(r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?")


def front_matter_day(value: Any) -> str | None:
    """``YYYY-MM-DD`` of a front-matter date: a YAML date or datetime (``_plain`` made it ISO
    text), or text holding one (``2024-05-07``, ``2024-05-07T10:30``, ``2024-05-07 10:30:00Z``).
    None for anything else (``someday soon``, ``2024-02-30``, ``2024``): not a date."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None
    return text[:10] if len(text) == 10 or _TIME.fullmatch(text[10:]) else None
