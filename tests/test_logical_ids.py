"""Logical-ID lock for stateful resources.

A refactor that moves or renames one of these constructs would make CloudFormation
replace the resource: a new VPC under running workloads, an empty database, a new key
that cannot decrypt old snapshots, a lost secret. If this test fails, the change needs
a migration plan, not a new pin.

Every stack of every variant is checked; which pins apply follows from the configuration
(compute kind, engine, replica, cache, uploads, migrations, auth mode, frontend), not from
the variant's name, so a new variant is locked without touching this file.
"""

from __future__ import annotations

import pytest

from tests.conftest import VARIANT_TIERS

# The same in every environment.
NETWORK_STATEFUL = {
    "NetworkVpc7FB7348F": "AWS::EC2::VPC",
    "NetworkLogsKey573F0F74": "AWS::KMS::Key",
    "NetworkFlowLogGroup4F8CEEEF": "AWS::Logs::LogGroup",
    "NetworkDefaultSecurityGroupProviderLogsC75AB331": "AWS::Logs::LogGroup",
    "SecurityGroupsLoadBalancerC69D330C": "AWS::EC2::SecurityGroup",
    "SecurityGroupsApplicationDD598498": "AWS::EC2::SecurityGroup",
    "SecurityGroupsDatabase03711F2A": "AWS::EC2::SecurityGroup",
    "SecurityGroupsEndpointsA9E176B0": "AWS::EC2::SecurityGroup",
    "SecurityGroupsFunctionsF2C2D0F4": "AWS::EC2::SecurityGroup",
}
BASTION_STATEFUL = {"SecurityGroupsBastionAEA55F6D": "AWS::EC2::SecurityGroup"}
DATA_STATEFUL = {
    "DatabaseKey5E5D9547": "AWS::KMS::Key",
    "AccessLogsBucketCD784A59": "AWS::S3::Bucket",
    "UploadsBucketC4B27CC7": "AWS::S3::Bucket",
    "DatabasePostgresqlLogGroupE02FE0AC": "AWS::Logs::LogGroup",
    "DatabaseRotationLogGroup6AFA9D1E": "AWS::Logs::LogGroup",
    "MigrationsRunnerLogGroup51318CE9": "AWS::Logs::LogGroup",
}
RDS_STATEFUL = {
    "DatabaseInstanceAA8A5FDE": "AWS::RDS::DBInstance",
    "DatabaseUpgradeLogGroupC937990D": "AWS::Logs::LogGroup",
}
AURORA_STATEFUL = {"DatabaseCluster5B53A178": "AWS::RDS::DBCluster"}
CACHE_STATEFUL = {
    "CacheKeyCDF9DE27": "AWS::KMS::Key",
    "CacheAuthToken04672416": "AWS::SecretsManager::Secret",
    "CacheSlowLog43E55961": "AWS::Logs::LogGroup",
    "CacheReplicationGroupBFE59FF3": "AWS::ElastiCache::ReplicationGroup",
}
# CDK derives the generated secret's ID from the path from the app down ("<env>/Data/..."), the
# same with -c env and in a Stage (stacks/stage.py).
SECRETS = {
    ("dev", "instance"): "devDataDatabaseInstanceSecret648ADB2D3fdaad7efa858a3daf9490cf0a702aeb",
    ("staging", "instance"): "stagingDataDatabaseInstanceSecret2C3604B43fdaad7efa858a3daf9490cf0a702aeb",
    ("prod", "instance"): "prodDataDatabaseInstanceSecretBEE523B83fdaad7efa858a3daf9490cf0a702aeb",
    ("dev-feature-login-page", "instance"): "devfeatureloginpageDataDatabaseInstanceSecret073E77FF3fdaad7efa858a3daf9490cf0a702aeb",
    ("dev", "cluster"): "devDataDatabaseClusterSecretBF6AEFA83fdaad7efa858a3daf9490cf0a702aeb",
    ("staging", "cluster"): "stagingDataDatabaseClusterSecretF4CE41DC3fdaad7efa858a3daf9490cf0a702aeb",
}

