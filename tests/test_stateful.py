"""What a deletion or replacement of each stack keeps: for every stateful resource of every
stack of every environment and variant, the DeletionPolicy and UpdateReplacePolicy its
environment's ``removal`` setting requires.

The tables below are the specification. ``STATEFUL_TYPES`` gives each resource type that
holds data the policies per ``removal`` ("destroy", "snapshot", "retain"; see
``stacks/settings.py``), ``DELIBERATE`` the few resources that differ from their type's rule
on purpose, each with its reason, and ``NOT_STATEFUL`` every other resource type the
templates contain, with why losing it loses nothing. A template with a type in neither
table fails ``test_every_resource_type_is_classified``: a new kind of state cannot slip in
unnoticed. (The logical-ID lock in ``tests/test_logical_ids.py`` guards the other way of
losing state: a replacement.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest

from tests.conftest import VARIANTS, Synthesized
from tests.references import every_resource

Policies = Mapping[str, str]  # removal setting -> DeletionPolicy (= UpdateReplacePolicy)

# stacks/settings.py stateful_removal: what cannot be snapshotted is deleted with a throwaway
# environment and kept everywhere else.
KEPT_UNLESS_DESTROY: Policies = {"destroy": "Delete", "snapshot": "Retain", "retain": "Retain"}
# stacks/settings.py database_removal: a final snapshot unless throwaway, or kept whole.
DATABASE: Policies = {"destroy": "Delete", "snapshot": "Snapshot", "retain": "Retain"}
# infra_constructs/cache.py: the cache holds only pub/sub fan-out state that rebuilds itself, so
# where other state is retained it leaves a final snapshot instead of a cluster that keeps billing.
CACHE: Policies = {"destroy": "Delete", "snapshot": "Snapshot", "retain": "Snapshot"}
# CDK's rule for an Aurora cluster's instances: their storage is the cluster's, which takes the
# final snapshot; RDS takes none of a cluster member, so they go unless everything is retained.
CLUSTER_MEMBER: Policies = {"destroy": "Delete", "snapshot": "Delete", "retain": "Retain"}
ALWAYS_RETAINED: Policies = {"destroy": "Retain", "snapshot": "Retain", "retain": "Retain"}

# Resource type -> its policies. A read replica follows the databases' rule like its source:
# CloudFormation takes no final snapshot of a replica (RDS refuses one), so "Snapshot" deletes
# it, losing nothing the source does not keep.
STATEFUL_TYPES: dict[str, Policies] = {
    "AWS::S3::Bucket": KEPT_UNLESS_DESTROY,  # objects
    "AWS::KMS::Key": KEPT_UNLESS_DESTROY,  # whatever it encrypted is unreadable without it
    "AWS::Logs::LogGroup": KEPT_UNLESS_DESTROY,  # log events, audit evidence
    "AWS::SecretsManager::Secret": KEPT_UNLESS_DESTROY,  # generated values nothing else holds
    "AWS::Cognito::UserPool": KEPT_UNLESS_DESTROY,  # the users
    "AWS::ECR::Repository": KEPT_UNLESS_DESTROY,  # the images of every release
    "AWS::RDS::DBInstance": DATABASE,
    "AWS::RDS::DBCluster": DATABASE,
    "AWS::ElastiCache::ReplicationGroup": CACHE,
}


@dataclass(frozen=True)
class Deliberate:
    """A stateful resource whose policies differ from its type's rule on purpose."""

    what: str
    cfn_type: str
    applies: Callable[[str, str, dict], bool]  # (tier, logical ID, resource)
    policies: Policies
    reason: str


def construct(tier: str, path: str) -> Callable[[str, str, dict], bool]:
    """The resource CDK names ``path`` + hash in the ``tier`` stack (IDs pinned by tests/test_logical_ids.py)."""
    return lambda t, logical_id, _: t == tier and re.fullmatch(rf"{path}[0-9A-F]{{8}}", logical_id) is not None


DELIBERATE = (
    Deliberate("the audit trail's bucket", "AWS::S3::Bucket", construct("observability", "AuditTrailBucket"), ALWAYS_RETAINED,
               "audit evidence outlives the stack in every environment, and nothing empties it (infra_constructs/audit_trail.py)"),
    Deliberate("the audit trail's key", "AWS::KMS::Key", construct("observability", "AuditTrailKey"), ALWAYS_RETAINED,
               "the retained log files stay readable only with their key (infra_constructs/audit_trail.py)"),
    Deliberate("an Aurora cluster's instances", "AWS::RDS::DBInstance",
               lambda _t, _id, r: "DBClusterIdentifier" in r.get("Properties", {}), CLUSTER_MEMBER,
               "no data of their own: the cluster holds the storage and takes the final snapshot (CDK's rule for cluster instances)"),
)

