"""`make sweep`: tear down branch environments whose branch is gone or whose time is up.

Dry run by default (``make sweep``: what it would do); ``make sweep SWEEP_APPLY=1`` acts. The
scheduled workflow (.github/workflows/sweep.yml) runs it daily; the preview workflow runs it for
one branch (``--branch``) after ``cdk destroy``, with ``--check`` to prove nothing is left.

1. **Find** branch environments by their tags: every CloudFormation stack tagged
   ``application=<app>`` with a ``branch`` tag other than ``none`` (stacks/stage.py tags every
   stack and resource with application, environment, branch, owner, cost-center), in the
   application's regions and us-east-1 (the edge-global and edge-alarms tiers). Stacks carry no
   creation-time tag: an environment's age is its oldest stack's CloudFormation CreationTime.
2. **Choose** those whose branch is gone (not among ``git ls-remote --heads`` of the remote, or of
   the names given with ``--branches-from``; a stack's branch tag is the branch's own name or,
   where a tag cannot hold it, its slug) or older than the TTL (``--ttl-days``, default 7; it will
   move to the configuration once config/ settles). An environment with a stack in progress (a
   deploy running) is left for the next run.
3. **Destroy** its stacks in reverse deploy order (observability first, network last), each
   waited for; a stack that fails to delete stops its environment (the stacks before it in the
   deploy order are still in use) and fails the run after the other environments are done.
4. **Remove what a destroy leaves behind** by design, per the policy in docs/delivery.md: every
   resource still tagged with the environment's application, environment and branch once its
   stacks are gone. Buckets are emptied (every version) and deleted; log groups deleted; RDS
   snapshots (final snapshots copy the instance's tags) deleted; KMS keys scheduled for deletion
   after the shortest window AWS allows (7 days). Anything else is reported and fails ``--check``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_TTL_DAYS = 7
DEFAULT_APPLICATION = "webapp"
# stacks/stage.py's deployment order (tests/test_sweep.py holds them equal); GLOBAL_TIERS deploy to us-east-1.
DEPLOY_ORDER = ("network", "data", "edge-global", "edge", "auth", "compute", "frontend", "observability", "edge-alarms")
GLOBAL_REGION = "us-east-1"
KMS_PENDING_WINDOW_DAYS = 7
IN_PROGRESS = "_IN_PROGRESS"


@dataclass(frozen=True)
class Stack:
    name: str
    region: str
    status: str
    created: datetime
    tags: dict[str, str]

    @property
    def tier(self) -> str | None:
        """The tier from the stack's name ``<app>-<env>-<branch>-<tier>``: the longest matching suffix."""
        for tier in sorted(DEPLOY_ORDER, key=len, reverse=True):
            if self.name.endswith(f"-{tier}"):
                return tier
        return None


@dataclass
class Environment:
    application: str
    environment: str
    branch: str
    stacks: list[Stack] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.application, self.environment, self.branch

    @property
    def created(self) -> datetime:
        return min(s.created for s in self.stacks)

    @property
    def busy(self) -> bool:
        return any(s.status.endswith(IN_PROGRESS) for s in self.stacks)

    def deletion_order(self) -> list[Stack]:
        """Reverse deploy order; a stack of an unknown tier first (nothing of ours depends on it)."""
        rank = {tier: i for i, tier in enumerate(DEPLOY_ORDER)}
        return sorted(self.stacks, key=lambda s: (-rank.get(s.tier or "", len(DEPLOY_ORDER)), s.name))

    def covers(self, other: Environment) -> bool:
        """Same application and branch, and environment (an empty one: any)."""
        return (self.application, self.branch) == (other.application, other.branch) and self.environment in ("", other.environment)

    def tag_filters(self) -> list[dict[str, Any]]:
        filters = [{"Key": "application", "Values": [self.application]}, {"Key": "branch", "Values": [self.branch]}]
        return filters + ([{"Key": "environment", "Values": [self.environment]}] if self.environment else [])

    def describe(self) -> str:
        if not self.stacks:
            return f"branch {self.branch!r} (no stack left)"
        return f"{self.environment} branch {self.branch!r} ({len(self.stacks)} stacks, created {self.created:%Y-%m-%d %H:%M} UTC)"


