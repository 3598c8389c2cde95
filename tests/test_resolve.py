"""Link resolution follows Obsidian's rules (garden/resolve.py states them)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from garden.model import Note, Resolution
from garden.paths import VaultPath, fold
from garden.resolve import NoteIndex, resolve_target


def note(path: str, aliases: tuple[str, ...] = ()) -> Note:
    name = path.rsplit("/", 1)[-1][:-3]
    return Note(VaultPath(path), name, {}, (), aliases, (), frozenset(), (), [])


NOTES = [
    note("Note.md"),
    note("a/Note.md"),
    note("b/Note.md"),
    note("a/b/Note.md"),
    note("zzzz/deep/Other.md"),
    note("Projects/Three laws of motion.md", aliases=("3 laws",)),
    note("Café.md"),
    note("x/Only here.md"),
    note("y/Shared.md"),
    note("zz/Shared.md"),
    note("p/q/Shared.md"),
    note("m/n/o/Deep.md"),
    note("N.md"),  # "Note" without its last three letters
]
ATTACHMENTS = [VaultPath("img/Figure 1.png"), VaultPath("docs/Manual.pdf")]
FOLDERS = {
    "a",
    "a/b",
    "b",
    "zzzz",
    "zzzz/deep",
    "Projects",
    "x",
    "y",
    "zz",
    "p",
    "p/q",
    "m",
    "m/n",
    "m/n/o",
    "img",
    "docs",
}
INDEX = NoteIndex(NOTES, ATTACHMENTS, FOLDERS)

CASES = [
    # (target as written, linking note, expected kind, expected target)
    ("Note", "zzzz/deep/Other.md", "note", "Note.md"),  # exact vault path wins
    ("Note", "a/Other.md", "note", "Note.md"),  # ... even over a note beside the source
    ("b/Note", "a/x.md", "note", "b/Note.md"),  # exact path wins over a/b/Note.md
    ("Shared", "zz/x.md", "note", "zz/Shared.md"),  # own folder wins
    ("Shared", "zzzz/deep/Other.md", "note", "y/Shared.md"),  # else shortest path
    ("Shared", "p/x.md", "note", "y/Shared.md"),  # an ancestor folder counts for nothing
    ("q/Shared", "Note.md", "note", "p/q/Shared.md"),  # partial path from the end
    ("n/o/Deep", "Note.md", "note", "m/n/o/Deep.md"),  # ... of more than one folder
    ("b\\Note", "a/x.md", "note", "b/Note.md"),  # a Windows path's separators
    ("..\\Note", "a/b/x.md", "note", "a/Note.md"),
    ("Note\\", "Note.md", "broken", None),
    ("note", "x/Only here.md", "note", "Note.md"),  # case-insensitive
    ("NOTE.MD", "x/Only here.md", "note", "Note.md"),  # extension optional, any case
    ("Three laws of motion", "Note.md", "note", "Projects/Three laws of motion.md"),
    ("Projects/Three laws of motion.md", "Note.md", "note", "Projects/Three laws of motion.md"),
    ("3 laws", "Note.md", "note", "Projects/Three laws of motion.md"),  # alias
    ("3 LAWS", "Note.md", "note", "Projects/Three laws of motion.md"),
    ("Cafe\u0301", "Note.md", "note", "Café.md"),  # NFD link to an NFC file name
    ("./Note", "a/x.md", "note", "a/Note.md"),  # relative to the linking note
    ("../Note", "a/b/x.md", "note", "a/Note.md"),
    ("../../Note", "a/b/x.md", "note", "Note.md"),
    ("/b/Note", "a/x.md", "note", "b/Note.md"),  # root-absolute
    ("Figure 1.png", "Note.md", "attachment", "img/Figure 1.png"),
    ("img/figure 1.PNG", "Note.md", "attachment", "img/Figure 1.png"),
    ("Manual.pdf", "Note.md", "attachment", "docs/Manual.pdf"),
    ("Projects/", "Note.md", "folder", "Projects"),
    ("zzzz/deep/", "Note.md", "folder", "zzzz/deep"),
    ("Projects", "Note.md", "folder", "Projects"),  # no note of that name: the folder
    ("/", "a/x.md", "folder", ""),  # the vault's root folder
    ("Note/", "Note.md", "broken", None),  # a folder link never finds a note
    ("Nowhere/", "Note.md", "broken", None),
    ("", "a/Note.md", "note", "a/Note.md"),  # [[#Heading]]
    ("Figure 1", "Note.md", "broken", None),  # other files need their extension
    ("Nowhere", "Note.md", "broken", None),
    ("../Note", "Note.md", "broken", None),  # climbs out of the vault
    ("../../../etc/passwd", "a/x.md", "broken", None),
    ("./Only here", "Note.md", "broken", None),  # relative: not in this folder
]


@pytest.mark.parametrize(("target", "source", "kind", "expected"), CASES)
def test_resolution_rules(target: str, source: str, kind: str, expected: str | None) -> None:
    res = resolve_target(INDEX, target, VaultPath(source))
    assert (res.kind, res.target) == (kind, expected)


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("../Note", "points outside the vault"),
        ("Nowhere", "no such note or file"),
        ("Nowhere/", "no such note or file"),
    ],
)
def test_a_broken_link_says_why(target: str, reason: str) -> None:
    assert resolve_target(INDEX, target, VaultPath("Note.md")) == Resolution(
        "broken", reason=reason
    )


def test_headings_are_found_by_text_by_the_last_of_a_chain_or_by_their_id() -> None:
    from garden.parse import parse_note_bytes
    from garden.resolve import resolve_vault

    b = parse_note_bytes(VaultPath("B.md"), b"# Top\n\n## Mid\n\n### Low\n\n## Mid\n")[0]
    links = "[[B#Top#Mid#Low]] [[B#mid-1]] [[B#Missing]] [[B#^nope]]"
    a = parse_note_bytes(VaultPath("A.md"), links.encode())[0]
    vault, warnings = resolve_vault([a, b], [], {""})
    anchors = {key[1][1] or key[1][2]: res.anchor for key, res in vault.resolutions.items()}
    assert anchors == {"Top#Mid#Low": "low", "mid-1": "mid-1", "Missing": None, "nope": None}
    assert [w.message for w in warnings] == [
        "no heading 'Missing' in B.md",
        "no block ^nope in B.md",
    ]


@given(st.sampled_from(NOTES), st.sampled_from(NOTES))
def test_a_notes_own_path_resolves_to_it(target: Note, source: Note) -> None:
    for written in (target.path, target.path[:-3], "/" + target.path):
        assert resolve_target(INDEX, written, source.path).target == target.path


@given(st.sampled_from(NOTES), st.sampled_from(NOTES), st.sampled_from(["upper", "lower", "nfd"]))
def test_case_and_unicode_form_do_not_matter(target: Note, source: Note, form: str) -> None:
    written = target.path[:-3]
    variant = {
        "upper": written.upper(),
        "lower": written.lower(),
        "nfd": unicodedata.normalize("NFD", written),
    }[form]
    plain = resolve_target(INDEX, written, source.path)
    assert resolve_target(INDEX, variant, source.path) == plain


_NAME = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\#|^[]"),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() not in ("", ".", ".."))


@given(
    st.lists(st.tuples(st.sampled_from(["", "a/", "a/b/", "c/"]), _NAME), min_size=1, max_size=8)
)
def test_bare_names_resolve_to_a_note_of_that_name(entries: list[tuple[str, str]]) -> None:
    notes = {
        f"{folder}{name.strip()}.md": note(f"{folder}{name.strip()}.md") for folder, name in entries
    }
    index = NoteIndex(notes.values(), (), {"a", "a/b", "c"})
    for path in notes:
        name = path.rsplit("/", 1)[-1][:-3]
        res = resolve_target(index, name, VaultPath("c/source.md"))
        assert res.kind == "note"
        assert res.target is not None
        assert fold(res.target.rsplit("/", 1)[-1][:-3]) == fold(name)
        assert res.target in notes  # never outside the vault's notes


def test_a_name_ending_in_md_can_still_be_a_note_name() -> None:
    index = NoteIndex([note("x.md.md")], (), set())
    assert resolve_target(index, "x.md", VaultPath("a.md")).target == "x.md.md"


_names = st.sampled_from(["Note", "note", "Other", "Roses", "Café", "Cafe\u0301", "x"])
_folders = st.sampled_from(["", "a/", "a/b/", "c/"])


@given(
    st.lists(st.tuples(_folders, _names, st.booleans()), min_size=1, max_size=8),
    st.lists(st.tuples(st.integers(0, 7), _folders, _names), max_size=12),
)
def test_published_links_only_reach_published_notes(
    specs: list[tuple[str, str, bool]], links: list[tuple[int, str, str]]
) -> None:
    from garden.parse import parse_note_bytes
    from garden.publish import filter_published
    from garden.resolve import resolve_vault

    notes: dict[str, str] = {}
    for folder, name, draft in specs:
        notes.setdefault(f"{folder}{name}.md", "---\ndraft: true\n---\n" if draft else "")
    paths = sorted(notes)
    for i, folder, name in links:
        src = paths[i % len(paths)]
        notes[src] += f"\n[[{folder}{name}]] ![[{name}]]\n"
    parsed = [parse_note_bytes(VaultPath(p), text.encode())[0] for p, text in notes.items()]
    folders = {p.rsplit("/", 1)[0] for p in notes if "/" in p} | {"a"}
    vault, _ = resolve_vault(parsed, [], folders)
    published, reasons = filter_published(vault)
    for (source, _key), res in published.resolutions.items():
        assert source in published.notes
        if res.kind == "note":
            assert res.target in published.notes
            assert res.target not in reasons


def test_last_resolution_is_reused_only_while_it_still_holds(tmp_path: Path) -> None:
    """``garden serve`` keeps the last resolution while edits change only notes' text."""
    from garden.model import SourceFile
    from garden.parse import parse_note_bytes
    from garden.resolve import resolve_vault, reuse_resolution

    def notes(**texts: str) -> list[Note]:
        return [parse_note_bytes(VaultPath(p + ".md"), t.encode())[0] for p, t in texts.items()]

    pic = SourceFile(VaultPath("pic.png"), tmp_path / "pic.png", "attachment")
    first = notes(A="# A\n\nSee [[B#Part]].\n", B="# B\n\n## Part\n\nText.\n")
    vault, _ = resolve_vault(first, [pic], {""})
    # B's text edited, A the very same object: the links, graph and warnings still hold.
    edited = [first[0], *notes(B="# B\n\n## Part\n\nOther text, longer.\n")]
    reused = reuse_resolution(vault, edited, [pic], {""})
    assert reused is not None and reused.notes[VaultPath("B.md")] is edited[1]
    assert reused.resolutions == resolve_vault(edited, [pic], {""})[0].resolutions
    changes = {
        "a heading renamed": (notes(A="# A\n\nSee [[B#Part]].\n", B="## Part 2\n"), [pic], {""}),
        "a link added": (notes(A="# A\n\nSee [[B#Part]], [[C]].\n", B="## Part\n"), [pic], {""}),
        "a note added": (first + notes(C="c\n"), [pic], {""}),
        "an attachment gone": (first, [], {""}),
        "an attachment ignored": (first, [SourceFile(pic.path, pic.abs_path, pic.kind, "*")], {""}),
        "a folder added": (first, [pic], {"", "New"}),
    }
    for what, (now, attachments, folders) in changes.items():
        assert reuse_resolution(vault, now, attachments, folders) is None, what