# Every other type the templates hold, and why deleting or replacing it loses nothing.
_CONFIGURATION = "configuration only: CloudFormation re-creates it from the template"
_COMPUTE = "compute without data of its own: replaced instances or tasks start from the template"
_REBUILT = "recomputed from the template and the current state of other resources on every deploy"
NOT_STATEFUL: dict[str, str] = {
    "AWS::Amplify::App": "hosting configuration; the site is built from the Git repository",
    "AWS::Amplify::Branch": "hosting configuration; the site is built from the Git repository",
    "AWS::Amplify::Domain": _CONFIGURATION,
    "AWS::ApplicationAutoScaling::ScalableTarget": _CONFIGURATION,
    "AWS::ApplicationAutoScaling::ScalingPolicy": _CONFIGURATION,
    "AWS::AutoScaling::AutoScalingGroup": _COMPUTE,
    "AWS::AutoScaling::ScalingPolicy": _CONFIGURATION,
    "AWS::AutoScaling::ScheduledAction": _CONFIGURATION,
    "AWS::Budgets::Budget": "a threshold over billing data, which AWS keeps regardless",
    "AWS::CertificateManager::Certificate": "re-issued and DNS-validated again by CloudFormation",
    "AWS::CloudFront::CachePolicy": _CONFIGURATION,
    "AWS::CloudFront::Distribution": _CONFIGURATION,
    "AWS::CloudFront::Function": _CONFIGURATION,
    "AWS::CloudFront::MonitoringSubscription": _CONFIGURATION,
    "AWS::CloudFront::OriginAccessControl": _CONFIGURATION,
    "AWS::CloudFront::ResponseHeadersPolicy": _CONFIGURATION,
    "AWS::CloudFront::VpcOrigin": _CONFIGURATION,
    "AWS::CloudTrail::Trail": "writes to its bucket and log group, which hold the evidence (classified above)",
    "AWS::CloudWatch::Alarm": _CONFIGURATION,
    "AWS::CloudWatch::Dashboard": _CONFIGURATION,
    "AWS::Cognito::UserPoolClient": _CONFIGURATION,
    "AWS::Cognito::UserPoolDomain": _CONFIGURATION,
    "AWS::Cognito::UserPoolGroup": "a group definition; membership is the pool's data, and a group leaves the template only on purpose",
    "AWS::EC2::EIP": "an address: a replacement NAT gets a new one, which nothing of the project allowlists",
    "AWS::EC2::FlowLog": "writes to its log group (classified above)",
    "AWS::EC2::Instance": _COMPUTE + " (the NAT instance forwards, the bastion is a shell; neither keeps data)",
    "AWS::EC2::InternetGateway": _CONFIGURATION,
    "AWS::EC2::LaunchTemplate": _CONFIGURATION,
    "AWS::EC2::NatGateway": _CONFIGURATION,
    "AWS::EC2::Route": _CONFIGURATION,
    "AWS::EC2::RouteTable": _CONFIGURATION,
    "AWS::EC2::SecurityGroup": _CONFIGURATION,
    "AWS::EC2::SecurityGroupEgress": _CONFIGURATION,
    "AWS::EC2::SecurityGroupIngress": _CONFIGURATION,
    "AWS::EC2::Subnet": _CONFIGURATION,
    "AWS::EC2::SubnetRouteTableAssociation": _CONFIGURATION,
    "AWS::EC2::VPC": _CONFIGURATION + " (its replacement is what the logical-ID lock prevents)",
    "AWS::EC2::VPCEndpoint": _CONFIGURATION,
    "AWS::EC2::VPCGatewayAttachment": _CONFIGURATION,
    "AWS::ECS::Cluster": _COMPUTE,
    "AWS::ECS::ClusterCapacityProviderAssociations": _CONFIGURATION,
    "AWS::ECS::Service": _COMPUTE,
    "AWS::ECS::TaskDefinition": _CONFIGURATION,
    "AWS::ElastiCache::SubnetGroup": _CONFIGURATION,
    "AWS::ElasticLoadBalancingV2::Listener": _CONFIGURATION,
    "AWS::ElasticLoadBalancingV2::ListenerRule": _CONFIGURATION,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _CONFIGURATION + "; its access logs go to the access-log bucket",
    "AWS::ElasticLoadBalancingV2::TargetGroup": _CONFIGURATION,
    "AWS::Events::Rule": _CONFIGURATION,
    "AWS::IAM::InstanceProfile": _CONFIGURATION,
    "AWS::IAM::ManagedPolicy": _CONFIGURATION,
    "AWS::IAM::Policy": _CONFIGURATION,
    "AWS::IAM::Role": _CONFIGURATION,
    "AWS::Lambda::Function": _COMPUTE,
    "AWS::Lambda::LayerVersion": "code from the project's assets, uploaded again on deploy",
    "AWS::Lambda::Permission": _CONFIGURATION,
    "AWS::Logs::MetricFilter": _CONFIGURATION,
    "AWS::RDS::DBClusterParameterGroup": _CONFIGURATION,
    "AWS::RDS::DBParameterGroup": _CONFIGURATION,
    "AWS::RDS::DBSubnetGroup": _CONFIGURATION,
    "AWS::Route53::RecordSet": _CONFIGURATION,
    "AWS::S3::BucketPolicy": _CONFIGURATION,
    "AWS::SNS::Subscription": "an email subscription: re-created from the configuration, re-confirmed by its owner",
    "AWS::SNS::Topic": ("holds no data: SNS keeps a message only while delivering it; what a replacement would lose, "
                        "its subscriptions' confirmations, the logical-ID lock guards"),
    "AWS::SNS::TopicPolicy": _CONFIGURATION,
    "AWS::SSM::Parameter": "values written from the template on every deploy",
    "AWS::Scheduler::Schedule": _CONFIGURATION,
    "AWS::SecretsManager::ResourcePolicy": _CONFIGURATION,
    "AWS::SecretsManager::RotationSchedule": _CONFIGURATION,
    "AWS::SecretsManager::SecretTargetAttachment": _REBUILT,
    "AWS::Serverless::Application": "AWS's rotation function, deployed again from the Serverless Application Repository",
    "AWS::WAFv2::LoggingConfiguration": _CONFIGURATION,
    "AWS::WAFv2::WebACL": _CONFIGURATION,
    "AWS::WAFv2::WebACLAssociation": _CONFIGURATION,
    "Custom::CDKBucketDeployment": "copies the build into the site bucket on deploy; the bucket is classified above",
    "Custom::S3AutoDeleteObjects": "empties a destroyable bucket on deletion; holds nothing itself",
    "Custom::SchemaMigrations": "applies the SQL files on deploy; their effect lives in the database",
    "Custom::VpcRestrictDefaultSG": _REBUILT,
}


