"""``garden serve``: the real server in a subprocess on a free port; the vault edited on disk."""

from __future__ import annotations

import http.client
import io
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_vault

from garden.console import Console
from garden.serve import LIVE_JS, Preview, SiteState, default_out, inject

TIMEOUT = 15.0  # generous: CI runs the suite on two busy cores


class Server:
    """``garden serve VAULT -o OUT --port 0``, its stderr lines, and small HTTP helpers."""

    def __init__(self, vault: Path, out: Path) -> None:
        self.vault, self.out = vault, out
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "garden", "serve", str(vault), "-o", str(out), "--port", "0"],
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        found = self.wait_line(r"at http://127\.0\.0\.1:(\d+)/")
        self.port = int(found.group(1))

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)

    def wait_line(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.proc.poll() is None, "".join(self.log)
                continue
            self.log.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.log)}")

    def drain(self, seconds: float) -> list[str]:
        """Lines printed over the next ``seconds``."""
        got: list[str] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                got.append(self.lines.get(timeout=left))
            except queue.Empty:
                break
        self.log.extend(got)
        return got

    def get(self, path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8")
        conn.close()
        return response.status, body

    def events(self, since: str) -> EventStream:
        return EventStream(self.port, since)

    def stop(self) -> None:
        self.proc.terminate()  # SIGTERM: serve stops its watcher and closes the server
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


class EventStream:
    """A client of ``/__garden/events``, as the page's EventSource would be."""

    def __init__(self, port: int, since: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.conn.request("GET", f"/__garden/events?since={since}")
        self.response = self.conn.getresponse()
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next_event(self) -> tuple[str, str]:
        """(event name, data) of the next event; comments and retry lines are skipped."""
        name, data = "message", ""
        deadline = time.monotonic() + TIMEOUT  # keepalive comments must not extend the wait
        while True:
            assert time.monotonic() < deadline, "no event in time"
            line = self.response.fp.readline().decode("utf-8")
            assert line, "the event stream closed"
            line = line.rstrip("\n")
            if not line:
                if data:
                    return name, data
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data = value

    def close(self) -> None:
        self.conn.close()


def generation_of(page: str) -> str:
    found = re.search(r'data-generation="([^"]+)"', page)
    assert found, "no live-reload script in the page"
    return found.group(1)


def save(path: Path, text: str) -> None:
    """Save as Obsidian and most editors do: a temporary file renamed over the note."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    vault = make_vault(
        tmp_path / "vault",
        {"index.md": "# Home\n\nFirst version. See [[Other]].\n", "Other.md": "# Other\n\nHi.\n"},
    )
    served = Server(vault, tmp_path / "site")
    try:
        yield served
    finally:
        served.stop()


def test_an_edit_is_served_and_open_tabs_are_told_to_reload(server: Server) -> None:
    status, page = server.get("/")
    assert status == 200 and "First version." in page
    assert f'<script src="{LIVE_JS}"' in page
    # The script is added to responses only: the built site itself never carries it.
    assert "__garden" not in (server.out / "index.html").read_text(encoding="utf-8")
    stream = server.events(generation_of(page))
    try:
        save(server.vault / "index.md", "# Home\n\nSecond version.\n")
        assert stream.next_event()[0] == "reload"
    finally:
        stream.close()
    status, page = server.get("/")
    assert status == 200 and "Second version." in page and "First version." not in page
    assert "Second version." in (server.out / "index.html").read_text(encoding="utf-8")
    assert server.get("/Other.html")[0] == 200
    assert server.get("/no-such-page.html")[0] == 404


def test_a_tab_loaded_before_the_last_build_reloads_at_once(server: Server) -> None:
    stream = server.events("an-older-build")
    try:
        assert stream.next_event()[0] == "reload"
    finally:
        stream.close()


def test_a_failed_build_keeps_the_last_site_and_shows_the_error(server: Server) -> None:
    _, page = server.get("/")
    stream = server.events(generation_of(page))
    try:
        (server.vault / "garden.yaml").write_text("title: [unclosed\n", encoding="utf-8")
        assert stream.next_event()[0] == "reload"
        status, page = server.get("/")
        assert status == 200 and "First version." in page  # the last good site
        assert 'id="garden-serve-error"' in page and "garden.yaml" in page
        (server.vault / "garden.yaml").write_text("title: Fixed\n", encoding="utf-8")
        assert stream.next_event()[0] == "reload"
    finally:
        stream.close()
    _, page = server.get("/")
    assert "garden-serve-error" not in page and "Fixed" in page


def test_bursts_are_one_rebuild_and_dot_folders_are_ignored(server: Server) -> None:
    # Each marker note is saved after the changes before it, so the watcher reports it no
    # sooner than them: the first "changed:" line after a change shows what was reported.
    (server.vault / ".obsidian").mkdir()
    (server.vault / ".obsidian" / "workspace.json").write_text("{}", encoding="utf-8")
    save(server.vault / "Marker 1.md", "# Marker 1\n")
    assert server.wait_line(r"changed: (.*)").group(1) == "Marker 1.md"  # not .obsidian/
    server.wait_line(r"garden: built \d+ pages")
    folder = server.vault / "Projects"
    folder.mkdir()
    for i in range(5):
        save(folder / f"Note {i}.md", f"# Note {i}\n")
    folder.rename(server.vault / "Archive")
    assert "Marker" not in server.wait_line(r"changed: (.*)").group(1)
    server.wait_line(r"garden: built \d+ pages")
    _, page = server.get("/Archive/Note-3.html")
    assert "Note 3" in page
    save(server.vault / "Marker 2.md", "# Marker 2\n")
    # One rebuild for the whole burst: the next change reported is the marker's.
    assert server.wait_line(r"changed: (.*)").group(1) == "Marker 2.md"


def test_no_site_yet_shows_the_error_then_the_site(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault", {"index.md": "Hello\n", "garden.yaml": "title: [\n"})
    served = Server(vault, tmp_path / "site")
    try:
        status, page = served.get("/")
        assert status == 503 and 'id="garden-serve-error"' in page
        stream = served.events(generation_of(page))
        try:
            (vault / "garden.yaml").unlink()
            assert stream.next_event()[0] == "reload"
        finally:
            stream.close()
        status, page = served.get("/")
        assert status == 200 and "Hello" in page
    finally:
        served.stop()


def test_the_404_pages_links_under_the_base_url_path_work_in_the_preview(tmp_path: Path) -> None:
    """404.html links from base_url's path (as a host serves the site there); the preview
    serves the site at its root, and answers those paths too."""
    vault = make_vault(
        tmp_path / "vault",
        {"index.md": "Hello\n", "garden.yaml": "base_url: https://example.org/notes/\n"},
    )
    served = Server(vault, tmp_path / "site")
    try:
        status, page = served.get("/a/b/missing")
        assert status == 404 and 'href="/notes/static/style.css"' in page
        status, css = served.get("/notes/static/style.css")
        assert status == 200 and ":root" in css
        assert served.get("/notes/index.html")[0] == 200
        assert served.get("/static/style.css")[0] == 200
    finally:
        served.stop()


def test_inject_places_the_script_before_body_end() -> None:
    page = inject(b"<html><body><p>x</p></body></html>", "g-1", None)
    assert page.endswith(b'data-generation="g-1"></script></body></html>')
    failed = inject(b"<p>no body</p>", "g-2", "bad <yaml>")
    assert b"bad &lt;yaml&gt;" in failed and failed.startswith(b"<p>no body</p>")


def test_default_out_is_outside_the_vault_and_per_vault(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "vault", tmp_path / "b" / "vault"
    cache = tmp_path.parent / "cache"
    assert default_out(a, cache).parent.parent == cache / "serve"  # <cache>/serve/<vault>/site
    assert default_out(a, cache) != default_out(b, cache)
    assert default_out(a, cache).parent.name.startswith("vault-")  # readable in a listing
    assert tmp_path not in default_out(a).parents


@pytest.mark.browser
def test_an_open_tab_reloads_in_chromium_and_shows_a_failed_build(server: Server) -> None:
    """What a writer sees: the tab beside Obsidian follows the edits by itself."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.is_file():
        pytest.skip("Chromium not found: apt-get install -y chromium")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT * 1000)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"http://127.0.0.1:{server.port}/")
            page.wait_for_function("() => document.body.innerText.includes('First version.')")
            page.wait_for_timeout(300)  # the event stream connects after load
            loads: list[str] = []
            page.on("load", lambda loaded: loads.append(loaded.url))
            # Only the text: the page is drawn ahead of the build, and the tab reloads once.
            save(server.vault / "index.md", "# Home\n\nTyped on. See [[Other]].\n")
            page.wait_for_function("() => document.body.innerText.includes('Typed on.')")
            server.wait_line(r"garden: built")
            page.wait_for_timeout(300)
            assert len(loads) == 1, loads
            save(server.vault / "index.md", "# Home\n\nEdited in Obsidian.\n")
            page.wait_for_function("() => document.body.innerText.includes('Edited in Obsidian.')")
            (server.vault / "garden.yaml").write_text("title: [unclosed\n", encoding="utf-8")
            page.wait_for_selector("#garden-serve-error")
            assert "Edited in Obsidian." in page.inner_text("body")  # the last good site
            (server.vault / "garden.yaml").unlink()
            page.wait_for_selector("#garden-serve-error", state="detached")
            assert errors == []
        finally:
            browser.close()


