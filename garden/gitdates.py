"""Notes' dates from git: the day of each file's last commit, for the config's ``git`` date
source, when the vault is in a git work tree (the repository's root or any folder below it).

A vault cloned by CI gets every file the same modification time, so file times date nothing;
the history does. Costs are kept to a few processes per build, whatever the vault's size:

- ``git rev-parse HEAD``: which commit the work tree is at (and whether there is one), and
  where the vault is in the repository;
- one ``git log --name-only`` pass over the history of the vault's folder, newest commit first,
  stopped as soon as every note has been seen (so a long history is rarely read to its end),
  and only when HEAD moved since the last build (its result is kept with the build's cache);
- ``git status``: files changed since the last commit (by content: a file only touched is
  not), which are newer than it and keep their file time.

git is asked never to write (``GIT_OPTIONAL_LOCKS=0``: ``git status`` then refreshes the index
in memory only; ``git diff`` would write it) and to run no file-system monitor; a vault outside
git, or a machine without git, simply gets no git dates. A shallow clone only knows its last
commits: clone with the whole history (CI: ``fetch-depth: 0``) for true dates.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from garden.paths import VaultPath, nfc

GIT_TIMEOUT = 120  # seconds for the history pass; a vault's history rarely takes one


@dataclass(frozen=True)
class GitDays:
    """The last-commit day (``YYYY-MM-DD``, in the committer's time zone) of the vault's
    committed files, as of commit ``head``, and which paths were looked for."""

    head: str = ""
    committed: Mapping[VaultPath, str] = field(default_factory=dict)
    sought: frozenset[VaultPath] = frozenset()


_ENV = {
    **os.environ,
    "GIT_OPTIONAL_LOCKS": "0",  # no index refresh written back, no lock files
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


def _command(vault: Path, *args: str) -> list[str]:
    # No file-system monitor (a configured one is a program git would start); paths as bytes.
    settings = ["-c", "core.fsmonitor=false", "-c", "core.quotepath=off"]
    return ["git", "-C", str(vault), *settings, *args]


def _git(vault: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        _command(vault, *args), capture_output=True, env=_ENV, timeout=GIT_TIMEOUT, check=False
    )


def _names(output: bytes) -> list[VaultPath]:
    return [VaultPath(nfc(os.fsdecode(n))) for n in output.split(b"\0") if n]


def _history(vault: Path, wanted: Collection[VaultPath]) -> dict[VaultPath, str]:
    """The day of each wanted file's last commit: one ``git log`` pass, newest first, stopped
    once every wanted file has a day."""
    log = ["log", "--format=%x1e%cI", "--name-only", "--no-renames", "--relative", "-z"]
    command = _command(vault, *log, "--", ".")
    days: dict[VaultPath, str] = {}
    left = set(wanted)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_ENV
    ) as process:
        assert process.stdout is not None
        watchdog = threading.Timer(GIT_TIMEOUT, process.kill)
        watchdog.start()
        pending = b""
        try:
            while left:
                chunk = process.stdout.read1(1 << 16)  # type: ignore[attr-defined]
                if not chunk:
                    break
                *records, pending = (pending + chunk).split(b"\x1e")
                for record in records:
                    _take(record, days, left)
            else:
                process.kill()  # every note is dated: the rest of the history is not needed
            if left and pending:
                _take(pending, days, left)
        finally:
            watchdog.cancel()
            process.stdout.close()
            if process.poll() is None:
                process.kill()
    return days


def _take(record: bytes, days: dict[VaultPath, str], left: set[VaultPath]) -> None:
    """One commit's ``<date>\\0\\n<name>\\0<name>\\0...``: date the names not dated yet."""
    if not record:
        return
    date, _, names = record.partition(b"\0")
    day = date.decode("ascii", "replace")[:10]
    for name in _names(names.lstrip(b"\n")):
        if name not in days:
            days[name] = day
            left.discard(name)


def git_days(
    vault: Path, wanted: Collection[VaultPath], known: GitDays | None = None
) -> tuple[GitDays, dict[VaultPath, str]]:
    """(what to keep for the next build, the day of every wanted file committed and unchanged
    since). ``known``: what the last build kept; its history pass is reused while HEAD and the
    files looked for are the same. Empty when the vault is not in a git work tree."""
    try:
        head = _git(vault, "rev-parse", "--show-prefix", "HEAD")
        lines = head.stdout.split(b"\n")
        if head.returncode != 0 or len(lines) < 2:
            return GitDays(), {}
        prefix, commit = os.fsdecode(lines[0]), lines[1].decode("ascii", "replace").strip()
        sought = frozenset(wanted)
        if known is not None and known.head == commit and sought <= known.sought:
            state = known
        else:
            state = GitDays(commit, _history(vault, sought), sought)
        status = _git(
            vault,
            "status",
            "--porcelain=v1",
            "-z",
            "--no-renames",
            "--untracked-files=no",
            "--",
            ".",
        )
        # "XY path" from the repository's root, whatever the folder git runs in.
        changed = [n[3:] for n in _names(status.stdout)]
        modified = {VaultPath(n[len(prefix) :]) for n in changed if n.startswith(nfc(prefix))}
        if status.returncode != 0:
            modified = set(sought)
    except (OSError, subprocess.SubprocessError):  # no git, or it hung: no git dates
        return GitDays(), {}
    return state, {p: d for p, d in state.committed.items() if p in sought and p not in modified}