def expected(tier: str, logical_id: str, found: dict, removal: str) -> tuple[str, str]:
    """(policy, what decides it) for a stateful resource in an environment with ``removal``."""
    for deliberate in DELIBERATE:
        if found["Type"] == deliberate.cfn_type and deliberate.applies(tier, logical_id, found):
            return deliberate.policies[removal], deliberate.what
    return STATEFUL_TYPES[found["Type"]][removal], found["Type"]


def test_the_tables_do_not_overlap():
    assert not set(STATEFUL_TYPES) & set(NOT_STATEFUL)
    assert all(d.cfn_type in STATEFUL_TYPES for d in DELIBERATE)
    for policies in (*STATEFUL_TYPES.values(), *(d.policies for d in DELIBERATE)):
        assert set(policies) == {"destroy", "snapshot", "retain"}


@pytest.mark.every_variant
def test_every_resource_type_is_classified(synthesized):
    """A resource type in neither table is state nobody decided about: classify it here
    (with the policies its data needs, or why it holds none) before it ships."""
    unclassified = {f"{found['Type']} ({variant}/{tier}/{logical_id})"
                    for variant, synth in synthesized.items() for tier, logical_id, found in every_resource(synth)
                    if found["Type"] not in STATEFUL_TYPES and found["Type"] not in NOT_STATEFUL}
    assert sorted(unclassified) == []


def removal_mismatches(synth: Synthesized) -> list[str]:
    removal = synth.config.removal
    wrong = []
    for tier, logical_id, found in every_resource(synth):
        if found["Type"] not in STATEFUL_TYPES:
            continue
        policy, decided_by = expected(tier, logical_id, found, removal)
        actual = (found.get("DeletionPolicy", "Delete (default)"), found.get("UpdateReplacePolicy", "Delete (default)"))
        if actual != (policy, policy):
            wrong.append(f"{tier}/{logical_id}: DeletionPolicy/UpdateReplacePolicy {actual}, "
                         f"expected {policy} ({decided_by}, removal {removal!r})")
    return wrong


@pytest.mark.parametrize("variant", VARIANTS)
def test_stateful_resources_keep_what_the_removal_setting_requires(synthesized, variant):
    assert removal_mismatches(synthesized[variant]) == []


@pytest.mark.every_variant
def test_every_deliberate_exception_is_still_needed(synthesized):
    """An exception that matches nothing anymore is a stale promise: remove it, or find out
    why the resource it was about moved."""
    for deliberate in DELIBERATE:
        assert any(found["Type"] == deliberate.cfn_type and deliberate.applies(tier, logical_id, found)
                   for synth in synthesized.values() for tier, logical_id, found in every_resource(synth)), deliberate.what


@pytest.mark.every_variant
def test_the_variants_exercise_destroy_and_snapshot(synthesized):
    """A throwaway and a snapshotting environment at least; "retain" (allowed by the schema,
    used by no variant today) follows the same tables."""
    assert {synth.config.removal for synth in synthesized.values()} >= {"destroy", "snapshot"}