@dataclass(frozen=True)
class Leftover:
    arn: str
    region: str

    @property
    def kind(self) -> str:
        parts = self.arn.split(":")
        service = parts[2] if len(parts) > 2 else ""
        resource = ":".join(parts[5:])
        if service == "s3" and "/" not in resource:
            return "bucket"
        if service == "logs" and resource.startswith("log-group:"):
            return "log-group"
        if service == "kms" and resource.startswith("key/"):
            return "kms-key"
        if service == "rds" and resource.startswith("snapshot:"):
            return "db-snapshot"
        if service == "rds" and resource.startswith("cluster-snapshot:"):
            return "db-cluster-snapshot"
        if service == "cloudformation":
            return "stack"
        return "other"

    @property
    def name(self) -> str:
        resource = ":".join(self.arn.split(":")[5:])
        if self.kind == "log-group":
            return resource.split(":", 1)[1].removesuffix(":*")
        if self.kind == "kms-key":
            return resource.split("/", 1)[1]
        if self.kind in ("db-snapshot", "db-cluster-snapshot"):
            return resource.split(":", 1)[1]
        return resource


# What the policy does with each kind of leftover (docs/delivery.md: the sweeper's policy).
POLICY = {
    "bucket": "emptied (every version) and deleted",
    "log-group": "deleted",
    "db-snapshot": "deleted",
    "db-cluster-snapshot": "deleted",
    "kms-key": f"scheduled for deletion in {KMS_PENDING_WINDOW_DAYS} days",
}


def say(text: str) -> None:
    print(text, flush=True)


# --------------------------------------------------------------------------------------------
# Finding


def find_environments(session: Any, regions: Iterable[str], application: str) -> list[Environment]:
    """Every branch environment of ``application`` with at least one stack, across ``regions``."""
    found: dict[tuple[str, str, str], Environment] = {}
    for region in dict.fromkeys(regions):
        paginator = session.client("cloudformation", region_name=region).get_paginator("describe_stacks")
        for page in paginator.paginate():
            for item in page["Stacks"]:
                tags = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
                if tags.get("application") != application or tags.get("branch", "none") == "none":
                    continue
                if item["StackStatus"] == "DELETE_COMPLETE":
                    continue
                stack = Stack(item["StackName"], region, item["StackStatus"], item["CreationTime"], tags)
                key = (application, tags.get("environment", ""), tags["branch"])
                found.setdefault(key, Environment(*key)).stacks.append(stack)
    return sorted(found.values(), key=lambda e: e.key)


def live_branches(remote: str = "origin", *, cwd: Path | None = None) -> set[str]:
    """Branch names of ``remote`` (git ls-remote --heads): a name, a URL or a path."""
    result = subprocess.run(["git", "ls-remote", "--heads", remote], cwd=cwd, check=True, capture_output=True, text=True)
    return {line.split("\t", 1)[1].removeprefix("refs/heads/") for line in result.stdout.splitlines() if "\t" in line}


def matches(tag: str, branch: str) -> bool:
    """Whether a stack's branch tag is ``branch``'s: its own name, or its slug where a tag could not hold the name."""
    from config.derived import sanitize_branch

    return tag == branch or tag == sanitize_branch(branch)


def choose(environments: Sequence[Environment], *, live: set[str] | None, ttl: timedelta, now: datetime,
           only_branch: str | None = None) -> list[tuple[Environment, str]]:
    """(environment, why) for each environment to sweep. ``only_branch``: just that branch's, whatever its state."""
    chosen = []
    for env in environments:
        if only_branch is not None:
            if matches(env.branch, only_branch):
                chosen.append((env, f"asked for branch {only_branch!r}"))
            continue
        if live is not None and not any(matches(env.branch, b) for b in live):
            chosen.append((env, "its branch is gone"))
        elif now - env.created > ttl:
            chosen.append((env, f"older than {ttl.days} days"))
    return chosen


