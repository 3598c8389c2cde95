"""``%%comments%%``: removed before parsing, inline or over many lines, never in the output.

Comment text is blanked rather than cut so every other line keeps its line number. ``%%`` inside
fenced code or an inline code span is literal text, as in Obsidian.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")


def strip_comments(text: str) -> str:
    if "%%" not in text:
        return text
    out: list[str] = []
    in_comment = False
    fence: str | None = None
    for line in text.split("\n"):
        if fence is not None:
            if line.lstrip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            out.append(line)
            continue
        if not in_comment:
            m = _FENCE.match(line)
            if m:
                fence = m.group(1)
                out.append(line)
                continue
        kept, in_comment = _strip_line(line, in_comment)
        out.append(kept)
    return "\n".join(out)


def _strip_line(line: str, in_comment: bool) -> tuple[str, bool]:
    kept: list[str] = []
    i = 0
    n = len(line)
    while i < n:
        if in_comment:
            end = line.find("%%", i)
            if end < 0:
                return "".join(kept), True
            in_comment = False
            i = end + 2
            continue
        start = line.find("%%", i)
        tick = line.find("`", i)
        if tick >= 0 and (start < 0 or tick < start):
            run = _BACKTICKS.match(line, tick)
            assert run is not None
            close = line.find(run.group(0), run.end())
            stop = close + len(run.group(0)) if close >= 0 else run.end()
            kept.append(line[i:stop])
            i = stop
            continue
        if start < 0:
            kept.append(line[i:])
            break
        kept.append(line[i:start])
        in_comment = True
        i = start + 2
    return "".join(kept), in_comment
