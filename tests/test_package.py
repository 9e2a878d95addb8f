"""schemadiff is a package a user can install: the wheel built from the repository carries every
module and data file, the version is written in one place, the CHANGELOG records it, and the
CI examples install what exists (schemadiff is not on PyPI). That the installed wheel works in
a fresh virtualenv without the repository is checked by .ci/wheel-smoke, which .ci/run runs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
import yaml

import schemadiff
from core_helpers import REPO

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

PACKAGE = REPO / "schemadiff"
CI_EXAMPLES = REPO / "examples" / "ci"


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def package_files(keep) -> list:
    """Paths (relative to the repository, as a wheel names them) of the package's files that ``keep``."""
    return sorted(p.relative_to(REPO).as_posix() for p in PACKAGE.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc" and keep(p))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """The wheel pip builds from a copy of the repository's sources (a stale build/ left in the
    repository by an earlier build would put files into the wheel that the sources lack)."""
    source = tmp_path_factory.mktemp("source")
    shutil.copy(REPO / "pyproject.toml", source)
    shutil.copy(REPO / "README.md", source)
    shutil.copytree(PACKAGE, source / "schemadiff", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    [path] = out.glob("schemadiff-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


def wheel_metadata(wheel: zipfile.ZipFile, name: str) -> str:
    [path] = [n for n in wheel.namelist() if re.fullmatch(rf"schemadiff-[^/]+\.dist-info/{name}", n)]
    return wheel.read(path).decode("utf-8")


def test_the_wheel_carries_every_data_file_of_every_subpackage(wheel):
    data_files = package_files(lambda p: p.suffix != ".py")
    assert "schemadiff/schema.json" in data_files and "schemadiff/catalog/queries/tables.sql" in data_files
    assert [f for f in data_files if f not in wheel.namelist()] == []


def test_the_wheel_carries_every_module(wheel):
    assert [f for f in package_files(lambda p: p.suffix == ".py") if f not in wheel.namelist()] == []


def test_the_wheel_is_the_version_the_package_reports_with_its_command(wheel):
    metadata = Parser().parsestr(wheel_metadata(wheel, "METADATA"))
    assert metadata["Name"] == "schemadiff" and metadata["Version"] == schemadiff.__version__
    assert "schemadiff = schemadiff.cli:main" in wheel_metadata(wheel, "entry_points.txt")


def test_the_version_is_written_only_in_the_package():
    project = pyproject()
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "schemadiff.__version__"}


def test_the_changelog_records_the_current_version_and_0_1_0():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)
    assert headings[0] == "Unreleased" and "0.1.0" in headings
    current = schemadiff.__version__
    if ".dev" in current:  # a development version: its release is still to come, under Unreleased
        assert current.split(".dev")[0] not in headings
    else:
        assert current in headings


def install_commands(path: Path) -> list:
    """Every ``pip install`` command of a CI example (GitHub steps' run, GitLab's scripts)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    lines = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("run", "script", "before_script") and isinstance(value, (str, list)):
                    lines.extend(value if isinstance(value, list) else value.splitlines())
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(doc)
    return [line for line in lines if "pip install" in line]


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_ci_examples_install_schemadiff_from_its_source_not_an_unpublished_release(name):
    path = CI_EXAMPLES / name
    commands = install_commands(path)
    assert commands and all('"${SCHEMADIFF_SOURCE}"' in c and "==" not in c for c in commands), commands
    source = yaml.safe_load(path.read_text(encoding="utf-8"))["variables" if name == "gitlab-ci.yml" else "env"]
    # The default source is this repository's root as a checkout of it sees it: a directory pip
    # installs as schemadiff.
    assert source["SCHEMADIFF_SOURCE"].startswith((".", "/"))  # pip looks a bare name up on PyPI
    checkout = REPO / source["SCHEMADIFF_SOURCE"]
    assert tomllib.loads((checkout / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"] == "schemadiff"
