"""The mutation score of each module `make mutate` mutates, from mutmut's results in mutants/.

Run from the repository's root after ``mutmut run``:
``python tests/mutation_score.py [--recheck] [MODULE...]``.

mutmut runs for each mutant the tests that called its function, as it saw in one run of the
tests; it cannot see calls made in a subprocess. The tests that kill a build at each step of emit
or make one wait for the lock run ``garden`` in a subprocess, and the differential tests of
incremental builds take minutes: both are left out of mutmut's selection, and ``--recheck`` runs
them against each mutant that mutmut found surviving (a subprocess inherits the mutant through
``MUTANT_UNDER_TEST``), recording the ones they kill in mutmut's results.

A mutant that no test kills is either listed as equivalent (it cannot change what garden does) in
the table of vault/Development/Mutation testing.md, found by its function and mutated line, or
counted against the module. Prints, per module, the mutants, how many were killed, how many are
equivalent, the score (killed / not equivalent) and its target; then each surviving mutant's
diff, and each listed equivalent that no surviving mutant matches any more (killed now, or its
code changed). Exit status 1 when a module is below its target or a listed equivalent is stale.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

REPO = Path(__file__).resolve().parent.parent
EQUIVALENTS_PAGE = REPO / "vault" / "Development" / "Mutation testing.md"
# The share of mutants that are not equivalent which the tests must kill.
TARGETS = {"publish": 0.95, "resolve": 0.95, "emit": 0.95}
DEFAULT_TARGET = 0.90
MODULES = ("publish", "resolve", "paths", "emit", "lock", "scan", "frontmatter")
# A mutant that makes the tests run out of time is caught as surely as one that fails them.
CAUGHT = {"killed", "timeout", "segfault", "caught by type check"}

# Tests left out of mutmut's selection (pyproject.toml): those that reach a module's code only in
# a subprocess, and the slow differential tests. --recheck runs them against the mutants that
# survive mutmut's run.
_KILLED_BUILDS = "tests/hostile/test_filesystem.py::test_a_build_killed_at_each_step_of_emit"
_KILLED_PREVIEW = "tests/hostile/test_filesystem.py::test_the_preview_killed_while_updating_out"
SLOW_TESTS = {
    "emit": [
        f"{_KILLED_BUILDS}_leaves_one_whole_site",
        f"{_KILLED_PREVIEW}_is_mended_by_its_next_build",
        "tests/test_incremental.py",
    ],
    "lock": [
        "tests/test_cli.py::test_second_build_into_the_same_out_exits_at_once",
        "tests/test_cli.py::test_second_build_with_wait_builds_once_the_first_is_done",
        "tests/test_cli.py::test_a_lock_held_by_a_killed_build_is_recovered",
        "tests/test_cli.py::test_two_concurrent_builds_both_succeed_one_after_the_other",
    ],
    "publish": ["tests/test_incremental.py", "tests/hostile/test_bad_input.py"],
    "resolve": ["tests/test_incremental.py"],
    "scan": ["tests/hostile/test_bad_input.py"],
    "frontmatter": ["tests/hostile/test_bad_input.py"],
}
RECHECK_SECONDS = 600
PYTEST_PLUGINS_OFF = ["-p", "no:xdist", "-p", "no:cacheprovider"]

_ROW = re.compile(r"^\|\s*`(?P<function>[\w.]+)`\s*\|\s*`(?P<line>[^`]+)`\s*\|(?P<why>.*)\|\s*$")


@dataclass(frozen=True)
class Equivalent:
    function: str  # garden.module.function, or garden.module.Class.method
    line: str  # the mutated line, stripped, as the mutant's diff shows it
    why: str


@dataclass
class Score:
    module: str
    mutants: int = 0
    caught: int = 0
    equivalent: int = 0
    unrun: int = 0  # not run yet (an interrupted run): counted as not killed
    surviving: list[tuple[str, str, str]] = field(default_factory=list)  # name, status, diff

    @property
    def target(self) -> float:
        return TARGETS.get(self.module, DEFAULT_TARGET)

    @property
    def score(self) -> float:
        counted = self.mutants - self.equivalent
        return self.caught / counted if counted else 1.0


def equivalents(page: Path = EQUIVALENTS_PAGE) -> list[Equivalent]:
    """The rows of the page's tables whose first two cells are code: function, mutated line."""
    found = []
    for row in page.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(row)
        if match:
            line = match["line"].replace("\\|", "|")
            found.append(Equivalent(match["function"], line.strip(), match["why"].strip()))
    return found