def find_leftovers(session: Any, regions: Iterable[str], env: Environment) -> list[Leftover]:
    """Resources still tagged with the environment's application, environment and branch."""
    found = []
    for region in dict.fromkeys(regions):
        paginator = session.client("resourcegroupstaggingapi", region_name=region).get_paginator("get_resources")
        for page in paginator.paginate(TagFilters=env.tag_filters()):
            found += [Leftover(item["ResourceARN"], region) for item in page["ResourceTagMappingList"]]
    # S3 buckets are global: the tagging API of every region may list one.
    unique = {(item.arn if item.kind == "bucket" else (item.arn, item.region)): item for item in found}
    return sorted(unique.values(), key=lambda item: (item.kind, item.arn))


# --------------------------------------------------------------------------------------------
# Acting


def _failure_reason(client: Any, stack_name: str) -> str:
    try:
        events = client.describe_stack_events(StackName=stack_name)["StackEvents"]
    except Exception as error:  # the reason is only for the log
        return str(error)
    reasons = [e.get("ResourceStatusReason", "") for e in events if e.get("ResourceStatus") == "DELETE_FAILED"]
    return next((r for r in reasons if r), "DELETE_FAILED")


def destroy(session: Any, env: Environment, *, apply: bool, delay: int = 15, attempts: int = 240) -> list[str]:
    """Delete the environment's stacks in reverse deploy order. Returns the failures (none: all gone)."""
    from botocore.exceptions import ClientError, WaiterError

    order = env.deletion_order()
    for position, stack in enumerate(order):
        if not apply:
            say(f"  would delete stack {stack.name} ({stack.region}, {stack.tier or 'unknown tier'})")
            continue
        say(f"  deleting stack {stack.name} ({stack.region})")
        client = session.client("cloudformation", region_name=stack.region)
        try:
            client.delete_stack(StackName=stack.name)
            client.get_waiter("stack_delete_complete").wait(StackName=stack.name, WaiterConfig={"Delay": delay, "MaxAttempts": attempts})
        except (ClientError, WaiterError) as error:
            reason = _failure_reason(client, stack.name) if isinstance(error, WaiterError) else str(error)
            later = [s.name for s in order[position + 1:]]
            return [f"{stack.name} did not delete: {reason}" + (f" (left in place: {', '.join(later)})" if later else "")]
    return []


def _empty_and_delete_bucket(s3: Any, bucket: str) -> None:
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        for start in range(0, len(objects), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start:start + 1000], "Quiet": True})
    s3.delete_bucket(Bucket=bucket)


def remove(session: Any, item: Leftover, *, apply: bool) -> str | None:
    """Apply the policy to one leftover. Returns a failure, or None."""
    from botocore.exceptions import ClientError

    action = POLICY.get(item.kind)
    if action is None:
        return f"{item.arn}: not covered by the sweeper's policy (left in place)"
    if not apply:
        say(f"  would remove {item.kind} {item.name}: {action}")
        return None
    say(f"  {item.kind} {item.name}: {action}")
    try:
        if item.kind == "bucket":
            _empty_and_delete_bucket(session.client("s3", region_name=item.region), item.name)
        elif item.kind == "log-group":
            session.client("logs", region_name=item.region).delete_log_group(logGroupName=item.name)
        elif item.kind == "db-snapshot":
            session.client("rds", region_name=item.region).delete_db_snapshot(DBSnapshotIdentifier=item.name)
        elif item.kind == "db-cluster-snapshot":
            session.client("rds", region_name=item.region).delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=item.name)
        elif item.kind == "kms-key":
            kms = session.client("kms", region_name=item.region)
            if kms.describe_key(KeyId=item.name)["KeyMetadata"]["KeyState"] != "PendingDeletion":
                kms.schedule_key_deletion(KeyId=item.name, PendingWindowInDays=KMS_PENDING_WINDOW_DAYS)
    except ClientError as error:
        return f"{item.arn}: {error}"
    return None


def remaining(session: Any, regions: Sequence[str], env: Environment) -> list[str]:
    """What is still there of the environment: stacks, and tagged resources (keys already pending
    deletion excepted: AWS keeps them for the window)."""
    left = [f"stack {s.name} ({s.region}, {s.status})" for e in find_environments(session, regions, env.application)
            if env.covers(e) for s in e.stacks]
    for item in find_leftovers(session, regions, env):
        if item.kind == "stack":
            continue
        if item.kind == "kms-key":
            state = session.client("kms", region_name=item.region).describe_key(KeyId=item.name)["KeyMetadata"]["KeyState"]
            if state == "PendingDeletion":
                continue
        left.append(f"{item.kind} {item.arn}")
    return left


