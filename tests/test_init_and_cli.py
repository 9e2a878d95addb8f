"""`schemadiff init`, and the everyday ergonomics: examples in every --help, colors only on a
terminal and never with NO_COLOR, plain progress lines when stderr is not a terminal."""

from __future__ import annotations

import io
import json

import pytest
from conftest import run_in_process
from click.testing import CliRunner

from schemadiff.cli import app as cli_module
from schemadiff.cli import cli
from schemadiff.desired import load


@pytest.fixture
def project(cli_project):
    return cli_project


run = run_in_process


def test_init_writes_a_valid_starter(project):
    result = run("init")
    assert result.exit_code == 0, result.output
    text = (project / "schema.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=.schemadiff/schema.json\n")
    json.loads((project / ".schemadiff" / "schema.json").read_text())
    assert len(load(project / "schema.yaml").tables) == 1
    assert 'schema = "schema.yaml"' in (project / "schemadiff.toml").read_text()
    assert run("validate").exit_code == 0
    assert run("lint").exit_code == 0
    assert "(schemadiff.toml)" in run("config").output


def test_init_refuses_to_overwrite_without_force(project):
    (project / "schema.yaml").write_text("tables: {}\n")
    refused = run("init")
    assert refused.exit_code == 1 and "already exist" in refused.output and "--force" in refused.output
    assert (project / "schema.yaml").read_text() == "tables: {}\n"
    assert not (project / "schemadiff.toml").exists()
    assert run("init", "--force").exit_code == 0
    assert "users" in (project / "schema.yaml").read_text()


def test_init_from_database(project, database_url, sql):
    sql("CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)")
    result = run("--database-url", database_url, "init", "--from-database")
    assert result.exit_code == 0, result.output
    written = load(project / "schema.yaml")
    assert [t.name for t in written.tables] == ["accounts"]
    assert (project / "schema.yaml").read_text().startswith("# yaml-language-server: $schema=")
    assert "No changes" in run("--database-url", database_url, "plan").output


def all_commands():
    return sorted(cli.commands)


@pytest.mark.parametrize("name", all_commands())
def test_every_command_help_has_an_example(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output, f"`schemadiff {name} --help` shows no example"


def test_group_help_documents_shell_completion():
    assert "_SCHEMADIFF_COMPLETE=bash_source schemadiff" in run("--help").output


def test_shell_completion_script_is_generated():
    result = CliRunner().invoke(cli, [], prog_name="schemadiff", env={"_SCHEMADIFF_COMPLETE": "bash_source"})
    assert "_schemadiff_completion" in result.output


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_colors_only_on_a_terminal_and_not_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli_module.color_enabled(FakeTTY()) is True
    assert cli_module.color_enabled(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli_module.color_enabled(FakeTTY()) is False


def test_piped_output_has_no_escape_codes(project):
    (project / "old.yaml").write_text("tables: {}\n")
    (project / "new.yaml").write_text("tables:\n  t:\n    columns:\n      id: {type: int, nullable: false}\n    primary_key: id\n")
    assert "\033[" not in run("diff", "old.yaml", "new.yaml").output


def test_progress_prints_plain_lines_when_not_a_terminal(capsys):
    class Statement:
        def __init__(self, description):
            self.description = description

    progress = cli_module.progress_printer()
    progress(1, 2, Statement("create table public.a"))
    progress(2, 2, Statement("create index a_idx on public.a"))
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 2 and "\r" not in err and "\033[" not in err
    assert lines[0].startswith("[1/2]") and lines[0].endswith("create table public.a")
    assert lines[1].startswith("[2/2]")
