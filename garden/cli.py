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

from garden import __version__, places
from garden.build import BuildResult, build, cache_folder, explain
from garden.check import FINDINGS, check_vault
from garden.console import Console, write_report
from garden.diagnostics import Reporter, plural
from garden.errors import GardenError
from garden.paths import is_inside
from garden.serve import DEFAULT_HOST, DEFAULT_PORT, serve
from garden.theme import DEFAULT_THEME, copy_theme

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
        help="ignore what the cache holds and build everything again",
    )
    _cache_dir_argument(b)
    b.set_defaults(run=_run_build)


def _cache_dir_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="the cache folder (default: the config's cache_dir, else garden's folder in the "
        "user's cache folder)",
    )


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
        console.start()
        result = build(
            args.vault,
            args.out,
            config_path=args.config,
            reporter=reporter,
            progress=console.progress,
            use_cache=not args.no_cache,
            wait=args.wait,
            cache_dir=args.cache_dir,
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
        help="output folder (default: a folder per vault in the cache folder's serve/)",
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
    _cache_dir_argument(s)
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
        cache_dir=args.cache_dir,
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
    counts = ", ".join(f"{result.count(category)} {category}" for category in FINDINGS)
    print(
        f"garden: checked {plural(result.notes, 'published note')} "
        f"({result.unpublished} unpublished): {counts}",
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


def _add_cache(commands: Commands) -> None:
    c = commands.add_parser("cache", help="show or delete garden's cache")
    actions = c.add_subparsers(dest="action", required=True)
    info = actions.add_parser("info", help="where the cache is, and what it holds")
    clean = actions.add_parser("clean", help="delete the cache (all of it, or VAULT's)")
    for p in (info, clean):
        p.add_argument("vault", nargs="?", type=Path, help="only this vault's sites")
        p.add_argument("--config", type=Path, help="config file (default: VAULT/garden.yaml)")
        _cache_dir_argument(p)
    clean.add_argument("-o", "--out", type=Path, help="only the cache of building VAULT into OUT")
    info.set_defaults(run=_run_cache_info)
    clean.set_defaults(run=_run_cache_clean)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} kB"


def _cache_root(args: argparse.Namespace) -> Path:
    if args.vault is None:
        return places.cache_root(args.cache_dir)
    return cache_folder(args.vault, args.config, args.cache_dir)


def _vault_sites(args: argparse.Namespace, root: Path) -> list[places.CachedSite]:
    sites = places.cached_sites(root)
    if args.vault is None:
        return sites
    return [s for s in sites if s.vault == str(args.vault.resolve())]


def _run_cache_info(args: argparse.Namespace) -> int:
    try:
        root = _cache_root(args)
    except GardenError as exc:
        print(f"garden: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    print(f"cache folder: {root} ({_megabytes(places.folder_size(root))})")
    sites = _vault_sites(args, root)
    print(f"sites: {len(sites)} (a build cache per vault and output folder)")
    for site in sites:
        vault = site.vault or "(unknown vault)"
        when = f", built {site.built}" if site.built else ""
        print(f"  {vault} -> {site.out or '?'}: {_megabytes(site.size)}{when}")
        print(f"    {site.folder}")
    store = root / places.IMAGES
    print(f"image variants, shared by all sites: {_megabytes(places.folder_size(store))}")
    previews = places.previews(root)
    print(f"garden serve previews: {len(previews)}")
    for folder, size in previews:
        print(f"  {folder}: {_megabytes(size)}")
    return EXIT_OK


def _run_cache_clean(args: argparse.Namespace) -> int:
    try:
        root = _cache_root(args)
        if args.vault is None:
            if args.out is not None:
                raise GardenError("-o OUT needs the VAULT whose cache to delete")
            freed = places.folder_size(root) if root.is_dir() else 0
            places.clean_all(root)
            print(f"garden: deleted the cache in {root} ({_megabytes(freed)})")
            return EXIT_OK
        vault = args.vault.resolve()
        doomed = [
            s
            for s in _vault_sites(args, root)
            if args.out is None or s.out == str(args.out.absolute())
        ]
        if args.out is None:
            preview = places.serve_out(vault, root).parent
            if preview.is_dir():
                doomed.append(places.CachedSite(preview, str(vault), "", "", 0))
    except GardenError as exc:
        print(f"garden: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    freed = 0
    for site in doomed:
        freed += places.folder_size(site.folder)
        places.remove_site(site)
    freed += places.prune_store(root)
    print(f"garden: deleted {len(doomed)} cached sites of {vault} ({_megabytes(freed)})")
    return EXIT_OK


def _add_theme(commands: Commands) -> None:
    t = commands.add_parser("theme", help="start a theme of your own")
    actions = t.add_subparsers(dest="action", required=True)
    copy = actions.add_parser("copy", help="copy the default theme to DIR, to change it there")
    copy.add_argument("dir", type=Path, help="a new (or empty) folder")
    copy.set_defaults(run=_run_theme_copy)


def _run_theme_copy(args: argparse.Namespace) -> int:
    try:
        dest = copy_theme(args.dir)
    except GardenError as exc:
        print(f"garden: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    print(f"garden: copied the {DEFAULT_THEME} theme to {dest}")
    print(f"use it with this line in garden.yaml (a path relative to that file): theme: {dest}")
    return EXIT_OK


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
    _add_cache(commands)
    _add_theme(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    # A note's name in a warning must never crash the output: a Windows console or a pipe may
    # use a code page without the name's letters.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    code: int = args.run(args)
    return code
