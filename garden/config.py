"""The site configuration: a small typed file, ``garden.yaml`` at the vault root or ``--config``.

Every key is optional. Obsidian Publish's own ``site-options.json`` at the vault root is read for
the site name and home note when the config file does not set them, so a vault published with
Obsidian Publish builds with its own title and home page unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from garden.diagnostics import Category, Diagnostic
from garden.errors import ConfigError

CONFIG_NAME = "garden.yaml"
PUBLISH_OPTIONS_NAME = "site-options.json"
# Where a note's dates can come from (config key ``dates``), in the default order: as Quartz,
# the front matter first, then the file's last commit when the vault is in a git work tree
# (a CI clone gives every file the same modification time), then the file's modification time.
DATE_SOURCES = ("frontmatter", "git", "filesystem")


@dataclass(frozen=True)
class Config:
    title: str = field(
        default="", metadata={"doc": "Site title; default: the vault folder's name."}
    )
    base_url: str = field(
        default="", metadata={"doc": "Public URL of the site, e.g. https://example.org/notes/."}
    )
    home: str = field(
        default="",
        metadata={"doc": "Note shown as the home page (a link target such as 'Home' or 'index')."},
    )
    ignore: tuple[str, ...] = field(
        default=(),
        metadata={"doc": "Glob patterns of vault paths never published, e.g. 'Templates/**'."},
    )
    theme: str = field(
        default="default",
        metadata={
            "doc": "The bundled theme 'default', or the path of a theme folder of your own, "
            "relative to the config file (start one with 'garden theme copy DIR')."
        },
    )
    language: str = field(default="en", metadata={"doc": "The lang attribute of every page."})
    image_quality: int = field(
        default=80, metadata={"doc": "WebP quality (1-100) of the resized images."}
    )
    keep_metadata: bool = field(
        default=False,
        metadata={"doc": "Keep EXIF/XMP (camera, GPS) in published images; ICC is always kept."},
    )
    content_width: int = field(
        default=0,
        metadata={
            "doc": "Content column width in CSS px: unsized images are shown at most this wide; "
            "0: the theme's content_width."
        },
    )
    cache_dir: str = field(
        default="",
        metadata={
            "doc": "The cache folder (parsed notes, image variants), relative to the config "
            "file; default: garden's folder in the user's cache folder. --cache-dir wins."
        },
    )
    image_jobs: int = field(
        default=0, metadata={"doc": "Processes that resize images; 0: one per CPU core."}
    )
    jobs: int = field(
        default=0,
        metadata={
            "doc": "Processes that parse and render notes on a large vault; 0: one per CPU "
            "core, 1: all in the build's own process. The site is the same whatever it is."
        },
    )
    explorer_order: tuple[str, ...] = field(
        default=(),
        metadata={
            "doc": "Vault paths (folders, notes) shown first in the explorer, in this order; "
            "default: Obsidian Publish's navigationOrdering."
        },
    )
    publish: str = field(
        default="all",
        metadata={
            "doc": "'all': every note unless draft: true or publish: false; 'explicit': only "
            "notes with publish: true (as Obsidian Publish and Quartz's ExplicitPublish).",
            "choices": ("all", "explicit"),
        },
    )
    sanitize: bool = field(
        default=False,
        metadata={
            "doc": "Clean raw HTML in notes (scripts, event handlers, javascript: URLs) with nh3; "
            "for vaults written by several people."
        },
    )
    dates: tuple[str, ...] = field(
        default=DATE_SOURCES,
        metadata={
            "doc": "Where a note's dates come from, tried in order; the first source that dates "
            "the note gives its date and updated date. 'frontmatter': date/created and "
            "updated/modified/lastmod; 'git': the day of the file's last commit, when the vault "
            "is in a git work tree and the file is committed and unchanged since; 'filesystem': "
            "the day (UTC) the file was last modified. [frontmatter] dates only notes whose "
            "front matter has a date; [] dates none.",
            "choices": DATE_SOURCES,
        },
    )
    graph_tags: bool = field(
        default=False,
        metadata={
            "doc": "Show tags as nodes of the global and local graphs, each linked to the notes "
            "that carry it and opening its tag page."
        },
    )


def _coerce(name: str, value: Any, kind: Any) -> Any:
    """Check a config value against its field's type (``str``, ``bool``, ``int``, ``float``,
    ``tuple[str, ...]``); the annotation is the one place a key's type is stated."""
    kind = str(kind)
    if kind.startswith("tuple"):
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(f"config: '{name}' must be a list of text values, got {value!r}")
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ConfigError(f"config: '{name}' must be true or false, got {value!r}")
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"config: '{name}' must be a number, got {value!r}")
        return int(value) if kind == "int" else float(value)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ConfigError(f"config: '{name}' must be text, got {value!r}")
    return str(value)


def config_file(vault: Path, config_path: Path | None) -> Path:
    """The config file a build reads (it need not exist)."""
    return (config_path if config_path is not None else vault / CONFIG_NAME).absolute()


def config_relative(value: str, vault: Path, config_path: Path | None) -> Path:
    """A path the config names (``theme``, ``cache_dir``): relative to the config file."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else config_file(vault, config_path).parent / path


def load_config(vault: Path, config_path: Path | None) -> tuple[Config, list[Diagnostic]]:
    """Read the config; a missing default file is fine, a broken one is fatal (nothing built)."""
    diagnostics: list[Diagnostic] = []
    path = config_path if config_path is not None else vault / CONFIG_NAME
    raw: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read config: {exc}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: config must be a mapping of keys to values")
        raw = loaded
    elif config_path is not None:
        raise ConfigError(f"{path}: config file not found")

    known = {f.name: f for f in fields(Config)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            diagnostics.append(
                Diagnostic(Category.CONFIG, path.name, 0, f"unknown key {key!r} ignored")
            )
            continue
        if value is not None:
            values[key] = _coerce(key, value, known[key].type)
            choices = known[key].metadata.get("choices")
            chosen = values[key] if isinstance(values[key], tuple) else (values[key],)
            if choices and any(v not in choices for v in chosen):
                # A misspelt 'publish: explicit' must not silently publish everything.
                allowed = ", ".join(choices)
                raise ConfigError(f"config: '{key}' must be one of {allowed}, got {value!r}")

    publish_options = _read_publish_options(vault, diagnostics)
    if "title" not in values:
        values["title"] = publish_options.get("siteName") or vault.resolve().name
    if "home" not in values and isinstance(publish_options.get("indexFile"), str):
        values["home"] = publish_options["indexFile"]
    ordering = publish_options.get("navigationOrdering")
    if "explorer_order" not in values and isinstance(ordering, list):
        values["explorer_order"] = tuple(p for p in ordering if isinstance(p, str))
    return Config(**values), diagnostics


def _read_publish_options(vault: Path, diagnostics: list[Diagnostic]) -> dict[str, Any]:
    path = vault / PUBLISH_OPTIONS_NAME
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        diagnostics.append(
            Diagnostic(Category.CONFIG, PUBLISH_OPTIONS_NAME, 0, f"unreadable: {exc}")
        )
        return {}
    return data if isinstance(data, dict) else {}
