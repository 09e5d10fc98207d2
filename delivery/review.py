"""`make review BASE=<git ref>`: what a change does to every environment, for the pull request.

Synthesizes the base ref (in a git worktree) and the working tree, offline and without
credentials, each with its per-account delivery stacks (``-c delivery=true``: the deploy roles
and the account's audit trail, whose retained bucket and key the gate covers too), then
compares the two cloud assemblies stack by stack with CDK's own diff engine
(``delivery/cfn_diff.js``: the pinned CLI's ``cdk diff --template`` code path, CloudFormation's
replacement semantics). Writes, under ``build/review/``:

- ``report.md``: one Markdown report for a pull request comment, kept under GitHub's 65,536
  characters (the per-stack diffs are collapsible and cut first when it would not fit);
- ``report-full.md``: the same, nothing cut;
- ``summary.json``: the machine-readable summary (gate, counts, security and cost deltas).

The stateful-change gate (``delivery/stateful.py``) fails the review (exit 1) when a database,
cluster, bucket, user pool, key, secret, retained log group or repository would be replaced or
deleted, unless the change is acknowledged by the resource's logical ID: a pull request label
``ack:<LogicalId>`` or a commit trailer ``Stateful-Change-Acknowledged: <LogicalId>`` in
BASE..HEAD. This catches what the logical-ID lock cannot: a property change that forces a
replacement. The report also shows the security delta (IAM statements and security-group rules
added or removed, cdk-nag and checkov acknowledgments added or removed) and the monthly cost delta
per environment from the cost model (``make cost``, docs/cost.md), each side priced by its own
tree. Two synths of one commit are byte-identical (tests/test_review.py), so everything the
report shows is a real change.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from delivery.stateful import CLUSTER_MEMBER_NOTE, DESTRUCTIVE_IMPACTS, GATED, is_gated

ROOT = Path(__file__).resolve().parent.parent
# The largest "what changed" picture a comment carries (bytes); a larger one is in the full report.
PICTURE_LIMIT = 20_000
NODE = ROOT / "node_modules" / ".bin" / "node"
ENGINE = Path(__file__).resolve().parent / "cfn_diff.js"
OUT = ROOT / "build" / "review"

MARKER = "<!-- webapp-review -->"
# GitHub refuses a comment body over 65,536 characters; the report is held to this many UTF-8
# bytes (never fewer bytes than characters), leaving room for what a workflow may add.
REPORT_LIMIT = 65_000
TRAILER = "Stateful-Change-Acknowledged"
LABEL_PREFIX = "ack:"
LOGICAL_ID = re.compile(r"[A-Za-z0-9]{1,255}")


# --------------------------------------------------------------------------------------------
# The two assemblies


def clean_environment() -> dict[str, str]:
    """The process environment without AWS or CDK variables or credentials: synthesis and the
    diff must not depend on (or reach) any account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env |= {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1", "CDK_DISABLE_VERSION_CHECK": "1"}
    return env


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def synth_command(tree: Path, outdir: Path, context: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """`cdk synth` of every environment (no -c env: each in its stage) with the tree's own
    toolchain, into ``outdir``."""
    env = clean_environment()
    env["PATH"] = os.pathsep.join([str(tree / "node_modules" / ".bin"), str(tree / ".venv" / "bin"), env.get("PATH", "")])
    return [str(tree / "node_modules" / ".bin" / "cdk"), "synth", "--quiet", "--no-notices", "--output", str(outdir), *context], env


def _same_files(a: Path, b: Path) -> bool:
    return a.is_file() and b.is_file() and filecmp.cmp(a, b, shallow=False)


def prepare_base(ref: str, worktree: Path) -> str:
    """Check ``ref`` out into a git worktree at ``worktree`` with a toolchain to synthesize it.

    The working tree's virtualenv, node_modules and built functions are linked in when the base
    pins the same (requirements.txt, package-lock.json; functions/ and their build script
    unchanged), so the usual review is offline; otherwise the base gets its own, installed from
    its own pins (which needs the package registries). Returns the base commit."""
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    remove_worktree(worktree)
    worktree.parent.mkdir(parents=True, exist_ok=True)
    git("worktree", "add", "--detach", "--force", str(worktree), commit)
    if _same_files(worktree / "package-lock.json", ROOT / "package-lock.json"):
        (worktree / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    else:
        print(f"review: {ref} pins another CDK toolchain (package-lock.json): npm ci in its worktree", file=sys.stderr)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=worktree, check=True)
    if _same_files(worktree / "requirements.txt", ROOT / "requirements.txt"):
        (worktree / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    else:
        print(f"review: {ref} pins other runtime dependencies (requirements.txt): a virtualenv of its own", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(worktree / ".venv")], check=True)
        subprocess.run([str(worktree / ".venv" / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "-r", "requirements.txt"], cwd=worktree, check=True)
    functions_unchanged = subprocess.run(["git", "diff", "--quiet", commit, "--", "functions", "scripts/build_functions.py"],
                                         cwd=ROOT).returncode == 0
    built = ROOT / "build" / "functions"
    if functions_unchanged and built.is_dir():
        (worktree / "build").mkdir(exist_ok=True)
        (worktree / "build" / "functions").symlink_to(built, target_is_directory=True)
    elif (worktree / "scripts" / "build_functions.py").exists():
        env = clean_environment()
        env["PATH"] = os.pathsep.join([str(worktree / "node_modules" / ".bin"), env.get("PATH", "")])
        subprocess.run([str(worktree / ".venv" / "bin" / "python"), "scripts/build_functions.py"], cwd=worktree, env=env, check=True)
    return commit


def remove_worktree(worktree: Path) -> None:
    if worktree.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, capture_output=True)
        shutil.rmtree(worktree, ignore_errors=True)
    subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)


# The per-account delivery stacks (deploy roles, the account's audit trail: docs/delivery.md),
# synthesized beside the environments so their changes are reviewed and gated too.
DELIVERY_CONTEXT = ("-c", "delivery=true")


@dataclass(frozen=True)
class Synth:
    """One `cdk synth` of the review: a tree, where its assembly goes, and its extra context."""

    tree: Path
    outdir: Path
    context: tuple[str, ...] = ()


def planned_synths(*, base_tree: Path | None, head_tree: Path | None, out: Path) -> list[Synth]:
    """What the review synthesizes: each side's environments (a side given as an assembly is not
    synthesized), and, when both sides are synthesized and the base has them, each side's
    delivery stacks (``base-delivery.out``, ``head-delivery.out``)."""
    synths = []
    if base_tree is not None:
        synths.append(Synth(base_tree, out / "base.out"))
    if head_tree is not None:
        synths.append(Synth(head_tree, out / "head.out"))
    if base_tree is not None and head_tree is not None and (base_tree / "stacks" / "delivery_stack.py").exists():
        synths += [Synth(base_tree, out / "base-delivery.out", DELIVERY_CONTEXT), Synth(head_tree, out / "head-delivery.out", DELIVERY_CONTEXT)]
    return synths


def synthesize_all(synths: Sequence[Synth], context: Sequence[str]) -> None:
    """Each synth at once (each is mostly one process waiting on another), with ``context`` and its own."""
    running = []
    for synth in synths:
        tree, outdir = synth.tree, synth.outdir
        shutil.rmtree(outdir, ignore_errors=True)
        argv, env = synth_command(tree, outdir, [*context, *synth.context])
        running.append((tree, subprocess.Popen(argv, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                               stdin=subprocess.DEVNULL, text=True)))
    failed = []
    for tree, process in running:
        _, stderr = process.communicate()
        if process.returncode != 0:
            failed.append(f"synthesizing {'the working tree' if tree == ROOT else 'the base'} failed:\n{stderr[-4000:]}")
    if failed:
        raise SystemExit("\n".join(failed))


# --------------------------------------------------------------------------------------------
# What changed


def run_engine(mode: str, *paths: str | Path) -> dict[str, Any]:
    """cfn_diff.js (``mode`` "assemblies" or "templates"): every stack's diff as CDK's engine computes it."""
    node = str(NODE) if NODE.exists() else "node"
    result = subprocess.run([node, str(ENGINE), mode, *map(str, paths)], capture_output=True, text=True,
                            env=clean_environment(), stdin=subprocess.DEVNULL, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"the diff engine failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout)


def stack_templates(assembly: Path) -> dict[str, dict]:
    """Hierarchical ID ("dev/Data") -> template, for every stack of the assembly and its stages."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    templates: dict[str, dict] = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        props = artifact.get("properties", {})
        if artifact.get("type") == "aws:cloudformation:stack":
            name = artifact.get("displayName", artifact_id)
            templates[name] = json.loads((assembly / props["templateFile"]).read_text())
        elif artifact.get("type") == "cdk:cloud-assembly":
            templates.update(stack_templates(assembly / props["directoryName"]))
    return templates


def acknowledged_findings(template: dict) -> dict[tuple[str, str, str], str]:
    """(tool, rule, logical ID) -> reason, for every cdk-nag and checkov acknowledgment in a
    template. Unacknowledged findings stop the synthesis itself (app.py; the test suite for checkov)."""
    found: dict[tuple[str, str, str], str] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        metadata = resource.get("Metadata", {}) or {}
        for rule in metadata.get("cdk_nag", {}).get("rules_to_suppress", []) or []:
            found[("cdk-nag", str(rule.get("id")), logical_id)] = str(rule.get("reason", ""))
        for rule in metadata.get("checkov", {}).get("skip", []) or []:
            found[("checkov", str(rule.get("id")), logical_id)] = str(rule.get("comment", ""))
    return found


def findings_delta(base: Mapping[str, dict], head: Mapping[str, dict]) -> dict[str, list[dict[str, str]]]:
    """cdk-nag and checkov acknowledgments added, removed or reworded, per stack."""
    delta: dict[str, list[dict[str, str]]] = {"added": [], "removed": [], "reworded": []}
    for stack in sorted(set(base) | set(head)):
        old = acknowledged_findings(base.get(stack, {}))
        new = acknowledged_findings(head.get(stack, {}))
        for key in sorted(set(old) | set(new)):
            tool, rule, logical_id = key
            item = {"stack": stack, "tool": tool, "rule": rule, "logicalId": logical_id}
            if key not in old:
                delta["added"].append({**item, "reason": new[key]})
            elif key not in new:
                delta["removed"].append({**item, "reason": old[key]})
            elif old[key] != new[key]:
                delta["reworded"].append({**item, "reason": new[key], "was": old[key]})
    return delta


def cost_report(tree: Path, assembly: Path, *, profile: str | None = None) -> str | None:
    """The cost model's JSON estimate (scripts/cost_report.py, docs/cost.md) of ``assembly``, run
    in ``tree`` with its own configuration and price table; None where the tree has no cost model
    (a base from before it) or it cannot price the assembly (said on stderr)."""
    script = tree / "scripts" / "cost_report.py"
    python = tree / ".venv" / "bin" / "python"
    if not script.exists():
        return None
    environments = sorted({environment_of(stack) for stack in stack_templates(assembly)})
    single = ["--env", environments[0]] if len(environments) == 1 else []
    result = subprocess.run([str(python if python.exists() else sys.executable), str(script), "--assembly", str(assembly), "--format", "json",
                             *single, *(["--profile", profile] if profile else [])], cwd=tree, capture_output=True, text=True,
                            env=clean_environment(), stdin=subprocess.DEVNULL, timeout=600)
    if result.returncode != 0:
        print(f"review: no cost estimate of {assembly}: {result.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    return result.stdout


def cost_delta(base_json: str | None, head_json: str | None) -> dict[str, dict[str, float | None]] | None:
    """Environment -> {"base", "head", "delta"} in USD a month, from two cost JSON documents
    (``{"environments": [{"environment": ..., "total_usd": ...}]}``); a side without an estimate is None."""
    if head_json is None and base_json is None:
        return None

    def totals(text: str | None) -> dict[str, float]:
        return {e["environment"]: float(e["total_usd"]) for e in json.loads(text).get("environments", [])} if text else {}

    old, new = totals(base_json), totals(head_json)
    delta: dict[str, dict[str, float | None]] = {}
    for env in sorted(set(old) | set(new)):
        b, h = old.get(env), new.get(env)
        delta[env] = {"base": b, "head": h, "delta": round((h or 0.0) - (b or 0.0), 2) if base_json and head_json else None}
    return delta


# --------------------------------------------------------------------------------------------
# Acknowledgments


def _ids(text: str) -> list[str]:
    return [word for word in re.split(r"[\s,]+", text.strip()) if word]


def trailer_acknowledgments(base: str, head: str = "HEAD", cwd: Path = ROOT) -> list[str]:
    """Logical IDs named by ``Stateful-Change-Acknowledged:`` trailers of the commits in base..head."""
    text = git("log", f"--format=%(trailers:key={TRAILER},valueonly,unfold,separator=%x0a)", f"{base}..{head}", cwd=cwd)
    return sorted({i for line in text.splitlines() for i in _ids(line)})


def label_acknowledgments(labels: Iterable[str]) -> list[str]:
    """Logical IDs named by pull request labels ``ack:<LogicalId>``."""
    return sorted({label[len(LABEL_PREFIX):].strip() for label in labels
                   if label.strip().startswith(LABEL_PREFIX) and label[len(LABEL_PREFIX):].strip()})


# --------------------------------------------------------------------------------------------
# The review


@dataclass
class StatefulChange:
    environment: str
    stack: str
    stack_name: str
    logical_id: str
    type: str
    impact: str
    cause: str
    path: str | None
    acknowledged_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"environment": self.environment, "stack": self.stack, "stackName": self.stack_name, "logicalId": self.logical_id,
                "type": self.type, "impact": self.impact, "cause": self.cause, "path": self.path, "acknowledgedBy": self.acknowledged_by}


@dataclass
class Review:
    base: dict[str, Any]
    head: dict[str, Any]
    engine: str
    stacks: list[dict[str, Any]]
    stateful: list[StatefulChange]
    destructive: list[dict[str, Any]]
    findings: dict[str, list[dict[str, str]]]
    cost: dict[str, dict[str, float | None]] | None
    acknowledgments: dict[str, list[str]] = field(default_factory=dict)
    # Mermaid of the changed part of the architecture picture (scripts/diagrams.py), or "".
    picture: str = ""

    @property
    def failures(self) -> list[StatefulChange]:
        return [c for c in self.stateful if c.acknowledged_by is None]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def changed(self) -> list[dict[str, Any]]:
        return [s for s in self.stacks if not s["empty"]]

    @property
    def unused_acknowledgments(self) -> list[str]:
        used = {c.logical_id for c in self.stateful}
        return sorted({i for ids in self.acknowledgments.values() for i in ids} - used)

    def environments(self) -> list[str]:
        return list(dict.fromkeys(s["environment"] for s in self.stacks))


def changed_picture(base_assembly: Path, head_assembly: Path) -> str:
    """The changed part of the architecture picture (Mermaid; "" when the picture is unchanged),
    drawn by scripts/diagrams.py. Loaded by name: mypy checks scripts/ as top-level modules (it is
    a folder of commands), and a static import would map that file to a second module name."""
    diagrams = importlib.import_module("scripts.diagrams")
    return str(diagrams.changed_picture(base_assembly, head_assembly))


def environment_of(stack_id: str) -> str:
    return stack_id.split("/", 1)[0]


def _cause(change: dict[str, Any]) -> str:
    if change["action"] == "remove":
        return "removed from the template"
    if change["replacing"]:
        return "changes " + ", ".join(f"{p['property']}" + (" (may require replacement)" if p["impact"] == "MAY_REPLACE" else "")
                                      for p in change["replacing"])
    if change["impact"] in ("WILL_REPLACE", "MAY_REPLACE"):
        return "a resource it references is replaced"
    return ", ".join(change["properties"] + change["other"]) or "changed"


@dataclass(frozen=True)
class Comparison:
    """What the diff engine and the templates say about two assemblies, before any acknowledgment."""

    engine: str
    stacks: list[dict[str, Any]]
    findings: dict[str, list[dict[str, str]]]


def compare(base_assembly: Path, head_assembly: Path) -> Comparison:
    """Run CDK's diff engine over two synthesized assemblies and read their acknowledgments."""
    (comparison,) = compare_many([(base_assembly, head_assembly)])
    return comparison


def compare_many(pairs: Sequence[tuple[Path, Path]]) -> list[Comparison]:
    """``compare`` for several (base, head) pairs in one run of the engine."""
    engine = run_engine("assemblies", *(path for pair in pairs for path in pair))
    comparisons = []
    for (base_assembly, head_assembly), result in zip(pairs, engine["comparisons"], strict=True):
        for stack in result["stacks"]:
            stack["environment"] = environment_of(stack["id"])
        comparisons.append(Comparison(engine["engine"], result["stacks"],
                                      findings_delta(stack_templates(base_assembly), stack_templates(head_assembly))))
    return comparisons


def merge_comparisons(comparisons: Sequence[Comparison]) -> Comparison:
    """One comparison of every stack of several (the environments', the delivery stacks')."""
    findings: dict[str, list[dict[str, str]]] = {}
    for comparison in comparisons:
        for kind, items in comparison.findings.items():
            findings.setdefault(kind, []).extend(items)
    return Comparison(comparisons[0].engine, [stack for c in comparisons for stack in c.stacks], findings)


def build_review(comparison: Comparison, *, acknowledgments: Mapping[str, Sequence[str]] | None = None,
                 base: Mapping[str, Any] | None = None, head: Mapping[str, Any] | None = None,
                 cost: dict[str, dict[str, float | None]] | None = None, picture: str = "") -> Review:
    """The gate over a comparison. ``acknowledgments``: source ("label", "trailer", "option") ->
    logical IDs that may be replaced or deleted."""
    acks = {source: sorted(set(ids)) for source, ids in (acknowledgments or {}).items()}
    stateful: list[StatefulChange] = []
    destructive: list[dict[str, Any]] = []
    for stack in comparison.stacks:
        for change in stack["resources"]:
            if change["impact"] not in DESTRUCTIVE_IMPACTS:
                continue
            if is_gated(change):
                source = next((s for s, ids in acks.items() if change["logicalId"] in ids), None)
                stateful.append(StatefulChange(stack["environment"], stack["id"], stack["stackName"], change["logicalId"], change["type"],
                                               change["impact"], _cause(change), change["path"], source))
            else:
                note = CLUSTER_MEMBER_NOTE if change.get("clusterMember") and change["type"] in GATED else None
                destructive.append({"environment": stack["environment"], "stack": stack["id"], "logicalId": change["logicalId"],
                                    "type": change["type"], "impact": change["impact"], "cause": _cause(change),
                                    **({"note": note} if note else {})})
    return Review(base=dict(base or {}), head=dict(head or {}), engine=comparison.engine, stacks=comparison.stacks,
                  stateful=stateful, destructive=destructive, findings=comparison.findings, cost=cost, acknowledgments=acks,
                  picture=picture)


# --------------------------------------------------------------------------------------------
# Rendering


def cell(text: Any) -> str:
    """Text safe inside a Markdown table cell (and outside HTML)."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def fenced(text: str, info: str = "") -> str:
    """A code block whose fence is longer than any run of backticks inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def size(text: str) -> int:
    return len(text.encode("utf-8"))


def _security_rows(stack: dict[str, Any], kind: str) -> list[list[str]]:
    table = stack["security"].get(kind)
    return table["rows"] if table else []


def _signed(rows: list[list[str]]) -> tuple[int, int]:
    return sum(1 for r in rows if r and r[0] == "+"), sum(1 for r in rows if r and r[0] == "-")


def environment_totals(review: Review) -> dict[str, dict[str, Any]]:
    totals: dict[str, dict[str, Any]] = {}
    for env in review.environments():
        stacks = [s for s in review.stacks if s["environment"] == env]
        row: dict[str, Any] = {"stacks": len(stacks), "stacksChanged": sum(1 for s in stacks if not s["empty"])}
        for key in ("added", "changed", "removed", "replaced"):
            row[key] = sum(s["counts"][key] for s in stacks)
        iam = [r for s in stacks for r in _security_rows(s, "statements") + _security_rows(s, "managedPolicies")]
        rules = [r for s in stacks for r in _security_rows(s, "securityGroupRules")]
        row["iam"] = dict(zip(("added", "removed"), _signed(iam), strict=True))
        row["securityGroupRules"] = dict(zip(("added", "removed"), _signed(rules), strict=True))
        row["findings"] = {k: sum(1 for f in v if environment_of(f["stack"]) == env) for k, v in review.findings.items()}
        row["statefulChanges"] = sum(1 for c in review.stateful if c.environment == env)
        row["cost"] = (review.cost or {}).get(env)
        totals[env] = row
    return totals


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, limit: int | None = None) -> str:
    shown = rows if limit is None else rows[:limit]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in shown]
    if limit is not None and len(rows) > limit:
        lines.append(f"\n… and {len(rows) - limit} more rows: see the full report.")
    return "\n".join(lines)


