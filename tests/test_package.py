"""garden installed as a user installs it: the sdist, the wheel built from it, a fresh venv.

The wheel goes into a new virtual environment outside the checkout, and that environment's
``garden`` builds, checks and explains a small vault from a folder outside the checkout: the
bundled theme must come from the installed package, nothing from the source tree.

Fast enough for ``make test``: the sdist and wheel are built without build isolation (the dev
venv has ``build`` and ``setuptools``), the venv is made without pip (the dev venv's pip installs
into it with ``--python``), and dependencies come from a wheelhouse kept in the dev venv: filled
from the package index the first time, then installed with ``--no-index``.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, make_vault, once_per_run

from garden import __version__

DISTRIBUTION = "garden-ssg"
# What a build of the distribution needs from the checkout (the sdist must need nothing else).
SOURCES = ("pyproject.toml", "setup.py", "LICENSE", "README.md", "garden", "themes")
WHEELHOUSE = Path(sys.prefix) / "wheelhouse"


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def _build_distributions(work: Path) -> tuple[Path, Path]:
    """The sdist from a copy of the checkout, then the wheel from the sdist (as pip does)."""
    tree = work / "tree"
    tree.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tree / name)
    dist = work / "dist"
    _run(sys.executable, "-m", "build", "--no-isolation", "--sdist", "-o", dist, tree, cwd=work)
    (sdist,) = dist.glob("*.tar.gz")
    _run(sys.executable, "-m", "build", "--no-isolation", "--wheel", "-o", dist, sdist, cwd=work)
    (wheel,) = dist.glob("*.whl")
    return sdist, wheel


def _install(wheel: Path, venv: Path, work: Path) -> None:
    """A fresh venv with the wheel and its dependencies, from the wheelhouse when it has them."""
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work)
    python = _venv_bin(venv, "python")
    # --no-compile: byte-compiling numpy and the rest would take most of the install's time.
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-compile"]
    offline = [*pip, "--no-index", "--find-links", WHEELHOUSE, wheel]
    proc = subprocess.run(offline, cwd=work, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:  # the first run (or new dependencies): fill the wheelhouse once
        WHEELHOUSE.mkdir(exist_ok=True)
        _run(sys.executable, "-m", "pip", "download", "--quiet", "-d", WHEELHOUSE, wheel, cwd=work)
        for own in WHEELHOUSE.glob("garden_ssg-*"):  # only dependencies are kept
            own.unlink()
        _run(*offline, cwd=work)


def _venv_bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    def make(work: Path) -> tuple[Path, Path, Path]:
        sdist, wheel = _build_distributions(work)
        venv = work / "venv"
        _install(wheel, venv, work)
        return sdist, wheel, venv

    return once_per_run(tmp_path_factory, "package", make)


def test_the_sdist_and_wheel_carry_the_theme_the_licence_and_the_metadata(
    installed: tuple[Path, Path, Path],
) -> None:
    sdist, wheel, _ = installed
    assert wheel.name == f"garden_ssg-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        meta = email.message_from_bytes(whl.read(f"garden_ssg-{__version__}.dist-info/METADATA"))
    theme = REPO / "themes" / "default"
    for path in theme.rglob("*"):
        if path.is_file():
            assert f"garden/themes/default/{path.relative_to(theme).as_posix()}" in names
    assert f"garden_ssg-{__version__}.dist-info/licenses/LICENSE" in names
    assert meta["Name"] == DISTRIBUTION and meta["Version"] == __version__
    assert meta["License-Expression"] == "MIT" and meta["License-File"] == "LICENSE"
    assert not [n for n in names if n.startswith(("tests/", "vault/", "bench/"))]
    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1] for m in tar.getmembers() if "/" in m.name}
    assert {"themes/default/templates/base.html", "LICENSE", "setup.py"} <= members


def test_the_installed_command_builds_checks_and_explains_a_vault(
    installed: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, _, venv = installed
    garden = _venv_bin(venv, "garden")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    vault = make_vault(
        tmp_path / "Notes",
        {
            "index.md": "# Home\n\nSee [[Ideas]] and ![[pic.png|40]].\n",
            "Ideas.md": "---\ntags: [x]\n---\n# Ideas\n\nBack [[index|home]].\n",
            "Private.md": "---\ndraft: true\n---\nSECRET\n",
            "pic.png": (REPO / "vault" / "attachments" / "small.png").read_bytes(),
        },
    )
    where = _run(
        _venv_bin(venv, "python"), "-c", "import garden; print(garden.__file__)", cwd=tmp_path
    )
    assert Path(where.strip()).is_relative_to(venv)  # the installed package, not the checkout
    assert _run(garden, "--version", cwd=tmp_path, env=env).strip() == f"garden {__version__}"

    _run(garden, "build", vault, "-o", "site", "-q", cwd=tmp_path, env=env)
    site = tmp_path / "site"
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Ideas" in home
    assert (site / "static" / "style.css").read_bytes() == (
        REPO / "themes" / "default" / "static" / "style.css"
    ).read_bytes()
    # The image is resized by the installed package's image workers (Pillow from the wheelhouse).
    srcset = re.search(r'srcset="(pic-40w-\w+\.webp) 40w, (pic-80w-\w+\.webp) 80w"', home)
    assert srcset is not None, home
    assert sorted(p.name for p in site.glob("pic-*.webp")) == list(srcset.groups())
    assert "SECRET" not in "".join(p.read_text("utf-8", "replace") for p in site.rglob("*.*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Notes", "site"]  # nothing beside OUT

    checked = _run(garden, "check", vault, cwd=tmp_path, env=env)
    assert "0 broken-link" in checked
    assert (
        "NOT published"
        in subprocess.run(
            [garden, "explain", vault / "Private.md", "--vault", vault],
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    )

    # A theme of one's own, started from the bundled one and named by a path in garden.yaml.
    _run(garden, "theme", "copy", tmp_path / "my-theme", cwd=tmp_path, env=env)
    footer = tmp_path / "my-theme" / "templates" / "partials" / "footer.html"
    footer.write_text("<footer>MY OWN THEME</footer>\n", encoding="utf-8")
    (vault / "garden.yaml").write_text("theme: ../my-theme\n", encoding="utf-8")
    _run(garden, "build", vault, "-o", "site", "-q", cwd=tmp_path, env=env)
    assert "MY OWN THEME" in (site / "index.html").read_text(encoding="utf-8")