def function_of(mutant: str) -> str:
    """``garden.emit.x__safe_dest__mutmut_3`` -> ``garden.emit._safe_dest``;
    ``garden.resolve.xǁNoteIndexǁ_add__mutmut_2`` -> ``garden.resolve.NoteIndex._add``."""
    module, _, name = mutant.rpartition(".")
    name = name.rsplit("__mutmut_", 1)[0]
    if name.startswith("xǁ"):
        _, cls, method = name.split("ǁ")
        return f"{module}.{cls}.{method}"
    return f"{module}.{name.removeprefix('x_')}"


def mutated_lines(diff: str) -> list[str]:
    return [
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]


def recheck(module: str) -> None:
    """Run ``SLOW_TESTS`` against each of ``module``'s mutants that mutmut found surviving (or
    reached by no test), and record those they kill."""
    tests = SLOW_TESTS.get(module)
    if not tests:
        return
    data = SourceFileMutationData(path=Path("garden") / f"{module}.py")
    data.load()
    for name, exit_code in sorted(data.exit_code_by_key.items()):
        if status_by_exit_code[exit_code] not in ("survived", "no tests"):
            continue
        try:
            run = subprocess.run(
                [sys.executable, "-m", "pytest", "-x", "-q", *PYTEST_PLUGINS_OFF, *tests],
                cwd="mutants",
                env={**os.environ, "MUTANT_UNDER_TEST": name},
                capture_output=True,
                timeout=RECHECK_SECONDS,
            )
            killed = run.returncode != 0
        except subprocess.TimeoutExpired:
            killed = True
        print(f"recheck {name}: {'killed' if killed else 'survived'}", flush=True)
        if killed:
            data.exit_code_by_key[name] = 1
            data.save()


def score_module(module: str, listed: list[Equivalent], used: set[Equivalent]) -> Score:
    path = Path("garden") / f"{module}.py"
    data = SourceFileMutationData(path=path)
    data.load()
    score = Score(module)
    for name, exit_code in sorted(data.exit_code_by_key.items()):
        score.mutants += 1
        status = status_by_exit_code[exit_code]
        if status in CAUGHT:
            score.caught += 1
            continue
        if status == "not checked":
            score.unrun += 1
            continue
        diff = get_diff_for_mutant(name, path=path)
        lines = mutated_lines(diff)
        matches = [
            e for e in listed if e.function == function_of(name) and lines and e.line == lines[0]
        ]
        if matches and status == "survived":
            score.equivalent += 1
            used.update(matches)
        else:
            score.surviving.append((name, status, diff))
    return score


def main(argv: list[str]) -> int:
    modules = [m for m in argv if not m.startswith("-")] or list(MODULES)
    if "--recheck" in argv:
        for module in modules:
            recheck(module)
    listed = equivalents()
    used: set[Equivalent] = set()
    scores = [score_module(m, listed, used) for m in modules]
    failed = False
    for score in scores:
        for name, status, diff in score.surviving:
            print(f"\n{status}: {name}\n{diff}")
    complete = {score.module for score in scores if not score.unrun}
    stale = [e for e in listed if e not in used and e.function.split(".")[1] in complete]
    for e in stale:
        print(f"\nlisted as equivalent, but no surviving mutant matches: {e.function}: {e.line}")
    print(
        f"\n{'module':<13}{'mutants':>8}{'killed':>8}{'equiv.':>8}{'survived':>9}{'unrun':>7}"
        "   score  target"
    )
    for score in scores:
        below = score.score < score.target
        failed |= below
        print(
            f"{score.module:<13}{score.mutants:>8}{score.caught:>8}{score.equivalent:>8}"
            f"{len(score.surviving):>9}{score.unrun:>7}  {score.score:6.1%} {score.target:6.0%}"
            + ("  BELOW TARGET" if below else "")
        )
    return 1 if failed or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
