"""The README's deploy, diff and destroy commands, run through the real (pinned) CDK CLI.

The commands are read from the README itself, so the documentation and this test cannot
drift apart. No AWS call is made: ``cdk list`` runs the CLI's own stack selection (the
function ``deploy``, ``diff`` and ``destroy`` use) over assemblies synthesized once per
session, and the top-level stacks of each assembly are what ``--all`` and a plain
``cdk diff`` select.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from stacks.stage import CONSTRUCT_IDS
from tests.background import Command, background_command
from tests.conftest import ROOT, closure, stack_artifacts, tiers

CDK = ROOT / "node_modules" / ".bin" / "cdk"
# (env, branch) of a documented command -> the test variant synthesized the same way.
VARIANT_OF = {("dev", ""): "dev", ("staging", ""): "staging", ("prod", ""): "prod", ("dev", "feature/login-page"): "dev-branch"}


def cli_command(*args: str, cwd: Path, timeout: int = 120) -> Command:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    # No credentials of any kind: nothing here may reach AWS, whatever the machine has.
    env |= {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return Command([str(CDK), *args, "--no-notices"], env=env, cwd=cwd, timeout=timeout)


def cli(*args: str, cwd: Path, timeout: int = 120) -> subprocess.CompletedProcess:
    command = cli_command(*args, cwd=cwd, timeout=timeout)
    return subprocess.run(command.argv, cwd=command.cwd, env=command.env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=command.timeout)


def listed(assembly: Path, *patterns: str) -> list[str]:
    result = cli("list", "--app", str(assembly), *patterns, cwd=assembly.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    return [line.split(" ")[0] for line in result.stdout.splitlines() if line.strip()]


def top_level_stacks(assembly: Path) -> set[str]:
    """What ``--all`` and a plain ``cdk diff`` select: the assembly's own stacks, by the
    hierarchical ID the CLI shows and selects with ("dev/Compute")."""
    return {a["displayName"] for a in stack_artifacts(assembly).values()}


def with_dependencies(assembly: Path, names: list[str]) -> set[str]:
    """The stacks named (hierarchical IDs) and, transitively, every stack they depend on."""
    artifacts = stack_artifacts(assembly)
    by_name = {a["displayName"]: artifact_id for artifact_id, a in artifacts.items()}
    dependencies = {k: [d for d in a.get("dependencies", []) if d in artifacts] for k, a in artifacts.items()}
    return {artifacts[a]["displayName"] for a in closure(dependencies, [by_name[n] for n in names])}


def documented_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Deploying and destroying", 1)[1].split("\n## ", 1)[0]
    return [line.split("#", 1)[0].strip() for line in section.splitlines() if line.startswith("npx cdk ")]


def test_the_readme_documents_deploy_diff_destroy_and_a_branch():
    verbs = {shlex.split(c)[2] for c in documented_commands()}
    assert verbs == {"deploy", "diff", "destroy"}
    assert any("-c branch=" in c for c in documented_commands())


@pytest.mark.parametrize("command", documented_commands())
def test_each_documented_command_selects_exactly_its_environment(command, synthesized):
    words = shlex.split(command)[2:]
    verb, context, names, flags = words[0], {}, [], set()
    rest = iter(words[1:])
    for word in rest:
        if word == "-c":
            key, _, value = next(rest).partition("=")
            context[key] = value
        elif word.startswith("-"):
            flags.add(word)
        else:
            names.append(word)
    variant = VARIANT_OF[(context["env"], context.get("branch", ""))]
    synth = synthesized[variant]
    assembly = synth.assembly
    environment = {f"{synth.config.qualified_name}/{CONSTRUCT_IDS[tier]}" for tier in tiers(variant)}
    # Each stack is the CloudFormation stack its name says.
    names_of = {a["displayName"]: a["properties"]["stackName"] for a in stack_artifacts(assembly).values()}
    assert sorted(names_of.values()) == sorted(synth.stack_names[tier] for tier in tiers(variant))
    # The environment's stacks are the assembly's top-level stacks: --all and plain diff take them.
    assert top_level_stacks(assembly) == environment
    if names:
        assert not flags & {"--all"}
        expected = with_dependencies(assembly, names)
        assert set(names) <= expected <= environment
        assert set(listed(assembly, *names)) == expected
    else:
        # deploy and destroy need --all (the CLI refuses several stacks without it); diff compares them all.
        assert verb == "diff" or "--all" in flags
        assert set(listed(assembly)) == environment
    if verb == "destroy":
        # Only a branch environment is destroyed casually; its stacks are all destroyable.
        assert context.get("branch") and "--force" in flags


@background_command("cdk-diff-every-environment")
def _diff_every_environment(scratch: Path) -> Command:
    """`cdk diff` without -c env, as a user might type it: the app synthesizes every
    environment (a Stage each). No stack is top-level, so no AWS call is made."""
    return cli_command("diff", "--output", str(scratch / "cdk.out"), cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def every_environment(background) -> tuple[subprocess.CompletedProcess, Path]:
    result, scratch = background.result("cdk-diff-every-environment")
    return result, scratch / "cdk.out"


@pytest.mark.background("cdk-diff-every-environment")
def test_a_diff_without_an_environment_says_it_compares_nothing(every_environment):
    result, _ = every_environment
    assert result.returncode == 0, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "Number of stacks with differences: 0" in output
    assert "choose one with -c env=NAME" in output


@pytest.mark.background("cdk-diff-every-environment")
def test_without_an_environment_deploy_all_is_refused_and_stages_select(every_environment):
    _, outdir = every_environment
    assert top_level_stacks(outdir) == set()
    refused = cli("deploy", "--all", "--app", str(outdir), cwd=outdir.parent)
    assert refused.returncode != 0 and "No stack found in the main cloud assembly" in refused.stderr
    assert listed(outdir, "dev/*") == [f"dev/{CONSTRUCT_IDS[tier]}" for tier in tiers("dev")]


def test_make_targets_refuse_to_run_without_an_environment():
    """Run as if from a shell with nothing chosen, whatever the test run's own make
    variables are (``make test ENV=dev`` must not let this deploy or destroy anything)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "CDK_")) and k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ENV", "BRANCH")}
    env |= {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    for target in ("deploy", "diff", "destroy"):
        result = subprocess.run(["make", "--no-print-directory", target, "ENV=", "BRANCH="], cwd=ROOT, capture_output=True,
                                text=True, env=env, timeout=120)
        assert result.returncode != 0
        expected = "tears down branch environments only" if target == "destroy" else f"Choose an environment: make {target} ENV="
        assert expected in result.stderr, result.stderr
