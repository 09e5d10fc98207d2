"""The claims of the README and docs/ (tier pages, operations), backed one by one by
assertions on the synthesized templates and cloud assembly.

Each test names the claim it backs and fails if the documentation stops being true (exact
values, not just presence). The comments name the page each group of claims is on.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import TIERS, VARIANTS, Synthesized, closure, one, resources, stack_artifacts, tiers

# Reads every variant: the prefetch worker synthesizes meanwhile (tests/background.py).
pytestmark = pytest.mark.every_variant

# ---------------------------------------------------------------- helpers


def stack_output(synth: Synthesized, value) -> tuple[str, object]:
    """(tier, output value) behind a weak cross-stack reference (``Fn::GetStackOutput``)."""
    reference = value["Fn::GetStackOutput"]
    (tier,) = [t for t, name in synth.stack_names.items() if name == reference["StackName"]]
    assert reference["Region"] == synth.regions[tier]
    return tier, synth.templates[tier]["Outputs"][reference["OutputName"]]["Value"]


def logical_id(value) -> str:
    """The logical ID a ``Ref`` or ``Fn::GetAtt`` points to."""
    return value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]


def subnets_of_group(synth: Synthesized, group: str) -> list[str]:
    """Logical IDs of the network tier's subnets of one subnet group (public, app, data)."""
    return sorted(k for k, r in resources(synth, "AWS::EC2::Subnet", tier="network").items()
                  if {"Key": "aws-cdk:subnet-name", "Value": group} in r["Properties"]["Tags"])


def referenced_subnets(synth: Synthesized, values: list) -> list[str]:
    """Network-tier logical IDs of subnets referenced from another tier."""
    found = []
    for value in values:
        tier, output = stack_output(synth, value)
        assert tier == "network"
        found.append(logical_id(output))
    return sorted(found)


def subnet_type(synth: Synthesized, subnet_id: str) -> str:
    tags = synth.templates["network"]["Resources"][subnet_id]["Properties"]["Tags"]
    return {t["Key"]: t["Value"] for t in tags}["aws-cdk:subnet-type"]


def stack_dependencies(synth: Synthesized) -> dict[str, set[str]]:
    """Tier -> tiers its stack directly depends on, as the cloud assembly's manifest says."""
    tier_of = {f.name: tier for tier, f in synth.template_files.items()}
    stacks = stack_artifacts(synth.assembly)
    tier_of_artifact = {artifact_id: tier_of[a["properties"]["templateFile"]] for artifact_id, a in stacks.items()}
    return {tier_of_artifact[artifact_id]: {tier_of_artifact[d] for d in a.get("dependencies", []) if d in stacks}
            for artifact_id, a in stacks.items()}


def transitive(deps: dict[str, set[str]], tier: str) -> set[str]:
    """The tiers ``tier`` depends on, directly or not."""
    return closure(deps, deps[tier])


def render_dashboard(synth: Synthesized) -> dict:
    """The dashboard body as JSON, every CloudFormation reference replaced by "@LogicalId.Attribute"."""
    (_, dashboard) = one(synth, "AWS::CloudWatch::Dashboard", tier="observability")
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    text = "".join(p if isinstance(p, str)
                   else "@" + ".".join(p["Fn::GetAtt"]) if "Fn::GetAtt" in p
                   else "@" + p["Ref"] if "Ref" in p
                   else "@" + json.dumps(p).replace('"', "'")
                   for p in parts)
    return json.loads(text)


# ---------------------------------------------------------------- every environment
# README.md (Deploying and destroying): deploy order, tags, termination protection.


@pytest.mark.parametrize("variant, protected", [
    ("dev", {"data", "auth"}), ("staging", {"data", "auth"}), ("eu-domain", {"data", "auth"}), ("dev-branch", set()),
    ("prod", set(TIERS)), ("bankapp-prod", set(TIERS)), ("stockpilot-prod", set(TIERS)), ("stockpilot-dev", {"data", "auth"}),
])
def test_termination_protection_on_production_and_on_long_lived_data(synthesized, variant, protected):
    """Every stack of production; the data and auth stacks (database, buckets, user pool) of
    every environment that is not a branch's; nothing of a branch environment."""
    synth = synthesized[variant]
    assert set(synth.termination_protection) == set(tiers(variant))
    assert {tier for tier, on in synth.termination_protection.items() if on} == protected


def test_no_stack_depends_on_a_later_one_in_the_readme_order(synthesized):
    """network → data → edge-global → edge → auth → compute → frontend → observability: a
    stack's dependencies are only stacks listed before it (staging: dev has no edge-global stack)."""
    deps = stack_dependencies(synthesized["staging"])
    assert list(deps) == list(TIERS)  # the manifest lists the stacks in that order
    for position, tier in enumerate(TIERS):
        assert deps[tier] <= set(TIERS[:position]), tier


@pytest.mark.parametrize("tier, before", [
    ("data", {"network"}),
    ("edge-global", {"network", "data"}),
    ("edge", {"network", "data", "edge-global"}),
    ("auth", {"network", "data", "edge-global", "edge"}),
    ("compute", {"network", "data", "edge-global", "edge", "auth"}),
    ("frontend", {"network", "data", "edge-global", "edge", "auth", "compute"}),
    ("observability", {"network", "data", "edge-global", "edge", "auth", "compute", "frontend"}),
])
def test_stack_depends_on_the_tiers_deployed_before_it(synthesized, tier, before):
    deps = stack_dependencies(synthesized["staging"])
    assert transitive(deps, tier) >= before


@pytest.mark.parametrize("variant", VARIANTS)
def test_deploy_all_follows_the_readme_order(synthesized, variant):
    """The order `cdk deploy --all` takes: the CLI's topological sort of the manifest's stacks
    (@aws-cdk/cloud-assembly-api toposort: every stack whose dependencies are done, by name)."""
    synth = synthesized[variant]
    remaining = {synth.stack_names[t]: {synth.stack_names[d] for d in ds} for t, ds in stack_dependencies(synth).items()}
    order = []
    while remaining:
        ready = sorted(name for name, ds in remaining.items() if not ds & remaining.keys())
        assert ready, "dependency cycle"
        order += ready
        for name in ready:
            del remaining[name]
    assert order == [synth.stack_names[t] for t in tiers(variant)]


# Types that take Tags as a Key/Value list: every resource of these must carry the environment's.
MUST_BE_TAGGED = {
    "AWS::IAM::Role", "AWS::Lambda::Function", "AWS::S3::Bucket", "AWS::KMS::Key", "AWS::Logs::LogGroup",
    "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::EC2::Instance", "AWS::RDS::DBInstance",
    "AWS::SNS::Topic", "AWS::SecretsManager::Secret", "AWS::ECS::Cluster", "AWS::ECR::Repository",
    "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::CloudFront::Distribution", "AWS::CloudWatch::Alarm",
}


def test_every_resource_is_tagged(synthesized):
    """Every resource carries application, environment, branch ("none" outside branch
    environments), owner and cost-center; checked on every resource whose tags are a list of
    Key/Value or a map (Tags, UserPoolTags), in every stack of every variant."""
    checked_types = set()
    for variant, synth in synthesized.items():
        c = synth.config
        expected = {"application": c.app_name, "environment": c.env_name, "branch": c.branch or "none",
                    "owner": c.owner, "cost-center": c.cost_center}
        for tier, template in synth.templates.items():
            for lid, resource in template["Resources"].items():
                # A resource of a type that takes tags must have them (an untagged one would
                # otherwise pass the loop below unseen), CDK's own providers included.
                if resource["Type"] in MUST_BE_TAGGED:
                    assert "Tags" in resource.get("Properties", {}), f"{variant} {tier} {lid} ({resource['Type']}) has no tags"
                for key in ("Tags", "UserPoolTags"):
                    tags = resource.get("Properties", {}).get(key)
                    if isinstance(tags, list) and all(isinstance(t, dict) and t.keys() == {"Key", "Value"} for t in tags):
                        tags = {t["Key"]: t["Value"] for t in tags}
                    elif not isinstance(tags, dict):
                        continue
                    found = {k: tags.get(k) for k in expected}
                    assert found == expected, f"{variant} {tier} {lid} ({resource['Type']})"
                    checked_types.add(resource["Type"])
    assert checked_types >= {"AWS::EC2::VPC", "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::S3::Bucket",
                             "AWS::Logs::LogGroup", "AWS::KMS::Key", "AWS::ECS::Cluster", "AWS::SSM::Parameter",
                             "AWS::Cognito::UserPool", "AWS::ElastiCache::ReplicationGroup"}
    assert synthesized["dev-branch"].config.branch == "feature/login-page"


