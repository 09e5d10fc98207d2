"""app.py as the CDK CLI runs it: a subprocess with context in CDK_CONTEXT_JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.background import Command, background_command
from tests.conftest import CDK_CONTEXT, ROOT


def app_command(outdir: Path, context: dict, argv: tuple[str, ...] = ("app.py",)) -> Command:
    # Nothing from the AWS environment: no credentials, no region, no profile.
    # As the CLI runs it (aws-cdk-lib prints no validation report where it sees pytest's variables).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "PYTEST_"))}
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps({**CDK_CONTEXT, **context})
    return Command([sys.executable, *argv], env=env, cwd=ROOT)


def run_app(outdir: Path, context: dict) -> subprocess.CompletedProcess:
    command = app_command(outdir, context)
    return subprocess.run(command.argv, cwd=command.cwd, env=command.env, capture_output=True, text=True, timeout=300)


@background_command("app-dev")
def _dev(outdir: Path) -> Command:
    return app_command(outdir, {"env": "dev"})


# app.py with a stack cdk-nag refuses (a bucket with none of the settings the packs require).
UNACKNOWLEDGED_APP = """
from aws_cdk import Stack, aws_s3
import stacks.stage

def build(app, configs, *, staged):
    aws_s3.Bucket(Stack(app, "Unacknowledged"), "Bucket")
    return []

stacks.stage.build = build
import app
app.main()
"""


@background_command("app-validation-failure")
def _validation_failure(outdir: Path) -> Command:
    return app_command(outdir, {"env": "dev"}, argv=("-c", UNACKNOWLEDGED_APP))


def templates(outdir: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(outdir.glob("*.template.json"))}


@pytest.mark.background("app-dev")
def test_synthesis_needs_no_aws_environment(background):
    result, outdir = background.result("app-dev")
    assert result.returncode == 0, result.stderr[-3000:]
    # A clean synth prints no validation warning (and no deprecation notice) a user would learn to ignore.
    assert "WARNING" not in result.stdout + result.stderr and "deprecated" not in result.stdout + result.stderr
    # -c env: the environment's stacks are top-level (artifact IDs from their path "dev/<Tier>").
    assert list(templates(outdir)) == [
        f"dev{tier}.template.json" for tier in ("AuthD39E3ACC", "Compute13FAA8E5", "Data58C5D5B6", "Edge102E14EE",
                                               "FrontendBE10DBE4", "Network06E556FF",
                                               "Observability41F58AA8")
    ]


@pytest.mark.background("app-dev")
def test_aws_variables_do_not_change_the_output(background, synthesized):
    """app.py without any AWS variable writes what the session's synthesis wrote with AWS and
    CDK variables pointing at another account and region (tests/conftest.py)."""
    _, outdir = background.result("app-dev")
    written = {name: json.loads(text) for name, text in templates(outdir).items()}
    synth = synthesized["dev"]
    assert written and written == {path.name: synth.templates[tier] for tier, path in synth.template_files.items()}


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


@pytest.mark.background("app-validation-failure")
def test_a_validation_failure_stops_with_the_report_and_no_traceback(background):
    """A cdk-nag finding stops synthesis with CDK's report and one line of advice, exit 1,
    no jsii traceback (``make synth`` then discards the scratch assembly)."""
    result, _ = background.result("app-validation-failure")
    assert result.returncode == 1
    output = result.stdout + result.stderr  # CDK prints its report on stdout
    assert "AwsSolutions-S1" in output and "Synthesis stopped by the validation report above" in result.stderr
    assert "Traceback" not in output and "JavaScriptError" not in output
