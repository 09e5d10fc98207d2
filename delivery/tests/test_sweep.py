"""The sweeper (delivery/sweep.py) against moto: which branch environments it chooses, the order it
deletes their stacks in, what it removes after them, a stack that fails to delete, the dry run
and the check."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from moto.cloudformation.models import CloudFormationBackend, cloudformation_backends

from delivery import sweep
from delivery.tests.conftest import REGION

ACCOUNT = "123456789012"
APP = "webapp"
TIERS = ("network", "data", "edge-global", "edge", "auth", "compute", "frontend", "observability")
TEMPLATE = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
NOW = datetime.now(UTC)
TTL = timedelta(days=sweep.DEFAULT_TTL_DAYS)


def tags(branch: str, environment: str = "dev") -> dict[str, str]:
    return {"application": APP, "environment": environment, "branch": branch, "owner": "team", "cost-center": "cc-1"}


def deploy(session, branch: str, *, slug: str | None = None, tiers=TIERS, age: timedelta | None = None) -> list[str]:
    """A branch environment's stacks, tagged as stacks/stage.py tags them, in deploy order."""
    cfn = session.client("cloudformation")
    names = []
    for tier in tiers:
        name = f"{APP}-dev-{slug or branch.replace('/', '-')}-{tier}"
        cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Tags=[{"Key": k, "Value": v} for k, v in tags(branch).items()])
        names.append(name)
    if age is not None:
        for stack in cloudformation_backends[ACCOUNT][REGION].stacks.values():
            if stack.name in names:
                stack.creation_time = NOW - age
    return names


def leave_behind(session, branch: str) -> dict[str, str]:
    """What a destroy can leave behind, tagged like the environment: a versioned bucket with
    objects, a retained log group, a final snapshot, a retained key."""
    tag_list = [{"Key": k, "Value": v} for k, v in tags(branch).items()]
    slug = branch.replace("/", "-")
    s3 = session.client("s3")
    bucket = f"{APP}-dev-{slug}-uploads"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket=bucket, Key="avatars/a.png", Body=body)
    s3.delete_object(Bucket=bucket, Key="avatars/a.png")
    logs = session.client("logs")
    group = f"/{APP}/dev-{slug}/api"
    logs.create_log_group(logGroupName=group, tags=tags(branch))
    rds = session.client("rds")
    instance = f"{APP}-dev-{slug}-db"
    rds.create_db_instance(DBInstanceIdentifier=instance, Engine="postgres", DBInstanceClass="db.t4g.micro", MasterUsername="app",
                           MasterUserPassword="not-a-secret-123", AllocatedStorage=20)
    snapshot = f"{instance}-final"
    rds.create_db_snapshot(DBSnapshotIdentifier=snapshot, DBInstanceIdentifier=instance, Tags=tag_list)
    rds.delete_db_instance(DBInstanceIdentifier=instance, SkipFinalSnapshot=True)
    key = session.client("kms").create_key(Tags=[{"TagKey": k, "TagValue": v} for k, v in tags(branch).items()])["KeyMetadata"]["KeyId"]
    return {"bucket": bucket, "log-group": group, "snapshot": snapshot, "key": key}


def stack_names(session) -> set[str]:
    return {s["StackName"] for s in session.client("cloudformation").describe_stacks()["Stacks"]}


def run(session, capsys, *, live=frozenset({"main", "feature/alive"}), apply=True, **options):
    outcome = sweep.sweep(session, regions=[REGION], application=APP, live=None if live is None else set(live), ttl=TTL, now=NOW,
                          apply=apply, delay=0, **options)
    return outcome, capsys.readouterr().out


def deleted_in_order(output: str) -> list[str]:
    return [line.split()[2] for line in output.splitlines() if line.strip().startswith("deleting stack")]


