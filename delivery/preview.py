"""Branch environments for pull requests labelled ``preview`` (`make preview-deploy`, `make preview-destroy`).

``deploy``: ``make deploy ENV=dev BRANCH=<branch>`` (the README's branch environment), then one
pull request comment with the environment's URLs (the ``*Url`` outputs of its stacks), updated on
every push. ``destroy``: ``make destroy ENV=dev BRANCH=<branch>``, then the sweeper for that branch
(``delivery/sweep.py --branch <branch> --apply --check``): it deletes any stack the destroy left
(one the default branch's code no longer knows, one that failed), removes what the policy removes,
and fails unless nothing of the environment is left.

The branch name comes from the event (``BRANCH``) and ends up in make's command lines, so it is
checked first: letters, digits, ``.``, ``_``, ``-`` and ``/`` only (what git allows is wider, and
``$(...)`` in a branch name would otherwise run in the recipe's shell).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "preview"
DELIVERY_PYTHON = ROOT / ".venv-delivery" / "bin" / "python"
MARKER = "<!-- webapp-preview -->"
SAFE_BRANCH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,199}")
SAFE_ACCOUNT = re.compile(r"\d{12}")


def checked_branch(branch: str) -> str:
    if not SAFE_BRANCH.fullmatch(branch) or ".." in branch:
        raise SystemExit(f"refusing branch name {branch!r}: a preview needs letters, digits, '.', '_', '-' and '/' only")
    return branch


def checked_account(account: str) -> str:
    if account and not SAFE_ACCOUNT.fullmatch(account):
        raise SystemExit(f"ACCOUNT must be 12 digits, not {account!r}")
    return account


def make(target: str, *variables: str) -> None:
    subprocess.run(["make", "--no-print-directory", target, *variables], cwd=ROOT, check=True)


def urls(outputs: Mapping[str, Mapping[str, str]]) -> list[tuple[str, str]]:
    """(stack and output, URL) of every ``*Url`` output, from ``cdk deploy --outputs-file``."""
    return sorted((f"{stack} {key}", value) for stack, values in outputs.items() for key, value in values.items()
                  if key.endswith("Url") and str(value).startswith(("https://", "http://")))


def comment(branch: str, found: Sequence[tuple[str, str]], commit: str) -> str:
    lines = [MARKER, f"### Preview of `{branch}`", ""]
    lines += [f"- {name}: {url}" for name, url in found] or ["Deployed; its stacks have no URL output."]
    lines += ["", f"Deployed from {commit}. Destroyed when the pull request closes or the branch is deleted (docs/delivery.md)."]
    return "\n".join(lines) + "\n"


def deploy(branch: str, account: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    outputs = OUT / "outputs.json"
    make("deploy", "ENV=dev", f"BRANCH={branch}", *([f"ACCOUNT={account}"] if account else []),
         f"CDK_FLAGS=--require-approval never --outputs-file {outputs}")
    found = urls(json.loads(outputs.read_text()) if outputs.exists() else {})
    body = comment(branch, found, os.environ.get("GITHUB_SHA", "the working tree"))
    (OUT / "comment.md").write_text(body)
    for name, url in found:
        print(f"{name}: {url}")
    if os.environ.get("PR_NUMBER"):
        from delivery.github import post

        post(MARKER, body)


def destroy(branch: str, account: str) -> None:
    make("destroy", "ENV=dev", f"BRANCH={branch}", *([f"ACCOUNT={account}"] if account else []))
    if not DELIVERY_PYTHON.exists():
        make(".venv-delivery/.installed")
    subprocess.run([str(DELIVERY_PYTHON), "-m", "delivery.sweep", "--branch", branch, "--apply", "--check"], cwd=ROOT, check=True)
    if os.environ.get("PR_NUMBER"):
        from delivery.github import post

        post(MARKER, f"{MARKER}\n### Preview of `{branch}`\n\nDestroyed; the sweeper's check found nothing left.\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make preview-deploy | make preview-destroy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("deploy", "destroy"))
    parser.add_argument("--branch", default=os.environ.get("BRANCH", ""), help="the branch (default $BRANCH)")
    parser.add_argument("--account", default=os.environ.get("ACCOUNT", ""), help="the account (default $ACCOUNT)")
    args = parser.parse_args(argv)
    branch, account = checked_branch(args.branch), checked_account(args.account)
    (deploy if args.action == "deploy" else destroy)(branch, account)
    return 0


if __name__ == "__main__":
    sys.exit(main())