def test_preview_prints_only_warnings_the_last_build_did_not_have(tmp_path: Path) -> None:
    vault = make_vault(tmp_path / "vault", {"A.md": "[[Nowhere]]\n", "B.md": "Fine.\n"})
    stream = io.StringIO()
    preview = Preview(vault, tmp_path / "site", config_path=None, console=Console(stream))
    assert preview.rebuild()
    assert "Nowhere" in stream.getvalue()
    stream.seek(0)
    stream.truncate()
    (vault / "B.md").write_text("Fine, and [[Elsewhere]].\n", encoding="utf-8")
    assert preview.rebuild()
    again = stream.getvalue()
    assert "Elsewhere" in again and "Nowhere" not in again
    assert "1 warning as in the last build (not repeated)" in again


def test_an_edit_of_a_notes_text_is_shown_before_the_build_is_done(tmp_path: Path) -> None:
    vault = make_vault(
        tmp_path / "vault",
        {"index.md": "# Home\n\nSee [[Other]].\n", "Other.md": "# Other\n\nOld text.\n"},
    )
    out = tmp_path / "site"
    preview = Preview(vault, out, config_path=None, console=Console(io.StringIO()))
    assert preview.rebuild()
    state = preview.state
    loaded = state.generation  # of the tabs open on Other.html and index.html
    save(vault / "Other.md", "# Other\n\nNew text.\n")
    preview.draw_ahead({str(vault / "Other.md")})
    assert b"New text." in state.ahead["Other.html"]
    assert b"Old text." in (out / "Other.html").read_bytes()  # the build has not run yet
    assert state.affects(loaded, "Other.html") and not state.affects(loaded, "index.html")
    shown = state.generation
    assert preview.rebuild()
    assert state.ahead == {} and b"New text." in (out / "Other.html").read_bytes()
    # The build made the page drawn ahead: the tab showing it need not reload again.
    assert not state.affects(shown, "Other.html")
    # Saved again as it was: nothing to show, no tab is told.
    unchanged = state.generation
    save(vault / "Other.md", "# Other\n\nNew text.\n")
    preview.draw_ahead({str(vault / "Other.md")})
    assert state.ahead == {} and state.generation == unchanged
    # A new link is more than text (backlinks change): it waits for the build.
    save(vault / "Other.md", "# Other\n\nNew text, [[index]].\n")
    preview.draw_ahead({str(vault / "Other.md")})
    assert state.ahead == {}


def test_tabs_reload_when_their_page_or_a_file_every_page_loads_changed() -> None:
    state = SiteState()
    state.publish(None, None)
    first = state.generation
    state.publish(None, frozenset({"a.html", "static/search/x/1.json", "content-index.json"}))
    assert state.affects(first, "a.html")
    assert not state.affects(first, "b.html")
    assert state.affects(first, None)  # a tab that did not say which page it shows
    second = state.generation
    state.publish(None, frozenset({"static/style.css"}))
    assert state.affects(second, "b.html")
    assert state.affects("another-session-1", "b.html")
    third = state.generation
    state.publish("garden.yaml: bad", frozenset())  # the error box appears on every page
    assert state.affects(third, "b.html")