def test_the_home_page_is_the_configured_note_or_the_root_index() -> None:
    from garden.diagnostics import Category, Diagnostic
    from garden.resolve import find_home, resolve_vault

    vault, _ = resolve_vault([note("index.md"), note("Start.md"), note("sub/index.md")], [], {""})
    assert find_home(vault, "") == ("index.md", [])
    assert find_home(vault, "start") == ("Start.md", [])
    for home in ("/", "Nowhere"):  # the root folder is no note either
        problem = f"home note {home!r} is not a published note; using a generated home page"
        assert find_home(vault, home) == (None, [Diagnostic(Category.CONFIG, "", 0, problem)])
    without, _ = resolve_vault([note("sub/index.md")], [], {""})
    assert find_home(without, "") == (None, [])


def test_the_same_link_in_two_folders_resolves_from_each_ones_folder() -> None:
    """Resolution is cached by link text and linking folder: never across folders."""
    from garden.parse import parse_note_bytes
    from garden.resolve import resolve_vault

    texts = {"a/x": "[[Shared]] [[./Here]]", "b/y": "[[Shared]] [[./Here]]"}
    texts |= {f"{folder}/{name}": "" for folder in "ab" for name in ("Shared", "Here")}
    notes = [parse_note_bytes(VaultPath(p + ".md"), t.encode())[0] for p, t in texts.items()]
    vault, _ = resolve_vault(notes, [], {"", "a", "b"})
    for source, folder in (("a/x.md", "a"), ("b/y.md", "b")):
        for target, found in (("Shared", "Shared"), ("./Here", "Here")):
            assert (
                vault.resolutions[(source, (target, None, None))].target == f"{folder}/{found}.md"
            )


