"""examples/monitoring: the textfile script writes parseable metrics atomically, the probe
command is one the CLI accepts, and the alert rules read metrics schemadiff exports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from schemadiff.cli import cli

from monitoring_support import applied, write_schema

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "monitoring"


def test_textfile_script_writes_metrics_atomically(database_url, tmp_path, sql):
    schema = write_schema(tmp_path)
    applied(database_url, schema)
    sql("DROP TABLE games")  # critical: the script still writes the metrics
    out = tmp_path / "textfile"
    out.mkdir()
    env = {**os.environ, "TEXTFILE_DIR": str(out), "DATABASE_URL": database_url, "SCHEMADIFF_SCHEMA": schema,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["sh", str(EXAMPLES / "schemadiff-textfile.sh")], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [p.name for p in out.iterdir()] == ["schemadiff.prom"]  # no temp file left behind
    samples = {s.name: s.value for f in text_string_to_metric_families((out / "schemadiff.prom").read_text())
               for s in f.samples if not s.labels}
    assert samples["schemadiff_healthy"] == 0 and samples["schemadiff_check_status"] == 2


def test_probe_command_is_accepted_and_passes_on_a_warning(database_url, tmp_path, sql):
    pod = yaml.safe_load((EXAMPLES / "k8s-probes.yaml").read_text())
    container = pod["spec"]["containers"][0]
    command = container["readinessProbe"]["exec"]["command"]
    assert command[0] == "schemadiff" and command == container["livenessProbe"]["exec"]["command"]
    schema = write_schema(tmp_path)
    applied(database_url, schema)
    sql("CREATE TABLE scratch (id int)")  # a warning must not take the pod out of service
    args = ["--database-url", database_url, "--schema", schema, *command[1:]]
    assert CliRunner().invoke(cli, args).exit_code == 0
    sql("DROP TABLE games")
    assert CliRunner().invoke(cli, args).exit_code == 2


def test_alert_rules_use_exported_metrics():
    rules = yaml.safe_load((EXAMPLES / "prometheus-alerts.yaml").read_text())["groups"][0]["rules"]
    exprs = {r["alert"]: r["expr"] for r in rules}
    assert exprs["SchemadiffUnhealthy"] == "schemadiff_healthy == 0"
    assert "schemadiff_check_status" in exprs["SchemadiffCritical"]
    assert all(r["labels"]["severity"] in ("warning", "critical") for r in rules)