def _details(summary: str, body: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def _usd(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"+${value:,.2f}"


def _money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


def _cost_cell(cost: Mapping[str, float | None] | None) -> str:
    if not cost:
        return "—"
    if cost["delta"] is None:
        return f"{_money(cost['head'])} (no base estimate)"
    return _usd(cost["delta"])


def render_summary(review: Review, *, rows: int | None = None) -> str:
    """Everything but the per-stack diffs; ``rows`` caps each table (None: all rows)."""
    base, head = review.base, review.head
    out = [MARKER, f"## Infrastructure review: `{cell(base.get('label', 'base'))}` → `{cell(head.get('label', 'head'))}`", ""]
    changed = review.changed
    if not changed:
        out += ["No infrastructure change: every stack of every environment synthesizes to the same template.", ""]
    verdict = ("✅ **Stateful-change gate passed**" if review.passed else
               f"❌ **Stateful-change gate failed**: {len(review.failures)} unacknowledged replacement or deletion of a stateful resource")
    out += [verdict, ""]
    totals = environment_totals(review)
    if changed:
        header = ["Environment", "Stacks changed", "Added", "Changed", "Removed", "Replaced", "Stateful", "IAM ±", "SG rules ±",
                  "nag/checkov ±", "Cost / month"]
        table_rows = []
        for env, t in totals.items():
            cost = t["cost"]
            table_rows.append([env, f"{t['stacksChanged']} of {t['stacks']}", t["added"], t["changed"], t["removed"], t["replaced"],
                               t["statefulChanges"], f"+{t['iam']['added']} −{t['iam']['removed']}",
                               f"+{t['securityGroupRules']['added']} −{t['securityGroupRules']['removed']}",
                               f"+{t['findings']['added']} −{t['findings']['removed']}",
                               _cost_cell(cost)])
        out += [_table(header, table_rows), ""]
    if review.stateful:
        out += ["### Stateful changes", ""]
        out.append(_table(["", "Environment", "Stack", "Logical ID", "Type", "Change", "Cause", "Acknowledged by"],
                          [["❌" if c.acknowledged_by is None else "✅", c.environment, c.stack, f"`{c.logical_id}`", c.type,
                            DESTRUCTIVE_IMPACTS[c.impact], c.cause, c.acknowledged_by or "—"] for c in review.stateful], limit=rows))
        if review.failures:
            ids = sorted({c.logical_id for c in review.failures})
            out += ["", "The data these resources hold would be lost (or left unmanaged). If that is intended, acknowledge each by "
                        "its logical ID, then the review passes:", "",
                    "- a pull request label: " + ", ".join(f"`{LABEL_PREFIX}{i}`" for i in ids) + ", or",
                    "- a commit trailer (one line each): " + ", ".join(f"`{TRAILER}: {i}`" for i in ids), "",
                    "Plan the data's move first (docs/delivery.md: acknowledging a stateful change)."]
        out.append("")
    if review.unused_acknowledgments:
        out += ["Acknowledgments that match no stateful change: " + ", ".join(f"`{cell(i)}`" for i in review.unused_acknowledgments), ""]
    if review.destructive:
        out += [_details(f"Other destructive changes ({len(review.destructive)}): replacements and deletions of resources "
                         "that hold no data (the gate lets them through)",
                         _table(["Environment", "Stack", "Logical ID", "Type", "Change", "Cause"],
                                [[d["environment"], d["stack"], f"`{d['logicalId']}`", d["type"], DESTRUCTIVE_IMPACTS[d["impact"]],
                                  d["cause"] + (f" ({d['note']})" if d.get("note") else "")] for d in review.destructive], limit=rows)), ""]
    security = []
    for kind, title, header in (("statements", "IAM statements", ["", "Resource", "Effect", "Action", "Principal", "Condition"]),
                                ("managedPolicies", "Managed policies", ["", "Resource", "Managed policy ARN"]),
                                ("securityGroupRules", "Security-group rules", ["", "Group", "Dir", "Protocol", "Peer"])):
        table_rows = [[s["id"], *r] for s in review.stacks for r in _security_rows(s, kind)]
        if table_rows:
            added, removed = _signed([r[1:] for r in table_rows])
            security.append(_details(f"{title}: {added} added, {removed} removed",
                                     _table(["Stack", *header], table_rows, limit=rows)))
    findings = review.findings
    if any(findings.values()):
        table_rows = [[sign, f["stack"], f["tool"], f["rule"], f"`{f['logicalId']}`", f["reason"]]
                      for sign, key in (("+", "added"), ("−", "removed"), ("~", "reworded")) for f in findings[key]]
        security.append(_details(f"cdk-nag and checkov acknowledgments: {len(findings['added'])} added, {len(findings['removed'])} removed, "
                                 f"{len(findings['reworded'])} reworded",
                                 _table(["", "Stack", "Tool", "Rule", "Logical ID", "Reason"], table_rows, limit=rows)))
    if security:
        out += ["### Security delta", "", *[s + "\n" for s in security]]
    if review.picture:
        # GitHub renders Mermaid in comments; a picture too large for the comment stays in the full report.
        if rows is None or size(review.picture) <= PICTURE_LIMIT:
            out += ["### What changed, as a picture", "", _details("Added, removed, replaced and changed nodes with their neighbours "
                                                                   "(docs/architecture.md has the whole picture)", fenced(review.picture, "mermaid")), ""]
        else:
            out += ["### What changed, as a picture", "", "Too large for a comment: see the full report.", ""]
    if changed:
        if review.cost is None:
            out += ["### Cost delta", "", "Not estimated: neither side could be priced by the cost model (`make cost`, docs/cost.md).", ""]
        else:
            out += ["### Cost delta", "", "Monthly estimate at list prices by the cost model (`make cost`, docs/cost.md), each side with "
                    "its own configuration and price table.", "",
                    _table(["Environment", "Base", "Head", "Delta"],
                           [[env, _money(c["base"]), _money(c["head"]), "—" if c["delta"] is None else _usd(c["delta"])]
                            for env, c in review.cost.items()]), ""]
    return "\n".join(out)


def _stack_summary(stack: dict[str, Any]) -> str:
    c = stack["counts"]
    status = {"added": " (new stack)", "removed": " (removed from the app: `cdk deploy` leaves it; delete it by hand)"}.get(stack["status"], "")
    parts = [f"{c['added']} added", f"{c['changed']} changed", f"{c['removed']} removed"]
    if c["replaced"]:
        parts.append(f"**{c['replaced']} replaced**")
    if c["outputs"] or c["parameters"] or c["other"]:
        parts.append(f"{c['outputs'] + c['parameters'] + c['other']} other")
    return f"<code>{cell(stack['id'])}</code> ({cell(stack['stackName'])}){status}: " + ", ".join(parts)


def _footer(review: Review, *, cut: bool) -> str:
    commits = ""
    if review.base.get("commit") and review.head.get("commit"):
        commits = f" Base {cell(review.base['commit'])}, head {cell(review.head['commit'])}."
    lines = ["", "---", f"<sub>`make review` (docs/delivery.md): two offline synths compared with CDK's diff engine, {cell(review.engine)}.{commits}"]
    if cut:
        lines[-1] += " Some diffs were cut to fit a comment: the full report is the run's `review` artifact (report-full.md)."
    lines[-1] += "</sub>"
    return "\n".join(lines)


def _block(summary: str, body: str | None) -> str:
    if body is None:
        return _details(summary, "Diff left out of this comment for its size: see the full report.") + "\n"
    return _details(summary, fenced(body)) + "\n"


def _cut_block(summary: str, body: str, room: int) -> str | None:
    """As much of ``body`` as fits ``room`` bytes with its block, cut at a line; None if no line fits."""
    note = "… (cut here to fit a comment: the full diff is in the full report)"
    lines = body.splitlines()
    budget = room - size(_block(summary, note))
    kept, used = 0, 0
    while kept < len(lines) and used + size(lines[kept]) + 1 <= budget:
        used += size(lines[kept]) + 1
        kept += 1
    while kept > 0:
        candidate = _block(summary, "\n".join(lines[:kept] + [note]))
        if size(candidate) <= room:
            return candidate
        kept -= 1  # a longer fence than estimated (backticks in the diff)
    return None


def render(review: Review, *, limit: int = REPORT_LIMIT) -> tuple[str, str]:
    """The comment (at most ``limit`` UTF-8 bytes) and the full report.

    When the whole report does not fit, the per-stack diffs are cut first: stacks with a
    destructive change get their room first, the others keep their summary line; if the summary
    tables alone are too long, each is capped at fewer rows (the full report has every one)."""
    changed = review.changed
    blocks = [(_stack_summary(s), s["formatted"]) for s in changed]
    heading = "\n### Per stack\n\n" if blocks else ""
    full = render_summary(review) + heading + "".join(_block(s, b) for s, b in blocks) + _footer(review, cut=False)
    if size(full) <= limit:
        return full, full
    for rows in (200, 50, 20, 5):
        head = render_summary(review, rows=rows) + heading
        fixed = size(head) + size(_footer(review, cut=True)) + sum(size(_block(s, None)) for s, _ in blocks)
        if fixed <= limit:
            break
    else:
        raise ValueError("the report's summary alone does not fit a comment")
    available = limit - fixed
    chosen = [_block(s, None) for s, _ in blocks]
    # Room goes first to the stacks with a destructive change, then in order.
    order = sorted(range(len(blocks)), key=lambda i: (0 if changed[i]["destructive"] else 1, i))
    for i in order:
        summary_line, body = blocks[i]
        whole = _block(summary_line, body)
        extra = size(whole) - size(chosen[i])
        if extra <= available:
            chosen[i], available = whole, available - extra
            continue
        cut = _cut_block(summary_line, body, available + size(chosen[i]))
        if cut is not None:
            available -= size(cut) - size(chosen[i])
            chosen[i] = cut
    comment = head + "".join(chosen) + _footer(review, cut=True)
    if size(comment) > limit:
        raise AssertionError(f"the comment is {size(comment)} bytes, over {limit}")
    return comment, full


def summary(review: Review, comment: str) -> dict[str, Any]:
    """The machine-readable summary (summary.json)."""
    return {
        "version": 1,
        "base": review.base,
        "head": review.head,
        "engine": review.engine,
        "gate": {
            "passed": review.passed,
            "failures": [c.as_dict() for c in review.failures],
            "acknowledged": [c.as_dict() for c in review.stateful if c.acknowledged_by],
            "acknowledgments": review.acknowledgments,
            "unusedAcknowledgments": review.unused_acknowledgments,
        },
        "environments": environment_totals(review),
        "stacks": [{"id": s["id"], "stackName": s["stackName"], "environment": s["environment"], "status": s["status"],
                    "changed": not s["empty"], "counts": s["counts"], "destructive": s["destructive"],
                    "security": s["security"]} for s in review.stacks],
        "otherDestructive": review.destructive,
        "findings": review.findings,
        "cost": review.cost,
        "report": {"bytes": size(comment), "limit": REPORT_LIMIT},
    }


def write(review: Review, outdir: Path) -> tuple[Path, Path, Path]:
    comment, full = render(review)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = outdir / "report.md", outdir / "report-full.md", outdir / "summary.json"
    paths[0].write_text(comment)
    paths[1].write_text(full)
    paths[2].write_text(json.dumps(summary(review, comment), indent=2, sort_keys=True) + "\n")
    return paths


# --------------------------------------------------------------------------------------------
# Command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make review", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default=os.environ.get("BASE", ""), help="git ref to compare with (e.g. origin/main, a commit; default $BASE)")
    parser.add_argument("--head", default="HEAD", help="the commit whose trailers count (default HEAD); the working tree is synthesized")
    parser.add_argument("--labels", default=os.environ.get("REVIEW_LABELS", ""),
                        help="the pull request's labels, comma-separated (default: $REVIEW_LABELS); ack:<LogicalId> acknowledges")
    parser.add_argument("--acknowledge", action="append", default=[], metavar="LOGICAL_ID", help="acknowledge a stateful change (repeatable)")
    parser.add_argument("--context", action="append", default=[], metavar="KEY=VALUE", help="extra -c for both synths (e.g. profile=NAME)")
    parser.add_argument("--base-assembly", type=Path, help="compare this assembly instead of synthesizing the base")
    parser.add_argument("--head-assembly", type=Path, help="compare this assembly instead of synthesizing the working tree")
    parser.add_argument("--out", type=Path, default=OUT, help="where the reports go (default build/review)")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when the gate fails")
    args = parser.parse_args(argv)
    if not args.base:
        parser.error("choose what to compare with: make review BASE=origin/main (a branch, tag or commit)")

    context = [word for pair in args.context for word in ("-c", pair)]
    base_commit = git("rev-parse", "--verify", f"{args.base}^{{commit}}")
    head_commit = git("rev-parse", "--verify", f"{args.head}^{{commit}}")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    worktree = args.out / "base-tree"
    base_out = args.base_assembly or args.out / "base.out"
    head_out = args.head_assembly or args.out / "head.out"
    profile = next((pair.split("=", 1)[1] for pair in args.context if pair.startswith("profile=")), None)
    try:
        if args.base_assembly is None:
            prepare_base(base_commit, worktree)
        synths = planned_synths(base_tree=worktree if args.base_assembly is None else None,
                                head_tree=ROOT if args.head_assembly is None else None, out=args.out)
        synthesize_all(synths, context)
        # Each side priced by its own tree's cost model (a given base assembly: by the working tree's).
        cost = cost_delta(cost_report(worktree if args.base_assembly is None else ROOT, base_out, profile=profile),
                          cost_report(ROOT, head_out, profile=profile))
    finally:
        remove_worktree(worktree)
    acknowledgments = {"label": label_acknowledgments(args.labels.split(",")),
                       "trailer": trailer_acknowledgments(base_commit, head_commit),
                       "option": sorted(set(args.acknowledge))}
    pairs = [(base_out, head_out)]
    if any(s.context == DELIVERY_CONTEXT for s in synths):
        pairs.append((args.out / "base-delivery.out", args.out / "head-delivery.out"))
    review = build_review(merge_comparisons(compare_many(pairs)), acknowledgments={k: v for k, v in acknowledgments.items() if v},
                          picture=changed_picture(base_out, head_out),
                          base={"label": args.base, "commit": base_commit},
                          head={"label": f"{args.head} (working tree{', uncommitted changes' if dirty else ''})", "commit": head_commit,
                                "dirty": dirty},
                          cost=cost)
    report, full, data = write(review, args.out)
    changed = len(review.changed)
    print(f"review: {changed} stack(s) changed; report {report.relative_to(ROOT) if report.is_relative_to(ROOT) else report} "
          f"({size(report.read_text())} bytes), full report {full.name}, summary {data.name}")
    for change in review.stateful:
        state = f"acknowledged ({change.acknowledged_by})" if change.acknowledged_by else "NOT ACKNOWLEDGED"
        print(f"  stateful: {change.stack} {change.logical_id} {change.type} {DESTRUCTIVE_IMPACTS[change.impact]}: {state}")
    if review.passed:
        print("review: stateful-change gate passed")
        return 0
    print(f"review: stateful-change gate FAILED: acknowledge with a label {LABEL_PREFIX}<LogicalId> or a commit trailer "
          f"'{TRAILER}: <LogicalId>' (docs/delivery.md)", file=sys.stderr)
    return 0 if args.no_fail else 1


if __name__ == "__main__":
    sys.exit(main())
