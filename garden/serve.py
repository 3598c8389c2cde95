"""``garden serve``: build, serve OUT on localhost, rebuild when the vault changes, reload the tabs.

- The site is built with the same ``build()`` as ``garden build``, into OUT, under the same lock.
  The server reads files straight from OUT per request; emit swaps OUT in atomically, so a request
  sees the old site or the new one, never half of one.
- Changes are watched with ``watchfiles`` (inotify/FSEvents through Rust) on the vault, the themes
  folder and a config file kept outside the vault. A burst of events (an editor's save through a
  temporary file, a folder rename, a sync tool) is grouped by watchfiles until ``STEP_MS`` pass with
  no new event, and becomes one rebuild. Paths under dot-folders are ignored: Obsidian rewrites
  ``.obsidian/workspace.json`` each time a note is opened, and dot-folders are never published.
- Open tabs reload through server-sent events. The page loads ``/__garden/live.js`` (an external
  script, so a theme's ``script-src 'self'`` policy still allows it), which is added to HTML
  *responses* by the server: no built file ever contains it. Each build gets a new token; the page
  knows the token it was served with and reloads when the stream says the site moved on, including
  when the build finished between the page load and the stream's connection.
- A failed build (a malformed ``garden.yaml``, or a bug) leaves OUT as it was (emit's guarantee),
  so the last good site keeps being served, with the error laid over every page until a build
  succeeds again.
"""

from __future__ import annotations

import contextlib
import html
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import parse_qs, urlsplit

import watchfiles

from garden import places
from garden.build import NoteRedraw, build, cache_folder
from garden.config import config_file, load_config
from garden.console import Console
from garden.diagnostics import Diagnostic, Reporter, plural
from garden.emit import check_output_dir
from garden.errors import GardenError
from garden.paths import is_inside, root_path, vault_path_of
from garden.render.reader import FEED_XML, SEARCH_DIR
from garden.theme import THEMES_DIR, theme_folder

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
STEP_MS = 50  # quiet time that ends a burst of file events (watchfiles' ``step``)
READY_MS = 100  # how often the watcher wakes when idle (its first wake-up means "watching")
MAX_BURST_MS = 1600  # a burst that never pauses still rebuilds after this (``debounce``)
LOCK_WAIT = 60.0  # a manual ``garden build`` into the same OUT may be running: wait for it
KEEPALIVE = 15.0  # seconds between comments on an idle event stream (finds closed tabs)
HISTORY = 256  # builds whose changed files are remembered; a tab older than that reloads

PREFIX = "/__garden/"
EVENTS = PREFIX + "events"
LIVE_JS = PREFIX + "live.js"
LIVE_CSS = PREFIX + "live.css"
# Editors' scratch files: a save through one ends as an event on the note itself.
_SCRATCH_SUFFIXES = ("~", ".tmp", ".swp", ".swx", ".crswap", ".part")

_JS = b"""// garden serve: live reload. Added by the preview server; never part of a built site.
(() => {
  const me = document.currentScript;
  const key = "garden-serve-scroll:" + location.pathname;
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    addEventListener("load", () => scrollTo(0, Number(saved)));
  }
  const since = encodeURIComponent(me.dataset.generation);
  const page = encodeURIComponent(location.pathname);
  const events = new EventSource("/__garden/events?since=" + since + "&page=" + page);
  events.addEventListener("reload", () => {
    sessionStorage.setItem(key, String(scrollY));
    events.close();
    location.reload();
  });
})();
"""

_CSS = b"""#garden-serve-error { position: fixed; inset: auto 1rem 1rem 1rem; z-index: 2147483647;
  max-height: 60vh; overflow: auto; padding: 1rem 1.25rem; border-radius: 6px;
  background: #3b0d0d; color: #fde8e8; font: 14px/1.45 ui-monospace, monospace;
  box-shadow: 0 4px 24px rgba(0,0,0,.4); }
#garden-serve-error pre { white-space: pre-wrap; margin: .5rem 0 0; }
"""


def default_out(vault: Path, cache_folder: Path | None = None) -> Path:
    """Where the preview builds without ``-o``: a folder per vault in the cache folder."""
    return places.serve_out(vault, cache_folder)


