"""The security and durability properties the README and docs/ promise, each asserted on
every resource it concerns, in every stack of every environment and variant.

cdk-nag and checkov check most of these too, but a finding there can be acknowledged away
in one line; these assertions are what fails when a construct is weakened: a log group
without its key, a key without rotation, a bucket that loses its TLS-only policy, public
access block, encryption or versioning, a database that is unencrypted, public or not
Multi-AZ where the configuration says it is, a secret without a customer-managed key or
without its rotation, a topic or cache without encryption. (Which value each environment
gets is asserted in the tier tests and tests/test_claims.py; here, that nothing escapes.)
"""

from __future__ import annotations

import json
import re

import pytest

from infra_constructs.secrets import ROTATION_RULES
from tests.conftest import VARIANTS, Synthesized
from tests.references import Target, every_resource, references_in, resource, target

TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}
PUBLIC = ("*", {"AWS": "*"})


def of_type(synth: Synthesized, cfn_type: str) -> list[tuple[str, str, dict]]:
    """(tier, logical ID, properties) of every resource of ``cfn_type`` in every stack."""
    return [(tier, logical_id, found.get("Properties", {})) for tier, logical_id, found in every_resource(synth)
            if found["Type"] == cfn_type]


def rotating_key(synth: Synthesized, tier: str, value) -> Target | None:
    """The customer-managed, rotating KMS key ``value`` refers to (across stacks), or None."""
    found = target(synth, tier, value)
    if found is None:
        return None
    key = resource(synth, found)
    return found if key["Type"] == "AWS::KMS::Key" and key["Properties"].get("EnableKeyRotation") is True else None


def is_construct(found: Target, construct: tuple[str, str]) -> bool:
    """Whether ``found`` is the resource CDK names after the construct path ``construct[1]`` in the tier ``construct[0]``."""
    return found[0] == construct[0] and re.fullmatch(rf"{construct[1]}[0-9A-F]{{8}}", found[1]) is not None


def encrypted_by_rotating_key(synth: Synthesized, tier: str, p: dict) -> bool:
    return rotating_key(synth, tier, p.get("KmsKeyId")) is not None


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def referenced(synth: Synthesized, tier: str, value) -> list[Target]:
    """Every resource a property value refers to (inside joins too)."""
    return [found for reference in references_in(value) if (found := target(synth, tier, reference)) is not None]


# ---------------------------------------------------------------- keys and log groups


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_kms_key_is_symmetric_enabled_and_rotates(synthesized, variant):
    """Automatic rotation exists for symmetric keys only: a key of another spec would have to
    come with a rotation procedure of its own."""
    for tier, logical_id, p in of_type(synthesized[variant], "AWS::KMS::Key"):
        where = f"{tier}/{logical_id}"
        assert p.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT", where
        assert p.get("KeyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT", where
        assert p.get("Enabled", True) is True, where
        assert p.get("EnableKeyRotation") is True, where


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_log_group_is_encrypted_with_a_rotating_key_of_its_region_that_logs_may_use(synthesized, variant):
    """CloudWatch Logs encrypts only with a key of the log group's region whose policy lets the
    regional logs service use it (infra_constructs/log_keys.py)."""
    synth = synthesized[variant]
    for tier, logical_id, p in of_type(synth, "AWS::Logs::LogGroup"):
        where = f"{tier}/{logical_id}"
        key = rotating_key(synth, tier, p.get("KmsKeyId"))
        assert key is not None, f"{where}: KmsKeyId {p.get('KmsKeyId')} is not a rotating key of this environment"
        assert synth.regions[key[0]] == synth.regions[tier], where
        services = [service for s in resource(synth, key)["Properties"]["KeyPolicy"]["Statement"]
                    if s["Effect"] == "Allow" and isinstance(s.get("Principal"), dict)
                    for service in as_list(s["Principal"].get("Service", []))]
        assert f"logs.{synth.regions[tier]}.amazonaws.com" in services, where


# ---------------------------------------------------------------- buckets

# (tier, construct path) of the one bucket without server access logs, and why.
UNLOGGED_BUCKETS = {
    ("data", "AccessLogsBucket"): "the access-log bucket itself: logging it into itself would loop",
}
ACCESS_LOGS = ("data", "AccessLogsBucket")


def bucket_policies(synth: Synthesized) -> dict[Target, list[dict]]:
    """Bucket -> the statements of every bucket policy (any stack) that names it."""
    found: dict[Target, list[dict]] = {}
    for tier, _, p in of_type(synth, "AWS::S3::BucketPolicy"):
        bucket = target(synth, tier, p["Bucket"])
        assert bucket is not None, p["Bucket"]
        found.setdefault(bucket, []).extend(p["PolicyDocument"]["Statement"])
    return found


def encrypted(synth: Synthesized, tier: str, p: dict) -> bool:
    """SSE-S3, or SSE-KMS with a customer-managed rotating key, as every object's default."""
    rules = p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
    if len(rules) != 1:
        return False
    default = rules[0].get("ServerSideEncryptionByDefault", {})
    if default.get("SSEAlgorithm") == "AES256":
        return True
    return default.get("SSEAlgorithm") == "aws:kms" and rotating_key(synth, tier, default.get("KMSMasterKeyID")) is not None


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_bucket_is_private_encrypted_versioned_and_tls_only(synthesized, variant):
    synth = synthesized[variant]
    policies = bucket_policies(synth)
    for tier, logical_id, p in of_type(synth, "AWS::S3::Bucket"):
        where = f"{tier}/{logical_id}"
        assert p.get("PublicAccessBlockConfiguration") == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }, where
        assert "AccessControl" not in p, where  # no canned ACL, public or not
        assert encrypted(synth, tier, p), where
        assert p.get("VersioningConfiguration") == {"Status": "Enabled"}, where
        statements = policies.get((tier, logical_id), [])
        arn = {"Fn::GetAtt": [logical_id, "Arn"]}
        assert {"Action": "s3:*", "Condition": TLS_ONLY, "Effect": "Deny", "Principal": {"AWS": "*"},
                "Resource": [arn, {"Fn::Join": ["", [arn, "/*"]]}]} in statements, f"{where}: not TLS only"
        assert not [s for s in statements if s["Effect"] == "Allow" and s.get("Principal") in PUBLIC], where


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_bucket_but_the_access_log_bucket_is_access_logged_into_it(synthesized, variant):
    synth = synthesized[variant]
    for tier, logical_id, p in of_type(synth, "AWS::S3::Bucket"):
        if any(is_construct((tier, logical_id), unlogged) for unlogged in UNLOGGED_BUCKETS):
            assert "LoggingConfiguration" not in p
            continue
        destination = target(synth, tier, p.get("LoggingConfiguration", {}).get("DestinationBucketName"))
        assert destination is not None and is_construct(destination, ACCESS_LOGS), f"{tier}/{logical_id}"


