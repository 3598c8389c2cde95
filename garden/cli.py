"""Command line: parse arguments, call the build, map errors to exit codes. Nothing else."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from garden import __version__
from garden.build import build, explain
from garden.diagnostics import Reporter
from garden.errors import GardenError

EXIT_OK = 0
EXIT_STRICT = 1  # built, but --strict found warnings
EXIT_FATAL = 2  # nothing built; OUT untouched


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="garden", description="Publish an Obsidian vault as a static website."
    )
    parser.add_argument("--version", action="version", version=f"garden {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="build VAULT into a static site in OUT")
    b.add_argument(
        "vault", nargs="?", default="vault", type=Path, help="vault folder (default: vault)"
    )
    b.add_argument(
        "-o", "--out", default="public", type=Path, help="output folder (default: public)"
    )
    b.add_argument("--config", type=Path, help="config file (default: VAULT/garden.yaml)")
    b.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but warnings and errors"
    )
    b.add_argument("--strict", action="store_true", help="exit 1 if there was any warning")
    e = commands.add_parser(
        "explain", help="say whether a note or attachment will be published, and why"
    )
    e.add_argument("path", type=Path, help="a note or attachment in the vault")
    e.add_argument("--vault", type=Path, default=Path("vault"), help="vault (default: vault)")
    e.add_argument("--config", type=Path, help="config file (default: VAULT/garden.yaml)")
    return parser


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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "explain":
        return _run_explain(args)
    reporter = Reporter(sys.stderr)
    try:
        result = build(args.vault, args.out, config_path=args.config, reporter=reporter)
    except GardenError as exc:
        print(f"garden: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    if not args.quiet:
        print(
            f"garden: built {result.pages} pages ({result.notes} notes) and {result.files} files "
            f"into {args.out} in {result.seconds:.2f}s; {reporter.summary()}",
            file=sys.stderr,
        )
    if args.strict and reporter.diagnostics:
        return EXIT_STRICT
    return EXIT_OK
