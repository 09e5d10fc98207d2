"""`make db-snapshot ASSEMBLY=<dir>`: a manual database snapshot before a deploy that changes the database.

Run by the promotion workflow just before production's ``cdk deploy`` of the release assembly.
For every stack of the assembly that holds a database (an RDS instance that is not an Aurora
cluster member, or an Aurora cluster), it reads the template CloudFormation has deployed
(``GetTemplate``, as submitted) and compares it with the assembly's using CDK's own diff engine
(delivery/cfn_diff.js, the same as ``make review``). When a database resource changes (a property
update, a replacement or a removal; a change of its metadata alone does not count), it takes a
manual snapshot of it (``CreateDBSnapshot`` or ``CreateDBClusterSnapshot``), waits until it is
available, and names it in the run summary (``$GITHUB_STEP_SUMMARY``) and on stdout. A manual
snapshot outlives the instance and its automated backups, so it is the way back from a deploy
that goes wrong with the data.

``--dry-run`` reads the same and says what it would snapshot, without taking any.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from delivery.review import run_engine

DATABASE_TYPES = ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")


@dataclass(frozen=True)
class DatabaseChange:
    stack: str
    region: str
    logical_id: str
    type: str
    physical_id: str
    what: str

    @property
    def cluster(self) -> bool:
        return self.type == "AWS::RDS::DBCluster"


@dataclass(frozen=True)
class Taken:
    change: DatabaseChange
    snapshot: str
    done: bool


def stacks(assembly: Path) -> list[tuple[str, str, Path]]:
    """(stack name, region, template file) of every stack of a (-c env) release assembly."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    found = []
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") == "aws:cloudformation:stack":
            region = artifact["environment"].rsplit("/", 1)[-1]
            found.append((artifact["properties"].get("stackName", artifact.get("displayName")), region,
                          assembly / artifact["properties"]["templateFile"]))
    return found


def databases(template: dict) -> list[str]:
    """Logical IDs of the databases a template holds (Aurora members are their cluster's)."""
    return sorted(k for k, r in template.get("Resources", {}).items() if r.get("Type") in DATABASE_TYPES
                  and not (r["Type"] == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in r.get("Properties", {})))


def snapshot_name(stack: str, logical_id: str, when: datetime) -> str:
    """An RDS snapshot identifier: letters, digits and single hyphens, starting with a letter, at most 255."""
    text = re.sub(r"[^a-z0-9]+", "-", f"predeploy-{stack}-{logical_id}-{when:%Y%m%d-%H%M%S}".lower()).strip("-")
    return text[:255].rstrip("-")


def changed_databases(session: Any, assembly: Path) -> list[DatabaseChange]:
    """The databases the assembly's deploy would change, as CloudFormation has them deployed."""
    from botocore.exceptions import ClientError

    changes = []
    for stack_name, region, template_file in stacks(assembly):
        template = json.loads(template_file.read_text())
        ids = databases(template)
        if not ids:
            continue
        cfn = session.client("cloudformation", region_name=region)
        try:
            deployed = cfn.get_template(StackName=stack_name, TemplateStage="Original")["TemplateBody"]
        except ClientError as error:
            if "does not exist" in str(error):
                print(f"{stack_name}: not deployed yet, so no database to snapshot")
                continue
            raise
        if isinstance(deployed, str):
            deployed = json.loads(deployed)
        with tempfile.TemporaryDirectory() as scratch:
            old = Path(scratch) / "deployed.json"
            old.write_text(json.dumps(deployed))
            (result,) = run_engine("templates", old, template_file, stack_name)["comparisons"]
        for change in result["stacks"][0]["resources"]:
            if change["logicalId"] not in set(ids) | set(databases(deployed)):
                continue
            if change["action"] == "add":
                continue  # a new database has nothing to keep yet
            if change["action"] == "update" and not change["properties"] and change["impact"] == "WILL_UPDATE":
                continue  # metadata only: CloudFormation does not touch the database
            what = ("removed" if change["action"] == "remove" else
                    ("replaced: " if change["impact"] in ("WILL_REPLACE", "MAY_REPLACE") else "updated: ") + ", ".join(change["properties"]))
            physical = cfn.describe_stack_resource(StackName=stack_name, LogicalResourceId=change["logicalId"])
            changes.append(DatabaseChange(stack_name, region, change["logicalId"], change["type"],
                                          physical["StackResourceDetail"]["PhysicalResourceId"], what))
    return changes


def take(session: Any, changes: Sequence[DatabaseChange], *, dry_run: bool, when: datetime, wait: bool = True) -> list[Taken]:
    taken = []
    for change in changes:
        name = snapshot_name(change.stack, change.logical_id, when)
        if not dry_run:
            rds = session.client("rds", region_name=change.region)
            tags = [{"Key": "taken-by", "Value": "delivery/snapshot.py"}, {"Key": "stack", "Value": change.stack}]
            if change.cluster:
                rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=name, DBClusterIdentifier=change.physical_id, Tags=tags)
                if wait:
                    rds.get_waiter("db_cluster_snapshot_available").wait(DBClusterSnapshotIdentifier=name)
            else:
                rds.create_db_snapshot(DBSnapshotIdentifier=name, DBInstanceIdentifier=change.physical_id, Tags=tags)
                if wait:
                    rds.get_waiter("db_snapshot_available").wait(DBSnapshotIdentifier=name)
        taken.append(Taken(change, name, not dry_run))
    return taken


def summary(taken: Sequence[Taken], *, dry_run: bool) -> str:
    lines = ["### Database snapshot before the deploy", ""]
    if not taken:
        lines.append("The deploy changes no database: no snapshot taken.")
    for t in taken:
        c = t.change
        verb = "Would take" if dry_run else "Took"
        lines.append(f"- {verb} manual {'cluster ' if c.cluster else ''}snapshot `{t.snapshot}` of `{c.physical_id}` "
                     f"({c.stack} {c.logical_id}, {c.what}), region {c.region}.")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make db-snapshot", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assembly", type=Path, required=True, help="the release's cloud assembly (synthesized with -c env=...)")
    parser.add_argument("--dry-run", action="store_true", help="say what would be snapshotted; take nothing")
    args = parser.parse_args(argv)

    import boto3

    session = boto3.Session()
    taken = take(session, changed_databases(session, args.assembly), dry_run=args.dry_run, when=datetime.now(UTC))
    text = summary(taken, dry_run=args.dry_run)
    print(text, end="")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a") as out:
            out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