def test_the_graph_has_an_edge_per_linked_note_and_no_other() -> None:
    """Backlinks and the graph view are drawn from these edges: a link to another note is one;
    a link to the note itself, to an attachment or a folder, or a diagram's node is none. A
    ``#View`` after a base names one of its views, not a heading: no warning."""
    from garden.diagnostics import Category
    from garden.model import LinkRef, SourceFile, SourceKind
    from garden.resolve import resolve_vault

    def with_links(path: str, *links: LinkRef, kind: SourceKind = "note") -> Note:
        return Note(VaultPath(path), path, {}, (), (), (), frozenset(), links, [], kind=kind)

    links = (
        LinkRef("B"),
        LinkRef("A", heading="Nowhere", line=3),
        LinkRef("pic.png"),
        LinkRef("Sub/"),
        LinkRef("C", syntax="diagram"),
        LinkRef("Books.base", heading="Gallery"),
        LinkRef("D"),
    )
    notes = [
        with_links("A.md", *links),
        with_links("B.md"),
        with_links("C.md"),
        with_links("Sub/D.md"),
        with_links("Books.base", kind="base"),
    ]
    pic = SourceFile(VaultPath("pic.png"), Path("pic.png"), "attachment")
    vault, warnings = resolve_vault(notes, [pic], {"", "Sub"})
    assert sorted(vault.graph.edges) == [
        ("A.md", "B.md"),
        ("A.md", "Books.base"),
        ("A.md", "Sub/D.md"),
    ]
    assert sorted(vault.graph.nodes) == sorted(n.path for n in notes)
    assert [(w.category, w.path, w.line, w.message) for w in warnings] == [
        (Category.ANCHOR, "A.md", 3, "no heading 'Nowhere' in A.md")
    ]
    assert vault.resolutions[("A.md", ("C", None, None))] == Resolution("note", VaultPath("C.md"))
    assert vault.resolutions[("A.md", ("A", "Nowhere", None))] == Resolution("note", "A.md", None)
    assert vault.notes == {n.path: n for n in notes}
    assert vault.attachments == {pic.path: pic} and vault.folders == frozenset({"", "Sub"})


