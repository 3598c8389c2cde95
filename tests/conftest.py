"""Shared fixtures: write small vaults, build them, and read the pages back."""

from __future__ import annotations

import atexit
import contextlib
import errno
import gzip
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest
from PIL import Image

from garden import paths
from garden.build import BuildResult, build
from garden.diagnostics import Diagnostic, Reporter
from garden.stop_points import STOP_AT

REPO = Path(__file__).resolve().parent.parent
# Real vaults the suite builds when they are there (beside the repository, or where
# GARDEN_SHARED_VAULTS says: a git worktree elsewhere can point at them).
SHARED_VAULTS = Path(os.environ.get("GARDEN_SHARED_VAULTS") or REPO.parent / "shared" / "vaults")


_PROCESS_CACHE_HOME: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Module- and session-scoped fixtures build sites before any test's own cache folder exists
    (``user_cache``): they get one for the whole run of this process (each xdist worker its
    own), never the real ~/.cache."""
    folder = tempfile.mkdtemp(prefix="garden-test-cache-")
    _PROCESS_CACHE_HOME.append(folder)
    # `make mutate` runs each mutant's tests in a process forked from one whose earlier test
    # session filled this cache: a mutant of the function behind it must be run, not remembered.
    paths._relative.cache_clear()
    os.environ["XDG_CACHE_HOME"] = folder
    atexit.register(shutil.rmtree, folder, True)  # xdist may end a worker without unconfigure


# The files whose tests take longest (a minute and more: differential builds, the wheel in a fresh
# venv, Chromium over every page), slowest first. xdist hands tests out in collection order: run
# first, they overlap the many short tests instead of leaving one core busy at the end of the run;
# `make test` also lets an idle worker take tests queued for a busy one (`--dist worksteal`): with
# the default `load`, one worker was given all of these and ran 30-40% longer than the other.
LONGEST_FIRST = (
    "tests/test_incremental.py",
    "tests/test_package.py",
    "tests/test_browser.py",
    "tests/test_reader.py",
    "tests/test_parallel.py",
    "tests/hostile/test_filesystem.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each file's tests keep their order


def pytest_unconfigure(config: pytest.Config) -> None:
    while _PROCESS_CACHE_HOME:
        shutil.rmtree(_PROCESS_CACHE_HOME.pop(), ignore_errors=True)


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets a cache folder of its own, apart from its ``tmp_path`` (where tests check
    that nothing but OUT is left beside OUT), and never the real ~/.cache. Subprocesses (the CLI
    tests) inherit it through the environment. Returns garden's folder in it."""
    cache_home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    return cache_home / "garden"


def refuse_renames(monkeypatch: pytest.MonkeyPatch, module: object, times: int) -> list[int]:
    """``module``'s ``os.rename`` refuses its first ``times`` calls, as Windows does while a
    program holds a file open. Returns the count of refusals still to come, for the test to read."""
    real_rename, left = os.rename, [times]

    def rename(source: object, dest: object) -> None:
        if left[0]:
            left[0] -= 1
            raise PermissionError(errno.EACCES, "in use")
        real_rename(source, dest)  # type: ignore[arg-type]

    monkeypatch.setattr(module.os, "rename", rename)  # type: ignore[attr-defined]
    return left


def png(width: int, height: int, color: tuple[int, int, int] = (40, 120, 80)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format="PNG")
    return buf.getvalue()


def canvas_file(nodes: Iterable[dict], edges: Iterable[dict] = ()) -> str:
    """A ``.canvas`` file as Obsidian writes one: JSON with each node and edge on a line of its
    own (line 3 is the first node), so warnings can name a node's line."""
    node_lines = [json.dumps(n, ensure_ascii=False) for n in nodes]
    edge_lines = [json.dumps(e, ensure_ascii=False) for e in edges]
    return (
        '{\n\t"nodes":[\n'
        + ",\n".join("\t\t" + line for line in node_lines)
        + '\n\t],\n\t"edges":[\n'
        + ",\n".join("\t\t" + line for line in edge_lines)
        + "\n\t]\n}"
    )


def make_vault(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (vault path -> text or bytes) under ``root`` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@dataclass
class BuiltSite:
    out: Path
    result: BuildResult
    diagnostics: list[Diagnostic]
    index: dict = field(default_factory=dict)

    def page(self, rel: str) -> str:
        return (self.out / rel).read_text(encoding="utf-8")

    def article(self, rel: str) -> str:
        html = self.page(rel)
        start = html.index("<article")
        return html[start : html.index("</article>", start)]

    def warnings(self, category: str | None = None) -> list[Diagnostic]:
        return [d for d in self.diagnostics if category is None or d.category == category]

    def files(self) -> list[str]:
        return sorted(
            p.relative_to(self.out).as_posix() for p in self.out.rglob("*") if p.is_file()
        )


def build_site(vault: Path, out: Path | None = None) -> BuiltSite:
    out = out if out is not None else vault.parent / "site"
    reporter = Reporter()
    result = build(vault, out, reporter=reporter)
    index = json.loads((out / "content-index.json").read_text(encoding="utf-8"))
    return BuiltSite(out, result, reporter.diagnostics, index)


@pytest.fixture
def site_of(tmp_path: Path) -> Callable[[dict[str, str | bytes]], BuiltSite]:
    """``site_of({"a.md": "..."})`` builds a vault made of these files."""

    def make(files: dict[str, str | bytes]) -> BuiltSite:
        return build_site(make_vault(tmp_path / "vault", files), tmp_path / "site")

    return make


_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def readable_forms(data: bytes) -> str:
    """Every way a file's bytes could show a string to a reader or a script: the text itself, its
    HTML entities and %-escapes decoded, ``\\uXXXX`` escapes decoded, and any JSON it holds.
    Compressed files (``.gz``) are opened first."""
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError):
            data = gzip.decompress(data)
    text = data.decode("utf-8", errors="replace")
    forms = [text, html.unescape(text), unquote(text)]
    forms.append(_UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))
    with contextlib.suppress(ValueError, RecursionError):
        forms.extend(_strings(json.loads(text)))
    return "\n".join(forms).casefold()


def leaks(out: Path, markers: Iterable[str]) -> list[str]:
    """``"MARKER in path"`` for every marker found in any file under ``out``, in its contents
    (see ``readable_forms``) or in its name, whatever the file is called: this covers pages and
    every data file (content index, search index, graph data, feeds) without knowing their names."""
    wanted = [(m, m.casefold()) for m in markers]
    found: list[str] = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        name = unquote(rel).casefold()
        body = readable_forms(path.read_bytes()) if path.is_file() else ""
        found.extend(f"{m} in {rel}" for m, folded in wanted if folded in name or folded in body)
    return found


def garden_stopping_at(step: str, *args: str | Path, code: str = "") -> subprocess.Popen[str]:
    """Start ``garden ARGS`` in a process that stops itself at ``step`` (``garden.stop_points``).
    ``code``: Python run first in that process (to take another system's branch, say)."""
    main = f"import sys\n{code}\nfrom garden.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", main, *map(str, args)],
        env={**os.environ, STOP_AT: step},
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_stopped(proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    """Return once ``proc`` has stopped itself at its step; fail if it ends (or hangs) instead."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status = os.waitpid(proc.pid, os.WNOHANG | os.WUNTRACED)
        if pid and os.WIFSTOPPED(status):
            return
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            stderr = proc.stderr.read() if proc.stderr is not None else ""
            raise AssertionError(f"ended with {proc.returncode} before its stop point:\n{stderr}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("never reached its stop point")
        time.sleep(0.02)