class SiteState:
    """What the server is showing: a token per build (a "generation"), what each build changed,
    the last build's error (or None), and pages drawn ahead of the build under way."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._session = f"{time.time_ns():x}"  # differs after a restart, so old tabs reload too
        self._builds = 0
        # build number -> the OUT paths it changed (None: any), for the last HISTORY builds
        self._changes: dict[int, frozenset[str] | None] = {}
        self.error: str | None = None
        self.closing = False
        # OUT path -> a page drawn before the build under way is done (``NoteRedraw``), served
        # instead of the file in OUT until that build ends
        self.ahead: dict[str, bytes] = {}
        # The path of the config's base_url: the 404 page links from it (``paths.root_path``),
        # so the preview also answers there.
        self.base = "/"

    @property
    def generation(self) -> str:
        return f"{self._session}-{self._builds}"

    def publish(self, error: str | None, changed: frozenset[str] | None = None) -> None:
        """A new generation. ``changed``: the OUT paths it changed, None when unknown."""
        with self._changed:
            self._builds += 1
            if error != self.error:
                changed = None  # the error box appears on or leaves every page
            self._changes[self._builds] = changed
            self._changes.pop(self._builds - HISTORY, None)
            self.error = error
            self._changed.notify_all()

    def show_ahead(self, pages: dict[str, bytes]) -> None:
        """Serve ``pages`` (drawn ahead of the build under way) and tell their tabs."""
        self.ahead = pages
        self.publish(self.error, frozenset(pages))

    def built(self, out: Path, error: str | None, changed: frozenset[str] | None) -> None:
        """The build is done: OUT is served again. A page drawn ahead that the build made the
        same, byte for byte, does not count as changed: its tabs show it already."""
        if changed is not None and error is None:
            same = set()
            for rel, page in self.ahead.items():
                with contextlib.suppress(OSError):
                    if (out / rel).read_bytes() == page:
                        same.add(rel)
            changed = changed - same
        self.ahead = {}
        self.publish(error, changed)

    def affects(self, since: str, page: str | None) -> bool:
        """Whether a tab showing the OUT file ``page`` (None: not known), served at generation
        ``since``, must reload: its own page changed since, or a file that pages load (the
        theme's CSS and scripts, the explorer, the graph), or something unknown."""
        session, _, number = since.rpartition("-")
        if session != self._session or not number.isdigit() or page is None:
            return True
        for later in range(int(number) + 1, self._builds + 1):
            changed = self._changes.get(later)
            if changed is None or page in changed or any(map(_loaded_by_pages, changed)):
                return True
        return False

    def wait(self, since: str, timeout: float) -> str:
        """The generation once it differs from ``since`` (or after ``timeout``)."""
        with self._changed:
            self._changed.wait_for(lambda: self.generation != since or self.closing, timeout)
            return self.generation

    def close(self) -> None:
        with self._changed:
            self.closing = True
            self._changed.notify_all()


def _loaded_by_pages(rel: str) -> bool:
    """Whether pages load the OUT file ``rel`` as they open (a page need not reload when only
    other pages, the search index or files for other programs changed)."""
    if rel.endswith(".html") or rel.startswith(SEARCH_DIR):
        return False
    return rel not in ("content-index.json", FEED_XML, "sitemap.xml", "robots.txt")


def inject(page: bytes, generation: str, error: str | None) -> bytes:
    """``page`` with the live-reload script (and the error overlay) before ``</body>``."""
    snippet = f'<script src="{LIVE_JS}" data-generation="{html.escape(generation)}"></script>'
    if error is not None:
        snippet += (
            f'<link rel="stylesheet" href="{LIVE_CSS}">'
            '<div id="garden-serve-error" role="alert"><strong>garden: the last build failed; '
            "this is the last good site.</strong>"
            f"<pre>{html.escape(error)}</pre></div>"
        )
    data = snippet.encode("utf-8")
    at = page.lower().rfind(b"</body>")
    return page + data if at < 0 else page[:at] + data + page[at:]


_NO_SITE = b"<!doctype html><meta charset=utf-8><title>garden serve</title><body></body>"


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # event streams never end by themselves; do not wait for them on exit
    block_on_close = False
    state: SiteState
    out: Path


class _Handler(SimpleHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request would bury the build's warnings

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload must fetch the new build
        super().end_headers()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == EVENTS:
            query = parse_qs(url.query)
            asked = query.get("page")
            self._events(query.get("since", [""])[0], self._page_file(asked[0]) if asked else None)
        elif url.path == LIVE_JS:
            self._send(200, "text/javascript; charset=utf-8", _JS)
        elif url.path == LIVE_CSS:
            self._send(200, "text/css; charset=utf-8", _CSS)
        else:
            found = self._html_file(url.path)
            if found is None:
                super().do_GET()
            else:
                status, path = found
                state = self.server.state
                page = _NO_SITE
                if path is not None:
                    page = state.ahead.get(self._rel(path)) or path.read_bytes()
                body = inject(page, state.generation, state.error)
                self._send(status, "text/html; charset=utf-8", body)

    def translate_path(self, path: str) -> str:
        """As the base class, and a path under the base_url's path (the 404 page's links) is
        also looked for from the site's root when nothing is at it."""
        found = super().translate_path(path)
        base = self.server.state.base
        if base != "/" and path.startswith(base) and not os.path.exists(found):
            return super().translate_path("/" + path[len(base) :])
        return found

    def _html_file(self, url_path: str) -> tuple[int, Path | None] | None:
        """(status, file) for a request answered with an HTML page, None to serve it as is."""
        out = self.server.out
        if not (out / "index.html").is_file():
            return 503, None  # no site yet: the first build failed; show its error
        target = Path(self.translate_path(url_path))
        if target.is_dir():
            if not url_path.endswith("/"):
                return None  # the base class redirects "x" to "x/"
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            return 200, target
        if not target.exists() and (out / "404.html").is_file():
            return 404, out / "404.html"
        return None

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.server.out).as_posix()

    def _page_file(self, url_path: str) -> str | None:
        """The OUT path of the page a tab shows, from its URL path (None if outside OUT)."""
        target = Path(self.translate_path(url_path))
        if url_path.endswith("/") or target.is_dir():
            target = target / "index.html"
        return self._rel(target) if is_inside(target, self.server.out) else None

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self, since: str, page: str | None) -> None:
        state = self.server.state
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 500\n\n")  # reconnect quickly after a server restart
            self.wfile.flush()
            while not state.closing:
                generation = state.wait(since, KEEPALIVE)
                if state.closing:
                    break
                if generation != since:
                    if state.affects(since, page):
                        self.wfile.write(f"event: reload\ndata: {generation}\n\n".encode())
                    since = generation
                else:
                    self.wfile.write(b": keepalive\n\n")
                self.wfile.flush()
        except OSError:
            pass  # the tab was closed


