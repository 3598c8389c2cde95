"""Shared fixtures: write small vaults, build them, and read the pages back."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from garden.build import BuildResult, build
from garden.diagnostics import Diagnostic, Reporter

REPO = Path(__file__).resolve().parent.parent
SHARED_VAULTS = REPO.parent / "shared" / "vaults"


def png(width: int, height: int, color: tuple[int, int, int] = (40, 120, 80)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format="PNG")
    return buf.getvalue()


def make_vault(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (vault path -> text or bytes) under ``root`` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@dataclass
class BuiltSite:
    out: Path
    result: BuildResult
    diagnostics: list[Diagnostic]
    index: dict = field(default_factory=dict)

    def page(self, rel: str) -> str:
        return (self.out / rel).read_text(encoding="utf-8")

    def article(self, rel: str) -> str:
        html = self.page(rel)
        start = html.index("<article")
        return html[start : html.index("</article>", start)]

    def warnings(self, category: str | None = None) -> list[Diagnostic]:
        return [d for d in self.diagnostics if category is None or d.category == category]

    def files(self) -> list[str]:
        return sorted(
            p.relative_to(self.out).as_posix() for p in self.out.rglob("*") if p.is_file()
        )


def build_site(vault: Path, out: Path | None = None) -> BuiltSite:
    out = out if out is not None else vault.parent / "site"
    reporter = Reporter()
    result = build(vault, out, reporter=reporter)
    index = json.loads((out / "content-index.json").read_text(encoding="utf-8"))
    return BuiltSite(out, result, reporter.diagnostics, index)


@pytest.fixture
def site_of(tmp_path: Path) -> Callable[[dict[str, str | bytes]], BuiltSite]:
    """``site_of({"a.md": "..."})`` builds a vault made of these files."""

    def make(files: dict[str, str | bytes]) -> BuiltSite:
        return build_site(make_vault(tmp_path / "vault", files), tmp_path / "site")

    return make
