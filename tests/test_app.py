"""app.py as the CDK CLI runs it: a subprocess with context in CDK_CONTEXT_JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CDK_CONTEXT, ROOT


def run_app(outdir: Path, context: dict, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    # Nothing from the AWS environment: no credentials, no region, no profile.
    # As the CLI runs it (aws-cdk-lib prints no validation report where it sees pytest's variables).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "PYTEST_"))}
    env.update(extra_env or {})
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps({**CDK_CONTEXT, **context})
    return subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def templates(outdir: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(outdir.glob("*.template.json"))}


@pytest.fixture(scope="module")
def dev_without_aws(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    outdir = tmp_path_factory.mktemp("no-aws")
    return run_app(outdir, {"env": "dev"}), outdir


def test_synthesis_needs_no_aws_environment(dev_without_aws):
    result, outdir = dev_without_aws
    assert result.returncode == 0, result.stderr[-3000:]
    # A clean synth prints no validation warning (and no deprecation notice) a user would learn to ignore.
    assert "WARNING" not in result.stdout + result.stderr and "deprecated" not in result.stdout + result.stderr
    # -c env: the environment's stacks are top-level (artifact IDs from their path "dev/<Tier>").
    assert list(templates(outdir)) == [
        f"dev{tier}.template.json" for tier in ("AuthD39E3ACC", "Compute13FAA8E5", "Data58C5D5B6", "Edge102E14EE",
                                               "EdgeGlobal84457B09", "FrontendBE10DBE4", "Network06E556FF",
                                               "Observability41F58AA8")
    ]


def test_aws_variables_do_not_change_the_output(dev_without_aws, tmp_path):
    _, reference_dir = dev_without_aws
    result = run_app(tmp_path, {"env": "dev"}, {
        "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_PROFILE": "someone-else",
        "CDK_DEFAULT_ACCOUNT": "999999999999", "CDK_DEFAULT_REGION": "eu-west-1",
    })
    assert result.returncode == 0, result.stderr[-3000:]
    assert templates(tmp_path) == templates(reference_dir)


@pytest.mark.parametrize(
    "context, expected",
    [
        ({"env": "qa"}, "environment 'qa' does not exist in profile 'reference'"),
        ({"env": "dev", "branch": "///"}, "branch '///': has no letters or digits"),
        ({"profile": "nope"}, "profile 'nope' does not exist"),
        ({"account": "not-an-account"}, "account = 'not-an-account' (from -c account= on the command line): must be a 12-digit AWS account ID"),
    ],
)
def test_bad_input_stops_with_one_clear_message_and_no_assembly(tmp_path, context, expected):
    result = run_app(tmp_path, context)
    assert result.returncode == 1
    assert result.stderr.startswith("Invalid configuration, synthesis stopped:")
    assert expected in result.stderr and "Fix:" in result.stderr
    assert "Traceback" not in result.stderr and "jsii" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_validation_failure_stops_with_the_report_and_no_traceback(tmp_path):
    """A cdk-nag finding (here: every acknowledgment dropped) stops synthesis with CDK's report
    and one line of advice, exit 1, no jsii traceback."""
    # As the CLI runs it: aws-cdk-lib prints no validation report where it sees pytest's variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "PYTEST_"))}
    env["CDK_OUTDIR"] = str(tmp_path)
    env["CDK_CONTEXT_JSON"] = json.dumps({**CDK_CONTEXT, "env": "dev"})
    script = ("import infra_constructs.compliance as c; c.acknowledge = lambda *args, **kwargs: None; "
              "import app; app.main()")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    output = result.stdout + result.stderr  # CDK prints its report on stdout
    assert "AwsSolutions-" in output and "Synthesis stopped by the validation report above" in result.stderr
    assert "Traceback" not in output and "JavaScriptError" not in output
