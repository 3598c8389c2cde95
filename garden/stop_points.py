"""Named points of a build where a test can stop it, to kill it there or let it go on.

The tests of a killed build (``tests/hostile/test_filesystem.py``) and of a build waiting for
the lock (``tests/test_cli.py``) run ``garden build`` with ``GARDEN_STOP_AT`` set to one of
``STEPS``: when the build gets there it stops itself (``SIGSTOP``), the test looks at the files,
then kills it (``SIGKILL``) or lets it go on (``SIGCONT``). Each outcome is then asserted, not
sampled by killing at random moments.

Normal runs never set the variable, and then ``stop_point`` is one look-up in the environment,
made a few times per build. POSIX only (Windows has no ``SIGSTOP``): there the variable is ignored.
"""

from __future__ import annotations

import os
import signal

STOP_AT = "GARDEN_STOP_AT"

STEPS = {
    "lock-waiting": "the lock is held by another build: this one is about to wait for it",
    "emit-writing": "the staging folder for the new site is made, nothing written in it yet",
    "emit-written": "the whole new site is in the staging folder; OUT is still the old site",
    "emit-renamed-aside": "no atomic swap (Windows): OUT renamed into the staging folder, the "
    "new site not yet renamed in",
    "emit-swapped": "the new site is OUT; the old one is in the staging folder, not yet deleted",
    "emit-updating": "the preview's in-place update: OUT's new marker is written, no page yet",
    "emit-updated": "the preview's in-place update: changed files written, files gone from the "
    "site not yet removed",
}


def stop_point(step: str) -> None:
    """Stop this process here when ``GARDEN_STOP_AT`` names ``step`` (one of ``STEPS``)."""
    wanted = os.environ.get(STOP_AT)
    if wanted is not None and wanted == step and hasattr(signal, "SIGSTOP"):
        os.kill(os.getpid(), signal.SIGSTOP)
