"""`make review`: the review report and its stateful-change gate (delivery/review.py), on small
assemblies synthesized offline once per session.

dev as the base (the session's own synthesis), and three variants of it synthesized here:
``replaced`` renames the database (DBName: CloudFormation replaces the instance), turns X-Ray on
(an IAM statement) and adds the Redis cache (security-group rules); ``cosmetic`` changes the
cost-center tag on every resource; ``again`` is dev synthesized a second time. app.py's own
runs, two processes apart, must write byte-identical assemblies.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from delivery import review
from delivery.stateful import GATED, NOT_GATED, is_gated
from tests import conftest
from tests.background import Command, background_command
from tests.conftest import ROOT, synthesize
from tests.test_app import app_command

REPLACED = {"env": "dev", "overrides": {"dev": {"database": {"database_name": "renamed"},
                                                "compute": {"xray_tracing": True}, "cache": {"enabled": True}}}}
COSMETIC = {"env": "dev", "overrides": {"dev": {"cost_center": "cc-4242"}}}
GITHUB_COMMENT_LIMIT = 65_536


@pytest.fixture(scope="module")
def assemblies(synthesized, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("review")
    return {
        "base": synthesized["dev"].assembly,
        "again": synthesize({"env": "dev"}, root / "again").assembly,
        "replaced": synthesize(REPLACED, root / "replaced").assembly,
        "cosmetic": synthesize(COSMETIC, root / "cosmetic").assembly,
    }


@pytest.fixture(scope="module")
def comparisons(assemblies) -> dict[str, review.Comparison]:
    names = ("again", "replaced", "cosmetic")
    return dict(zip(names, review.compare_many([(assemblies["base"], assemblies[name]) for name in names]), strict=True))


def database_id(assembly: Path) -> str:
    (template,) = [t for stack, t in review.stack_templates(assembly).items() if stack == "dev/Data"]
    (logical_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::RDS::DBInstance"]
    return logical_id


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@background_command("app-dev-again")
def _dev_again(outdir: Path) -> Command:
    """app.py for dev a second time, in a process of its own (tests/test_app.py runs the first)."""
    return app_command(outdir, {"env": "dev"})


@pytest.mark.background("app-dev")
@pytest.mark.background("app-dev-again")
def test_two_synths_of_one_commit_are_byte_identical(background):
    """Every file of the assembly, templates, manifest, metadata and assets: no time, no random
    value, no temporary path (app.py leaves stack traces out), so the review shows only real change
    and a release's digest is the same for the same commit."""
    (first, first_out), (second, second_out) = background.result("app-dev"), background.result("app-dev-again")
    assert first.returncode == 0 and second.returncode == 0, (first.stderr + second.stderr)[-3000:]
    one, two = files(first_out), files(second_out)
    assert len(one) > 20 and sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []


def test_the_same_commit_reports_no_change(comparisons):
    result = review.build_review(comparisons["again"])
    assert result.passed and result.changed == [] and result.stateful == [] and result.destructive == []
    assert not any(result.findings.values())
    comment, full = review.render(result)
    assert comment == full
    assert "No infrastructure change" in comment and "### Per stack" not in comment


def test_a_database_replacement_fails_the_gate(comparisons, assemblies):
    result = review.build_review(comparisons["replaced"])
    db = database_id(assemblies["replaced"])
    assert db == database_id(assemblies["base"])  # same logical ID: only a property forces the replacement
    assert [(c.stack, c.logical_id, c.type, c.impact) for c in result.failures] == [("dev/Data", db, "AWS::RDS::DBInstance", "WILL_REPLACE")]
    assert "DBName" in result.failures[0].cause
    assert not result.passed
    comment, _ = review.render(result)
    assert "❌ **Stateful-change gate failed**" in comment
    assert f"`ack:{db}`" in comment and f"`Stateful-Change-Acknowledged: {db}`" in comment


def test_the_command_exits_1_on_an_unacknowledged_replacement_and_writes_three_files(assemblies, tmp_path):
    args = ["--base", "HEAD", "--head", "HEAD", "--labels", "", "--base-assembly", str(assemblies["base"]),
            "--head-assembly", str(assemblies["replaced"]), "--out", str(tmp_path)]
    assert review.main(args) == 1
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["gate"]["passed"] is False
    assert [f["logicalId"] for f in data["gate"]["failures"]] == [database_id(assemblies["replaced"])]
    assert (tmp_path / "report.md").read_text().startswith(review.MARKER)
    assert (tmp_path / "report-full.md").exists()
    assert data["cost"]["dev"]["delta"] > 0  # priced by the cost model, each side
    # The changed part of the architecture picture, with the replaced database marked (scripts/diagrams.py).
    report = (tmp_path / "report.md").read_text()
    assert "### What changed, as a picture" in report and "```mermaid" in report and "replaced" in report


