"""The deploy rehearsal itself (docs/rehearsal.md), fast: not the app's rehearsal.

- every gap of the emulator extension has a check that passes (``rehearsal/selfcheck.py``,
  run in-process with moto's mock in the rehearsal's virtualenv) and is documented;
- the driver, against small hand-made cloud assemblies and the real emulator and CLI,
  fails (exit 1, the step and the cause named) when a stack fails to deploy, when a
  stack is left behind by a destroy, and when a resource is silently left behind.

``make rehearse`` (the app's dev environment and a branch environment, minutes) is not
part of ``make test``; ``make rehearsal-deps`` makes the virtualenv these tests use.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

VENV_PYTHON = ROOT / ".venv-rehearsal" / "bin" / "python"


def gap_names() -> list[str]:
    """The gaps as rehearsal/emulator/__init__.py lists them (read without importing moto)."""
    tree = ast.parse((ROOT / "rehearsal" / "emulator" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "GAPS":
            return [element.elts[0].value for element in node.value.elts]  # type: ignore[attr-defined]
    raise AssertionError("no GAPS in rehearsal/emulator/__init__.py")


def environment(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "REHEARSAL_"))
           and k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env |= {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "PYTHONPATH": str(ROOT), **extra}
    return env


@pytest.fixture(scope="module")
def rehearsal_python() -> Path:
    result = subprocess.run(["make", "--no-print-directory", "rehearsal-deps"], cwd=ROOT, capture_output=True, text=True,
                            env=environment(), timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return VENV_PYTHON


def stack_template(resources: dict) -> dict:
    return {"Resources": resources}


def write_assembly(folder: Path, stacks: dict[str, dict]) -> Path:
    """A cloud assembly as `cdk synth` writes it: a manifest and one template per stack."""
    folder.mkdir(parents=True)
    artifacts = {}
    for name, template in stacks.items():
        (folder / f"{name}.template.json").write_text(json.dumps(template))
        artifacts[name] = {"type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1",
                           "properties": {"templateFile": f"{name}.template.json", "stackName": name}}
    (folder / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    return folder


TOPIC = {"Type": "AWS::SNS::Topic"}


@pytest.fixture(scope="module")
def runs(rehearsal_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess]:
    """The self-checks and three driver runs, started together (each mostly waits)."""
    base = tmp_path_factory.mktemp("rehearsal")
    good = write_assembly(base / "good", {"rehearsal-test-app": stack_template({"Topic": TOPIC})})
    broken = write_assembly(base / "broken", {
        "rehearsal-test-ok": stack_template({"Topic": TOPIC}),
        "rehearsal-test-broken": stack_template({"Topic": TOPIC, "Gadget": {"Type": "AWS::Made::Up", "Properties": {}}}),
    })
    driver = [str(rehearsal_python), "-m", "rehearsal.driver"]
    commands = {
        "selfcheck": ([str(rehearsal_python), "-m", "rehearsal.selfcheck"], {}),
        "deploy-fails": ([*driver, "--app", str(broken), "--work", str(base / "w1")], {}),
        "stack-left": ([*driver, "--app", str(good), "--work", str(base / "w2")],
                       {"REHEARSAL_FAULTS": "fail-delete:rehearsal-test-app"}),
        "resource-left": ([*driver, "--app", str(good), "--work", str(base / "w3")],
                          {"REHEARSAL_FAULTS": "leave-resource:Topic"}),
    }
    started = {name: subprocess.Popen(argv, cwd=ROOT, env=environment(**extra), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
               for name, (argv, extra) in commands.items()}
    results = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=300)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return results


@pytest.fixture(scope="module")
def selfcheck(runs) -> dict[str, dict]:
    result = runs["selfcheck"]
    assert result.returncode == 0, result.stderr[-3000:]
    return {line["gap"]: line for line in map(json.loads, result.stdout.splitlines())}


@pytest.mark.parametrize("gap", gap_names())
def test_each_gap_of_the_emulator_has_a_passing_check(gap, selfcheck):
    assert gap in selfcheck, f"no result for {gap}"
    assert selfcheck[gap]["ok"], selfcheck[gap].get("trace") or selfcheck[gap]["detail"]


def test_each_gap_is_documented():
    docs = (ROOT / "docs" / "rehearsal.md").read_text()
    missing = [gap for gap in gap_names() if f"`{gap}`" not in docs]
    assert not missing, f"docs/rehearsal.md does not describe {missing}"


def test_the_rehearsal_fails_when_a_stack_fails_to_deploy(runs):
    result = runs["deploy-fails"]
    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    assert any(line.startswith("ok   bootstrap") for line in lines), result.stdout
    failed = [line for line in lines if line.startswith("FAIL")]
    assert failed and failed[0].startswith("FAIL deploy"), result.stdout
    # The step's log names the stack, the resource and why.
    assert "rehearsal-test-broken" in result.stdout and "Gadget" in result.stdout, result.stdout
    assert "AWS::Made::Up" in result.stdout, result.stdout
    assert "Rehearsal FAILED" in result.stdout


def test_the_rehearsal_fails_when_a_stack_is_left_behind(runs):
    result = runs["stack-left"]
    assert result.returncode == 1, result.stdout
    # Everything before the destroy passed: deploy, an unchanged redeploy, a diff without differences.
    for step in ("deploy", "redeploy", "diff"):
        assert any(line.startswith(f"ok   {step}") for line in result.stdout.splitlines()), result.stdout
    assert "FAIL destroy" in result.stdout and "rehearsal-test-app" in result.stdout, result.stdout


def test_the_rehearsal_fails_when_a_resource_is_left_behind_silently(runs):
    """The CLI reports success (the stack says DELETE_COMPLETE); the account still holds the topic."""
    result = runs["resource-left"]
    assert result.returncode == 1, result.stdout
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert failed and failed[0].startswith("FAIL destroy"), result.stdout
    assert "sns topic" in failed[0] and "left behind" in failed[0], failed[0]


def test_the_emulator_is_stopped_whatever_happens(runs):
    for name in ("deploy-fails", "stack-left", "resource-left"):
        port_line = next(line for line in runs[name].stdout.splitlines() if line.startswith("ok   emulator"))
        port = port_line.rsplit(":", 1)[1].strip()
        probe = subprocess.run([sys.executable, "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), 1)"],
                               capture_output=True)
        assert probe.returncode != 0, f"the emulator of {name} still listens on {port}"
