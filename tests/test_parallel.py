"""Notes are parsed and their pages drawn in worker processes on a large vault: the site, its
warnings and the incremental rebuild after it are the same whatever the number of workers."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import make_vault
from PIL import Image

import garden.render.pages as pages
from garden.build import build
from garden.diagnostics import Reporter
from garden.model import Note
from garden.notecache import NOTES_FOR_WORKERS
from garden.parallel import can_fork
from garden.render.memo import PageRecord

NOTES = 90  # over the threshold for workers, both to parse and to draw


def _png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _vault(root: Path) -> Path:
    """Notes in folders with every kind of link, embeds of notes, sections and blocks (some of
    them cycles), images (sized, two names for one picture), broken links, tags, footnotes,
    callouts, code, math, comments, a diagram and a canvas."""
    files: dict[str, str | bytes] = {
        "pics/photo.png": _png(900, 600, (40, 120, 90)),
        "pics/photo copy.png": _png(900, 600, (40, 120, 90)),
        "pics/other.png": _png(300, 200, (200, 80, 40)),
        "Board.canvas": json.dumps(
            {
                "nodes": [
                    {
                        "id": "a",
                        "type": "text",
                        "text": "[[Note 3]] #idea",
                        "x": 0,
                        "y": 0,
                        "width": 200,
                        "height": 100,
                    },
                    {
                        "id": "b",
                        "type": "file",
                        "file": "Area 1/Part 1/Note 1.md",
                        "x": 300,
                        "y": 0,
                        "width": 200,
                        "height": 100,
                    },
                ],
                "edges": [{"id": "e", "fromNode": "a", "toNode": "b"}],
            }
        ),
    }
    for i in range(NOTES):
        folder = f"Area {i % 3}/Part {i % 5}"
        a, b, c = (i * 7 + 3) % NOTES, (i * 11 + 5) % NOTES, (i + 1) % NOTES
        image = ("photo.png|320", "photo copy.png", "other.png|100")[i % 3]
        parts = [
            "---",
            f"tags: [area/{i % 3}]",
            f"date: 2024-01-{1 + i % 28:02d}",
            "---",
            f"Note {i} links [[Note {a}]], [[Note {b}#Section {b}|there]] and [[Missing {i}]].",
            f"#topic/{i % 4} and a footnote[^1] and $x^{i % 5}$. ^b{i}",
            "",
            f"## Section {i}",
            "",
            f"> [!tip] Tip {i}\n> See [[Note {c}]].",
            "",
            "```python",
            f"print({i % 6})",
            "```",
            "",
            f"%% hidden {i} %%",
            "",
            f"![[{image}]]",
            "",
        ]
        if i % 4 == 0:
            parts.append(f"![[Note {c}#Section {c}]]\n")
        if i % 9 == 0:
            parts.append(f"![[Note {a}#^b{a}]]\n")
        if i == 5:
            parts.append("```mermaid\nflowchart LR\n  A --> B\n```\n")
        if i == 6:
            parts.append("![[Board.canvas]]\n")
        parts.append("[^1]: The footnote.\n")
        files[f"{folder}/Note {i}.md"] = "\n".join(parts)
    files["index.md"] = "# Home\n\n[[Note 1]] and [[Board.canvas]].\n"
    return make_vault(root, files)


def _tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _build(vault: Path, out: Path, jobs: int, **kwargs: object) -> tuple[list[object], str]:
    """The build's warnings, and what it printed of them (each once, in order: a file written
    line by line, as a terminal is, so a worker printing its own would show)."""
    (vault / "garden.yaml").write_text(f"jobs: {jobs}\n")
    log = out.parent / f"{out.name}.log"
    with open(log, "w", buffering=1, encoding="utf-8") as printed:
        reporter = Reporter(printed)
        build(vault, out, reporter=reporter, **kwargs)  # type: ignore[arg-type]
    return list(reporter.diagnostics), log.read_text(encoding="utf-8")


@pytest.mark.skipif(not can_fork(), reason="pages are drawn in forked workers on Linux only")
def test_the_site_is_the_same_with_one_worker_and_with_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert NOTES >= NOTES_FOR_WORKERS and NOTES >= pages.NOTES_FOR_WORKERS
    vault = _vault(tmp_path / "vault")
    drawn_in_workers: list[int] = []
    real = pages.forked_map

    def counting(work, count, jobs, meanwhile=None):  # type: ignore[no-untyped-def]
        found = real(work, count, jobs, meanwhile)
        if found is not None:
            drawn_in_workers.append(count)
        return found

    monkeypatch.setattr(pages, "forked_map", counting)
    one = _build(vault, tmp_path / "one", 1, use_cache=False)
    assert drawn_in_workers == []
    several = _build(vault, tmp_path / "several", 3, use_cache=False)
    assert drawn_in_workers == [NOTES + 2]  # every note and canvas page, in workers
    assert one == several and any(d.category == "broken-link" for d in one[0])  # type: ignore[attr-defined]
    assert _tree(tmp_path / "one") == _tree(tmp_path / "several")

    # An edit that many pages show (a section embedded elsewhere, a title in link tooltips):
    # the incremental build in workers is the clean build of one process.
    note = vault / "Area 1/Part 1/Note 1.md"
    note.write_text(note.read_text().replace("## Section 1", "## Section 1\n\nNew text."))
    shutil.rmtree(tmp_path / "one")
    clean = _build(vault, tmp_path / "one", 1, use_cache=False)
    again = _build(vault, tmp_path / "several", 3)
    assert clean == again
    assert _tree(tmp_path / "one") == _tree(tmp_path / "several")


def test_a_render_worker_keeps_nothing_of_the_pages_it_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker sends each page's record and search document to the build's process and keeps
    neither, nor any note's token tree unpickled (a tree takes several times the memory of its
    pickle): else each worker holds all of them for every page it drew until it ends."""
    vault = _vault(tmp_path / "vault")
    real = pages.SiteRenderer._drawn_in_worker
    held: list[tuple[int, int, int]] = []

    def drawn(self: pages.SiteRenderer, note: Note) -> tuple[PageRecord, bytes | None]:
        found = real(self, note)
        loaded = self.notes_renderer.tokens_of.__self__.loaded  # type: ignore[attr-defined]
        trees = sum(not isinstance(tokens, bytes) for tokens in loaded.values())
        held.append((len(self.memo.new), len(self.search_docs), trees))
        return found

    monkeypatch.setattr(pages.SiteRenderer, "_drawn_in_worker", drawn)
    # The workers' work, done in this process where the test can look at what it keeps.
    monkeypatch.setattr(
        pages, "forked_map", lambda work, count, jobs, meanwhile: [work(i) for i in range(count)]
    )
    _build(vault, tmp_path / "site", 2, use_cache=False)
    assert held == [(0, 0, 0)] * (NOTES + 2)