AUTH_STATEFUL = {
    "UsersUserPool7E610616": "AWS::Cognito::UserPool",
    "PostConfirmationLogGroupABB53796": "AWS::Logs::LogGroup",
}
JWT_STATEFUL = {
    "JwtSigningSecretKey08B66E4C": "AWS::KMS::Key",
    "JwtSigningSecret03381A2A": "AWS::SecretsManager::Secret",
}

COMPUTE_STATEFUL = {"ApiLogGroup1717FE17": "AWS::Logs::LogGroup"}
FARGATE_STATEFUL = {"ApiRepositoryAADF3F12": "AWS::ECR::Repository"}
ECS_EXEC_STATEFUL = {"ApiExecLogGroup73C3FD57": "AWS::Logs::LogGroup"}
EC2_STATEFUL = {"ReleasesBucketEA8ED4CA": "AWS::S3::Bucket"}

EDGE_GLOBAL_STATEFUL = {"LogsKeyA6AB43B2": "AWS::KMS::Key", "WebAclLogs68403EB9": "AWS::Logs::LogGroup"}
# An internet-facing load balancer's origin secret (an internal one behind a VPC origin has none).
ORIGIN_SECRET_STATEFUL = {
    "LoadBalancerOriginSecretKey3A769ADB": "AWS::KMS::Key",
    "LoadBalancerOriginSecretE2DF0F44": "AWS::SecretsManager::Secret",
}
SPA_STATEFUL = {"SiteBucket978D4AEB": "AWS::S3::Bucket", "SiteUploaderLogsA64AECA9": "AWS::Logs::LogGroup"}
AMPLIFY_STATEFUL = {"AmplifyAppCDC4D861": "AWS::Amplify::App", "AmplifySsrLogs3BF8A855": "AWS::Logs::LogGroup"}
LOAD_BALANCER_ACL_STATEFUL = {"LoadBalancerWebAclLogs2072F920": "AWS::Logs::LogGroup"}
# Amplify branches outside production: the basic-auth password.
BASIC_AUTH_STATEFUL = {
    "BranchBasicAuthKey55683134": "AWS::KMS::Key",
    "BranchBasicAuthPassword84A6FBD3": "AWS::SecretsManager::Secret",
}

# A replaced topic loses its subscriptions' confirmations (every subscriber must confirm again).
ALARM_TOPICS_STATEFUL = {
    "AlarmTopicsCriticalE6DD0761": "AWS::SNS::Topic",
    "AlarmTopicsWarning53E71084": "AWS::SNS::Topic",
}
# The topics' own key where they have one: in edge-alarms (us-east-1, away from the network's key);
# in the observability stack they use the network's logs key.
ALARM_TOPICS_KEY_STATEFUL = {"AlarmTopicsKey1622932D": "AWS::KMS::Key"}
TRAIL_STATEFUL = {
    "AuditTrailKeyA4D56A7A": "AWS::KMS::Key",
    "AuditTrailBucketA91FD435": "AWS::S3::Bucket",
    "AuditTrailLogGroup28BB9333": "AWS::Logs::LogGroup",
}
# The application's own secrets the project creates (app.secrets without existing), by name:
# BankApp's market-data API keys, StockPilot's API_SECRETS. A new name needs its ID here.
APP_SECRETS_KEY = "AppSecretsKey381CC6DD"
APP_SECRETS = {
    "YAHOO_FINANCE_API_KEY": "AppSecretsYAHOOFINANCEAPIKEY8DDF565C",
    "COINGECKO_API_KEY": "AppSecretsCOINGECKOAPIKEY2D8A8610",
    "API_SECRETS": "AppSecretsAPISECRETSE211D28E",
}
# StockPilot's application topics (the stockpilot profile).
APPLICATION_TOPICS_STATEFUL = {
    "ApplicationTopicsKey87F6DB74": "AWS::KMS::Key",
    "ApplicationTopicsstockalerts65204297": "AWS::SNS::Topic",
    "ApplicationTopicsordernotificationsE243FCC0": "AWS::SNS::Topic",
}

LOCKED_TYPES = {
    "AWS::Amplify::App", "AWS::SNS::Topic",
    "AWS::EC2::VPC", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::S3::Bucket",
    "AWS::RDS::DBCluster", "AWS::SecretsManager::Secret", "AWS::Cognito::UserPool",
    "AWS::ElastiCache::ReplicationGroup", "AWS::ECR::Repository",
}


