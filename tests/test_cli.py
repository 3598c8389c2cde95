"""The command line as cron and CI see it: exit codes, output format, --quiet, --report, the lock,
and ``garden check``.

What only a process shows (the output a pipe gets, exit codes through ``sys.exit``, locks held by
other processes, signals) is tested on ``python -m garden`` processes; the rest calls
``cli.main`` in the test's own process (all that ``python -m garden`` runs), which is faster.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GardenHere, garden_stopping_at, make_vault, wait_until_stopped

from garden import cli
from garden.build import BuildResult
from garden.console import Console
from garden.diagnostics import Reporter
from garden.lock import LOCK_NAME, build_lock, staging_folder

WARNING_LINE = re.compile(r"^[^:]+:\d+: warning: [a-z-]+: .+$")


def garden(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``python -m garden`` with stderr a pipe, as under cron."""
    return subprocess.run(
        [sys.executable, "-m", "garden", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path / "vault",
        {"index.md": "# Home\n\nSee [[Other]] and [[Nowhere]].\n", "Other.md": "# Other\n"},
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_exit_codes_and_plain_output_for_cron(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    built = garden("build", vault, "-o", out)
    assert built.returncode == 0, built.stderr
    lines = built.stderr.splitlines()
    assert lines[:-1] == ["index.md:3: warning: broken-link: [[Nowhere]] no such note or file"]
    assert all(WARNING_LINE.match(line) for line in lines[:-1])
    assert re.fullmatch(r"garden: built \d+ pages .* 1 warning \(1 broken-link\)", lines[-1])
    assert "\r" not in built.stderr and "\x1b" not in built.stderr  # no progress bar in a log
    assert built.stdout == ""

    assert garden("build", vault, "-o", out, "--strict").returncode == 1

    before = tree(out)
    (vault / "garden.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    failed = garden("build", vault, "-o", out)
    assert failed.returncode == 2
    assert failed.stderr.startswith("garden: error: ") and "garden.yaml" in failed.stderr
    assert tree(out) == before  # OUT untouched


def test_quiet_prints_only_errors(vault: Path, tmp_path: Path) -> None:
    quiet = garden("build", vault, "-o", tmp_path / "site", "-q")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert garden("build", vault, "-o", tmp_path / "site", "-q", "--strict").returncode == 1
    refused = garden("build", vault, "-o", vault / "inside", "-q")
    assert refused.returncode == 2 and refused.stderr.startswith("garden: error: refusing")


def test_report_json_has_every_warning_and_the_timings(
    vault: Path, tmp_path: Path, garden_here: GardenHere
) -> None:
    report = tmp_path / "reports" / "build.json"
    proc = garden_here("build", vault, "-o", tmp_path / "site", "--report", report, "--strict")
    assert proc.returncode == 1
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["built"] is True and data["exit_code"] == 1 and data["error"] is None
    assert data["warnings"] == [
        {
            "category": "broken-link",
            "path": "index.md",
            "line": 3,
            "message": "[[Nowhere]] no such note or file",
        }
    ]
    assert data["counts"] == {"broken-link": 1}
    assert {"scan", "parse", "resolve", "render", "emit"} <= set(data["timings"])
    assert data["pages"] >= 2 and data["notes"] == 2

    (vault / "garden.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    assert garden_here("build", vault, "-o", tmp_path / "site", "--report", report).returncode == 2
    failed = json.loads(report.read_text(encoding="utf-8"))
    assert (
        failed["built"] is False and failed["exit_code"] == 2 and "garden.yaml" in failed["error"]
    )


def test_a_report_inside_out_is_refused(
    vault: Path, tmp_path: Path, garden_here: GardenHere
) -> None:
    proc = garden_here(
        "build", vault, "-o", tmp_path / "site", "--report", tmp_path / "site" / "r.json"
    )
    assert proc.returncode == 2 and "report" in proc.stderr
    assert not (tmp_path / "site").exists()


def test_a_bug_exits_2_not_1(vault: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    def crash(*args: object, **kwargs: object) -> BuildResult:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "build", crash)
    assert cli.main(["build", str(vault), "-o", str(tmp_path / "site")]) == 2
    assert "internal error" in capsys.readouterr().err


def test_second_build_into_the_same_out_exits_at_once(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    with build_lock(out):
        busy = garden("build", vault, "-o", out)
        assert busy.returncode == 2
        assert (
            "another garden build is writing" in busy.stderr and f"pid {os.getpid()}" in busy.stderr
        )
        assert "--wait" in busy.stderr and "after waiting" not in busy.stderr
        timed_out = garden("build", vault, "-o", out, "--wait", "0.3")
        assert timed_out.returncode == 2 and "after waiting 0.3s" in timed_out.stderr
        assert not out.exists()


def test_second_build_with_wait_builds_once_the_first_is_done(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    with build_lock(out):
        waiter = garden_stopping_at("lock-waiting", "build", vault, "-o", out, "--wait", "30")
        try:
            wait_until_stopped(waiter)  # it found the lock held, and waits (without --wait: exit 2)
        except BaseException:
            waiter.kill()
            raise
        assert not out.exists()
    waiter.send_signal(signal.SIGCONT)
    assert waiter.wait(timeout=60) == 0
    assert (out / "index.html").is_file()


def test_two_concurrent_builds_both_succeed_one_after_the_other(
    vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    cmd = [sys.executable, "-m", "garden", "build", str(vault), "-o", str(out), "--wait", "60"]
    procs = [subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    assert (out / "index.html").is_file()


def test_a_lock_held_by_a_killed_build_is_recovered(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from garden.lock import build_lock\n"
            "with build_lock(Path(sys.argv[1])):\n"
            "    print('locked', flush=True); time.sleep(60)",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    assert garden("build", vault, "-o", out).returncode == 2
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    # The file stays; the kernel dropped the lock with its holder.
    assert (staging_folder(out) / LOCK_NAME).exists()
    assert garden("build", vault, "-o", out).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([vault.name, "site"])


def test_terminal_output_has_a_progress_line_and_stage_timings() -> None:
    stream = io.StringIO()
    console = Console(stream, tty=True)
    reporter = Reporter(console)
    console.start()
    console.progress("scan", 0.01)
    reporter.warn("broken-link", "a.md", 3, "[[x]] no such note or file")
    console.progress("parse", 0.2)
    result = BuildResult(pages=3, files=1, notes=2, timings={"scan": 0.01, "parse": 0.2})
    console.built(Path("site"), result, reporter)
    text = stream.getvalue()
    assert "\r\x1b[Kgarden: scan 0.01s" in text
    # The warning sits on a line of its own, the progress line cleared before it.
    assert "\r\x1b[Ka.md:3: warning: broken-link: [[x]] no such note or file\n" in text
    last = text.rsplit("\r\x1b[K", 1)[1]
    assert last.startswith("garden: built 3 pages (2 notes) and 1 file into site")
    assert "stages: scan 0.01s · parse 0.20s" in last


CHECK_VAULT = {
    "index.md": "# Home\n\n[[Linked]] [[Nowhere]]\n\n![[gone.png]]\n\n[[Secret]] [[Linked#Nope]]\n",
    "Linked.md": "# Linked\n\n![[Linked#Missing section]]\n",
    "Lonely.md": "# Lonely\n\nNobody links here.\n",
    "Secret.md": "---\ndraft: true\n---\nsecret text\n",
}


def test_check_lists_problems_and_fails_on_broken_links(
    tmp_path: Path, garden_here: GardenHere
) -> None:
    vault = make_vault(tmp_path / "vault", CHECK_VAULT)
    before = tree(tmp_path)
    proc = garden_here("check", vault)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "Linked.md:3: broken-embed: ![[Linked#Missing section]]: no heading 'Missing section' "
        "in Linked.md",
        "Lonely.md: orphan: no published note links here",
        "index.md:3: broken-link: [[Nowhere]] no such note or file",
        "index.md:5: broken-embed: ![[gone.png]] no such note or file",
        "index.md:7: anchor: [[Linked#Nope]]: no heading 'Nope' in Linked.md",
        "index.md:7: unpublished-link: [[Secret]] goes to Secret.md, which is not published "
        "(draft: true)",
    ]
    assert proc.stderr.splitlines()[-1] == (
        "garden: checked 3 published notes (1 unpublished): 1 broken-link, 2 broken-embed, "
        "1 unpublished-link, 1 anchor, 1 orphan"
    )
    assert tree(tmp_path) == before  # nothing written, in the vault or beside it


def test_check_passes_without_broken_links(tmp_path: Path, garden_here: GardenHere) -> None:
    vault = make_vault(
        tmp_path / "vault",
        {"index.md": "[[A]] [[Draft]]\n", "A.md": "# A\n", "Draft.md": "---\ndraft: yes\n---\n"},
    )
    proc = garden_here("check", vault)
    assert proc.returncode == 0
    assert (
        proc.stdout == "index.md:1: unpublished-link: [[Draft]] goes to Draft.md, which is "
        "not published (draft: true)\n"
    )
    assert garden_here("check", tmp_path / "missing").returncode == 2
