"""Load a theme: ``themes/<name>/theme.yaml`` (options), ``templates/`` (Jinja2), ``static/``.

Templates render with ``StrictUndefined`` so a misspelt variable fails loudly in tests instead of
silently printing nothing on a reader's page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml
from pygments.formatters import HtmlFormatter

from garden.errors import ConfigError

THEMES_DIR = Path(__file__).resolve().parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    root: Path
    options: dict[str, Any] = field(hash=False)
    env: jinja2.Environment = field(hash=False, repr=False)

    def static_files(self) -> list[tuple[Path, str]]:
        """(file, OUT-relative path) for every file in the theme's static folder."""
        static = self.root / "static"
        if not static.is_dir():
            return []
        return [
            (p, "static/" + p.relative_to(static).as_posix())
            for p in sorted(static.rglob("*"))
            if p.is_file()
        ]


def load_theme(name: str, themes_dir: Path = THEMES_DIR) -> Theme:
    root = themes_dir / name
    if not (root / "templates").is_dir():
        raise ConfigError(f"theme {name!r} not found (looked in {root})")
    options: dict[str, Any] = {}
    manifest = root / "theme.yaml"
    if manifest.is_file():
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
        options = dict(data.get("options") or {})
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Theme(name, root, options, env)


def pygments_css() -> str:
    """Code colours for both colour schemes, scoped under ``.highlight``; both styles keep
    comments above 4.5:1 contrast."""
    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs('[data-theme="dark"] .highlight')
    dark_auto = HtmlFormatter(style="monokai").get_style_defs(
        ':root:not([data-theme="light"]) .highlight'
    )
    return f"{light}\n{dark}\n@media (prefers-color-scheme: dark) {{\n{dark_auto}\n}}\n"
