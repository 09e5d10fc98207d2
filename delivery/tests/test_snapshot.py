"""The manual database snapshot before a production deploy (delivery/snapshot.py) against moto: a
deploy that changes the database snapshots it first and names the snapshot in the run summary; a
deploy that does not, or a first deploy, takes none; the dry run takes none and says what it would."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from delivery import snapshot

STACK = "webapp-prod-data"
DEPLOYED: dict[str, Any] = {
    "Resources": {
        "DatabaseInstanceAA8A5FDE": {
            "Type": "AWS::RDS::DBInstance",
            "Properties": {"DBInstanceClass": "db.t4g.micro", "Engine": "postgres", "EngineVersion": "17.6", "DBName": "webapp",
                           "AllocatedStorage": "20", "MasterUsername": "app", "MasterUserPassword": "not-a-secret-123"},
            "Metadata": {"aws:cdk:path": "prod/Data/Database/Instance/Resource"},
            "DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
        },
        "Uploads": {"Type": "AWS::S3::Bucket", "Properties": {}},
    },
}


def assembly(tmp_path: Path, template: dict) -> Path:
    """A minimal cloud assembly of one stack, as `cdk synth -c env=prod` lays one out."""
    folder = tmp_path / "cdk.out"
    folder.mkdir()
    (folder / "prodData.template.json").write_text(json.dumps(template))
    (folder / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": {"prodData": {
        "type": "aws:cloudformation:stack", "environment": "aws://123456789012/us-east-1", "displayName": "prod/Data",
        "properties": {"templateFile": "prodData.template.json", "stackName": STACK}}}}))
    return folder


def deployed(session) -> str:
    session.client("cloudformation").create_stack(StackName=STACK, TemplateBody=json.dumps(DEPLOYED))
    resource = session.client("cloudformation").describe_stack_resource(StackName=STACK, LogicalResourceId="DatabaseInstanceAA8A5FDE")
    return resource["StackResourceDetail"]["PhysicalResourceId"]


def upgraded() -> dict:
    template = copy.deepcopy(DEPLOYED)
    template["Resources"]["DatabaseInstanceAA8A5FDE"]["Properties"]["EngineVersion"] = "18.3"
    return template


def snapshots(session) -> list[str]:
    return [s["DBSnapshotIdentifier"] for s in session.client("rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]]


def test_a_deploy_that_changes_the_database_snapshots_it_first(session, tmp_path, monkeypatch, capsys):
    instance = deployed(session)
    summary_file = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    assert snapshot.main(["--assembly", str(assembly(tmp_path, upgraded()))]) == 0
    (name,) = snapshots(session)
    assert name.startswith("predeploy-webapp-prod-data-databaseinstanceaa8a5fde-")
    rds = session.client("rds")
    (taken,) = rds.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"]
    assert taken["DBInstanceIdentifier"] == instance and taken["Status"] == "available"
    text = summary_file.read_text()
    assert f"Took manual snapshot `{name}` of `{instance}`" in text and "updated: EngineVersion" in text
    assert name in capsys.readouterr().out


def test_the_dry_run_takes_none_and_says_which_it_would_take(session, tmp_path, monkeypatch, capsys):
    instance = deployed(session)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert snapshot.main(["--assembly", str(assembly(tmp_path, upgraded())), "--dry-run"]) == 0
    assert snapshots(session) == []
    output = capsys.readouterr().out
    assert "Would take manual snapshot `predeploy-webapp-prod-data-databaseinstanceaa8a5fde-" in output and f"of `{instance}`" in output


def test_a_deploy_that_leaves_the_database_alone_takes_none(session, tmp_path):
    deployed(session)
    template = copy.deepcopy(DEPLOYED)
    template["Resources"]["Uploads"]["Properties"] = {"VersioningConfiguration": {"Status": "Enabled"}}
    # A changed acknowledgment on the database: metadata only, CloudFormation does not touch it.
    template["Resources"]["DatabaseInstanceAA8A5FDE"]["Metadata"]["cdk_nag"] = {"rules_to_suppress": [{"id": "AwsSolutions-RDS11", "reason": "x"}]}
    changes = snapshot.changed_databases(session, assembly(tmp_path, template))
    assert changes == []
    assert snapshot.summary(snapshot.take(session, changes, dry_run=False, when=datetime.now(UTC)), dry_run=False).endswith(
        "The deploy changes no database: no snapshot taken.\n")


def test_a_replacement_is_named_as_such(session, tmp_path):
    deployed(session)
    template = copy.deepcopy(DEPLOYED)
    template["Resources"]["DatabaseInstanceAA8A5FDE"]["Properties"]["DBName"] = "renamed"
    (change,) = snapshot.changed_databases(session, assembly(tmp_path, template))
    assert change.what == "replaced: DBName"


def test_a_first_deploy_has_nothing_to_snapshot(session, tmp_path, capsys):
    assert snapshot.changed_databases(session, assembly(tmp_path, upgraded())) == []
    assert "not deployed yet" in capsys.readouterr().out


def test_snapshot_names_are_valid_rds_identifiers():
    name = snapshot.snapshot_name("webapp-dev-feature--x-data", "DatabaseInstanceAA8A5FDE", datetime(2026, 11, 23, 18, 5, 9, tzinfo=UTC))
    assert name == "predeploy-webapp-dev-feature-x-data-databaseinstanceaa8a5fde-20261123-180509"
    long = snapshot.snapshot_name("s" * 300, "Db", datetime(2026, 1, 1, tzinfo=UTC))
    assert len(long) <= 255 and long[0].isalpha() and not long.endswith("-")


def test_aurora_members_are_their_clusters():
    template = {"Resources": {"Cluster": {"Type": "AWS::RDS::DBCluster"},
                              "Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"}}},
                              "Replica": {"Type": "AWS::RDS::DBInstance", "Properties": {}}}}
    assert snapshot.databases(template) == ["Cluster", "Replica"]