# ---------------------------------------------------------------- secrets


def database_secrets(synth: Synthesized) -> set[Target]:
    """The secrets attached to a database instance or cluster (its master credentials)."""
    found = set()
    for tier, _, p in of_type(synth, "AWS::SecretsManager::SecretTargetAttachment"):
        if p["TargetType"] in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
            found.add(target(synth, tier, p["SecretId"]))
    return found


def rotation_schedules(synth: Synthesized) -> dict[Target, dict]:
    """Secret -> its rotation schedule (``SecretId`` may name the secret or its attachment)."""
    found = {}
    for tier, _, p in of_type(synth, "AWS::SecretsManager::RotationSchedule"):
        secret = target(synth, tier, p["SecretId"])
        assert secret is not None
        if resource(synth, secret)["Type"] == "AWS::SecretsManager::SecretTargetAttachment":
            secret = target(synth, secret[0], resource(synth, secret)["Properties"]["SecretId"])
        found[secret] = p
    return found


def acknowledged_rules(found: dict) -> dict[str, str]:
    return {r["id"]: r["reason"] for r in found.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_secret_is_encrypted_with_a_rotating_customer_managed_key(synthesized, variant):
    synth = synthesized[variant]
    for tier, logical_id, p in of_type(synth, "AWS::SecretsManager::Secret"):
        assert rotating_key(synth, tier, p.get("KmsKeyId")) is not None, f"{tier}/{logical_id}"


@pytest.mark.parametrize("variant", VARIANTS)
def test_database_credentials_rotate_on_schedule_and_every_other_secret_by_its_documented_procedure(synthesized, variant):
    """docs/tiers/data.md: the master credentials rotate every ``credential_rotation_days``
    (single-user function). docs/operations.md: the JWT key, the origin secret, the Redis AUTH
    token and the basic-auth password rotate by a procedure (something outside Secrets
    Manager holds a copy), which each one's acknowledgment of the rotation rules states."""
    synth = synthesized[variant]
    schedules = rotation_schedules(synth)
    (credentials,) = database_secrets(synth)
    assert set(schedules) == {credentials}
    days = synth.config.database.credential_rotation_days
    assert schedules[credentials]["RotationRules"] == {"ScheduleExpression": f"rate({days} days)"}
    assert target(synth, credentials[0], schedules[credentials]["RotationLambdaARN"]) is not None
    for tier, logical_id, _ in of_type(synth, "AWS::SecretsManager::Secret"):
        if (tier, logical_id) != credentials:
            reasons = acknowledged_rules(resource(synth, (tier, logical_id)))
            assert all(reasons.get(rule) for rule in ROTATION_RULES), f"{tier}/{logical_id}: neither scheduled nor a documented procedure"


# ---------------------------------------------------------------- databases


@pytest.mark.parametrize("variant", VARIANTS)
def test_databases_encrypted_private_protected_and_multi_az_as_configured(synthesized, variant):
    """Every instance and cluster: storage encrypted with the database key, or (a read replica,
    a cluster's instance) by inheritance from a source that is; never publicly accessible;
    deletion protection wherever removal is not "destroy"; Multi-AZ (RDS) or a reader to fail
    over to (Aurora) exactly where ``database.multi_az`` says, which production requires."""
    synth = synthesized[variant]
    cfg = synth.config.database
    protected = synth.config.removal != "destroy"
    instances = of_type(synth, "AWS::RDS::DBInstance")
    clusters = of_type(synth, "AWS::RDS::DBCluster")
    for tier, logical_id, p in clusters:
        where = f"{tier}/{logical_id}"
        assert p.get("StorageEncrypted") is True and encrypted_by_rotating_key(synth, tier, p), where
        assert p.get("BackupRetentionPeriod") == cfg.backup_retention_days, where
        assert p.get("DeletionProtection", False) is protected, where
    for tier, logical_id, p in instances:
        where = f"{tier}/{logical_id}"
        assert p.get("PubliclyAccessible", False) is False, where
        # A replica's source is the instance it replicates, a member's the cluster it belongs to.
        source_key = next((k for k in ("SourceDBInstanceIdentifier", "DBClusterIdentifier") if k in p), None)
        if source_key is None:
            assert p.get("StorageEncrypted") is True and encrypted_by_rotating_key(synth, tier, p), where
            assert p.get("BackupRetentionPeriod") == cfg.backup_retention_days, where
        else:
            assert p.get("StorageEncrypted", True) is True, where
            (source,) = referenced(synth, tier, p[source_key])
            assert resource(synth, source)["Properties"].get("StorageEncrypted") is True, where
            assert encrypted_by_rotating_key(synth, source[0], resource(synth, source)["Properties"]), where
        if source_key != "DBClusterIdentifier":  # a cluster's members are protected by the cluster's setting
            assert p.get("DeletionProtection", False) is protected, where
    if clusters:  # the writer, and a reader for multi_az or read_replica
        assert len(instances) == (2 if cfg.multi_az or cfg.read_replica else 1)
    else:
        primaries = [p for _, _, p in instances if "SourceDBInstanceIdentifier" not in p]
        assert [p.get("MultiAZ", False) for p in primaries] == [cfg.multi_az]
        assert len(instances) - len(primaries) == int(cfg.read_replica)
    if synth.config.production:  # and so the template's, above; or the risk is accepted by name
        accepted = {a.risk for a in synth.config.accepted_risks}
        assert cfg.multi_az or "environment.production-multi-az-database" in accepted


# ---------------------------------------------------------------- cache and topics


@pytest.mark.parametrize("variant", VARIANTS)
def test_cache_encrypted_in_transit_and_at_rest_with_failover_as_configured(synthesized, variant):
    synth = synthesized[variant]
    groups = of_type(synth, "AWS::ElastiCache::ReplicationGroup")
    assert len(groups) == int(synth.config.cache.enabled)
    for tier, logical_id, p in groups:
        where = f"{tier}/{logical_id}"
        assert p["TransitEncryptionEnabled"] is True and p["AtRestEncryptionEnabled"] is True, where
        assert rotating_key(synth, tier, p["KmsKeyId"]), where
        # The AUTH token is resolved from Secrets Manager at deploy time, never written here.
        assert "{{resolve:secretsmanager:" in json.dumps(p["AuthToken"]), where
        multi_az = synth.config.cache.multi_az
        assert (p["MultiAZEnabled"], p["AutomaticFailoverEnabled"], p["NumCacheClusters"]) == (multi_az, multi_az, 2 if multi_az else 1), where


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_topic_is_encrypted_with_a_rotating_key_and_tls_only(synthesized, variant):
    synth = synthesized[variant]
    policies: dict[Target, list[dict]] = {}
    for tier, _, p in of_type(synth, "AWS::SNS::TopicPolicy"):
        for topic in p["Topics"]:
            policies.setdefault(target(synth, tier, topic), []).extend(p["PolicyDocument"]["Statement"])
    for tier, logical_id, p in of_type(synth, "AWS::SNS::Topic"):
        where = f"{tier}/{logical_id}"
        assert rotating_key(synth, tier, p.get("KmsMasterKeyId")), where
        statements = policies.get((tier, logical_id), [])
        assert any(s["Effect"] == "Deny" and s["Action"] == "sns:Publish" and s["Principal"] in PUBLIC
                   and s["Condition"] == TLS_ONLY for s in statements), f"{where}: not TLS only"
        assert not [s for s in statements if s["Effect"] == "Allow" and s.get("Principal") in PUBLIC], where
