"""The user guide (the example vault) documents every config key, command-line option and
template value, so the docs cannot drift from the code; the README stays a short front door."""

from __future__ import annotations

import argparse
import dataclasses
import re

import pytest
from conftest import REPO

from garden.cli import _parser
from garden.config import Config
from garden.render import pages

GUIDE = REPO / "vault"


def _page(rel: str) -> str:
    return (GUIDE / rel).read_text(encoding="utf-8")


def _yaml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return '""' if value == "" else str(value)


def test_every_config_key_is_in_the_configuration_page_with_its_default() -> None:
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \|", _page("Guide/Configuration.md"), re.M)
    }
    for key in dataclasses.fields(Config):
        assert key.name in rows, f"config key {key.name!r} missing from Guide/Configuration.md"
        if key.name != "title":  # its default is computed: the vault folder's name
            assert f"`{_yaml(key.default)}`" == rows[key.name].strip(), key.name
    assert set(rows) == {f.name for f in dataclasses.fields(Config)}  # no key that is gone


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*path, name))
    return found


def test_every_command_and_option_is_in_the_command_line_page() -> None:
    text = _page("Reference/Command line.md")
    for path, parser in _commands(_parser()):
        if path:
            assert f"garden {' '.join(path)}" in re.sub(r" +", " ", text), path
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            for option in action.option_strings:
                assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), (path, option)


@pytest.mark.parametrize(
    "view",
    [
        pages.PageView,
        pages.SiteView,
        pages.Link,
        pages.Entry,
        pages.TagLink,
        pages.TocItem,
        pages.GraphNode,
    ],
)
def test_the_template_context_is_in_the_themes_page(view: type) -> None:
    text = _page("Reference/Themes.md")
    for field in dataclasses.fields(view):
        assert f"`{field.name}`" in text, f"{view.__name__}.{field.name}"


def test_the_readme_is_a_short_front_door_and_no_doc_speaks_of_work_items() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for link in re.findall(r"\]\((vault/[^)]+)\)", readme):
        assert (REPO / link.replace("%20", " ")).is_file(), link
    docs = [readme, *(p.read_text(encoding="utf-8") for p in GUIDE.rglob("*.md"))]
    for text in docs:
        assert not re.search(r"\bissue \d+|\bthe \w+ issue\b|\bwork items?\b", text)