def test_a_commit_trailer_acknowledges_the_replacement(comparisons, assemblies, tmp_path):
    db = database_id(assemblies["replaced"])
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}

    def run(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout.strip()

    run("init", "-q")
    run("commit", "-q", "--allow-empty", "-m", "base")
    base = run("rev-parse", "HEAD")
    run("commit", "-q", "--allow-empty", "-m", f"Rename the database\n\nIt moves to a new name.\n\n{review.TRAILER}: {db}")
    run("commit", "-q", "--allow-empty", "-m", "Unrelated\n\nStateful-Change-Acknowledged: OtherA, OtherB")
    assert review.trailer_acknowledgments(base, "HEAD", cwd=repo) == sorted([db, "OtherA", "OtherB"])
    result = review.build_review(comparisons["replaced"], acknowledgments={"trailer": review.trailer_acknowledgments(base, cwd=repo)})
    assert result.passed
    assert [(c.logical_id, c.acknowledged_by) for c in result.stateful] == [(db, "trailer")]
    assert result.unused_acknowledgments == ["OtherA", "OtherB"]
    comment, _ = review.render(result)
    assert "✅ **Stateful-change gate passed**" in comment and "match no stateful change" in comment


def test_a_label_acknowledges_the_replacement(comparisons, assemblies):
    db = database_id(assemblies["replaced"])
    labels = ["preview", f"ack:{db}", "ack:", "acknowledged"]
    assert review.label_acknowledgments(labels) == [db]
    assert review.build_review(comparisons["replaced"], acknowledgments={"label": review.label_acknowledgments(labels)}).passed


def test_a_cosmetic_change_passes(comparisons):
    result = review.build_review(comparisons["cosmetic"])
    assert result.passed and result.stateful == []
    # The tag is on every resource of every stack (dev's 7: no edge-global without a web ACL).
    assert len(result.changed) == len(conftest.tiers("dev")) == 7
    impacts = {r["impact"] for s in result.stacks for r in s["resources"] if r["impact"] != "WILL_UPDATE"}
    # Tags of the rotation application (a SAM nested stack) are replaced with it: reported, not gated.
    assert impacts <= {"WILL_REPLACE"}
    assert {d["type"] for d in result.destructive} <= {"AWS::Serverless::Application"}


def test_the_security_delta_shows_iam_statements_security_group_rules_and_acknowledgments(comparisons):
    result = review.build_review(comparisons["replaced"])
    statements = [row for s in result.stacks if s["security"]["statements"] for row in s["security"]["statements"]["rows"]]
    assert any(row[0] == "+" and "xray:PutTraceSegments" in row[3] for row in statements)
    rules = [row for s in result.stacks if s["security"]["securityGroupRules"] for row in s["security"]["securityGroupRules"]["rows"]]
    assert any(row[0] == "+" and "6379" in row[3] for row in rules), rules
    assert result.findings["added"] or result.findings["reworded"]
    totals = review.environment_totals(result)["dev"]
    assert totals["iam"]["added"] >= 1 and totals["securityGroupRules"]["added"] >= 1
    comment, _ = review.render(result)
    assert "### Security delta" in comment and "IAM statements:" in comment and "Security-group rules:" in comment


def test_reports_fit_a_github_comment(comparisons):
    for name in ("replaced", "cosmetic"):
        comment, full = review.render(review.build_review(comparisons[name]))
        assert review.size(comment) <= review.REPORT_LIMIT < GITHUB_COMMENT_LIMIT
        assert comment == full  # dev alone fits whole


def test_a_report_too_long_for_a_comment_is_cut_in_its_diffs_first(comparisons):
    """Many environments changing at once: the summary stays whole, the diffs are cut, the full report keeps all."""
    one = comparisons["cosmetic"]
    stacks = [{**s, "id": s["id"].replace("dev/", f"env{n}/"), "environment": f"env{n}"} for n in range(6) for s in one.stacks]
    result = review.build_review(review.Comparison(one.engine, stacks, one.findings))
    comment, full = review.render(result)
    assert review.size(full) > GITHUB_COMMENT_LIMIT
    assert review.size(comment) <= review.REPORT_LIMIT
    assert "✅ **Stateful-change gate passed**" in comment and "| env5 | 7 of 7 |" in comment
    assert comment.count("<details><summary><code>") == len(stacks)  # every stack keeps its line
    assert "Diff left out of this comment" in comment and "full report" in comment
    small, _ = review.render(result, limit=12_000)
    assert review.size(small) <= 12_000


def test_the_diff_is_cdk_diffs_own(comparisons, assemblies):
    """The report's text and destructive changes are what the pinned CLI prints for
    `cdk diff --template <base template> --fail-on destructive` against the new assembly."""
    data_stack = next(s for s in comparisons["replaced"].stacks if s["id"] == "dev/Data")
    manifest = json.loads((assemblies["base"] / "manifest.json").read_text())
    (template,) = [a["properties"]["templateFile"] for a in manifest["artifacts"].values() if a.get("displayName") == "dev/Data"]
    env = review.clean_environment()
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdk"), "diff", "--app", str(assemblies["replaced"]), "--template",
                             str(assemblies["base"] / template), "--exclusively", "dev/Data", "--fail-on", "destructive", "--no-notices"],
                            cwd=assemblies["replaced"].parent, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr[-2000:]
    printed = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert data_stack["formatted"].strip() in printed
    for change in data_stack["destructive"]:
        assert change["text"] in printed


