"""Assertions on the synthesized data stacks, per environment and engine variant."""

from __future__ import annotations

from functools import partial

import pytest
import runner

from tests import conftest
from tests.conftest import VARIANTS, variants_where

resources = partial(conftest.resources, tier="data")


one = partial(conftest.one, tier="data")


RDS_VARIANTS = ["dev", "staging", "prod", "dev-branch", "spendwise-dev", "domain-3az"]
AURORA_VARIANTS = ["dev-aurora", "staging-aurora"]


@pytest.mark.parametrize(
    "variant, instance_class, multi_az, backups, protected, policy",
    [
        ("dev", "db.t4g.micro", False, 1, False, "Delete"),
        ("dev-branch", "db.t4g.micro", False, 1, False, "Delete"),
        ("staging", "db.t4g.small", True, 7, True, "Snapshot"),
        ("prod", "db.t4g.medium", True, 35, True, "Snapshot"),
    ],
)
def test_rds_instance_per_environment(synthesized, variant, instance_class, multi_az, backups, protected, policy):
    synth = synthesized[variant]
    instances = {k: r for k, r in resources(synth, "AWS::RDS::DBInstance").items() if "SourceDBInstanceIdentifier" not in r["Properties"]}
    ((logical_id, instance),) = instances.items()
    p = instance["Properties"]
    assert (p["Engine"], p["EngineVersion"], p["DBInstanceClass"]) == ("postgres", "18.3", instance_class)
    assert p["MultiAZ"] is multi_az
    assert p["BackupRetentionPeriod"] == backups
    assert p["DeletionProtection"] is protected
    assert instance["DeletionPolicy"] == instance["UpdateReplacePolicy"] == policy
    assert (p["StorageType"], p["AllocatedStorage"]) == ("gp3", "20")
    assert int(p["MaxAllocatedStorage"]) == synth.config.database.max_allocated_storage_gib
    key_id, _ = one(synth, "AWS::KMS::Key")
    assert p["StorageEncrypted"] is True and p["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert p["EnableIAMDatabaseAuthentication"] is True
    assert p["PubliclyAccessible"] is False
    assert p["EnableCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert p["DBInstanceIdentifier"] == f"webapp-{synth.config.qualified_name}"
    assert p["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"


def test_monitoring_and_insights_where_configured(synthesized):
    dev = one(synthesized["dev"], "AWS::RDS::DBInstance")[1]["Properties"]
    assert "MonitoringInterval" not in dev and "EnablePerformanceInsights" not in dev
    staging = one(synthesized["staging"], "AWS::RDS::DBInstance")[1]["Properties"]
    assert staging["MonitoringInterval"] == 60 and "EnablePerformanceInsights" not in staging
    prod = [r["Properties"] for r in resources(synthesized["prod"], "AWS::RDS::DBInstance").values()]
    assert all(p["MonitoringInterval"] == 60 and p["EnablePerformanceInsights"] is True for p in prod)


def test_read_replica_only_in_prod(synthesized):
    for variant in RDS_VARIANTS:
        replicas = [r for r in resources(synthesized[variant], "AWS::RDS::DBInstance").values() if "SourceDBInstanceIdentifier" in r["Properties"]]
        assert len(replicas) == (1 if variant == "prod" else 0), variant
    (replica,) = [r for r in resources(synthesized["prod"], "AWS::RDS::DBInstance").values() if "SourceDBInstanceIdentifier" in r["Properties"]]
    assert replica["Properties"]["DBInstanceIdentifier"] == "webapp-prod-replica"
    assert replica["DeletionPolicy"] == "Snapshot" and replica["Properties"]["DeletionProtection"] is True


@pytest.mark.parametrize("variant", VARIANTS)
def test_parameter_group_forces_tls_and_logs_slow_statements(synthesized, variant):
    synth = synthesized[variant]
    cfn_type = "AWS::RDS::DBClusterParameterGroup" if variant in AURORA_VARIANTS else "AWS::RDS::DBParameterGroup"
    _, group = one(synth, cfn_type)
    p = group["Properties"]
    assert p["Parameters"]["rds.force_ssl"] == "1"
    assert p["Parameters"]["log_min_duration_statement"] == "500"
    major = synth.config.database.engine_version.split(".")[0]  # 18; StockPilot's 15
    assert p["Family"] == (f"aurora-postgresql{major}" if variant in AURORA_VARIANTS else f"postgres{major}")


@pytest.mark.parametrize("variant", VARIANTS)
def test_credentials_are_generated_encrypted_and_rotated(synthesized, variant):
    synth = synthesized[variant]
    secret_id, secret = next((k, r) for k, r in resources(synth, "AWS::SecretsManager::Secret").items() if "Database" in k)
    key_id = next(k for k in resources(synth, "AWS::KMS::Key") if k.startswith("DatabaseKey"))
    assert secret["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert "GenerateSecretString" in secret["Properties"]
    expected_policy = "Delete" if synth.config.removal == "destroy" else "Retain"
    assert secret["DeletionPolicy"] == expected_policy
    _, schedule = one(synth, "AWS::SecretsManager::RotationSchedule")
    assert schedule["Properties"]["RotationRules"]["ScheduleExpression"] == "rate(30 days)"
    _, app = one(synth, "AWS::Serverless::Application")
    params = app["Properties"]["Parameters"]
    assert "vpcSubnetIds" in params and "vpcSecurityGroupIds" in params  # rotation runs in the VPC


@pytest.mark.parametrize("variant", VARIANTS)
def test_database_log_groups_have_retention(synthesized, variant):
    synth = synthesized[variant]
    kind = "cluster" if variant in AURORA_VARIANTS else "instance"
    names = {r["Properties"].get("LogGroupName"): r["Properties"]["RetentionInDays"] for r in resources(synth, "AWS::Logs::LogGroup").values()}
    ident = f"{synth.config.app_name}-{synth.config.qualified_name}"
    assert names[f"/aws/rds/{kind}/{ident}/postgresql"] == synth.config.log_retention_days
    if kind == "instance":
        assert names[f"/aws/rds/{kind}/{ident}/upgrade"] == synth.config.log_retention_days
    assert all(days == synth.config.log_retention_days for days in names.values())


def test_aurora_serverless_scales_to_zero_in_dev(synthesized):
    synth = synthesized["dev-aurora"]
    _, cluster = one(synth, "AWS::RDS::DBCluster")
    p = cluster["Properties"]
    assert p["Engine"] == "aurora-postgresql" and p["EngineVersion"] == "18.3"
    assert p["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0, "MaxCapacity": 4, "SecondsUntilAutoPause": 900}
    assert p["StorageEncrypted"] is True and p["EnableIAMDatabaseAuthentication"] is True
    assert p["DeletionProtection"] is False and cluster["DeletionPolicy"] == "Delete"
    assert p["EnableCloudwatchLogsExports"] == ["postgresql"]  # Aurora has no upgrade log
    (writer,) = resources(synth, "AWS::RDS::DBInstance").values()
    assert writer["Properties"]["DBInstanceClass"] == "db.serverless"
    # This variant owns its migrations.
    assert not resources(synth, "Custom::SchemaMigrations")


def test_aurora_in_staging_has_a_reader_in_another_az_and_does_not_pause(synthesized):
    synth = synthesized["staging-aurora"]
    _, cluster = one(synth, "AWS::RDS::DBCluster")
    assert cluster["Properties"]["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4}
    assert cluster["DeletionPolicy"] == "Snapshot" and cluster["Properties"]["DeletionProtection"] is True
    assert cluster["Properties"]["BackupRetentionPeriod"] == 7
    assert len(resources(synth, "AWS::RDS::DBInstance")) == 2


@pytest.mark.parametrize("variant", variants_where(lambda c: not c.database.apply_migrations))
def test_a_team_with_its_own_migrations_gets_no_runner(synthesized, variant):
    """dev-aurora, StockPilot and SpendWise (Prisma): no runner, its function or its log group."""
    synth = synthesized[variant]
    assert not resources(synth, "Custom::SchemaMigrations")
    assert not [k for k in synth.templates["data"]["Resources"] if k.startswith("MigrationsRunner")]


@pytest.mark.parametrize("variant", variants_where(lambda c: c.database.apply_migrations))
def test_migrations_run_on_deploy_from_inside_the_vpc(synthesized, variant):
    synth = synthesized[variant]
    _, resource = one(synth, "Custom::SchemaMigrations")
    function_id, function = next((k, r) for k, r in resources(synth, "AWS::Lambda::Function").items()
                                 if k.startswith("MigrationsRunner"))
    assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert resource["Properties"]["MigrationsChecksum"] == runner.bundle_checksum(runner.discover())
    p = function["Properties"]
    assert (p["Runtime"], p["Architectures"], p["Handler"]) == ("python3.14", ["arm64"], "apply_migrations.lambda_handler")
    assert p["ReservedConcurrentExecutions"] == 1
    assert len(p["VpcConfig"]["SubnetIds"]) == len(synth.config.network.availability_zones)
    # The attached secret: the generated credentials plus the database's host and port.
    secret_id, _ = one(synth, "AWS::SecretsManager::SecretTargetAttachment")
    assert p["Environment"]["Variables"]["SECRET_ARN"] == {"Ref": secret_id}
    # Least privilege: the secret it reads, nothing else of Secrets Manager.
    _, policy = next((k, r) for k, r in resources(synth, "AWS::IAM::ManagedPolicy").items() if k.startswith("MigrationsRunner"))
    secret_statements = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if "secretsmanager" in str(s["Action"])]
    assert secret_statements == [{"Action": "secretsmanager:GetSecretValue", "Effect": "Allow", "Resource": {"Ref": secret_id}}]
    assert not resources(synth, "AWS::IAM::Policy")  # no inline policies


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "staging-aurora"])
def test_uploads_bucket_is_private_versioned_logged_and_tiered(synthesized, variant):
    synth = synthesized[variant]
    buckets = resources(synth, "AWS::S3::Bucket")
    uploads = next(r for k, r in buckets.items() if k.startswith("Uploads"))
    logs_id = next(k for k in buckets if k.startswith("AccessLogs"))
    p = uploads["Properties"]
    assert p["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }
    assert p["VersioningConfiguration"] == {"Status": "Enabled"}
    assert p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert p["LoggingConfiguration"] == {"DestinationBucketName": {"Ref": logs_id}, "LogFilePrefix": "s3/uploads/"}
    rule, *tiering = p["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionTransitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 90}]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 365}
    # storage.intelligent_tiering_days: a rule of its own for the current objects, or none.
    days = synth.config.storage.intelligent_tiering_days
    assert tiering == ([{"Id": "current-versions-to-intelligent-tiering", "Status": "Enabled",
                         "Transitions": [{"StorageClass": "INTELLIGENT_TIERING", "TransitionInDays": days}]}] if days else [])
    policies = [r["Properties"]["PolicyDocument"]["Statement"] for r in resources(synth, "AWS::S3::BucketPolicy").values()]
    assert all(any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in st) for st in policies)
    expected = "Delete" if synth.config.removal == "destroy" else "Retain"
    assert uploads["DeletionPolicy"] == buckets[logs_id]["DeletionPolicy"] == expected


def test_uploads_bucket_can_be_turned_off(synthesized):
    assert [k for k in resources(synthesized["staging-aurora"], "AWS::S3::Bucket")] == ["AccessLogsBucketCD784A59"]


def test_no_cache_unless_enabled(synthesized):
    for variant in ("dev", "staging", "prod"):
        assert not resources(synthesized[variant], "AWS::ElastiCache::ReplicationGroup")
        assert not [k for k in synthesized[variant].templates["network"]["Resources"] if k.startswith("SecurityGroupsCache")]


def test_redis_cache_with_tls_auth_and_failover(synthesized):
    synth = synthesized["bankapp-prod"]
    _, group = one(synth, "AWS::ElastiCache::ReplicationGroup")
    p = group["Properties"]
    assert (p["Engine"], p["EngineVersion"], p["CacheNodeType"]) == ("redis", "7.1", "cache.t4g.micro")
    assert p["TransitEncryptionEnabled"] is True and p["AtRestEncryptionEnabled"] is True
    assert p["NumCacheClusters"] == 2 and p["AutomaticFailoverEnabled"] is True and p["MultiAZEnabled"] is True
    assert p["SnapshotRetentionLimit"] == 7 and p["Port"] == 6379
    token_id = next(k for k in resources(synth, "AWS::SecretsManager::Secret") if k.startswith("CacheAuthToken"))
    # The token is resolved by CloudFormation from Secrets Manager, never written into the template.
    assert p["AuthToken"] == {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": token_id}, ":SecretString:::}}"]]}
    assert p["LogDeliveryConfigurations"][0]["LogType"] == "slow-log"
    assert group["DeletionPolicy"] == "Snapshot"
    network = synth.templates["network"]["Resources"]
    cache_sg = next(k for k in network if k.startswith("SecurityGroupsCache") and network[k]["Type"] == "AWS::EC2::SecurityGroup")
    ingress = [r["Properties"] for r in network.values() if r["Type"] == "AWS::EC2::SecurityGroupIngress"
               and r["Properties"]["GroupId"] == {"Fn::GetAtt": [cache_sg, "GroupId"]}]
    assert [(i["SourceSecurityGroupId"]["Fn::GetAtt"][0].startswith("SecurityGroupsApplication"), i["FromPort"]) for i in ingress] == [(True, 6379)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_destroyable_buckets_are_emptied_before_deletion(synthesized, variant):
    """A bucket that still holds objects cannot be deleted: where removal is 'destroy', every
    bucket the stack deletes has CDK's auto-delete custom resource, whose handler logs to a group
    of ours. The audit trail's bucket is retained everywhere and never emptied."""
    synth = synthesized[variant]
    for tier, template in synth.templates.items():
        found = template["Resources"]
        for lid, r in found.items():
            if r["Type"] == "AWS::S3::Bucket" and lid.startswith("AuditTrail"):
                assert (r["DeletionPolicy"], r["UpdateReplacePolicy"]) == ("Retain", "Retain")
        buckets = {k for k, r in found.items() if r["Type"] == "AWS::S3::Bucket" and r["DeletionPolicy"] == "Delete"}
        emptied = {r["Properties"]["BucketName"]["Ref"] for r in found.values() if r["Type"] == "Custom::S3AutoDeleteObjects"}
        if synth.config.removal != "destroy":
            assert emptied == set(), tier
            continue
        assert emptied == buckets, tier
        if buckets:
            handler = found["CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F"]["Properties"]
            assert handler["LoggingConfig"] == {"LogGroup": {"Ref": "AutoDeleteObjectsProviderLogs67E2E7FB"}}
            assert found["AutoDeleteObjectsProviderLogs67E2E7FB"]["Properties"]["RetentionInDays"] == synth.config.log_retention_days