# Destroyable environments: the log group of CDK's bucket-emptying provider, in each stack with a bucket.
AUTO_DELETE_STATEFUL = {"AutoDeleteObjectsProviderLogs67E2E7FB": "AWS::Logs::LogGroup"}


def locked(tier: str, config) -> dict[str, str]:
    """The pins of one stack, chosen by what the configuration puts in it (not by variant name)."""
    pins = _locked(tier, config)
    # Stacks with a bucket they delete (the audit trail's is retained and never emptied).
    has_bucket = tier != "observability" and ("AWS::S3::Bucket" in pins.values() or tier == "data")
    return pins | (AUTO_DELETE_STATEFUL if config.removal == "destroy" and has_bucket else {})


def _locked(tier: str, config) -> dict[str, str]:
    if tier == "network":
        return NETWORK_STATEFUL | (BASTION_STATEFUL if config.compute.bastion else {})
    amplify = config.edge.frontend == "amplify"
    if tier == "edge-global":
        return EDGE_GLOBAL_STATEFUL
    if tier == "edge":
        return ((ORIGIN_SECRET_STATEFUL if config.edge.api_origin == "internet-facing" else {})
                | (AMPLIFY_STATEFUL if amplify else SPA_STATEFUL)
                | (LOAD_BALANCER_ACL_STATEFUL if config.waf.load_balancer_acl else {}))
    if tier == "edge-alarms":
        return ALARM_TOPICS_STATEFUL | ALARM_TOPICS_KEY_STATEFUL
    if tier == "observability":
        return ALARM_TOPICS_STATEFUL | (TRAIL_STATEFUL if config.observability.cloudtrail else {})
    if tier == "frontend":
        return BASIC_AUTH_STATEFUL if amplify and config.edge.amplify_basic_auth else {}
    if tier == "compute":
        created = [s.name for s in config.app.secrets if not s.existing]
        app_secrets = ({APP_SECRETS_KEY: "AWS::KMS::Key"} | {APP_SECRETS[name]: "AWS::SecretsManager::Secret" for name in created}
                       if created else {})
        if config.compute.kind == "ec2":
            return COMPUTE_STATEFUL | EC2_STATEFUL | app_secrets
        return COMPUTE_STATEFUL | FARGATE_STATEFUL | (ECS_EXEC_STATEFUL if config.compute.ecs_exec else {}) | app_secrets
    if tier == "auth":
        if config.auth.mode == "custom-jwt":
            return JWT_STATEFUL
        return AUTH_STATEFUL if config.auth.user_sync else {k: v for k, v in AUTH_STATEFUL.items() if not k.startswith("PostConfirmation")}
    db = config.database
    aurora = db.engine == "aurora-serverless-v2"
    pins = {**DATA_STATEFUL, **(AURORA_STATEFUL if aurora else RDS_STATEFUL),
            SECRETS[(config.qualified_name, "cluster" if aurora else "instance")]: "AWS::SecretsManager::Secret"}
    if not db.apply_migrations:
        pins.pop("MigrationsRunnerLogGroup51318CE9")
    if not config.storage.uploads_bucket:
        pins.pop("UploadsBucketC4B27CC7")
    if db.read_replica:
        pins["DatabaseReplica3A6F4E05"] = "AWS::RDS::DBInstance"
    if config.cache.enabled:
        pins |= CACHE_STATEFUL
    if config.application_topics:
        pins |= APPLICATION_TOPICS_STATEFUL
    return pins


@pytest.mark.parametrize(("variant", "tier"), VARIANT_TIERS)
def test_stateful_resources_keep_their_logical_ids(synthesized, variant, tier):
    resources = synthesized[variant].templates[tier]["Resources"]
    pins = locked(tier, synthesized[variant].config)
    assert {k: resources[k]["Type"] for k in pins if k in resources} == pins
    # Every resource of a locked type is pinned: a new one must be added above.
    assert {k for k, r in resources.items() if r["Type"] in LOCKED_TYPES} <= set(pins)
