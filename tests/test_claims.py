"""The README's claims, backed one by one by assertions on the synthesized templates and
cloud assembly.

Each test names the claim it backs and fails if the README stops being true (exact values,
not just presence).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import TIERS, VARIANTS, Synthesized, one, resources, tiers

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
    manifest = json.loads((synth.template_files["network"].parent / "manifest.json").read_text())
    tier_of = {f.name: tier for tier, f in synth.template_files.items()}
    stacks = {artifact_id: a for artifact_id, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"}
    tier_of_artifact = {artifact_id: tier_of[a["properties"]["templateFile"]] for artifact_id, a in stacks.items()}
    return {tier_of_artifact[artifact_id]: {tier_of_artifact[d] for d in a.get("dependencies", []) if d in stacks}
            for artifact_id, a in stacks.items()}


def transitive(deps: dict[str, set[str]], tier: str) -> set[str]:
    seen, todo = set(), list(deps[tier])
    while todo:
        t = todo.pop()
        if t not in seen:
            seen.add(t)
            todo.extend(deps[t])
    return seen


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
# README l.86-95 ("Deploying and destroying"): deploy order, tags, termination protection.


@pytest.mark.parametrize("variant, protected", [
    ("dev", False), ("staging", False), ("dev-branch", False), ("prod", True), ("prod-cache", True),
])
def test_production_stacks_have_termination_protection(synthesized, variant, protected):
    synth = synthesized[variant]
    assert synth.config.production is protected
    assert set(synth.termination_protection) == set(tiers(variant))
    assert synth.termination_protection == {tier: protected for tier in tiers(variant)}


def test_no_stack_depends_on_a_later_one_in_the_readme_order(synthesized):
    """network → data → edge-global → edge → auth → compute → frontend → observability: a
    stack's dependencies are only stacks listed before it."""
    deps = stack_dependencies(synthesized["dev"])
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
    deps = stack_dependencies(synthesized["dev"])
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
# README l.172-189 ("Network tier"): flow logs.


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
# README l.193-247 ("Data tier"): one rotating key, TLS parameter, isolated subnets, Redis, access logs.


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
    assert len(resources(synthesized["prod-cache"], "AWS::ElastiCache::SubnetGroup", tier="data")) == 1


def test_redis_encrypted_at_rest_with_its_own_key(synthesized):
    synth = synthesized["prod-cache"]
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
# README l.299-331, 380-397 ("Compute tier"): where the load balancer and service run, Container Insights, log keys, outputs.


def test_load_balancer_internet_facing_in_the_public_subnets(synthesized):
    for variant, synth in synthesized.items():
        _, lb = one(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer", tier="edge")
        assert lb["Properties"]["Scheme"] == "internet-facing"
        public = subnets_of_group(synth, "public")
        assert {subnet_type(synth, s) for s in public} == {"Public"}
        assert referenced_subnets(synth, lb["Properties"]["Subnets"]) == public, variant


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
    assert len(fargate) == len(VARIANTS) - 2  # all but the two EC2 variants
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

        def target(name):
            return compute[logical_id(outputs[name]["Value"])]["Type"] if name in outputs else None

        fargate = synth.config.compute.kind == "fargate"
        repository = json.dumps(outputs.get("RepositoryUri", {}))
        assert ("ApiRepository" in repository and ".dkr.ecr." in repository) is fargate, variant
        assert target("ReleasesBucket") == (None if fargate else "AWS::S3::Bucket"), variant
        assert target("BastionInstanceId") == ("AWS::EC2::Instance" if synth.config.compute.bastion else None), variant
    assert {v for v, s in synthesized.items() if s.config.compute.bastion} >= {"dev", "dev-branch", "endpoints-only"}


# ---------------------------------------------------------------- edge tier
# README l.421-492 ("Edge tier"): the SPA bucket, origin timeouts, the stack's outputs.


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
        (custom,) = [o["CustomOriginConfig"] for o in distribution["Properties"]["DistributionConfig"]["Origins"]
                     if "CustomOriginConfig" in o]
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
# README l.500-585 ("Observability tier"): the alarm table, the dashboard, retention, the trail, topics.

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
}


def all_alarms(synth: Synthesized) -> dict[str, dict]:
    """Alarm name without "<app>-<env>-" -> properties, from every stack of the environment."""
    prefix = f"{synth.config.app_name}-{synth.config.qualified_name}-"
    found = {}
    for tier in synth.templates:
        for r in resources(synth, "AWS::CloudWatch::Alarm", tier=tier).values():
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
    assert len(trails) == (0 if synth.config.is_branch else 1)  # no trail in branch environments
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
    assert checked == len(VARIANTS) - 1  # all but the branch environment


def test_application_topics_encrypted_and_tls_only(synthesized):
    synth = synthesized["ec2-single"]
    topics = resources(synth, "AWS::SNS::Topic", tier="data")
    assert sorted(t["Properties"]["TopicName"] for t in topics.values()) == ["webapp-dev-order-notifications", "webapp-dev-stock-alerts"]
    policies = resources(synth, "AWS::SNS::TopicPolicy", tier="data").values()
    for topic_id, topic in topics.items():
        key_id = logical_id(topic["Properties"]["KmsMasterKeyId"])
        assert synth.templates["data"]["Resources"][key_id]["Type"] == "AWS::KMS::Key"
        (policy,) = [p["Properties"] for p in policies if p["Properties"]["Topics"] == [{"Ref": topic_id}]]
        deny = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert deny == [{"Action": "sns:Publish", "Condition": {"Bool": {"aws:SecureTransport": "false"}}, "Effect": "Deny",
                         "Principal": "*", "Resource": {"Ref": topic_id}, "Sid": "AllowPublishThroughSSLOnly"}]
