"""Shared fixtures: write small vaults, build them, and read the pages back."""

from __future__ import annotations

import atexit
import contextlib
import errno
import functools
import gzip
import html
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import unquote

import pytest
from PIL import Image

from garden import cli, paths
from garden.build import BuildResult, build
from garden.diagnostics import Diagnostic, Reporter
from garden.stop_points import STOP_AT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: each test process makes its own copy
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
# Real vaults the suite builds when they are there (beside the repository, or where
# GARDEN_SHARED_VAULTS says: a git worktree elsewhere can point at them).
SHARED_VAULTS = Path(os.environ.get("GARDEN_SHARED_VAULTS") or REPO.parent / "shared" / "vaults")
HELP_VAULT = SHARED_VAULTS / "obsidian-help-en"


_PROCESS_CACHE_HOME: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    """Module- and session-scoped fixtures build sites before any test's own cache folder exists
    (``user_cache``): they get one for the whole run of this process (each xdist worker its
    own), never the real ~/.cache."""
    # The suite starts Python a hundred times and more (`python -m garden`, the installed
    # wheel's `garden`, xdist workers, image workers under forkserver): with
    # PYTHONDONTWRITEBYTECODE set (some CI images set it) each one compiled garden and its
    # libraries again, and pytest rewrote hypothesis's modules in every worker: a minute of the
    # suite's CPU time. Compiled files go to __pycache__ folders, which git ignores.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
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


# --- sites built once per run, served, and Chromium -----------------------------------------


def once_per_run(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], T]) -> T:
    """``make(folder)``, called once for the whole test run: the first test process to ask calls
    it while holding a lock and keeps what it returns (pickled); the others (xdist workers) wait
    for it and read that. What it made is shared: tests given it only read it. For what takes
    seconds to make (a site, a wheel in a venv), which a module-scoped fixture would make again
    in each worker, and again whenever the worker leaves the module and comes back to it (xdist's
    worksteal hands out the last tests of a module in pieces)."""
    base = factory.getbasetemp()
    # Every xdist worker's base folder is in the run's own: the folder they share.
    shared = base.parent if "PYTEST_XDIST_WORKER" in os.environ and fcntl is not None else base
    root = shared / f"once-{name}"
    root.mkdir(exist_ok=True)
    with open(root / "lock", "a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        saved = root / "made.pickle"
        if saved.is_file():
            made: T = pickle.loads(saved.read_bytes())
            return made
        made = make(root)
        saved.write_bytes(pickle.dumps(made))
        return made


def shared_site(factory: pytest.TempPathFactory, name: str, vault: Path) -> BuiltSite:
    """``vault``'s site, built once for the whole test run (a clean build, its warnings kept)."""
    return once_per_run(factory, f"{name}-site", lambda root: build_site(vault, root / "site"))


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The example vault's site (``vault/``), built once per run."""
    return shared_site(tmp_path_factory, "example", REPO / "vault")


@pytest.fixture(scope="session")
def help_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The Obsidian help vault's site, built once per run."""
    if not HELP_VAULT.is_dir():
        pytest.skip(f"shared vault missing: {HELP_VAULT}")
    return shared_site(tmp_path_factory, "help", HELP_VAULT)


class QuietHandler(SimpleHTTPRequestHandler):
    """A plain static server that, like most hosts (GitHub Pages, Netlify, an nginx
    ``error_page``), answers a missing URL with the site's 404.html, whatever its depth."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@dataclass
class Served:
    site: BuiltSite
    origin: str  # "http://127.0.0.1:PORT"

    @property
    def out(self) -> Path:
        return self.site.out

    def url(self, rel: str) -> str:
        return f"{self.origin}/{rel}"

    def file_for_slug(self, slug: str) -> str:
        """The file (relative to OUT) that holds the page of ``slug``."""
        for rel in (f"{slug}.html", f"{slug}/index.html"):
            if (self.out / rel).is_file():
                return rel
        raise AssertionError(f"no page file for slug {slug!r}")

    def file_for_source(self, source: str) -> str:
        slugs = [slug for slug, entry in self.site.index.items() if entry["source"] == source]
        assert slugs, f"{source!r} is not in content-index.json"
        return self.file_for_slug(slugs[0])

    def pages(self) -> list[str]:
        """Every page, less the redirects kept for aliases (they move on at once)."""
        return sorted(
            p.relative_to(self.out).as_posix()
            for p in self.out.rglob("*.html")
            if 'http-equiv="refresh"' not in p.read_text(encoding="utf-8")
        )


def serve(site: BuiltSite) -> Iterator[Served]:
    """Serve ``site`` over HTTP on a free local port (no rewrites, as the site contract says)."""
    handler = functools.partial(QuietHandler, directory=str(site.out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield Served(site, f"http://{host}:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# Servers and the browser last one test module, not the whole run: their threads (the server's,
# asyncio's waitpid thread for Playwright's driver) would make every later test in the process
# see a process with threads, where garden starts its workers by forkserver and never forks.
@pytest.fixture(scope="module")
def example(example_site: BuiltSite) -> Iterator[Served]:
    yield from serve(example_site)


@pytest.fixture(scope="module")
def help_served(help_site: BuiltSite) -> Iterator[Served]:
    yield from serve(help_site)


# Debian's Chromium, never a browser downloaded by Playwright.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
CHROMIUM_MISSING = (
    "Chromium not found: install it with `apt-get install -y chromium` (Debian) "
    "to run the browser tests"
)
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium for the browser tests of a module: each test opens a context of its
    own in it and closes it, so no state is shared."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the environment
        pytest.skip(CHROMIUM_MISSING)
    if not CHROMIUM.is_file():  # pragma: no cover - depends on the environment
        pytest.skip(CHROMIUM_MISSING)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop-sized page in a light-scheme context of its own."""
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


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


GardenHere = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def garden_here(capsys: pytest.CaptureFixture[str]) -> GardenHere:
    """``garden_here(*ARGS)``: ``garden ARGS`` run by ``cli.main`` in this process (all that
    ``python -m garden`` runs, without a second of starting Python): its exit code and output.
    What only a process shows (output to a pipe, other processes' locks, signals) needs one."""

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess([str(a) for a in args], code, out, err)

    return run


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
