"""`make cost`: the monthly estimate of every environment in a synthesized cloud assembly.

`make cost [ENV=… BRANCH=… PROFILE=… ACCOUNT=… RELEASE=…] [FORMAT=text|markdown|json]`
synthesizes as `make synth` does (into cdk.out.cost/) and runs this script over it. Each
stack of the assembly (nested stage assemblies included) is matched to the loaded
configuration of its environment by its stack name (`<app>-<env>[-<branch>]-<tier>`); the
estimator (cost/estimate.py) prices its resources with the price table (cost/prices.json).
How and with what assumptions: docs/cost.md.

    python scripts/cost_report.py --assembly cdk.out.cost --env dev --format markdown
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.loader import ConfigError, load  # noqa: E402
from config.schema import EnvironmentConfig  # noqa: E402
from cost.estimate import Estimate, Stack, estimate  # noqa: E402
from cost.render import RENDERERS  # noqa: E402


def stacks_in(assembly: Path) -> list[tuple[str, Stack]]:
    """(stack name, ``Stack``) of every CloudFormation stack in the assembly and its nested ones."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    found: list[tuple[str, Stack]] = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        properties: dict[str, Any] = artifact.get("properties", {})
        if artifact["type"] == "cdk:cloud-assembly":
            found += stacks_in(assembly / properties["directoryName"])
        elif artifact["type"] == "aws:cloudformation:stack":
            name = properties.get("stackName", artifact_id)
            region = artifact.get("environment", "aws://unknown/unknown").rsplit("/", 1)[-1]
            template = json.loads((assembly / properties["templateFile"]).read_text())
            found.append((name, Stack(name, region, template)))
    return found


def by_environment(configs: list[EnvironmentConfig], stacks: list[tuple[str, Stack]]) -> dict[str, dict[str, Stack]]:
    """Qualified environment name -> tier -> stack. The longest matching prefix wins, so a branch
    environment's stacks (webapp-dev-feature-x-network) never count as dev's."""
    grouped: dict[str, dict[str, Stack]] = {cfg.qualified_name: {} for cfg in configs}
    prefixes = sorted(((f"{cfg.app_name}-{cfg.qualified_name}-", cfg.qualified_name) for cfg in configs), key=lambda p: -len(p[0]))
    for name, stack in stacks:
        for prefix, environment in prefixes:
            if name.startswith(prefix):
                grouped[environment][name.removeprefix(prefix)] = stack
                break
    return grouped


def estimates(assembly: Path, configs: list[EnvironmentConfig]) -> list[Estimate]:
    grouped = by_environment(configs, stacks_in(assembly))
    missing = [name for name, stacks in grouped.items() if not stacks]
    if missing:
        sys.exit(f"{assembly}: no stacks of {', '.join(missing)}: synthesize them first (make cost does)")
    return [estimate(cfg, grouped[cfg.qualified_name]) for cfg in configs]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assembly", type=Path, default=ROOT / "cdk.out", help="cloud assembly folder (default cdk.out)")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    for option in ("env", "branch", "profile", "account", "release"):
        parser.add_argument(f"--{option}", default=None, help=f"as -c {option}= of the synth")
    args = parser.parse_args(argv)
    try:
        configs = load(profile=args.profile, env=args.env, branch=args.branch, account=args.account, release=args.release)
    except ConfigError as error:
        sys.exit(str(error))
    sys.stdout.write(RENDERERS[args.format](estimates(args.assembly, configs)))


if __name__ == "__main__":
    main()