def test_every_stateful_type_is_gated_or_says_why_not():
    from tests.test_stateful import STATEFUL_TYPES

    assert set(GATED).isdisjoint(NOT_GATED)
    assert [t for t in STATEFUL_TYPES if t not in GATED and t not in NOT_GATED] == []


@pytest.mark.parametrize(("change", "gated"), [
    ({"type": "AWS::RDS::DBInstance", "impact": "WILL_REPLACE"}, True),
    ({"type": "AWS::RDS::DBInstance", "impact": "WILL_UPDATE"}, False),
    ({"type": "AWS::RDS::DBInstance", "impact": "MAY_REPLACE"}, True),
    ({"type": "AWS::RDS::DBInstance", "impact": "WILL_REPLACE", "clusterMember": True}, False),
    ({"type": "AWS::S3::Bucket", "impact": "WILL_ORPHAN"}, True),
    ({"type": "AWS::Cognito::UserPool", "impact": "WILL_DESTROY"}, True),
    ({"type": "AWS::Logs::LogGroup", "impact": "WILL_DESTROY", "oldPolicies": {"deletion": "Delete", "updateReplace": "Delete"}}, False),
    ({"type": "AWS::Logs::LogGroup", "impact": "WILL_ORPHAN", "oldPolicies": {"deletion": "Retain", "updateReplace": "Retain"}}, True),
    ({"type": "AWS::Logs::LogGroup", "impact": "WILL_REPLACE", "oldPolicies": {"deletion": "Retain", "updateReplace": "Retain"}}, True),
    ({"type": "AWS::ElastiCache::ReplicationGroup", "impact": "WILL_REPLACE"}, False),
    ({"type": "AWS::Lambda::Function", "impact": "WILL_REPLACE"}, False),
])
def test_what_the_gate_stops(change, gated):
    assert is_gated(change) is gated


def test_the_summary_is_json_and_the_report_deterministic(comparisons):
    result = review.build_review(comparisons["replaced"], base={"label": "main", "commit": "a" * 40}, head={"label": "pr", "commit": "b" * 40})
    comment, _ = review.render(result)
    assert review.render(result)[0] == comment
    data = json.loads(json.dumps(review.summary(result, comment)))
    assert data["gate"]["passed"] is False and data["report"]["bytes"] == review.size(comment)
    assert data["environments"]["dev"]["replaced"] >= 1
    assert data["cost"] is None and "### Cost delta" in comment and "Not estimated" in comment


def test_the_cost_delta_comes_from_the_cost_model(assemblies):
    """Each side priced by scripts/cost_report.py (docs/cost.md): the Redis cache costs money."""
    base, head = (review.cost_report(ROOT, assemblies[name]) for name in ("base", "replaced"))
    cost = review.cost_delta(base, head)
    assert cost is not None and set(cost) == {"dev"}
    assert cost["dev"]["delta"] is not None and cost["dev"]["delta"] > 0
    assert cost["dev"]["head"] == pytest.approx(cost["dev"]["base"] + cost["dev"]["delta"], abs=0.011)
    assert review.cost_delta(None, head) == {"dev": {"base": None, "head": cost["dev"]["head"], "delta": None}}
    assert review.cost_delta(None, None) is None


def test_the_delivery_stacks_are_synthesized_beside_the_environments(tmp_path):
    """Their retained trail bucket and key are stateful: a change to them is reviewed and gated."""
    base = tmp_path / "base-tree"
    (base / "stacks").mkdir(parents=True)
    (base / "stacks" / "delivery_stack.py").write_text("")
    out = tmp_path / "review"
    synths = review.planned_synths(base_tree=base, head_tree=review.ROOT, out=out)
    assert [(s.tree, s.outdir.name, s.context) for s in synths] == [
        (base, "base.out", ()), (review.ROOT, "head.out", ()),
        (base, "base-delivery.out", ("-c", "delivery=true")), (review.ROOT, "head-delivery.out", ("-c", "delivery=true"))]
    # A base from before the delivery stack, or a side given as an assembly: the environments only.
    (base / "stacks" / "delivery_stack.py").unlink()
    assert [s.outdir.name for s in review.planned_synths(base_tree=base, head_tree=review.ROOT, out=out)] == ["base.out", "head.out"]
    assert [s.outdir.name for s in review.planned_synths(base_tree=None, head_tree=review.ROOT, out=out)] == ["head.out"]


def test_comparisons_merge_into_one_gate():
    environments = review.Comparison("engine", [{"id": "dev/Data"}], {"added": [{"rule": "a"}]})
    delivery = review.Comparison("engine", [{"id": "webapp-delivery-111111111111"}], {"added": [{"rule": "b"}], "removed": [{"rule": "c"}]})
    merged = review.merge_comparisons([environments, delivery])
    assert [s["id"] for s in merged.stacks] == ["dev/Data", "webapp-delivery-111111111111"]
    assert merged.findings == {"added": [{"rule": "a"}, {"rule": "b"}], "removed": [{"rule": "c"}]}
