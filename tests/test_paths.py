"""Slugs and relative URLs: properties that must hold for any name."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garden.paths import (
    WINDOWS_RESERVED,
    Href,
    Slug,
    attachment_out_path,
    fold,
    heading_id,
    heading_key,
    is_inside,
    normalize_vault_path,
    page_out_path,
    relative_url,
    root_path,
    root_prefix,
    slugify,
    slugify_segment,
    vault_path_of,
)

_SAFE = re.compile(r"^[\w.\-]+$")
names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=40)
paths = st.lists(names, min_size=1, max_size=4).map("/".join)


@given(names)
def test_slug_segments_use_only_safe_characters(name: str) -> None:
    segment = slugify_segment(name)
    assert _SAFE.match(segment)
    assert not segment.startswith((".", "-"))
    assert "--" not in segment


# Windows' device names, in every case and with extensions, as a vault on Linux or a Mac may hold.
_DEVICES = st.builds(
    lambda name, upper, ext: (name.upper() if upper else name) + ext,
    st.sampled_from(sorted(WINDOWS_RESERVED)),
    st.booleans(),
    st.sampled_from(["", ".md", ".tar.gz", ". ", " ", "."]),
)


@given(st.one_of(names, _DEVICES))
def test_slug_segments_are_valid_file_names_on_windows_and_macos(name: str) -> None:
    segment = slugify_segment(name)
    assert not re.search(r'[<>:"/\\|?*\x00-\x1f]', segment)
    assert not segment.endswith((".", " "))  # Windows drops them: two names would become one
    assert segment.split(".")[0].casefold() not in WINDOWS_RESERVED
    assert slugify_segment(segment) == segment


def test_windows_device_names_get_an_underscore() -> None:
    assert slugify("CON") == "CON_"
    assert slugify("Notes/nul.backup") == "Notes/nul_.backup"
    assert slugify("aux/Com1/lpt9") == "aux_/Com1_/lpt9_"
    assert slugify("com²") == "com²_"
    assert slugify("console/Con-job/COM10") == "console/Con-job/COM10"  # not device names
    assert attachment_out_path("img/PRN.PNG") == "img/PRN_.png"


@given(paths)
def test_slugify_is_idempotent(path: str) -> None:
    assert slugify(slugify(path)) == slugify(path)


@given(paths)
def test_nfc_and_nfd_names_have_the_same_slug(path: str) -> None:
    nfd = unicodedata.normalize("NFD", path)
    nfc = unicodedata.normalize("NFC", path)
    assert slugify(nfd) == slugify(nfc)


def test_slug_examples() -> None:
    assert slugify("Guide/Links & embeds") == "Guide/Links-and-embeds"
    assert (
        slugify("Linking notes and files/Internal links")
        == "Linking-notes-and-files/Internal-links"
    )
    assert slugify("What? #1 100%") == "What-1-100"
    assert slugify("Café/Crème brûlée") == "Café/Crème-brûlée"
    assert slugify("???") == "untitled"


def test_heading_ids() -> None:
    assert heading_id("Link to a heading in a note") == "link-to-a-heading-in-a-note"
    assert heading_id("What's new?") == "whats-new"
    assert heading_id("Über uns") == "über-uns"


segment = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=8)
out_paths = st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/".join(parts) + ".html")


@given(out_paths, out_paths)
def test_relative_urls_round_trip(page: str, target: str) -> None:
    url = relative_url(page, target)
    assert not url.startswith("/")
    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(url)))
    assert resolved == target


@given(st.lists(st.sampled_from(["a", "b", "..", ".", ""]), max_size=8))
def test_normalized_paths_never_climb_out(parts: list[str]) -> None:
    path = "/".join(parts)
    result = normalize_vault_path(path)
    expected = posixpath.normpath(path.lstrip("/") or ".")  # a leading "/" is the vault's root
    if expected == ".." or expected.startswith("../"):
        assert result is None  # it climbs out of the vault
    else:
        assert result == ("" if expected == "." else expected)


_SEGMENT = st.sampled_from(["a", "b", "c d", "é", "index.html", "x.html", "..a", "tags"])


@given(st.lists(_SEGMENT, max_size=4), st.lists(_SEGMENT, min_size=1, max_size=4))
def test_relative_url_agrees_with_posixpath_relpath(here: list[str], there: list[str]) -> None:
    page, target = "/".join([*here, "page.html"]), "/".join(there)
    expected = posixpath.relpath(target, posixpath.dirname(page) or ".")
    assert unquote(relative_url(page, target)) == expected


def test_long_names_are_cut_to_whole_characters_within_the_byte_limit() -> None:
    assert slugify_segment("a" * 149 + "é") == "a" * 149  # "é" would straddle byte 150
    assert slugify_segment("é" * 200) == "é" * 75
    assert slugify_segment("a" * 149 + "-b") == "a" * 149  # no dash left at the cut
    assert slugify_segment("X" * 200) == "X" * 150  # only dots and dashes are cut off its ends


def test_headings_without_letters_get_an_id_all_the_same() -> None:
    assert heading_id("???") == "section"
    assert heading_id("  A  b ") == "a--b"
    assert heading_key("Café – the #1 [[x]]") == "café the 1 x"
    assert heading_key("Cafe\u0301") == heading_key("Café") != heading_key("Cafe")


def test_attachment_names_keep_their_extension_in_lower_case() -> None:
    assert attachment_out_path("README") == "README"
    assert attachment_out_path("a b/Photo 1.JPEG") == "a-b/Photo-1.jpeg"
    assert attachment_out_path("x.tar.GZ") == "x.tar.gz"


def test_urls_between_pages_with_fragments() -> None:
    assert relative_url("a/b.html", "c.html", "Sec tion ^x/y") == "../c.html#Sec%20tion%20^x%2Fy"
    assert relative_url("a/b.html", "a/b.html", "top") == "b.html#top"
    assert relative_url("index.html", "a b/c.html") == "a%20b/c.html"
    assert str(Href("a/b.html", "c/d.html")) == "../c/d.html"
    assert root_prefix("a/b/c.html") == "../../" and root_prefix("c.html") == ""
    assert page_out_path(Slug("a/b")) == "a/b.html"
    assert page_out_path(Slug("a/b"), folder_index=True) == "a/b/index.html"


def test_vault_paths_use_slashes_and_nfc_on_every_system() -> None:
    assert vault_path_of(PureWindowsPath("Notes\\Cafe\u0301.md")) == "Notes/Café.md"
    assert vault_path_of(PurePosixPath("a/b.md")) == "a/b.md"
    assert is_inside(PurePosixPath("/a/b"), PurePosixPath("/a"))
    assert is_inside(PurePosixPath("/a"), PurePosixPath("/a"))
    assert not is_inside(PurePosixPath("/ab"), PurePosixPath("/a"))
    assert not is_inside(PurePosixPath("/a"), PurePosixPath("/a/b"))
    assert fold("ÇAFÉ") == "çafé" and fold("Straße") == "strasse"
    assert fold("CAFE\u0301") == "café"  # composed again after case folding


def test_backslashes_in_a_vault_path_are_folder_separators() -> None:
    assert normalize_vault_path("a\\b\\..\\c.md") == "a/c.md"
    assert normalize_vault_path("..\\outside.md") is None
    assert slugify("Notes\\Sub\\Page") == "Notes/Sub/Page"


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        ("", "/"),
        ("  ", "/"),
        ("https://example.org/notes/", "/notes/"),
        ("https://example.org", "/"),
        ("example.org/notes", "/notes/"),  # a host without a scheme
        ("//example.org/notes", "/notes/"),  # a scheme-relative URL
        ("/notes", "/notes/"),  # a path alone
        ("https://example.org/notes/X/", "/notes/X/"),
        ("https://example.org/my notes/", "/my%20notes/"),
        ("https://example.org/my%20notes", "/my%20notes/"),
    ],
)
def test_the_404_pages_root_is_the_path_of_base_url(base_url: str, root: str) -> None:
    assert root_path(base_url) == root


def test_the_vault_roots_slug_is_index_and_a_name_of_punctuation_is_untitled() -> None:
    assert slugify("") == "index" and slugify("/") == "index"
    assert slugify("!!!") == "untitled" and slugify("a/???") == "a/untitled"