@dataclass
class Outcome:
    swept: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


def sweep(session: Any, *, regions: Sequence[str], application: str, live: set[str] | None, ttl: timedelta, now: datetime,
          apply: bool, only_branch: str | None = None, check: bool = False, delay: int = 15) -> Outcome:
    """Find, choose, destroy and clean up (see the module's docstring); ``check``: then list what is left."""
    outcome = Outcome()
    environments = find_environments(session, regions, application)
    targets = choose(environments, live=live, ttl=ttl, now=now, only_branch=only_branch)
    say(f"sweep: {len(environments)} branch environment(s) of {application!r} in {', '.join(dict.fromkeys(regions))}; "
        f"{len(targets)} to sweep{'' if apply else ' (dry run: SWEEP_APPLY=1 acts)'}")
    if only_branch is not None and not targets:
        # No stack left (never deployed, or destroyed already): still clean up and check what is tagged.
        from config.derived import sanitize_branch

        targets = [(Environment(application, "", tag), "asked for") for tag in sorted({only_branch, sanitize_branch(only_branch)})]
    for env, why in targets:
        if env.busy:
            say(f"- {env.describe()}: {why}, but a stack is in progress: left for the next run")
            continue
        say(f"- {env.describe()}: {why}")
        failures = destroy(session, env, apply=apply, delay=delay)
        if not failures:
            for item in find_leftovers(session, regions, env):
                if item.kind != "stack":
                    failure = remove(session, item, apply=apply)
                    failures += [failure] if failure else []
        for failure in failures:
            say(f"  FAILED: {failure}")
        outcome.failures += failures
        if env.stacks and not failures:
            outcome.swept.append(env.describe())
    if check:
        for env, _ in targets:
            outcome.left += remaining(session, regions, env)
        for what in outcome.left:
            say(f"  still there: {what}")
        say(f"sweep: check {'failed: something is left' if outcome.left else 'passed: nothing is left'}")
    return outcome


def default_regions() -> list[str]:
    """The profile's application regions (config/), and us-east-1 for the global tiers."""
    from config.loader import load

    return sorted({cfg.region for cfg in load()} | {GLOBAL_REGION})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make sweep", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--apply", action="store_true", help="act (default: a dry run that only says what it would do)")
    parser.add_argument("--ttl-days", type=float, default=float(os.environ.get("SWEEP_TTL_DAYS") or DEFAULT_TTL_DAYS),
                        help=f"sweep environments older than this many days (default $SWEEP_TTL_DAYS or {DEFAULT_TTL_DAYS})")
    parser.add_argument("--remote", default="origin", help="git remote (name, URL or path) whose branches are alive (default origin)")
    parser.add_argument("--branches-from", type=Path, help="a file of live branch names, one a line, instead of asking the remote")
    parser.add_argument("--branch", help="sweep this branch's environment only, whatever its state (after a pull request closes)")
    parser.add_argument("--region", action="append", dest="regions", help="a region to search (repeatable; default: the profile's and us-east-1)")
    parser.add_argument("--application", default=DEFAULT_APPLICATION, help=f"the application tag (default {DEFAULT_APPLICATION})")
    parser.add_argument("--check", action="store_true", help="then fail if anything of the chosen environments is left")
    args = parser.parse_args(argv)

    import boto3

    live: set[str] | None = None
    if args.branch is None:
        if args.branches_from is not None:
            live = {line.strip() for line in args.branches_from.read_text().splitlines() if line.strip()}
        else:
            live = live_branches(args.remote)
    outcome = sweep(boto3.Session(), regions=args.regions or default_regions(), application=args.application, live=live,
                    ttl=timedelta(days=args.ttl_days), now=datetime.now(UTC), apply=args.apply, only_branch=args.branch, check=args.check)
    if outcome.failures:
        say(f"sweep: {len(outcome.failures)} failure(s)")
        return 1
    return 1 if outcome.left else 0


if __name__ == "__main__":
    sys.exit(main())
