"""macOS and Windows, tested on Linux: each branch garden takes on another system, run directly.

CI runs on Linux. What differs per system is chosen at run time from ``sys.platform`` (or a path
flavour), and each choice takes it as a parameter, so these tests run the other systems' code:
the lock (``msvcrt`` instead of ``flock``, with a stand-in for ``msvcrt``), the swap of OUT
(``renamex_np`` through a stand-in libc, and the two renames where there is no atomic swap), the
image workers' start method (``spawn``, really started here), the cache folder, watching and
vault paths with Windows' separators, and notes saved with CRLF line ends.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import os
import runpy
import threading
import types
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from conftest import build_site, make_vault, png, refuse_renames
from PIL import Image

from garden import emit, lock, places
from garden.errors import LockError
from garden.images.process import Output, Task, TaskResult, _context, run_task
from garden.paths import vault_path_of
from garden.serve import relevant_change


# -- the lock ----------------------------------------------------------------------------------
def _fake_msvcrt() -> types.ModuleType:
    """``msvcrt.locking`` as Windows behaves for garden: a non-blocking lock that fails with
    PermissionError while another handle holds it (made of flock, which also excludes two
    handles of one process)."""
    module = types.ModuleType("msvcrt")
    module.LK_NBLCK = 2  # type: ignore[attr-defined]

    def locking(fd: int, mode: int, nbytes: int) -> None:
        assert mode == 2 and nbytes == 1
        assert os.lseek(fd, 0, os.SEEK_CUR) == lock._WINDOWS_LOCK_OFFSET  # past the PID text
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PermissionError(errno.EACCES, "Permission denied") from None

    module.locking = locking  # type: ignore[attr-defined]
    return module


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_the_lock_excludes_a_second_build_and_leaves_nothing_beside_out(
    platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "msvcrt", _fake_msvcrt())
    out = tmp_path / "site"
    with lock.build_lock(out, platform=platform) as staging:
        assert staging == tmp_path / ".site.garden-build" and staging.is_dir()
        (staging / "site").mkdir()  # what a build writes there
        with (
            pytest.raises(LockError, match=f"pid {os.getpid()}"),
            lock.build_lock(out, platform=platform),
        ):
            pass
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("platform", ["linux", "win32"])
def test_a_waiter_takes_over_when_the_holder_removes_the_lock_file(
    platform: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The holder removes the lock file as it ends, while a waiter has it open: the waiter must
    end up holding a lock that every later build sees, never one on a deleted file."""
    monkeypatch.setitem(__import__("sys").modules, "msvcrt", _fake_msvcrt())
    out = tmp_path / "site"
    order: list[str] = []
    holding, polling = threading.Event(), threading.Event()
    monkeypatch.setattr(lock, "stop_point", lambda step: step == "lock-waiting" and polling.set())

    def waiter() -> None:
        holding.wait()
        with lock.build_lock(out, wait=10, platform=platform):
            order.append("waiter in")
            with pytest.raises(LockError), lock.build_lock(out, platform=platform):
                pass  # a third build is kept out meanwhile
            order.append("waiter out")

    thread = threading.Thread(target=waiter)
    thread.start()
    with lock.build_lock(out, platform=platform):
        holding.set()
        assert polling.wait(timeout=20)  # the waiter found the lock held and is polling
        order.append("holder out")
    thread.join(timeout=20)
    assert order == ["holder out", "waiter in", "waiter out"]
    assert list(tmp_path.iterdir()) == []


# -- replacing OUT -----------------------------------------------------------------------------
def _site(path: Path, text: str) -> Path:
    return make_vault(path, {"index.html": text})


class _FakeDarwinLibc:
    """``renamex_np`` of macOS, done with Linux's renameat2 exchange."""

    def __init__(self, fail: int = 0) -> None:
        self.calls: list[tuple[bytes, bytes, int]] = []
        self.fail = fail
        self.linux = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    def renamex_np(self, a: bytes, b: bytes, flags: int) -> int:
        self.calls.append((a, b, flags))
        if self.fail:
            ctypes.set_errno(self.fail)
            return -1
        return int(self.linux.renameat2(-100, a, -100, b, 2))