# ---------------------------------------------------------------- network tier
# docs/tiers/network.md: flow logs.


def test_flow_logs_written_by_a_policy_scoped_to_their_encrypted_group(synthesized):
    for variant, synth in synthesized.items():
        _, flow_log = one(synth, "AWS::EC2::FlowLog", tier="network")
        group_id = logical_id(flow_log["Properties"]["LogGroupName"])
        net = synth.templates["network"]["Resources"]
        key = net[logical_id(net[group_id]["Properties"]["KmsKeyId"])]
        assert key["Type"] == "AWS::KMS::Key" and key["Properties"]["EnableKeyRotation"] is True
        role = net[logical_id(flow_log["Properties"]["DeliverLogsPermissionArn"])]["Properties"]
        assert "Policies" not in role  # no inline policy next to the managed one
        (policy_ref,) = role["ManagedPolicyArns"]
        policy = net[logical_id(policy_ref)]
        assert policy["Type"] == "AWS::IAM::ManagedPolicy"
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statements and all(s["Effect"] == "Allow" for s in statements)
        assert [s["Resource"] for s in statements] == [{"Fn::GetAtt": [group_id, "Arn"]}] * len(statements), variant
        assert '"*"' not in json.dumps(statements)


# ---------------------------------------------------------------- data tier
# docs/tiers/data.md: one rotating key, TLS parameter, isolated subnets, Redis, access logs.


def test_database_key_rotates_and_encrypts_storage_secret_and_performance_insights(synthesized):
    for variant, synth in synthesized.items():
        data = synth.templates["data"]["Resources"]
        # The RDS instance or the Aurora cluster (not a replica, not a cluster's member instances).
        (database,) = [r["Properties"] for r in data.values() if r["Type"] == "AWS::RDS::DBCluster"
                       or (r["Type"] == "AWS::RDS::DBInstance" and "DBClusterIdentifier" not in r["Properties"]
                           and "SourceDBInstanceIdentifier" not in r["Properties"])]
        key_ref = database["KmsKeyId"]
        assert database["StorageEncrypted"] is True
        assert data[logical_id(key_ref)]["Type"] == "AWS::KMS::Key"
        assert data[logical_id(key_ref)]["Properties"]["EnableKeyRotation"] is True, variant
        (secret_ref,) = [part for part in database["MasterUserPassword"]["Fn::Join"][1] if isinstance(part, dict)]
        assert data[secret_ref["Ref"]]["Type"] == "AWS::SecretsManager::Secret"
        assert data[secret_ref["Ref"]]["Properties"]["KmsKeyId"] == key_ref
        insights = [r["Properties"] for r in data.values()
                    if r["Type"] == "AWS::RDS::DBInstance" and r["Properties"].get("EnablePerformanceInsights")]
        assert bool(insights) is synth.config.database.performance_insights
        assert all(p["PerformanceInsightsKMSKeyId"] == key_ref for p in insights)
    # Performance Insights in prod: on the instance and its replica.
    assert len([r for r in resources(synthesized["prod"], "AWS::RDS::DBInstance", tier="data").values()
                if r["Properties"].get("EnablePerformanceInsights") is True]) == 2


def test_parameter_group_forces_tls_and_logs_slow_statements_connections_and_lock_waits(synthesized):
    for variant, synth in synthesized.items():
        (group,) = [r for r in synth.templates["data"]["Resources"].values()
                    if r["Type"] in ("AWS::RDS::DBParameterGroup", "AWS::RDS::DBClusterParameterGroup")]
        params = group["Properties"]["Parameters"]
        assert params["rds.force_ssl"] == "1"
        assert params["log_min_duration_statement"] == str(synth.config.database.log_min_duration_statement_ms)
        assert (params["log_connections"], params["log_lock_waits"]) == ("1", "1"), variant


def test_database_and_cache_in_the_isolated_data_subnets(synthesized):
    for variant, synth in synthesized.items():
        data_subnets = subnets_of_group(synth, "data")
        assert len(data_subnets) == len(synth.config.network.availability_zones)
        assert {subnet_type(synth, s) for s in data_subnets} == {"Isolated"}
        database_groups = [r["Properties"]["SubnetIds"] for r in resources(synth, "AWS::RDS::DBSubnetGroup", tier="data").values()]
        cache_groups = [r["Properties"]["SubnetIds"] for r in resources(synth, "AWS::ElastiCache::SubnetGroup", tier="data").values()]
        assert database_groups and len(cache_groups) == int(synth.config.cache.enabled)
        for subnet_ids in database_groups + cache_groups:
            assert referenced_subnets(synth, subnet_ids) == data_subnets, variant
    assert len(resources(synthesized["bankapp-prod"], "AWS::ElastiCache::SubnetGroup", tier="data")) == 1


