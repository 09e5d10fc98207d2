"""What the stateful-change gate guards: resources whose replacement or deletion loses data.

The same idea as ``STATEFUL_TYPES`` in tests/test_stateful.py (what a deletion keeps, per
environment), read the other way round: here, which changes of which types a pull request may
make only when someone names the resource. tests/test_review.py holds the two tables together:
every type tests/test_stateful.py calls stateful is either gated here or listed in ``NOT_GATED``
with the reason.

A change is *destructive* with CDK's own classification (``findDestructiveChanges`` of the CLI,
what ``cdk diff --fail-on destructive`` fails on; corymhall/cdk-diff-action counts the same four):
the resource is replaced, may be replaced, deleted, or removed from the stack while its
DeletionPolicy keeps it (orphaned). The gate fails on a destructive change of a gated resource.
"""

from __future__ import annotations

from dataclasses import dataclass

# CloudFormation's impact (as @aws-cdk/cloudformation-diff names it) -> how the report says it.
DESTRUCTIVE_IMPACTS: dict[str, str] = {
    "WILL_REPLACE": "replaced",
    "MAY_REPLACE": "may be replaced",
    "WILL_DESTROY": "deleted",
    "WILL_ORPHAN": "removed from the stack (kept in the account, no longer managed)",
}


@dataclass(frozen=True)
class Gated:
    what: str
    # Log groups: only those a deletion or replacement would keep (DeletionPolicy or
    # UpdateReplacePolicy Retain: audit evidence, the long-lived environments' logs). A throwaway
    # environment's log group is deleted with it by design.
    only_when_retained: bool = False


GATED: dict[str, Gated] = {
    # Aurora cluster members are excepted in ``is_gated``: their storage is the cluster's.
    "AWS::RDS::DBInstance": Gated("database"),
    "AWS::RDS::DBCluster": Gated("database cluster"),
    "AWS::S3::Bucket": Gated("bucket"),
    "AWS::Cognito::UserPool": Gated("user pool"),
    "AWS::KMS::Key": Gated("key"),
    "AWS::SecretsManager::Secret": Gated("secret"),
    "AWS::Logs::LogGroup": Gated("log group", only_when_retained=True),
    "AWS::ECR::Repository": Gated("image repository"),
    # Not in the app today; a table or file system that appears is gated from its first change.
    "AWS::DynamoDB::Table": Gated("table"),
    "AWS::DynamoDB::GlobalTable": Gated("table"),
    "AWS::EFS::FileSystem": Gated("file system"),
}

# Stateful by tests/test_stateful.py's table, and deliberately not gated.
NOT_GATED: dict[str, str] = {
    "AWS::ElastiCache::ReplicationGroup": "holds only the WebSocket pub/sub fan-out state, which rebuilds itself "
                                          "(tests/test_stateful.py: CACHE); its replacement is reported with the other destructive changes",
}

CLUSTER_MEMBER_NOTE = "an Aurora cluster's instance: its storage is the cluster's"


def retained(policies: dict | None) -> bool:
    """DeletionPolicy or UpdateReplacePolicy Retain (``policies`` as cfn_diff.js reports them)."""
    if not policies:
        return False
    return "Retain" in (policies.get("deletion"), policies.get("updateReplace"))


def is_gated(change: dict) -> bool:
    """``change``: one resource of cfn_diff.js's output. True when the gate must stop it unless acknowledged."""
    if change["impact"] not in DESTRUCTIVE_IMPACTS:
        return False
    rule = GATED.get(change["type"])
    if rule is None:
        return False
    if change["type"] == "AWS::RDS::DBInstance" and change.get("clusterMember"):
        return False
    if rule.only_when_retained:
        return retained(change.get("oldPolicies")) or retained(change.get("newPolicies"))
    return True