LINK_TEXTS = [
    "Note",
    "Shared",
    "Only here",
    "./Note",
    "../Note",
    "/a/Note",
    "a/Note",
    "b/Note.md",
    "3 laws",
    "Deep",
    "o/Deep",
    "Missing",
    "a/",
    "../../x/Only here",
    "",
    "Figure 1.png",
]


@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(n.path for n in NOTES)), st.sampled_from(LINK_TEXTS)),
        min_size=1,
        max_size=30,
    )
)
def test_resolving_a_vault_gives_each_link_what_resolve_target_gives_it(
    links: list[tuple[str, str]],
) -> None:
    """``resolve_vault`` reuses a text's resolution in other notes when no folder decided it:
    a link resolved from any note is what resolving it from that very note gives."""
    from garden.model import LinkRef
    from garden.resolve import resolve_vault

    refs: dict[str, list[LinkRef]] = {}
    for source, text in links:
        refs.setdefault(source, []).append(LinkRef(text))
    notes = [
        Note(n.path, n.title, {}, (), n.aliases, (), frozenset(), tuple(refs.get(n.path, ())), [])
        for n in NOTES
    ]
    vault, _ = resolve_vault(notes, [], set(FOLDERS))
    index = NoteIndex(notes, (), FOLDERS)
    for source, text in links:
        key = (VaultPath(source), LinkRef(text).key)
        assert vault.resolutions[key] == resolve_target(index, text, VaultPath(source))