def test_a_gone_branch_is_destroyed_in_reverse_deploy_order_and_its_leftovers_removed(session, capsys):
    gone = deploy(session, "feature/gone")
    left = leave_behind(session, "feature/gone")
    alive = deploy(session, "feature/alive", tiers=("network", "data"))
    kept = leave_behind(session, "feature/alive")
    outcome, output = run(session, capsys)
    assert outcome.failures == [] and len(outcome.swept) == 1
    assert deleted_in_order(output) == list(reversed(gone))
    assert stack_names(session) == set(alive)
    s3, logs, rds, kms = (session.client(s) for s in ("s3", "logs", "rds", "kms"))
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert left["bucket"] not in buckets and kept["bucket"] in buckets
    groups = {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}
    assert left["log-group"] not in groups and kept["log-group"] in groups
    snapshots = {s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]}
    assert left["snapshot"] not in snapshots and kept["snapshot"] in snapshots
    assert kms.describe_key(KeyId=left["key"])["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert kms.describe_key(KeyId=kept["key"])["KeyMetadata"]["KeyState"] == "Enabled"
    assert sweep.remaining(session, [REGION], sweep.Environment(APP, "dev", "feature/gone")) == []


def test_the_dry_run_changes_nothing_and_says_what_it_would_do(session, capsys):
    gone = deploy(session, "feature/gone")
    left = leave_behind(session, "feature/gone")
    outcome, output = run(session, capsys, apply=False)
    assert outcome.failures == []
    assert stack_names(session) == set(gone)
    would = [line.split()[3] for line in output.splitlines() if line.strip().startswith("would delete stack")]
    assert would == list(reversed(gone))
    assert f"would remove bucket {left['bucket']}: emptied (every version) and deleted" in output
    assert "dry run: SWEEP_APPLY=1 acts" in output
    assert left["bucket"] in {b["Name"] for b in session.client("s3").list_buckets()["Buckets"]}


def test_an_environment_past_its_ttl_is_swept_and_a_younger_one_kept(session, capsys):
    old = deploy(session, "feature/alive", age=TTL + timedelta(hours=1))
    young = deploy(session, "feature/young", tiers=("network",), age=TTL - timedelta(hours=1))
    outcome, output = run(session, capsys, live={"main", "feature/alive", "feature/young"})
    assert "older than 7 days" in output
    assert deleted_in_order(output) == list(reversed(old))
    assert stack_names(session) == set(young)


def test_branch_tags_match_live_branches_by_name_or_slug(session, capsys):
    # A branch whose name a tag could not hold is tagged with its slug (config.derived.environment_tags).
    from config.derived import sanitize_branch

    odd = "feature/Ünïcode"
    deploy(session, sanitize_branch(odd), slug=sanitize_branch(odd), tiers=("network",))
    outcome, _ = run(session, capsys, live={"main", odd})
    assert outcome.swept == []
    assert sweep.matches(sanitize_branch(odd), odd) and not sweep.matches("feature-other", odd)


def test_a_stack_that_fails_to_delete_stops_its_environment_and_fails_the_run(session, capsys, monkeypatch, tmp_path):
    stuck = deploy(session, "feature/stuck")
    gone = deploy(session, "feature/gone")
    left = leave_behind(session, "feature/stuck")
    original = CloudFormationBackend.delete_stack
    reason = "The following resource(s) failed to delete: [ApiRepository]. Repository is not empty."

    def delete_stack(self, name_or_stack_id):
        stack = next((s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)), None)
        if stack is not None and stack.name.endswith("-stuck-compute"):
            stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
            stack._add_stack_event("DELETE_FAILED", resource_status_reason=reason)
            stack.status = "DELETE_FAILED"  # what CloudFormation leaves: the stack, failed
            return None
        return original(self, name_or_stack_id)

    monkeypatch.setattr(CloudFormationBackend, "delete_stack", delete_stack)
    branches = tmp_path / "branches"
    branches.write_text("main\nfeature/alive\n")
    assert sweep.main(["--apply", "--branches-from", str(branches), "--region", REGION]) == 1  # waits 15 s between polls: none needed here
    output = capsys.readouterr().out
    assert f"FAILED: {APP}-dev-feature-stuck-compute did not delete: {reason}" in output
    assert "left in place: " + ", ".join(reversed(stuck[:5])) in output
    remaining = stack_names(session)
    assert remaining == set(stuck[:6])  # compute (failed) and everything it stands on; observability and frontend went
    assert not remaining & set(gone)  # the other environment was swept all the same
    assert left["bucket"] in {b["Name"] for b in session.client("s3").list_buckets()["Buckets"]}  # nothing cleaned under live stacks


