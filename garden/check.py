"""``garden check``: what is wrong with the vault's links, without rendering or writing anything.

It runs the first stages of the build (scan, parse, resolve, filter) and then reads the two
vaults filter returns: the whole one says *where* a link would have gone, the published one what a
reader will get. Findings, each ``path:line`` like a build warning:

- ``broken-link``: a link to nothing (no such note or file, a path leaving the vault);
- ``broken-embed``: an embed of nothing, of a folder, or of a heading or block the note lacks
  (the name a build's warning has);
- ``unpublished-link``: a published note links to or embeds a note that is not published (the
  reader sees a broken link; the message says why the target is private);
- ``anchor``: a ``[[Note#Heading]]`` whose heading or block is not in the note (it still links to
  the note, as in Obsidian);
- ``orphan``: a published note that no other published note links to or embeds (the home note
  is never an orphan).

Only broken links and missing embeds make ``garden check`` fail: the others are often deliberate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# build.py owns the order of the stages: check reads the vault exactly as build() and explain()
# do (same scan, parse and resolve, same publish rules), then stops before rendering.
from garden.build import StageTimer, read_vault
from garden.config import load_config
from garden.diagnostics import Category, Diagnostic, Reporter
from garden.model import LinkRef, Note, Resolution, Vault
from garden.paths import VaultPath

FAILING = (Category.BROKEN_LINK, Category.BROKEN_EMBED)
# The findings, in the order the summary line counts them.
FINDINGS = (
    Category.BROKEN_LINK,
    Category.BROKEN_EMBED,
    Category.UNPUBLISHED_LINK,
    Category.ANCHOR,
    Category.ORPHAN,
)


@dataclass
class CheckResult:
    findings: list[Diagnostic] = field(default_factory=list)
    notes: int = 0  # published notes checked
    unpublished: int = 0

    def count(self, category: str) -> int:
        return sum(1 for f in self.findings if f.category == category)

    @property
    def failed(self) -> bool:
        return any(f.category in FAILING for f in self.findings)


def _written(ref: LinkRef) -> str:
    """The link roughly as the user typed it, so they can search for it."""
    anchor = f"#^{ref.block}" if ref.block else f"#{ref.heading}" if ref.heading else ""
    if ref.syntax == "diagram":
        return f"the diagram node {ref.target!r} (class internal-link)"
    if ref.syntax == "canvas":  # a canvas's file node: its "file" and "subpath"
        return f"file node {ref.target[1:]}{anchor}"
    if ref.syntax == "markdown":
        return f"{'!' if ref.embed else ''}[]({ref.target}{anchor})"
    return f"{'!' if ref.embed else ''}[[{ref.target}{anchor}]]"


def _link_finding(
    note: Note, ref: LinkRef, whole: Resolution, seen: Resolution, reasons: dict[VaultPath, str]
) -> Diagnostic | None:
    """What is wrong with one link: ``whole`` is where it goes in the whole vault, ``seen`` where
    it goes on the site."""
    text = _written(ref)
    if whole.kind == "note" and whole.target in reasons:
        why = reasons[whole.target]
        message = f"{text} goes to {whole.target}, which is not published ({why})"
        return Diagnostic(Category.UNPUBLISHED_LINK, note.path, ref.line, message)
    if seen.kind == "broken" or (ref.embed and seen.kind == "folder"):
        category = Category.BROKEN_EMBED if ref.embed else Category.BROKEN_LINK
        reason = seen.reason or "a folder cannot be embedded"
        return Diagnostic(category, note.path, ref.line, f"{text} {reason}")
    if seen.kind == "note" and (ref.heading or ref.block) and seen.anchor is None:
        what = f"block ^{ref.block}" if ref.block else f"heading '{ref.heading}'"
        category = Category.BROKEN_EMBED if ref.embed else Category.ANCHOR
        message = f"{text}: no {what} in {seen.target}"
        return Diagnostic(category, note.path, ref.line, message)
    return None


def check_vault(vault: Path, config_path: Path | None, reporter: Reporter) -> CheckResult:
    """Check ``vault``'s links. Problems reading the vault (config, front matter) go to
    ``reporter`` as in a build; link findings are returned, ordered by file and line."""
    vault = vault.resolve()
    config, diagnostics = load_config(vault, config_path)
    reporter.extend(diagnostics)
    # Anchor problems are recomputed below from the resolutions, for published notes only.
    read = read_vault(vault, config, reporter, StageTimer({}))
    assert read is not None  # stopped only by a build's ``scanned``
    findings = _findings(read.everything, read.published, read.reasons, read.home)
    return CheckResult(findings, len(read.published.notes), len(read.reasons))


def _findings(
    whole: Vault, published: Vault, reasons: dict[VaultPath, str], home: VaultPath | None
) -> list[Diagnostic]:
    findings: list[Diagnostic] = []
    for path in sorted(published.notes):
        note = published.notes[path]
        for ref in note.links:
            found = _link_finding(
                note, ref, whole.resolution(path, ref), published.resolution(path, ref), reasons
            )
            if found is not None:
                findings.append(found)
        if path != home and published.graph.in_degree(path) == 0:
            findings.append(Diagnostic(Category.ORPHAN, path, 0, "no published note links here"))
    findings.sort(key=lambda d: (d.path, d.line, d.category))
    return list(dict.fromkeys(findings))  # a link written twice on one line is one finding
