"""Where garden writes outside OUT (the contract): a staging folder beside OUT while a build runs,
and its cache in the user's cache folder, which ``cache_dir`` or ``--cache-dir`` moves."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import GardenHere, make_vault, png

from garden import serve
from garden.cli import main
from garden.console import Console
from garden.lock import build_lock


def garden(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m garden ARGS``: a new process, which knows only what the cache holds on disk
    (the other tests call ``cli.main`` in this process, faster)."""
    return subprocess.run(
        [sys.executable, "-m", "garden", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path / "Notes",
        {
            "index.md": "# Home\n\n[[Other]] ![[p.png|50]]\n",
            "Other.md": "x",
            "p.png": png(200, 100),
        },
    )


def _everything(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


def test_a_build_leaves_nothing_beside_out_and_caches_in_the_user_cache_folder(
    vault: Path, tmp_path: Path, user_cache: Path
) -> None:
    www = tmp_path / "srv" / "www"
    out = www / "notes"
    an_hour_ago = time.time() - 3600  # a file saved just now is not trusted by its stat
    for note in vault.iterdir():
        os.utime(note, (an_hour_ago, an_hour_ago))
    for _ in range(2):  # a first build, and a rebuild that uses the cache
        proc = garden("build", vault, "-o", out)
        assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in www.iterdir()) == ["notes"]  # nothing beside OUT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Notes", "srv"]
    assert "nothing changed since the last build" in proc.stderr  # the cache was found and used
    (site,) = (user_cache / "sites").iterdir()
    assert site.name.startswith("Notes-")
    assert {"site.json", "build/state.pickle", "images.json"} <= _everything(site)
    assert list((user_cache / "images" / "store").rglob("*.webp"))
    assert (user_cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172")


def test_an_out_whose_parent_cannot_be_made_is_a_clear_error(
    vault: Path, tmp_path: Path, garden_here: GardenHere
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    proc = garden_here("build", vault, "-o", tmp_path / "a-file" / "site")
    assert proc.returncode == 2 and "cannot make the staging folder" in proc.stderr
    assert "internal error" not in proc.stderr


def test_one_cache_folder_per_vault_and_out(
    vault: Path, tmp_path: Path, user_cache: Path, garden_here: GardenHere
) -> None:
    other = make_vault(tmp_path / "Other vault", {"index.md": "hi"})
    for v, out in ((vault, "a"), (vault, "b"), (other, "a2")):
        assert garden_here("build", v, "-o", tmp_path / out).returncode == 0
    assert len(list((user_cache / "sites").iterdir())) == 3


def test_cache_dir_moves_the_cache_and_the_flag_wins_over_the_config(
    vault: Path,
    tmp_path: Path,
    user_cache: Path,
    garden_here: GardenHere,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (vault / "garden.yaml").write_text("cache_dir: ../config-cache\n")
    assert garden_here("build", vault, "-o", tmp_path / "site").returncode == 0
    assert (tmp_path / "config-cache" / "sites").is_dir()  # relative to the config file
    ci = tmp_path / "ci"
    monkeypatch.chdir(tmp_path)
    assert garden_here("build", vault, "-o", tmp_path / "site", "--cache-dir", "ci").returncode == 0
    assert (ci / "sites").is_dir() and (ci / "images" / "store").is_dir()  # relative to cwd
    assert not user_cache.exists()


def test_a_cache_in_a_dot_folder_of_the_vault_is_allowed_and_never_published(
    vault: Path, tmp_path: Path, garden_here: GardenHere
) -> None:
    """A CI job whose checkout is the vault can only cache folders inside it (GitLab CI)."""
    cache = vault / ".cache" / "g"
    proc = garden_here("build", vault, "-o", tmp_path / "site", "--cache-dir", cache)
    assert proc.returncode == 0, proc.stderr
    assert (vault / ".cache" / "g" / "sites").is_dir()
    assert not [p for p in (tmp_path / "site").rglob("*") if "sites" in p.parts]
    proc = garden_here("build", vault, "-o", tmp_path / "site", "--cache-dir", vault / "cache")
    assert proc.returncode == 2 and "overlaps the vault" in proc.stderr


def test_cache_info_and_clean(
    vault: Path, tmp_path: Path, user_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = make_vault(
        tmp_path / "Other", {"index.md": "![[q.png]]", "q.png": png(90, 90, (1, 2, 3))}
    )
    assert main(["build", str(vault), "-o", str(tmp_path / "site"), "-q"]) == 0
    assert main(["build", str(other), "-o", str(tmp_path / "site2"), "-q"]) == 0
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    info = capsys.readouterr().out
    assert f"cache folder: {user_cache}" in info and "sites: 2" in info
    assert f"{vault} -> {tmp_path / 'site'}" in info
    assert main(["cache", "info", str(vault)]) == 0
    assert "sites: 1" in capsys.readouterr().out

    store = user_cache / "images" / "store"
    before = {p.name for p in store.rglob("*.webp")}
    assert main(["cache", "clean", str(vault)]) == 0  # only this vault's
    assert len(list((user_cache / "sites").iterdir())) == 1
    after = {p.name for p in store.rglob("*.webp")}
    assert after and after < before  # the other vault's images stay, this one's go
    assert main(["cache", "clean"]) == 0
    assert not user_cache.exists()


def test_a_folder_of_the_users_is_never_a_cache_nor_cleaned(
    vault: Path, tmp_path: Path, garden_here: GardenHere
) -> None:
    mine = make_vault(tmp_path / "mine", {"thesis.tex": "precious", "images/cat.jpg": "meow"})
    before = _everything(mine)
    assert main(["cache", "clean", "--cache-dir", str(mine)]) == 2
    proc = garden_here("build", vault, "-o", tmp_path / "site", "--cache-dir", mine)
    assert proc.returncode == 2 and "holds files garden did not make" in proc.stderr
    assert _everything(mine) == before and (mine / "thesis.tex").read_text() == "precious"
    assert not (tmp_path / "site").exists()


def test_serve_uses_the_same_cache_folder_and_lock(
    vault: Path, tmp_path: Path, user_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = serve.default_out(vault)
    assert out.is_relative_to(user_cache / "serve")
    preview = serve.Preview(vault, out, config_path=None, console=Console(sys.stderr))
    monkeypatch.setattr(serve, "LOCK_WAIT", 0.2)
    with build_lock(out):  # a `garden build -o` into the preview's folder is running
        assert preview.rebuild() is False
        assert preview.state.error is not None
        assert "another garden build is writing" in preview.state.error
    assert preview.rebuild() is True
    assert (out / "index.html").is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]
    assert len(list((user_cache / "sites").iterdir())) == 1