def test_macos_swaps_with_renamex_np(tmp_path: Path) -> None:
    new, out = _site(tmp_path / "new", "new"), _site(tmp_path / "out", "old")
    libc = _FakeDarwinLibc()
    swap = emit.atomic_swap("darwin", libc)
    assert swap is not None and swap(new, out)
    assert libc.calls == [(os.fsencode(new), os.fsencode(out), 2)]  # RENAME_SWAP
    assert (out / "index.html").read_text() == "new" and (new / "index.html").read_text() == "old"


def test_without_an_atomic_swap_out_is_renamed_aside_then_the_new_site_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file system without RENAME_SWAP on macOS, and Windows, which has no swap at all.
    assert (
        emit.atomic_swap("darwin", _FakeDarwinLibc(fail=errno.ENOTSUP))(  # type: ignore[misc]
            tmp_path, tmp_path
        )
        is False
    )
    assert emit.atomic_swap("win32") is None
    new, out = _site(tmp_path / "new", "new"), _site(tmp_path / "out", "old")
    old = emit.replace_out(new, out, tmp_path / "aside", platform="win32")
    assert old == tmp_path / "aside" and (old / "index.html").read_text() == "old"
    assert (out / "index.html").read_text() == "new" and not new.exists()

    # The second rename fails (a file held open, past the retries): the old site goes back.
    new = _site(tmp_path / "new2", "newer")
    real_rename = os.rename

    def refuse_the_new_site(source: object, dest: object) -> None:
        if Path(str(source)) == new:
            raise PermissionError(errno.EACCES, "in use")
        real_rename(source, dest)  # type: ignore[arg-type]

    monkeypatch.setattr(emit.os, "rename", refuse_the_new_site)
    monkeypatch.setattr(emit, "WINDOWS_RENAME_RETRY_SECONDS", 0.2)
    with pytest.raises(PermissionError):
        emit.replace_out(new, out, tmp_path / "aside2", platform="win32")
    assert (out / "index.html").read_text() == "new" and not (tmp_path / "aside2").exists()


def test_a_windows_rename_is_retried_while_a_file_is_held_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new, out = _site(tmp_path / "new", "new"), _site(tmp_path / "out", "old")
    refusals = refuse_renames(monkeypatch, emit, 2)
    emit.replace_out(new, out, tmp_path / "aside", platform="win32")
    assert (out / "index.html").read_text() == "new" and refusals == [0]


