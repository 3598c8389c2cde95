"""Slugs and relative URLs: properties that must hold for any name."""

from __future__ import annotations

import posixpath
import re
import unicodedata
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from garden.paths import (
    WINDOWS_RESERVED,
    attachment_out_path,
    heading_id,
    normalize_vault_path,
    relative_url,
    slugify,
    slugify_segment,
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
