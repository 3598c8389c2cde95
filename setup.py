"""The one thing pyproject.toml cannot say: the bundled themes.

They live in ``themes/`` at the top of the repository, where a theme author finds them, and are
installed as package data under ``garden/themes/`` (``garden.theme`` looks there first, then in
the source checkout). pyproject.toml's ``packages.find`` cannot add a package from another
folder, so the package list is made here: every ``garden`` package, found, plus that one.
"""

from setuptools import find_namespace_packages, find_packages, setup

# Every folder of themes/ is listed (as a namespace package of data files): setuptools warns
# about data folders it is not told of.
THEMES = ["garden.themes", *(f"garden.themes.{p}" for p in find_namespace_packages("themes"))]

setup(
    packages=[*find_packages(include=["garden", "garden.*"]), *THEMES],
    package_dir={"garden.themes": "themes"},
    package_data={package: ["*"] for package in THEMES},
    exclude_package_data={package: ["*.pyc"] for package in THEMES},
)