class Preview:
    """The build-serve-watch loop of one vault."""

    def __init__(
        self,
        vault: Path,
        out: Path,
        *,
        config_path: Path | None,
        console: Console,
        cache_dir: Path | None = None,
    ) -> None:
        self.vault = vault.resolve()
        self.out = out.absolute()
        self.config_path = config_path.resolve() if config_path is not None else None
        self.cache_dir = cache_dir.absolute() if cache_dir is not None else None
        self.themes = self._theme_folders()
        self.console = console
        self.state = SiteState()
        self.shown: set[Diagnostic] = set()  # the warnings of the last build, printed once
        self.redraw: NoteRedraw | None = None  # the last good build's, to draw edits ahead

    def rebuild(self) -> bool:
        """Build once; tell the open tabs. False when the build failed (the old site stays).
        Only warnings the last build did not have are printed: a writer saving a note every
        few seconds wants to see what that save broke, not the vault's hundred old warnings."""
        self.console.start()
        reporter = Reporter()
        error: str | None = None
        changed: frozenset[str] | None = None
        self.redraw = None
        try:
            result = build(
                self.vault,
                self.out,
                config_path=self.config_path,
                reporter=reporter,
                progress=self.console.progress,
                in_place=True,  # a preview: a rebuild must show at once
                keep_renderer=True,
                wait=LOCK_WAIT,
                cache_dir=self.cache_dir,
            )
            changed, self.redraw = result.changed, result.redraw
            config, _ = load_config(self.vault, self.config_path)
            self.state.base = root_path(config.base_url)
        except GardenError as exc:
            error = message = str(exc)
        except Exception:  # a bug must not end the preview: show it, keep the last site
            error = traceback.format_exc()
            message = "the build crashed (a bug in garden):\n" + error
        new = [d for d in reporter.diagnostics if d not in self.shown]
        for diagnostic in new:
            print(diagnostic.format(), file=self.console)
        if error is not None:
            self.console.error(message)
        else:
            old = len(reporter.diagnostics) - len(new)
            if old:
                self.console.info(f"{plural(old, 'warning')} as in the last build (not repeated)")
            self.shown = set(reporter.diagnostics)
            self.console.built(self.out, result, reporter)
        self.state.built(self.out, error, changed)
        return error is None

    def changed(self, paths: set[str]) -> None:
        self.console.info(_describe(paths, self.vault))
        self.draw_ahead(paths)
        self.rebuild()

    def draw_ahead(self, paths: set[str]) -> None:
        """When every change is an edit of a published note's text, show those notes' new
        pages at once, drawn by the last build's renderer, while the build brings the rest of
        the site (backlinks, listings, search) up to date: a writer sees the edit in a tenth of
        the time. Any other change waits for the build."""
        if self.redraw is None or self.state.error is not None:
            return
        pages: dict[str, bytes] = {}
        for raw in paths:
            try:
                page = self.redraw.page(Path(raw))
            except Exception:  # the build that follows reports what went wrong
                page = None
            if page is None:
                return
            with contextlib.suppress(OSError):
                if (self.out / page[0]).read_bytes() == page[1]:
                    continue  # saved without a change that shows: nothing to reload
            pages[page[0]] = page[1]
        if pages:
            self.state.show_ahead(pages)

    def _theme_folders(self) -> list[Path]:
        """The bundled themes, and the theme folder the config names when it is elsewhere (an
        edit of a template or the CSS rebuilds the preview). Read once, at start."""
        folders = [THEMES_DIR] if THEMES_DIR.is_dir() else []
        with contextlib.suppress(GardenError, OSError):
            config, _ = load_config(self.vault, self.config_path)
            base = config_file(self.vault, self.config_path).parent
            own = theme_folder(config.theme, base).resolve()
            if not any(is_inside(own, f) for f in (*folders, self.vault)):
                folders.append(own)
        return folders

    def watched(self) -> list[Path]:
        paths = [self.vault, *self.themes]
        if self.config_path is not None and not is_inside(self.config_path, self.vault):
            paths.append(self.config_path.parent)
        return paths

    def relevant(self, _change: watchfiles.Change, raw: str) -> bool:
        """Would this change alter the site? (watchfiles' ``watch_filter``)"""
        return relevant_change(
            Path(raw), vault=self.vault, themes=self.themes, out=self.out, config=self.config_path
        )

    def watch(
        self,
        stop: threading.Event,
        on_ready: Callable[[], None],
        on_change: Callable[[set[str]], None],
    ) -> None:
        """Watch until ``stop`` is set. ``on_ready`` runs once the watches are in place, so a
        change made while the first build runs (or right after "serving" is printed) is seen."""
        ready = False
        for changes in watchfiles.watch(
            *self.watched(),
            watch_filter=self.relevant,
            debounce=MAX_BURST_MS,
            step=STEP_MS,
            stop_event=stop,
            raise_interrupt=False,
            # The first (empty) yield after READY_MS says the watches exist; later empty
            # yields are ignored.
            rust_timeout=READY_MS,
            yield_on_timeout=True,
        ):
            if not ready:
                ready = True
                on_ready()
            elif changes:
                on_change({p for _, p in changes})


