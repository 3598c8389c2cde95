"""Command line: parse arguments, call build/serve/check, map outcomes to exit codes. Nothing else.

Each subcommand is a pair: ``_add_NAME(commands)`` declares its arguments and sets ``run`` to
``_run_NAME(args) -> int``. A new subcommand is one more pair and one line in ``_parser()``.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from garden import __version__
from garden.build import BuildResult, build, explain
from garden.check import check_vault
from garden.console import Console, write_report
from garden.diagnostics import Reporter
from garden.emit import check_output_dir
from garden.errors import GardenError
from garden.lock import build_lock
from garden.paths import is_inside
from garden.serve import DEFAULT_HOST, DEFAULT_PORT, serve

EXIT_OK = 0
EXIT_STRICT = 1  # built, but --strict found warnings (or: check found broken links)
EXIT_FATAL = 2  # nothing built; OUT untouched

Commands = Any  # argparse's subparsers action (its class is private)


def _vault_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "vault", nargs="?", default="vault", type=Path, help="vault folder (default: vault)"
    )
    p.add_argument("--config", type=Path, help="config file (default: VAULT/garden.yaml)")


def _add_build(commands: Commands) -> None:
    b = commands.add_parser("build", help="build VAULT into a static site in OUT")
    _vault_arguments(b)
    b.add_argument(
        "-o", "--out", default="public", type=Path, help="output folder (default: public)"
    )
    b.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    b.add_argument("--strict", action="store_true", help="exit 1 if there was any warning")
    b.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="if another build is writing OUT, wait up to SECONDS for it (default: exit 2 at once)",
    )
    b.add_argument(
        "--report", type=Path, metavar="FILE", help="write warnings and stage timings as JSON"
    )
    b.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore the build cache (.garden-cache beside OUT) and build everything again",
    )
    b.set_defaults(run=_run_build)


def _run_build(args: argparse.Namespace) -> int:
    started = time.time()
    console = Console(sys.stderr, quiet=args.quiet)
    reporter = Reporter(console)
    result: BuildResult | None = None
    error: str | None = None
    if args.report is not None and is_inside(args.report.resolve(), args.out.resolve()):
        console.error(f"the report {args.report} is inside OUT: the next build would delete it")
        return EXIT_FATAL
    try:
        check_output_dir(args.vault, args.out)  # before the lock file is made beside OUT
        with build_lock(args.out, wait=args.wait):
            console.start()
            result = build(
                args.vault,
                args.out,
                config_path=args.config,
                reporter=reporter,
                progress=console.progress,
                use_cache=not args.no_cache,
            )
    except GardenError as exc:
        error = str(exc)
    except Exception:  # a bug: cron must still see exit 2 (not 1, "warnings"), and OUT is intact
        error = "internal error (a bug in garden):\n" + traceback.format_exc()
    if result is None:
        console.error(error or "nothing was built")
        code = EXIT_FATAL
    else:
        console.built(args.out, result, reporter)
        code = EXIT_STRICT if args.strict and reporter.diagnostics else EXIT_OK
    if args.report is not None:
        try:
            write_report(
                args.report,
                vault=args.vault,
                out=args.out,
                exit_code=code,
                reporter=reporter,
                result=result,
                error=error,
                started=started,
            )
        except OSError as exc:
            console.error(f"cannot write the report {args.report}: {exc.strerror}")
            return EXIT_FATAL
    return code


def _add_serve(commands: Commands) -> None:
    s = commands.add_parser("serve", help="preview VAULT, rebuilding and reloading on each change")
    _vault_arguments(s)
    s.add_argument(
        "-o",
        "--out",
        type=Path,
        help="output folder (default: a folder per vault under ~/.cache/garden/serve)",
    )
    s.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    s.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0 exposes the preview)",
    )
    s.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    s.set_defaults(run=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    console = Console(sys.stderr, quiet=args.quiet)
    return serve(
        args.vault,
        args.out,
        config_path=args.config,
        host=args.host,
        port=args.port,
        console=console,
    )


def _add_check(commands: Commands) -> None:
    c = commands.add_parser(
        "check", help="list broken links, missing embeds, links to unpublished notes and orphans"
    )
    _vault_arguments(c)
    c.set_defaults(run=_run_check)


def _run_check(args: argparse.Namespace) -> int:
    # Findings are the command's output (stdout, for grep and pipes); vault problems are warnings.
    reporter = Reporter(sys.stderr)
    try:
        result = check_vault(args.vault, args.config, reporter)
    except GardenError as exc:
        print(f"garden: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    for finding in result.findings:
        print(finding.format().replace(": warning: ", ": ", 1))
    counts = ", ".join(
        f"{result.count(category)} {category}"
        for category in ("broken-link", "missing-embed", "unpublished-link", "anchor", "orphan")
    )
    print(
        f"garden: checked {result.notes} published notes ({result.unpublished} unpublished): "
        f"{counts}",
        file=sys.stderr,
    )
    return EXIT_STRICT if result.failed else EXIT_OK


def _add_explain(commands: Commands) -> None:
    e = commands.add_parser(
        "explain", help="say whether a note or attachment will be published, and why"
    )
    e.add_argument("path", type=Path, help="a note or attachment in the vault")
    e.add_argument("--vault", type=Path, default=Path("vault"), help="vault (default: vault)")
    e.add_argument("--config", type=Path, help="config file (default: VAULT/garden.yaml)")
    e.set_defaults(run=_run_explain)


def _run_explain(args: argparse.Namespace) -> int:
    """Exit 0 when PATH will be published, 1 when it will not (so a script can check a sensitive
    note before the nightly build), 2 on an error."""
    try:
        verdict = explain(args.vault, args.path, config_path=args.config)
    except GardenError as exc:
        print(f"garden: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    state = "published" if verdict.published else "NOT published"
    print(f"{verdict.path}: {state} ({verdict.kind})")
    for line in verdict.why:
        print(f"  {line}")
    return EXIT_OK if verdict.published else EXIT_STRICT


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="garden", description="Publish an Obsidian vault as a static website."
    )
    parser.add_argument("--version", action="version", version=f"garden {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_build(commands)
    _add_serve(commands)
    _add_check(commands)
    _add_explain(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    code: int = args.run(args)
    return code
