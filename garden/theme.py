"""Load a theme: a folder with ``theme.yaml`` (options), ``templates/`` (Jinja2), ``static/``.

The config's ``theme`` is the name of a bundled theme (``default``) or the path of a theme folder,
relative to the config file. Bundled themes are ``themes/`` at the top of the repository, which
the packaging maps into the installed package as ``garden/themes/``: they are found in a wheel, an
editable install and a source checkout alike.

Templates render with ``StrictUndefined`` so a misspelt variable fails loudly in tests instead of
silently printing nothing on a reader's page.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml
from pygments.formatters import HtmlFormatter

from garden.errors import ConfigError


def _bundled_themes() -> Path:
    package = Path(__file__).resolve().parent
    installed = package / "themes"  # a wheel or sdist install
    return installed if installed.is_dir() else package.parent / "themes"  # a source checkout


THEMES_DIR = _bundled_themes()
DEFAULT_THEME = "default"


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


def theme_folder(value: str, base: Path, themes_dir: Path = THEMES_DIR) -> Path:
    """The folder the config's ``theme`` names: a bundled theme by its name, or a theme folder
    by its path relative to ``base`` (the config file's folder)."""
    bare = "/" not in value and "\\" not in value and not value.startswith((".", "~"))
    if bare and (themes_dir / value / "templates").is_dir():
        return themes_dir / value
    root = Path(value).expanduser()
    root = root if root.is_absolute() else base / root
    if not (root / "templates").is_dir():
        bundled = ", ".join(sorted(p.name for p in themes_dir.iterdir() if p.is_dir()))
        raise ConfigError(
            f"theme {value!r} not found: it is not a bundled theme ({bundled}) and "
            f"{root} is not a theme folder (one with a templates/ folder)"
        )
    return root.absolute()


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process, kept by template file and checked by the checksum of
    their source: the preview, ``make bench`` and the tests build many times in one process, and
    compiling the theme's templates again was half of a small vault's build (0.29 s -> 0.14 s).
    A template whose source changed has another checksum and is compiled again. Every theme's
    environment is made with the same options (below), so code compiled for one suits all."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # resets itself when the checksum differs

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def load_theme(value: str, base: Path | None = None, themes_dir: Path = THEMES_DIR) -> Theme:
    """``value``: the config's ``theme``; ``base``: the folder of the config file."""
    root = theme_folder(value, base if base is not None else Path.cwd(), themes_dir)
    name = value if root.parent == themes_dir else root.name
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
        bytecode_cache=_COMPILED,
    )
    return Theme(name, root, options, env)


def copy_theme(dest: Path, name: str = DEFAULT_THEME) -> Path:
    """Start a theme of one's own: a copy of a bundled theme at ``dest``, which must not exist or
    be an empty folder. Returns ``dest``."""
    source = theme_folder(name, Path.cwd())
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ConfigError(f"{dest} already exists and is not an empty folder: nothing copied")
    shutil.copytree(source, dest, dirs_exist_ok=True)
    return dest


def pygments_css() -> str:
    """Code colours for both colour schemes, scoped under ``.highlight``; both styles keep
    comments above 4.5:1 contrast."""
    light = HtmlFormatter(style="default").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs('[data-theme="dark"] .highlight')
    dark_auto = HtmlFormatter(style="monokai").get_style_defs(
        ':root:not([data-theme="light"]) .highlight'
    )
    return f"{light}\n{dark}\n@media (prefers-color-scheme: dark) {{\n{dark_auto}\n}}\n"