@pytest.mark.skipif(not can_fork(), reason="workers are forked only where fork is safe")
def test_forked_map_does_the_callers_other_work_while_the_workers_work() -> None:
    """``meanwhile`` runs in the caller's process after the workers are forked: they do not see
    what it changes, and the results come back all the same, in order."""
    from garden.parallel import forked_map

    seen: list[int] = []
    state = {"meanwhile_ran": False}

    def work(i: int) -> tuple[int, bool]:
        return i * i, state["meanwhile_ran"]

    def meanwhile() -> None:
        seen.append(os.getpid())
        state["meanwhile_ran"] = True

    found = forked_map(work, 40, 2, meanwhile=meanwhile)
    assert found == [(i * i, False) for i in range(40)]
    assert seen == [os.getpid()]


def test_a_memo_value_is_made_once_per_build() -> None:
    """The renderer makes the global graph's layout while its workers draw pages, and asks for
    it again when it writes graph.json: the second time, it is the value made the first."""
    from garden.render.memo import PageMemo

    made: list[str] = []
    memo = PageMemo()
    for _ in range(2):
        assert memo.value("layout", "k1", lambda: made.append("k1") or "one") == "one"
    assert memo.value("layout", "k2", lambda: made.append("k2") or "two") == "two"
    assert made == ["k1", "k2"]  # made again only for another key
    assert PageMemo(old_values=memo.new_values).value("layout", "k2", lambda: "three") == "two"