def relevant_change(
    path: PurePath,
    *,
    vault: PurePath,
    themes: Sequence[PurePath],
    out: PurePath,
    config: PurePath | None,
) -> bool:
    """Whether a change of ``path`` can alter the site: it is in the vault or a theme, not in a
    dot-folder (``.obsidian/workspace.json`` changes each time a note is opened) nor an editor's
    scratch file, nor in OUT; or it is the config file. Pure: the paths are of the platform's
    flavour (``PureWindowsPath`` in the tests of Windows)."""
    if path.name.endswith(_SCRATCH_SUFFIXES) or is_inside(path, out):
        return False
    if config is not None and path == config:
        return True
    for root in (vault, *themes):
        if is_inside(path, root):
            return not any(part.startswith(".") for part in path.relative_to(root).parts)
    return False


def _describe(paths: set[str], vault: Path) -> str:
    names = sorted(
        vault_path_of(Path(p).relative_to(vault)) if is_inside(Path(p), vault) else p for p in paths
    )
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"changed: {shown}"


def serve(
    vault: Path,
    out: Path | None,
    *,
    config_path: Path | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    console: Console,
    cache_dir: Path | None = None,
) -> int:
    """Run the preview until Ctrl-C or SIGTERM. Returns the exit status."""
    try:
        if not vault.is_dir():
            raise GardenError(f"the vault {vault} is not a folder")
        if out is None:
            out = default_out(vault, cache_folder(vault, config_path, cache_dir))
        check_output_dir(vault, out)
        server = _Server((host, port), partial(_Handler, directory=str(out.absolute())))
    except GardenError as exc:
        console.error(str(exc))
        return 2
    except OSError as exc:
        console.error(f"cannot listen on {host}:{port}: {exc.strerror} (choose another --port)")
        return 2
    preview = Preview(vault, out, config_path=config_path, console=console, cache_dir=cache_dir)
    server.state = preview.state
    server.out = preview.out
    stop = threading.Event()
    serving = threading.Thread(target=server.serve_forever, name="garden-http", daemon=True)

    def ready() -> None:
        preview.rebuild()
        serving.start()
        bound_host, bound_port = (str(part) for part in server.server_address[:2])
        shown_host = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        console.info(f"serving {out} at http://{shown_host}:{bound_port}/ (Ctrl-C to stop)")
        if host not in ("127.0.0.1", "localhost", "::1"):
            console.info(f"the preview is reachable from other machines on {host}")

    in_main = threading.current_thread() is threading.main_thread()
    # SIGTERM (a supervisor, a test) stops the watch loop so the server closes cleanly.
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if in_main else None
    try:
        preview.watch(stop, ready, preview.changed)
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        preview.state.close()
        if serving.is_alive():
            server.shutdown()  # waits for serve_forever, so only once it runs
        server.server_close()
    return 0