def test_one_branch_after_its_pull_request_closes_with_the_check(session, capsys):
    deploy(session, "feature/alive")
    leave_behind(session, "feature/alive")
    outcome, output = run(session, capsys, live=None, only_branch="feature/alive", check=True)
    assert outcome.failures == [] and outcome.left == []
    assert "check passed: nothing is left" in output
    # Run again (a branch deleted after its pull request closed): nothing to do, still clean.
    outcome, output = run(session, capsys, live=None, only_branch="feature/alive", check=True)
    assert outcome.left == [] and "check passed" in output


def test_the_check_fails_on_what_the_policy_does_not_cover(session, capsys):
    deploy(session, "feature/alive", tiers=("network",))
    topic = session.client("sns").create_topic(Name="stray", Tags=[{"Key": k, "Value": v} for k, v in tags("feature/alive").items()])
    outcome, output = run(session, capsys, live=None, only_branch="feature/alive", check=True)
    assert any("not covered by the sweeper's policy" in f for f in outcome.failures)
    assert outcome.left == [f"other {topic['TopicArn']}"]
    assert "check failed: something is left" in output


def test_stacks_of_long_lived_environments_and_other_applications_are_never_chosen(session, capsys):
    cfn = session.client("cloudformation")
    cfn.create_stack(StackName="webapp-dev-network", TemplateBody=TEMPLATE,
                     Tags=[{"Key": k, "Value": v} for k, v in {**tags("none"), "branch": "none"}.items()])
    cfn.create_stack(StackName="other-dev-x-network", TemplateBody=TEMPLATE, Tags=[{"Key": "application", "Value": "other"},
                                                                                      {"Key": "branch", "Value": "x"}])
    outcome, _ = run(session, capsys, live={"main"})
    assert outcome.swept == [] and stack_names(session) == {"webapp-dev-network", "other-dev-x-network"}


def test_live_branches_come_from_the_remote(tmp_path):
    remote = tmp_path / "remote.git"
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, env=env, capture_output=True)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "x"], cwd=work, check=True, env=env)
    for branch in ("main", "feature/login-page"):
        subprocess.run(["git", "push", "-q", "origin", f"HEAD:refs/heads/{branch}"], cwd=work, check=True, env=env, capture_output=True)
    assert sweep.live_branches(str(remote)) == {"main", "feature/login-page"}


@pytest.mark.parametrize(("arn", "kind", "name"), [
    ("arn:aws:s3:::webapp-dev-x-uploads", "bucket", "webapp-dev-x-uploads"),
    ("arn:aws:logs:us-east-1:123456789012:log-group:/webapp/dev-x/api", "log-group", "/webapp/dev-x/api"),
    ("arn:aws:logs:us-east-1:123456789012:log-group:/webapp/dev-x/api:*", "log-group", "/webapp/dev-x/api"),
    ("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "kms-key", "1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("arn:aws:rds:us-east-1:123456789012:snapshot:webapp-dev-x-final", "db-snapshot", "webapp-dev-x-final"),
    ("arn:aws:rds:us-east-1:123456789012:cluster-snapshot:webapp-dev-x-final", "db-cluster-snapshot", "webapp-dev-x-final"),
    ("arn:aws:sns:us-east-1:123456789012:stray", "other", "stray"),
])
def test_leftovers_are_classified_by_their_arn(arn, kind, name):
    item = sweep.Leftover(arn, REGION)
    assert (item.kind, item.name) == (kind, name)
