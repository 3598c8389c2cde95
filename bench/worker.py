"""One build in a fresh process, so peak memory is the build's own: prints a JSON line.

``python -m bench.worker VAULT OUT [--no-cache]``
"""

from __future__ import annotations

import inspect
import json
import resource
import sys
import time
from pathlib import Path

from garden.build import build
from garden.diagnostics import Reporter


def main(argv: list[str]) -> None:
    vault, out = Path(argv[0]), Path(argv[1])
    kwargs = {}
    if "--no-cache" in argv and "use_cache" in inspect.signature(build).parameters:
        kwargs["use_cache"] = False
    reporter = Reporter()
    start = time.perf_counter()
    result = build(vault, out, reporter=reporter, **kwargs)
    wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "wall": wall,
                "stages": result.timings,
                "pages": result.pages,
                "files": result.files,
                "notes": result.notes,
                "warnings": len(reporter.diagnostics),
                "diagrams_drawn": result.diagrams.drawn if hasattr(result, "diagrams") else 0,
                # ru_maxrss is in KiB on Linux. A forked worker's counts the pages it shares with
                # this process (it starts as big as this process was at the fork), so parent +
                # largest worker overstates the peak; bench.run samples the tree's PSS as well.
                "peak_mb": own / 1024,
                "peak_worker_mb": children / 1024,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