def test_redis_encrypted_at_rest_with_its_own_key(synthesized):
    synth = synthesized["bankapp-prod"]
    _, group = one(synth, "AWS::ElastiCache::ReplicationGroup", tier="data")
    p = group["Properties"]
    (key_id,) = [k for k in resources(synth, "AWS::KMS::Key", tier="data") if k.startswith("CacheKey")]
    assert p["AtRestEncryptionEnabled"] is True and p["TransitEncryptionEnabled"] is True
    assert p["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert synth.templates["data"]["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True
    subnet_group, _ = one(synth, "AWS::ElastiCache::SubnetGroup", tier="data")
    assert p["CacheSubnetGroupName"] == {"Ref": subnet_group}


def test_access_log_bucket_expires_logs_after_the_configured_days(synthesized):
    for variant, synth in synthesized.items():
        (bucket,) = [r for lid, r in resources(synth, "AWS::S3::Bucket", tier="data").items() if lid.startswith("AccessLogsBucket")]
        (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
        assert rule["Status"] == "Enabled"
        assert rule["ExpirationInDays"] == synth.config.storage.access_log_retention_days, variant


# ---------------------------------------------------------------- compute tier
# docs/tiers/compute.md: where the load balancer and service run, Container Insights, log keys, outputs.


def test_load_balancer_internal_in_the_app_subnets_or_internet_facing_in_the_public_ones(synthesized):
    """edge.api_origin: "vpc-origin" (the default) an internal load balancer in the app subnets,
    the only way in a VPC origin; "internet-facing" in the public subnets."""
    schemes = set()
    for variant, synth in synthesized.items():
        _, lb = one(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer", tier="edge")
        scheme = lb["Properties"]["Scheme"]
        schemes.add(scheme)
        if synth.config.edge.api_origin == "vpc-origin":
            assert scheme == "internal", variant
            (vpc_origin,) = resources(synth, "AWS::CloudFront::VpcOrigin", tier="edge").values()
            assert vpc_origin["Properties"]["VpcOriginEndpointConfig"]["Arn"] == {"Ref": lb_id(synth)}, variant
            wanted = subnets_of_group(synth, "app")
        else:
            assert scheme == "internet-facing", variant
            assert not resources(synth, "AWS::CloudFront::VpcOrigin", tier="edge")
            wanted = subnets_of_group(synth, "public")
            assert {subnet_type(synth, s) for s in wanted} == {"Public"}
        assert referenced_subnets(synth, lb["Properties"]["Subnets"]) == wanted, variant
    assert schemes == {"internal", "internet-facing"}  # both layouts are synthesized somewhere


def lb_id(synth) -> str:
    (load_balancer_id,) = resources(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer", tier="edge")
    return load_balancer_id


def test_fargate_service_in_the_app_subnets_without_public_ip(synthesized):
    for variant, synth in synthesized.items():
        if synth.config.compute.kind != "fargate":
            continue
        _, service = one(synth, "AWS::ECS::Service", tier="compute")
        vpc = service["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert vpc["AssignPublicIp"] == "DISABLED"
        app = subnets_of_group(synth, "app")
        assert referenced_subnets(synth, vpc["Subnets"]) == app, variant
        # Private with egress, or isolated when egress is "none".
        expected = "Isolated" if synth.config.network.egress == "none" else "Private"
        assert {subnet_type(synth, s) for s in app} == {expected}


def test_cluster_container_insights_enhanced_and_logs_encrypted(synthesized):
    fargate = {v: s for v, s in synthesized.items() if s.config.compute.kind == "fargate"}
    assert len(fargate) == len(VARIANTS) - 4  # all but ChronoView's and StockPilot's
    for variant, synth in fargate.items():
        _, cluster = one(synth, "AWS::ECS::Cluster", tier="compute")
        assert cluster["Properties"]["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enhanced"}]
        compute = synth.templates["compute"]["Resources"]
        (task,) = resources(synth, "AWS::ECS::TaskDefinition", tier="compute").values()
        groups = {c["LogConfiguration"]["Options"]["awslogs-group"]["Ref"] for c in task["Properties"]["ContainerDefinitions"]}
        exec_config = cluster["Properties"].get("Configuration", {}).get("ExecuteCommandConfiguration")
        assert bool(exec_config) is synth.config.compute.ecs_exec, variant
        if exec_config:
            assert exec_config["LogConfiguration"]["CloudWatchEncryptionEnabled"] is True
            groups.add(exec_config["LogConfiguration"]["CloudWatchLogGroupName"]["Ref"])
        assert len(groups) == (2 if exec_config else 1)
        for group in groups:
            tier, key = stack_output(synth, compute[group]["Properties"]["KmsKeyId"])
            key_resource = synth.templates[tier]["Resources"][logical_id(key)]
            assert key_resource["Type"] == "AWS::KMS::Key" and key_resource["Properties"]["EnableKeyRotation"] is True


def test_compute_outputs(synthesized):
    """RepositoryUri (Fargate), ReleasesBucket (EC2), BastionInstanceId (with a bastion)."""
    for variant, synth in synthesized.items():
        outputs = synth.templates["compute"]["Outputs"]
        compute = synth.templates["compute"]["Resources"]

        def target(name, compute=compute, outputs=outputs):
            return compute[logical_id(outputs[name]["Value"])]["Type"] if name in outputs else None

        fargate = synth.config.compute.kind == "fargate"
        repository = json.dumps(outputs.get("RepositoryUri", {}))
        assert ("ApiRepository" in repository and ".dkr.ecr." in repository) is fargate, variant
        assert target("ReleasesBucket") == (None if fargate else "AWS::S3::Bucket"), variant
        assert target("BastionInstanceId") == ("AWS::EC2::Instance" if synth.config.compute.bastion else None), variant
    assert {v for v, s in synthesized.items() if s.config.compute.bastion} >= {"dev", "dev-branch", "spendwise-dev"}


# ---------------------------------------------------------------- edge tier
# docs/tiers/edge.md: the SPA bucket, origin timeouts, the stack's outputs.


def test_spa_bucket_access_logged_and_old_versions_to_glacier(synthesized):
    spa = [v for v, s in synthesized.items() if s.config.edge.frontend == "spa"]
    assert len(spa) >= 8
    for variant in spa:
        synth = synthesized[variant]
        _, bucket = one(synth, "AWS::S3::Bucket", tier="edge")
        p = bucket["Properties"]
        tier, target = stack_output(synth, p["LoggingConfiguration"]["DestinationBucketName"])
        assert tier == "data" and logical_id(target).startswith("AccessLogsBucket"), variant
        assert p["VersioningConfiguration"] == {"Status": "Enabled"}
        (rule,) = p["LifecycleConfiguration"]["Rules"]
        (transition,) = rule["NoncurrentVersionTransitions"]
        assert transition["StorageClass"] == "GLACIER"
        assert transition["TransitionInDays"] < rule["NoncurrentVersionExpiration"]["NoncurrentDays"]


def test_origin_timeouts_follow_config(synthesized):
    for variant, synth in synthesized.items():
        _, distribution = one(synth, "AWS::CloudFront::Distribution", tier="edge")
        # The load balancer's origin: a VPC origin's or a custom origin's settings hold the timeouts.
        (custom,) = [o.get("VpcOriginConfig") or o["CustomOriginConfig"] for o in distribution["Properties"]["DistributionConfig"]["Origins"]
                     if "VpcOriginConfig" in o or "CustomOriginConfig" in o]
        edge = synth.config.edge
        assert custom["OriginKeepaliveTimeout"] == edge.origin_keepalive_timeout_seconds, variant
        assert custom["OriginReadTimeout"] == edge.origin_read_timeout_seconds, variant
        assert max(custom["OriginKeepaliveTimeout"], custom["OriginReadTimeout"]) < synth.config.compute.idle_timeout_seconds


def test_edge_outputs(synthesized):
    """SiteUrl, ApiUrl, DistributionId, DistributionDomainName, SiteBucket or AmplifyAppId,
    LoadBalancerDnsName, OriginDomainName (plus CDK's own weak-reference outputs)."""
    for variant, synth in synthesized.items():
        outputs = {k: o["Value"] for k, o in synth.templates["edge"]["Outputs"].items() if not k.startswith("PublishOutput")}
        site = "SiteBucket" if synth.config.edge.frontend == "spa" else "AmplifyAppId"
        assert list(outputs) == ["SiteUrl", "ApiUrl", "DistributionId", "DistributionDomainName", site,
                                 "LoadBalancerDnsName", "OriginDomainName"], variant
        distribution, _ = one(synth, "AWS::CloudFront::Distribution", tier="edge")
        lb, _ = one(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer", tier="edge")
        assert outputs["DistributionId"] == {"Ref": distribution}
        assert outputs["DistributionDomainName"] == {"Fn::GetAtt": [distribution, "DomainName"]}
        assert outputs["LoadBalancerDnsName"] == {"Fn::GetAtt": [lb, "DNSName"]}
        if site == "SiteBucket":
            assert outputs["SiteBucket"] == {"Ref": one(synth, "AWS::S3::Bucket", tier="edge")[0]}
        else:
            assert outputs["AmplifyAppId"] == {"Fn::GetAtt": [one(synth, "AWS::Amplify::App", tier="edge")[0], "AppId"]}


# ---------------------------------------------------------------- observability tier
# docs/tiers/observability.md: the alarm table, the dashboard, retention, the trail, topics.

# The README's alarm table: name -> (severity, "fires when" as a comparison).
README_ALARMS = {
    "api-cpu": ("critical", "GreaterThanThreshold"),
    "api-5xx": ("critical", "GreaterThanThreshold"),
    "api-capacity": ("critical", "GreaterThanThreshold"),
    "instance-status-checks": ("critical", "GreaterThanThreshold"),
    "database-cpu": ("critical", "GreaterThanThreshold"),
    "database-free-storage": ("critical", "LessThanThreshold"),
    "cdn-5xx-rate": ("critical", "GreaterThanThreshold"),
    "api-memory": ("warning", "GreaterThanThreshold"),
    "api-latency-p99": ("warning", "GreaterThanThreshold"),
    "api-unhealthy-targets": ("warning", "GreaterThanThreshold"),
    "database-connections": ("warning", "GreaterThanThreshold"),
    "replica-lag": ("warning", "GreaterThanThreshold"),
    "waf-blocked-spike": ("warning", "GreaterThanThreshold"),
    "user-sync-failed": ("warning", "GreaterThanThreshold"),
    "failed-logins": ("warning", "GreaterThanThreshold"),
}


def scaling_alarms(synth: Synthesized, tier: str) -> set[str]:
    """Logical IDs of the alarms whose only actions are step-scaling policies (compute.cpu_scaling
    "steps"): they scale the service and page no one, so they are not in the README's table."""
    policies = set(resources(synth, "AWS::ApplicationAutoScaling::ScalingPolicy", tier=tier))
    return {k for k, r in resources(synth, "AWS::CloudWatch::Alarm", tier=tier).items()
            if r["Properties"].get("AlarmActions") and all(isinstance(a, dict) and a.get("Ref") in policies for a in r["Properties"]["AlarmActions"])}


def all_alarms(synth: Synthesized) -> dict[str, dict]:
    """Alarm name without "<app>-<env>-" -> properties, from every stack of the environment
    (those that page or inform: not the scaling alarms)."""
    prefix = f"{synth.config.app_name}-{synth.config.qualified_name}-"
    found = {}
    for tier in synth.templates:
        scaling = scaling_alarms(synth, tier)
        for key, r in resources(synth, "AWS::CloudWatch::Alarm", tier=tier).items():
            if key in scaling:
                continue
            name = r["Properties"]["AlarmName"]
            assert name.startswith(prefix) and name.removeprefix(prefix) not in found
            found[name.removeprefix(prefix)] = r["Properties"]
    return found


def test_every_alarm_has_the_severity_and_comparison_of_the_readme_table(synthesized):
    seen = set()
    for variant, synth in synthesized.items():
        for name, p in all_alarms(synth).items():
            severity, alarm = name.split("-", 1)
            assert alarm in README_ALARMS, f"{variant}: {name} is not in the README's table"
            assert (severity, p["ComparisonOperator"]) == README_ALARMS[alarm], f"{variant}: {name}"
            seen.add(alarm)
    assert seen == set(README_ALARMS)  # every row of the table exists in some variant


def test_latency_alarm_is_on_p99(synthesized):
    for variant, synth in synthesized.items():
        p = all_alarms(synth)["warning-api-latency-p99"]
        assert (p["Namespace"], p["MetricName"]) == ("AWS/ApplicationELB", "TargetResponseTime")
        assert p["ExtendedStatistic"] == "p99" and "Statistic" not in p, variant


def test_dashboard_named_after_the_environment_with_alarm_states_on_top(synthesized):
    for variant, synth in synthesized.items():
        (_, dashboard) = one(synth, "AWS::CloudWatch::Dashboard", tier="observability")
        assert dashboard["Properties"]["DashboardName"] == f"{synth.config.app_name}-{synth.config.qualified_name}"
        first, *rest = render_dashboard(synth)["widgets"]
        assert (first["type"], first["x"], first["y"], first["width"]) == ("alarm", 0, 0, 24)
        assert all(w["y"] > 0 for w in rest)
        alarm_ids = resources(synth, "AWS::CloudWatch::Alarm", tier="observability")
        assert sorted(first["properties"]["alarms"]) == sorted(f"@{a}.Arn" for a in alarm_ids), variant


def test_cdn_additional_metrics_in_staging_and_prod_only(reference):
    for variant, enabled in {"dev": False, "staging": True, "prod": True}.items():
        synth = reference[variant]
        assert synth.config.observability.cdn_additional_metrics is enabled
        subscriptions = resources(synth, "AWS::CloudFront::MonitoringSubscription", tier="edge")
        distribution, _ = one(synth, "AWS::CloudFront::Distribution", tier="edge")
        expected = [{"DistributionId": {"Ref": distribution}, "MonitoringSubscription": {
            "RealtimeMetricsSubscriptionConfig": {"RealtimeMetricsSubscriptionStatus": "Enabled"}}}] if enabled else []
        assert [r["Properties"] for r in subscriptions.values()] == expected, variant
        assert ("CacheHitRate" in json.dumps(render_dashboard(synth))) is enabled


@pytest.mark.parametrize("variant, days", [("dev-branch", 3), ("dev", 7), ("staging", 30), ("prod", 90)])
def test_log_retention_per_environment(synthesized, variant, days):
    """3 days in branch environments, 7 dev, 30 staging, 90 prod: every log group, the flow
    logs' and the trail's included."""
    synth = synthesized[variant]
    groups = {(tier, lid): r["Properties"] for tier in synth.templates
              for lid, r in resources(synth, "AWS::Logs::LogGroup", tier=tier).items()}
    assert len(groups) >= 10
    assert {lid: p.get("RetentionInDays") for lid, p in groups.items()} == {lid: days for lid in groups}
    trails = resources(synth, "AWS::CloudTrail::Trail", tier="observability")
    # A trail of the environment's own where configured (never in a branch environment); else the account's.
    assert len(trails) == (1 if synth.config.observability.cloudtrail else 0)
    for trail in trails.values():
        group = logical_id(trail["Properties"]["CloudWatchLogsLogGroupArn"])
        assert groups[("observability", group)]["RetentionInDays"] == days


def test_trail_bucket_tls_only_and_versioned(synthesized):
    checked = 0
    for variant, synth in synthesized.items():
        for trail in resources(synth, "AWS::CloudTrail::Trail", tier="observability").values():
            bucket_id = logical_id(trail["Properties"]["S3BucketName"])
            bucket = synth.templates["observability"]["Resources"][bucket_id]["Properties"]
            assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
            (policy,) = [r["Properties"] for r in resources(synth, "AWS::S3::BucketPolicy", tier="observability").values()
                         if r["Properties"]["Bucket"] == {"Ref": bucket_id}]
            arn = {"Fn::GetAtt": [bucket_id, "Arn"]}
            assert {"Action": "s3:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
                    "Principal": {"AWS": "*"}, "Resource": [arn, {"Fn::Join": ["", [arn, "/*"]]}]} \
                in policy["PolicyDocument"]["Statement"], variant
            checked += 1
    # every variant with a trail of its own (the reference environments rely on the account's)
    assert checked == len([s for s in synthesized.values() if s.config.observability.cloudtrail]) > 0


def test_application_topics_encrypted_and_tls_only(synthesized):
    synth = synthesized["stockpilot-dev"]
    topics = resources(synth, "AWS::SNS::Topic", tier="data")
    assert sorted(t["Properties"]["TopicName"] for t in topics.values()) == ["stockpilot-dev-order-notifications", "stockpilot-dev-stock-alerts"]
    policies = resources(synth, "AWS::SNS::TopicPolicy", tier="data").values()
    for topic_id, topic in topics.items():
        key_id = logical_id(topic["Properties"]["KmsMasterKeyId"])
        assert synth.templates["data"]["Resources"][key_id]["Type"] == "AWS::KMS::Key"
        (policy,) = [p["Properties"] for p in policies if p["Properties"]["Topics"] == [{"Ref": topic_id}]]
        deny = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert deny == [{"Action": "sns:Publish", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
                         "Principal": "*", "Resource": {"Ref": topic_id}, "Sid": "AllowPublishThroughSSLOnly"}]


# ---------------------------------------------------------------- helpers of the claims below


def points_to(synth: Synthesized, tier: str, value) -> tuple[str, str] | None:
    """(tier, logical ID) a ``Ref``/``Fn::GetAtt`` in ``tier`` points to, following a weak
    cross-stack reference to the producing stack; None for anything else (literals, joins)."""
    if isinstance(value, dict) and "Fn::GetStackOutput" in value:
        tier, value = stack_output(synth, value)
    if isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value):
        return tier, logical_id(value)
    return None


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def grants(policy: dict) -> dict[str, list]:
    """Action -> every resource a policy resource allows it on (all statements must be plain Allows)."""
    found: dict[str, list] = {}
    for s in policy["Properties"]["PolicyDocument"]["Statement"]:
        assert s["Effect"] == "Allow" and s.keys() <= {"Action", "Condition", "Effect", "Resource", "Sid"}, s
        for action in as_list(s["Action"]):
            found.setdefault(action, []).extend(as_list(s["Resource"]))
    return found


def condition_of(policy: dict, action: str) -> dict | None:
    (condition,) = {json.dumps(s.get("Condition"), sort_keys=True)
                    for s in policy["Properties"]["PolicyDocument"]["Statement"] if action in as_list(s["Action"])}
    return json.loads(condition)


def role_policies(synth: Synthesized, role_id: str, *, tier: str) -> dict[str, dict]:
    """Logical ID -> policy, for every IAM policy of ``tier`` attached to the role ``role_id``."""
    return {k: r for k, r in synth.templates[tier]["Resources"].items()
            if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
            and {"Ref": role_id} in r["Properties"].get("Roles", [])}


def ingress_rules_of(synth: Synthesized, group: tuple[str, str]) -> list[dict]:
    """Every ingress rule of a security group: inline ones and ``SecurityGroupIngress``
    resources of any stack of the environment."""
    tier, group_id = group
    rules = list(synth.templates[tier]["Resources"][group_id]["Properties"].get("SecurityGroupIngress", []))
    for t in synth.templates:
        for r in resources(synth, "AWS::EC2::SecurityGroupIngress", tier=t).values():
            if points_to(synth, t, r["Properties"]["GroupId"]) == group:
                rules.append(r["Properties"])
    return rules


def render(parts: list) -> str:
    """A ``Fn::Join`` with "" as text, every reference replaced by "@LogicalId[.Attribute]"."""
    return "".join(p if isinstance(p, str)
                   else "@" + ".".join(p["Fn::GetAtt"]) if "Fn::GetAtt" in p
                   else "@" + p["Ref"] if "Ref" in p
                   else "@" + json.dumps(p).replace('"', "'")
                   for p in parts)


def user_data_parts(synth: Synthesized) -> list:
    _, template = one(synth, "AWS::EC2::LaunchTemplate", tier="compute")
    separator, parts = template["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Join"]
    assert separator == ""
    return parts


def heredoc(script: str, marker: str) -> str:
    """The body of the script's ``<<'MARKER'`` here-document."""
    (body,) = re.findall(rf"<<'{marker}'\n(.*?)\n{marker}\n", script, flags=re.S)
    return body


def container_secrets(container: dict) -> tuple[list, list]:
    """(SSM parameter ARNs, Secrets Manager secret ARNs without the ":field::" suffix) a
    container definition injects, each as its template value."""
    parameters, secrets = [], []
    for s in container.get("Secrets", []):
        value = s["ValueFrom"]
        parts = value["Fn::Join"][1] if "Fn::Join" in value else None
        if parts and isinstance(parts[0], str) and parts[0].endswith(":parameter"):
            parameters.append(value)
        elif parts:
            assert len(parts) == 2 and re.fullmatch(r":\w+::", parts[1]), value
            secrets.append(parts[0])
        else:
            secrets.append(value)
    return parameters, list({json.dumps(s): s for s in secrets}.values())


def secret_key(synth: Synthesized, tier: str, secret) -> tuple[str, str]:
    """(tier, logical ID) of the KMS key that encrypts a secret (or a secret target attachment)."""
    tier, secret_id = points_to(synth, tier, secret)
    secret_resource = synth.templates[tier]["Resources"][secret_id]
    if secret_resource["Type"] == "AWS::SecretsManager::SecretTargetAttachment":
        tier, secret_id = points_to(synth, tier, secret_resource["Properties"]["SecretId"])
        secret_resource = synth.templates[tier]["Resources"][secret_id]
    assert secret_resource["Type"] == "AWS::SecretsManager::Secret"
    return points_to(synth, tier, secret_resource["Properties"]["KmsKeyId"])


def settings_path_arn(synth: Synthesized) -> str:
    c = synth.config
    return f"arn:aws:ssm:{c.region}:{c.account}:parameter/{c.app_name}/{c.qualified_name}/app"


# Session Manager's agent actions (narrower than AmazonSSMManagedInstanceCore).
SSM_AGENT_ACTIONS = {
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
}
XRAY_ACTIONS = {"xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords", "xray:PutTraceSegments"}
# AWS-managed CloudFront policies (aws-cdk-lib: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
# CachePolicy.CACHING_DISABLED).
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
# AWS's single-user rotation application for PostgreSQL in the Serverless Application Repository.
POSTGRES_SINGLE_USER_ROTATION = ("arn:aws:serverlessrepo:us-east-1:297356227824:applications/"
                                 "SecretsManagerRDSPostgreSQLRotationSingleUser")


# ---------------------------------------------------------------- data tier: credential rotation
# docs/tiers/data.md, docs/operations.md (rotated every credential_rotation_days by the single-user function, app
# subnets, functions security group) (its /aws/lambda/<name> group created first).


def test_database_credentials_rotated_by_the_single_user_function_in_the_app_subnets(synthesized):
    for variant, synth in synthesized.items():
        data = synth.templates["data"]
        res = data["Resources"]
        assert data["Transform"] == "AWS::Serverless-2016-10-31"
        app_id, app = one(synth, "AWS::Serverless::Application", tier="data")
        location = {}
        for key, field in (("ApplicationId", "applicationId"), ("SemanticVersion", "semanticVersion")):
            mapping, partition, name = app["Properties"]["Location"][key]["Fn::FindInMap"]
            assert (partition, name) == ({"Ref": "AWS::Partition"}, field)
            location[key] = data["Mappings"][mapping]["aws"][field]
        assert location["ApplicationId"] == POSTGRES_SINGLE_USER_ROTATION, variant
        assert re.fullmatch(r"\d+\.\d+\.\d+", location["SemanticVersion"])
        params = app["Properties"]["Parameters"]
        # In the app subnets: "<subnet>,<subnet>[,<subnet>]".
        separator, parts = params["vpcSubnetIds"]["Fn::Join"]
        assert separator == "" and parts[1::2] == [","] * (len(parts) // 2)
        assert referenced_subnets(synth, parts[0::2]) == subnets_of_group(synth, "app"), variant
        # With the functions security group (one group, nothing else).
        group_tier, group = points_to(synth, "data", params["vpcSecurityGroupIds"])
        assert group_tier == "network" and group.startswith("SecurityGroupsFunctions"), variant
        assert synth.templates["network"]["Resources"][group]["Type"] == "AWS::EC2::SecurityGroup"
        # Its log group is created first, under the name Lambda will use.
        (log_group,) = [k for k, r in resources(synth, "AWS::Logs::LogGroup", tier="data").items()
                        if r["Properties"].get("LogGroupName") == f"/aws/lambda/{params['functionName']}"]
        assert log_group in app["DependsOn"], variant
        # Every credential_rotation_days, on the database's own secret.
        _, schedule = one(synth, "AWS::SecretsManager::RotationSchedule", tier="data")
        days = synth.config.database.credential_rotation_days
        assert schedule["Properties"]["RotationLambdaARN"] == {"Fn::GetAtt": [app_id, "Outputs.RotationLambdaARN"]}
        rate = f"rate({days} day{'s' if days != 1 else ''})"
        assert schedule["Properties"]["RotationRules"] == {"ScheduleExpression": rate}, variant
        attachment = res[logical_id(schedule["Properties"]["SecretId"])]
        assert attachment["Type"] == "AWS::SecretsManager::SecretTargetAttachment"
        assert attachment["Properties"]["TargetType"] in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster")
        assert res[attachment["Properties"]["TargetId"]["Ref"]]["Type"] == attachment["Properties"]["TargetType"]


# ---------------------------------------------------------------- compute tier: Fargate
# docs/tiers/compute.md (ECS Exec audited to a KMS-encrypted log group; read-only root with a
# writable /tmp, and the SSM agent's paths when ECS Exec is on) (roles).

# Where the SSM agent that ECS Exec starts in the container writes.
SSM_AGENT_PATHS = ["/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"]


def test_ecs_exec_audited_to_an_encrypted_log_group_where_on_and_absent_where_off(synthesized):
    fargate = {v: s for v, s in synthesized.items() if s.config.compute.kind == "fargate"}
    assert {s.config.compute.ecs_exec for s in fargate.values()} == {True, False}  # both cases exercised
    for variant, synth in fargate.items():
        on = synth.config.compute.ecs_exec
        compute = synth.templates["compute"]["Resources"]
        _, cluster = one(synth, "AWS::ECS::Cluster", tier="compute")
        _, service = one(synth, "AWS::ECS::Service", tier="compute")
        _, task = one(synth, "AWS::ECS::TaskDefinition", tier="compute")
        (api,) = [c for c in task["Properties"]["ContainerDefinitions"] if c["Name"] == "api"]
        app_group = api["LogConfiguration"]["Options"]["awslogs-group"]["Ref"]
        assert service["Properties"].get("EnableExecuteCommand", False) is on, variant
        exec_config = cluster["Properties"].get("Configuration", {}).get("ExecuteCommandConfiguration")
        if on:
            exec_group = exec_config["LogConfiguration"]["CloudWatchLogGroupName"]["Ref"]
            assert compute[exec_group]["Type"] == "AWS::Logs::LogGroup" and exec_group != app_group
            assert exec_config == {
                "Logging": "OVERRIDE",
                "LogConfiguration": {"CloudWatchEncryptionEnabled": True, "CloudWatchLogGroupName": {"Ref": exec_group}},
                "KmsKeyId": compute[exec_group]["Properties"]["KmsKeyId"],
            }, variant
            key_tier, key = points_to(synth, "compute", exec_config["KmsKeyId"])
            assert synth.templates[key_tier]["Resources"][key]["Type"] == "AWS::KMS::Key"
        else:
            assert exec_config is None, variant
        # Read-only root filesystem; writable /tmp, plus the SSM agent's paths only with ECS Exec.
        assert api["ReadonlyRootFilesystem"] is True
        mounts = api["MountPoints"]
        assert [m["ContainerPath"] for m in mounts] == ["/tmp"] + (SSM_AGENT_PATHS if on else []), variant
        assert all(m["ReadOnly"] is False for m in mounts)
        assert sorted(v["Name"] for v in task["Properties"]["Volumes"]) == sorted(m["SourceVolume"] for m in mounts)
        # The task role gets the Session Manager channels only with ECS Exec.
        task_role = task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0]
        task_grants = {a for p in role_policies(synth, task_role, tier="compute").values() for a in grants(p)}
        channels = {a for a in SSM_AGENT_ACTIONS if a.startswith("ssmmessages:")}
        assert {a for a in task_grants if a.startswith("ssmmessages:")} == (channels if on else set()), variant


def test_fargate_execution_role_reads_exactly_the_settings_secrets_and_repository(synthesized):
    fargate = {v: s for v, s in synthesized.items() if s.config.compute.kind == "fargate"}
    assert any(s.config.compute.release for s in fargate.values())  # one variant pulls from the repository
    for variant, synth in fargate.items():
        compute = synth.templates["compute"]["Resources"]
        _, task = one(synth, "AWS::ECS::TaskDefinition", tier="compute")
        (api,) = [c for c in task["Properties"]["ContainerDefinitions"] if c["Name"] == "api"]
        role_id = task["Properties"]["ExecutionRoleArn"]["Fn::GetAtt"][0]
        role = compute[role_id]["Properties"]
        assert "Policies" not in role and "ManagedPolicyArns" not in role, variant
        (policy,) = role_policies(synth, role_id, tier="compute").values()
        allowed = grants(policy)
        parameters, secrets = container_secrets(api)
        settings = [{"Fn::Join": ["", [f"arn:aws:ssm:{synth.config.region}:{synth.config.account}:parameter", {"Ref": k}]]}
                    for k in resources(synth, "AWS::SSM::Parameter", tier="compute")]
        assert sorted(map(json.dumps, parameters)) == sorted(map(json.dumps, settings))  # the container gets every setting
        log_group = {"Fn::GetAtt": [api["LogConfiguration"]["Options"]["awslogs-group"]["Ref"], "Arn"]}
        key_ids = sorted({secret_key(synth, "compute", s) for s in secrets})
        expected = {
            "logs:CreateLogStream": [log_group], "logs:PutLogEvents": [log_group],
            "ssm:GetParametersByPath": [settings_path_arn(synth)],
            "ssm:GetParameter": settings, "ssm:GetParameters": settings,
            "secretsmanager:GetSecretValue": secrets,
        }
        # The image: the placeholder on a public registry, or a release from the repository.
        repository = [k for k, r in compute.items() if r["Type"] == "AWS::ECR::Repository"]
        from_repository = bool(synth.config.compute.release)
        assert (json.dumps(repository[0]) in json.dumps(api["Image"])) is from_repository, variant
        if from_repository:
            repository_arn = {"Fn::GetAtt": [repository[0], "Arn"]}
            expected |= {"ecr:GetAuthorizationToken": ["*"],  # has no resource-level permissions
                         "ecr:BatchCheckLayerAvailability": [repository_arn], "ecr:BatchGetImage": [repository_arn],
                         "ecr:GetDownloadUrlForLayer": [repository_arn]}
        kms = allowed.pop("kms:Decrypt")
        assert {a: sorted(map(json.dumps, r)) for a, r in allowed.items()} == \
            {a: sorted(map(json.dumps, r)) for a, r in expected.items()}, variant
        # The secrets' keys, only through Secrets Manager.
        assert sorted(points_to(synth, "compute", k) for k in kms) == key_ids, variant
        assert condition_of(policy, "kms:Decrypt") == {
            "StringEquals": {"kms:ViaService": f"secretsmanager.{synth.config.region}.amazonaws.com"}}
        star = {a for a, r in allowed.items() if "*" in r}
        assert star == ({"ecr:GetAuthorizationToken"} if from_repository else set()), variant


# ---------------------------------------------------------------- compute tier: EC2
# docs/tiers/compute.md (instance role, boot script, public single instance),
# (X-Ray on EC2, PublishPolicy on the application's role).


def test_ec2_instance_role_has_exactly_the_readme_permissions(synthesized):
    ec2 = {v: s for v, s in synthesized.items() if s.config.compute.kind == "ec2"}
    assert set(ec2) == {"chronoview-dev", "chronoview-prod", "stockpilot-dev", "stockpilot-prod"}
    for variant, synth in ec2.items():
        compute = synth.templates["compute"]["Resources"]
        _, template = one(synth, "AWS::EC2::LaunchTemplate", tier="compute")
        profile = compute[template["Properties"]["LaunchTemplateData"]["IamInstanceProfile"]["Arn"]["Fn::GetAtt"][0]]
        (role_ref,) = profile["Properties"]["Roles"]
        role_id = role_ref["Ref"]
        role = compute[role_id]["Properties"]
        assert role["AssumeRolePolicyDocument"]["Statement"] == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}]
        # Managed policies of the data tier: the uploads policy, and the topics' PublishPolicy (StockPilot).
        managed = [points_to(synth, "compute", p) for p in role["ManagedPolicyArns"]]
        assert all(t == "data" for t, _ in managed) and "Policies" not in role
        assert sorted(re.sub(r"[0-9A-F]{8}$", "", k) for _, k in managed) == sorted(
            ["UploadsAccess"] + (["ApplicationTopicsPublishPolicy"] if synth.config.application_topics else [])), variant
        (policy,) = role_policies(synth, role_id, tier="compute").values()
        allowed = grants(policy)
        # Session Manager's agent actions; X-Ray with compute.xray_tracing; ec2:DescribeTags for
        # the CloudWatch agent's dimensions. None of these has resource-level permissions.
        star = SSM_AGENT_ACTIONS | {"ec2:DescribeTags", "cloudwatch:PutMetricData"} | (
            XRAY_ACTIONS if synth.config.compute.xray_tracing else set())
        # The CloudWatch agent writes to the API log group, and metrics only into CWAgent.
        parts = user_data_parts(synth)
        agent = json.loads(heredoc(render(parts), "WEBAPP_CWAGENT"))
        (agent_group,) = {f["log_group_name"] for f in agent["logs"]["logs_collected"]["files"]["collect_list"]}
        assert agent["metrics"]["namespace"] == "CWAgent"
        log_group = {"Fn::GetAtt": [agent_group.removeprefix("@"), "Arn"]}
        assert compute[agent_group.removeprefix("@")]["Type"] == "AWS::Logs::LogGroup"
        settings = [{"Fn::Join": ["", [f"arn:aws:ssm:{synth.config.region}:{synth.config.account}:parameter", {"Ref": k}]]}
                    for k in resources(synth, "AWS::SSM::Parameter", tier="compute")]
        # The secrets the boot script reads at every start of the service.
        secrets = list({json.dumps(parts[i + 1]): parts[i + 1] for i, p in enumerate(parts)
                        if isinstance(p, str) and re.search(r"secret_value '\w+' '$", p)}.values())
        assert secrets
        bucket = logical_id(synth.templates["compute"]["Outputs"]["ReleasesBucket"]["Value"])
        release_bucket = {"Fn::Join": ["", [{"Fn::GetAtt": [bucket, "Arn"]}, "/releases/*"]]}
        expected = {a: ["*"] for a in star} | {
            "logs:CreateLogStream": [log_group], "logs:DescribeLogStreams": [log_group], "logs:PutLogEvents": [log_group],
            "s3:GetObject": [release_bucket],
            "cloudformation:SignalResource": [{"Ref": "AWS::StackId"}],
            "ssm:GetParametersByPath": [settings_path_arn(synth)],
            "ssm:GetParameter": settings, "ssm:GetParameters": settings,
            "secretsmanager:GetSecretValue": secrets,
        }
        kms = allowed.pop("kms:Decrypt")
        assert {a: sorted(map(json.dumps, r)) for a, r in allowed.items()} == \
            {a: sorted(map(json.dumps, r)) for a, r in expected.items()}, variant
        assert sorted(points_to(synth, "compute", k) for k in kms) == sorted(
            {secret_key(synth, "compute", s) for s in secrets})
        assert condition_of(policy, "kms:Decrypt") == {
            "StringEquals": {"kms:ViaService": f"secretsmanager.{synth.config.region}.amazonaws.com"}}
        assert condition_of(policy, "cloudwatch:PutMetricData") == {"StringEquals": {"cloudwatch:namespace": "CWAgent"}}
        assert {a for a, r in allowed.items() if "*" in r} == star, variant
    assert XRAY_ACTIONS <= set(grants(one(synthesized["chronoview-prod"], "AWS::IAM::ManagedPolicy", tier="compute")[1]))


def test_ec2_boot_script_ships_logs_and_signals_only_after_the_health_check_through_nginx(synthesized):
    for variant in ("chronoview-prod", "stockpilot-dev"):
        synth = synthesized[variant]
        c = synth.config.compute
        script = render(user_data_parts(synth))
        lines = script.split("\n")
        group_id, group = one(synth, "AWS::AutoScaling::AutoScalingGroup", tier="compute")

        def index(pattern: str, lines=lines) -> int:
            (found,) = [i for i, line in enumerate(lines) if re.search(pattern, line)]
            return found

        # cfn-signal runs once, in the exit trap, with the script's exit code; errors exit at once.
        (signal,) = [line for line in lines if "cfn-signal" in line and not line.startswith("#")]
        assert signal.startswith(f"/opt/aws/bin/cfn-signal --stack {synth.stack_names['compute']} --resource {group_id} "
                                 f"--region {synth.config.region} -e $exitCode"), variant
        assert lines[:6] == ["#!/bin/bash", "function exitTrap(){", "exitCode=$?", signal, "}", "trap exitTrap EXIT"]
        assert [line for line in lines[6:] if line and not line.startswith("#")][0] == "set -euo pipefail"
        # Nginx listens on the load balancer's port and proxies to the app on localhost.
        nginx = heredoc(script, "WEBAPP_NGINX")
        assert f"listen {c.container_port} default_server;" in nginx and f"server 127.0.0.1:{c.process_port};" in nginx
        # The CloudWatch agent ships the app's log (the service's stdout/stderr) and Nginx's.
        (unit,) = [u for u in re.findall(r"<<'WEBAPP_UNIT'\n(.*?)\nWEBAPP_UNIT\n", script, flags=re.S) if "pm2-runtime" in u]
        assert "StandardOutput=append:/var/log/webapp/app.log" in unit and "StandardError=append:/var/log/webapp/app.log" in unit
        agent = json.loads(heredoc(script, "WEBAPP_CWAGENT"))
        collected = agent["logs"]["logs_collected"]["files"]["collect_list"]
        assert [f["file_path"] for f in collected] == [
            "/var/log/webapp/app.log", "/var/log/nginx/access.log", "/var/log/nginx/error.log"]
        (group_ref,) = {f["log_group_name"] for f in collected}
        assert synth.templates["compute"]["Resources"][group_ref.removeprefix("@")]["Type"] == "AWS::Logs::LogGroup"
        install = index(r"^dnf install -y aws-cfn-bootstrap ")
        assert {"nginx", "amazon-cloudwatch-agent"} <= set(lines[install].split())
        agent_start = index(r"amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s")
        assert lines[agent_start + 1].strip() == "-c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
        services = index(r"^systemctl enable --now nginx webapp$")
        # Exit 0 only when the health check answers through Nginx, after everything is started.
        health = index(r"^  if curl ")
        assert lines[health] == (f'  if curl -fsS -o /dev/null "http://127.0.0.1:{c.container_port}{c.health_check_path}"; '
                                 "then exit 0; fi"), variant
        assert install < agent_start < services < health
        assert re.fullmatch(r"for attempt in \$\(seq 1 \d+\); do", lines[health - 1])
        assert [i for i, line in enumerate(lines) if re.search(r"\bexit 0\b", line)] == [health]
        assert [line for line in lines if line.strip()][-1] == "exit 1"
        # CloudFormation waits for the signals: at creation, and one instance at a time on updates.
        assert group["CreationPolicy"]["ResourceSignal"]["Count"] == c.min_count
        rolling = group["UpdatePolicy"]["AutoScalingRollingUpdate"]
        assert rolling["WaitOnResourceSignals"] is True and rolling["MaxBatchSize"] == 1, variant


def test_single_public_instance_admits_only_the_load_balancer(synthesized):
    synth = synthesized["stockpilot-dev"]
    c = synth.config.compute
    assert (c.placement, c.min_count, c.max_count) == ("public-single-instance", 1, 1)
    _, template = one(synth, "AWS::EC2::LaunchTemplate", tier="compute")
    data = template["Properties"]["LaunchTemplateData"]
    assert "SecurityGroupIds" not in data and "SecurityGroups" not in data
    (interface,) = data["NetworkInterfaces"]
    assert interface["AssociatePublicIpAddress"] is True
    (group_ref,) = interface["Groups"]
    group = points_to(synth, "compute", group_ref)
    _, asg = one(synth, "AWS::AutoScaling::AutoScalingGroup", tier="compute")
    assert referenced_subnets(synth, asg["Properties"]["VPCZoneIdentifier"]) == subnets_of_group(synth, "public")
    _, lb = one(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer", tier="edge")
    (lb_group,) = [points_to(synth, "edge", g) for g in lb["Properties"]["SecurityGroups"]]
    assert group[0] == lb_group[0] == "network"
    (rule,) = ingress_rules_of(synth, group)  # one rule, nothing from any CIDR or prefix list
    assert {k: v for k, v in rule.items() if k != "Description"} == {
        "FromPort": c.container_port, "ToPort": c.container_port, "IpProtocol": "tcp",
        "GroupId": {"Fn::GetAtt": [group[1], "GroupId"]},
        "SourceSecurityGroupId": {"Fn::GetAtt": [lb_group[1], "GroupId"]},
    }


# ---------------------------------------------------------------- compute tier: bastion
# docs/tiers/compute.md (bastion): app subnets, no inbound rules, no key pair, a role with Session Manager only.


def test_bastion_has_session_manager_only_no_ingress_and_no_key_pair(synthesized):
    with_bastion = {v: s for v, s in synthesized.items() if s.config.compute.bastion}
    assert with_bastion
    for variant, synth in with_bastion.items():
        compute = synth.templates["compute"]["Resources"]
        (bastion_id,) = [k for k in resources(synth, "AWS::EC2::Instance", tier="compute") if k.startswith("Bastion")]
        bastion = compute[bastion_id]["Properties"]
        assert "KeyName" not in bastion
        template = compute[bastion["LaunchTemplate"]["Version"]["Fn::GetAtt"][0]]["Properties"]["LaunchTemplateData"]
        assert "KeyName" not in template and template["MetadataOptions"]["HttpTokens"] == "required"
        assert referenced_subnets(synth, [bastion["SubnetId"]])[0] in subnets_of_group(synth, "app")
        (group_ref,) = bastion["SecurityGroupIds"]
        group = points_to(synth, "compute", group_ref)
        assert ingress_rules_of(synth, group) == [], variant
        (role_ref,) = compute[logical_id(bastion["IamInstanceProfile"])]["Properties"]["Roles"]
        role = compute[role_ref["Ref"]]["Properties"]
        assert "Policies" not in role and "ManagedPolicyArns" not in role
        (policy,) = role_policies(synth, role_ref["Ref"], tier="compute").values()
        assert grants(policy) == {a: ["*"] for a in SSM_AGENT_ACTIONS}, variant


# ---------------------------------------------------------------- edge tier
# docs/tiers/edge.md (the SPA's config.json, Amplify, WAF).


def test_spa_config_json_carries_region_api_url_websocket_path_and_auth_mode(synthesized):
    spa = {v: s for v, s in synthesized.items() if s.config.edge.frontend == "spa"}
    assert {s.config.auth.mode for s in spa.values()} == {"cognito", "custom-jwt"}
    for variant, synth in spa.items():
        deployments = resources(synth, "Custom::CDKBucketDeployment", tier="frontend")
        (entry,) = [r["Properties"] for r in deployments.values() if "/config.json" in r["Properties"].get("DistributionPaths", [])]
        assert entry["DistributionPaths"] == ["/index.html", "/config.json"]
        assert entry["SystemMetadata"] == {"cache-control": "no-cache"}
        template_file = synth.template_files["frontend"]
        manifest = json.loads(template_file.with_name(template_file.name.replace(".template.json", ".assets.json")).read_text())
        found = []
        for key, markers in zip(entry["SourceObjectKeys"], entry["SourceMarkers"], strict=True):
            (asset,) = [a for a in manifest["files"].values()
                        if [d["objectKey"] for d in a["destinations"].values()] == [key]]
            config_file = template_file.parent / asset["source"]["path"] / "config.json"
            if config_file.exists():
                text = re.sub(r"<<marker:0xbaba:(\d+)>>", lambda m: json.dumps(f"@marker{m.group(1)}"), config_file.read_text())
                found.append((json.loads(text), markers))
        ((config, markers),) = found
        c = synth.config
        base = {"region": c.region, "apiUrl": "/api", "webSocketPath": "/ws", "authMode": c.auth.mode}
        if c.auth.mode == "custom-jwt":
            assert config == base and markers == {}, variant
            continue
        assert config == base | {"userPoolId": "@marker0", "userPoolClientId": "@marker1", "hostedUiDomain": "@marker2"}, variant
        auth = synth.templates["auth"]["Resources"]

        def marker(n, markers=markers, synth=synth, auth=auth):
            separator, (quote, ref, suffix) = markers[f"<<marker:0xbaba:{n}>>"]["Fn::Join"]
            assert separator == "" and quote == '"'
            tier, target = points_to(synth, "frontend", ref)
            assert tier == "auth"
            return auth[target]["Type"], suffix

        assert marker(0) == ("AWS::Cognito::UserPool", '"')
        assert marker(1) == ("AWS::Cognito::UserPoolClient", '"')
        assert marker(2) == ("AWS::Cognito::UserPoolDomain", f'.auth.{c.region}.amazoncognito.com"')


def test_amplify_ssr_logs_and_default_behaviour_to_the_load_balancer(synthesized):
    amplify = {v: s for v, s in synthesized.items() if s.config.edge.frontend == "amplify"}
    assert set(amplify) == {"spendwise-dev", "spendwise-prod", "stockpilot-dev", "stockpilot-prod"}
    for variant, synth in amplify.items():
        app_id, _ = one(synth, "AWS::Amplify::App", tier="edge")
        ssr = [r["Properties"] for r in resources(synth, "AWS::Logs::LogGroup", tier="edge").values()
               if "/aws/amplify/" in json.dumps(r["Properties"].get("LogGroupName"))]
        assert [p["LogGroupName"] for p in ssr] == [{"Fn::Join": ["", ["/aws/amplify/", {"Fn::GetAtt": [app_id, "AppId"]}]]}], variant
        assert ssr[0]["RetentionInDays"] == synth.config.log_retention_days
        _, distribution = one(synth, "AWS::CloudFront::Distribution", tier="edge")
        config = distribution["Properties"]["DistributionConfig"]
        (lb_origin,) = [o["Id"] for o in config["Origins"] if "VpcOriginConfig" in o or "CustomOriginConfig" in o]
        default = config["DefaultCacheBehavior"]
        assert default["TargetOriginId"] == lb_origin, variant
        assert default["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER, variant
        assert default["CachePolicyId"] == CACHING_DISABLED, variant


def _rules_without_metric_names(acl: dict) -> list[dict]:
    rules = json.loads(json.dumps(acl["Properties"]["Rules"]))
    for rule in rules:
        rule["VisibilityConfig"].pop("MetricName")
    return rules


def test_load_balancer_web_acl_has_the_cloudfront_rules_but_bot_control_on_the_load_balancer(synthesized):
    """README (Edge tier, WAF): the regional ACL repeats the CloudFront ACL's rules, names, order,
    actions and statements, Bot Control excepted, and is associated with the load balancer."""
    synth = synthesized["eu-domain"]
    assert synth.config.waf.load_balancer_acl and synth.config.waf.bot_control
    _, cloudfront = one(synth, "AWS::WAFv2::WebACL", tier="edge-global")
    regional_id, regional = one(synth, "AWS::WAFv2::WebACL", tier="edge")
    expected = [r for r in _rules_without_metric_names(cloudfront) if r["Name"] != "AWSManagedRulesBotControlRuleSet"]
    assert len(expected) == 5
    assert _rules_without_metric_names(regional) == expected
    assert regional["Properties"]["DefaultAction"] == cloudfront["Properties"]["DefaultAction"]
    lb_id, _ = one(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer", tier="edge")
    _, association = one(synth, "AWS::WAFv2::WebACLAssociation", tier="edge")
    assert association["Properties"] == {"ResourceArn": {"Ref": lb_id}, "WebACLArn": {"Fn::GetAtt": [regional_id, "Arn"]}}


# ---------------------------------------------------------------- observability tier: off hours
# docs/tiers/observability.md (off hours): EventBridge Scheduler stops and starts the database, with a role allowed to
# stop and start that one database.


def test_off_hours_scheduler_may_stop_and_start_only_the_one_database(synthesized):
    kinds = set()
    for variant, synth in synthesized.items():
        schedules = resources(synth, "AWS::Scheduler::Schedule", tier="data")
        if not synth.config.off_hours.enabled:
            assert schedules == {}, variant
            continue
        data = synth.templates["data"]["Resources"]
        c = synth.config
        (database_id,) = [k for k, r in data.items() if r["Type"] == "AWS::RDS::DBCluster"
                          or (r["Type"] == "AWS::RDS::DBInstance" and "DBClusterIdentifier" not in r["Properties"]
                              and "SourceDBInstanceIdentifier" not in r["Properties"])]
        kind, arn_type, field = (("Cluster", "cluster", "DbClusterIdentifier") if data[database_id]["Type"] == "AWS::RDS::DBCluster"
                                 else ("Instance", "db", "DbInstanceIdentifier"))
        kinds.add(kind)
        role_ids = {logical_id(s["Properties"]["Target"]["RoleArn"]) for s in schedules.values()}
        (role_id,) = role_ids
        role = data[role_id]["Properties"]
        assert [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]] == [{"Service": "scheduler.amazonaws.com"}]
        assert "Policies" not in role and "ManagedPolicyArns" not in role
        (policy,) = role_policies(synth, role_id, tier="data").values()
        database_arn = {"Fn::Join": ["", [f"arn:aws:rds:{c.region}:{c.account}:{arn_type}:", {"Ref": database_id}]]}
        assert grants(policy) == {f"rds:Start{'DB' + kind}": [database_arn], f"rds:Stop{'DB' + kind}": [database_arn]}, variant
        targets = {}
        for s in schedules.values():
            target = s["Properties"]["Target"]
            targets[target["Arn"]] = (s["Properties"]["ScheduleExpression"], s["Properties"]["ScheduleExpressionTimezone"])
            assert target["Input"] == {"Fn::Join": ["", [f'{{"{field}":"', {"Ref": database_id}, '"}']]}, variant
        hour_minute = {clock: tuple(int(x) for x in clock.split(":")) for clock in (c.off_hours.stop_at, c.off_hours.start_at)}
        expected = {}
        for action, clock in (("stop", c.off_hours.stop_at), ("start", c.off_hours.start_at)):
            hour, minute = hour_minute[clock]
            expected[f"arn:aws:scheduler:::aws-sdk:rds:{action}DB{kind}"] = (hour, minute)
        assert set(targets) == set(expected), variant
        for arn, (expression, timezone) in targets.items():
            hour, minute = expected[arn]
            assert expression.startswith(f"cron({minute} {hour} ? * "), variant
            assert timezone == c.off_hours.timezone
    assert kinds == {"Instance", "Cluster"}  # dev's RDS instance and dev-aurora's cluster