def test_a_windows_rename_held_up_for_a_moment_costs_a_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tried again every 50 ms: four refusals fit in half a second."""
    new, out = _site(tmp_path / "new", "new"), _site(tmp_path / "out", "old")
    refusals = refuse_renames(monkeypatch, emit, 4)
    monkeypatch.setattr(emit, "WINDOWS_RENAME_RETRY_SECONDS", 0.5)
    emit.replace_out(new, out, tmp_path / "aside", platform="win32")
    assert (out / "index.html").read_text() == "new" and refusals == [0]


def test_linux_swaps_with_renameat2_exchange(tmp_path: Path) -> None:
    swap = emit.atomic_swap("linux")
    assert swap is not None  # glibc 2.28+
    new, out = _site(tmp_path / "new", "new"), _site(tmp_path / "out", "old")
    assert swap(new, out) and (out / "index.html").read_text() == "new"


# -- the image workers -------------------------------------------------------------------------
def test_image_workers_are_spawned_on_macos_and_windows(tmp_path: Path) -> None:
    """Spawned workers import garden afresh and get their tasks pickled: run one for real."""
    assert _context("darwin").get_start_method() == "spawn"
    assert _context("win32").get_start_method() == "spawn"
    assert _context("linux").get_start_method() in ("fork", "forkserver")
    source = tmp_path / "a.png"
    source.write_bytes(png(200, 100))
    task = Task(source, 1, (Output(50, 25, "WEBP", tmp_path / "a-50.webp"),), 80, False)
    with ProcessPoolExecutor(1, mp_context=_context("win32")) as pool:
        assert pool.submit(run_task, task).result(timeout=120) == TaskResult(1)
    assert Image.open(tmp_path / "a-50.webp").size == (50, 25)


def test_python_m_garden_does_not_run_again_in_a_spawned_worker() -> None:
    """spawn imports the main module of ``python -m garden`` as ``__mp_main__`` in each worker."""
    runpy.run_module("garden.__main__", run_name="__mp_main__")  # no SystemExit: nothing ran


# -- the cache folder --------------------------------------------------------------------------
def test_the_cache_folder_of_each_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME")  # (platformdirs reads it too) only paths are computed
    home = os.path.expanduser("~")
    assert places.user_cache_root("linux", {}) == Path(home, ".cache", "garden")
    assert places.user_cache_root("darwin", {}) == Path(home, "Library", "Caches", "garden")
    monkeypatch.setattr(
        "platformdirs.windows.get_win_folder", lambda name: r"C:\Users\me\AppData\Local"
    )
    windows = places.user_cache_root("win32", {})
    assert str(windows).startswith(r"C:\Users\me\AppData\Local") and windows.name == "garden"
    for platform in ("linux", "darwin", "win32"):  # XDG_CACHE_HOME wins everywhere
        assert places.user_cache_root(platform, {"XDG_CACHE_HOME": "/ci/cache"}) == Path(
            "/ci/cache/garden"
        )
    assert places.user_cache_root("linux", {"XDG_CACHE_HOME": "relative"}) == Path(
        home, ".cache", "garden"
    )  # a relative XDG value is ignored, as the spec says


# -- paths with the platform's separator ----------------------------------------------------------
def test_vault_paths_use_slashes_whatever_the_separator() -> None:
    assert vault_path_of(PureWindowsPath(r"Guide\Links & embeds.md")) == "Guide/Links & embeds.md"
    assert vault_path_of(PurePosixPath("Guide/Links & embeds.md")) == "Guide/Links & embeds.md"
    decomposed = PureWindowsPath("Cafe\u0301\\Cre\u0300me.md")  # macOS's NFD names
    assert vault_path_of(decomposed) == "Caf\u00e9/Cr\u00e8me.md"


@pytest.mark.parametrize(
    ("flavour", "vault", "out", "theme", "config"),
    [
        (
            PureWindowsPath,
            r"C:\Users\me\Notes",
            r"C:\Users\me\AppData\Local\garden\serve\Notes-1\site",
            r"C:\Users\me\my-theme",
            r"C:\Users\me\garden.yaml",
        ),
        (PurePosixPath, "/home/me/Notes", "/home/me/site", "/home/me/my-theme", "/home/me/g.yaml"),
    ],
)
def test_watching_ignores_dot_folders_scratch_files_and_out_on_each_system(
    flavour: type[PureWindowsPath] | type[PurePosixPath],
    vault: str,
    out: str,
    theme: str,
    config: str,
) -> None:
    roots = {"vault": flavour(vault), "themes": [flavour(theme)], "out": flavour(out)}

    def relevant(path: object) -> bool:
        return relevant_change(path, config=flavour(config), **roots)  # type: ignore[arg-type]

    v, t = flavour(vault), flavour(theme)
    assert relevant(v / "Guide" / "Note.md")
    assert relevant(t / "static" / "style.css")
    assert relevant(flavour(config))
    assert not relevant(v / ".obsidian" / "workspace.json")
    assert not relevant(v / "Guide" / ".hidden" / "x.md")
    assert not relevant(v / "Guide" / "Note.md~")
    assert not relevant(v / "Note.md.tmp")
    assert not relevant(flavour(out) / "index.html")
    assert not relevant(flavour(vault + "2") / "x.md")  # a sibling folder with a longer name


# -- notes saved on Windows --------------------------------------------------------------------
_NOTE = """---
title: Line ends
tags: [a, b]
aliases: [Ends]
---
# Heading one

A paragraph with [[Missing note]] and ==marks==.
Second line of the paragraph. ^block-id

> [!note] A callout
> Its body, on two
> lines.

```python
def f():
    return 1
```

| a | b |
| - | - |
| 1 | 2 |

- [ ] a task
- [x] done

$$
x^2
$$

%% a comment
over lines %%
Last line.
"""


def test_a_note_saved_with_crlf_renders_as_with_lf(tmp_path: Path) -> None:
    lf = build_site(make_vault(tmp_path / "lf", {"n.md": _NOTE, "index.md": "[[n]]"}))
    crlf_text = _NOTE.replace("\n", "\r\n").encode("utf-8")
    crlf = build_site(
        make_vault(tmp_path / "crlf", {"n.md": crlf_text, "index.md": "[[n]]"}), tmp_path / "s2"
    )
    assert crlf.article("n.html") == lf.article("n.html")
    assert crlf.index["n"] == lf.index["n"]
    lines = [(d.category, d.line) for d in crlf.diagnostics]
    assert lines == [(d.category, d.line) for d in lf.diagnostics] and ("broken-link", 8) in lines
    assert "\r" not in crlf.article("n.html")
