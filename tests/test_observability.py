"""Observability tier: who is told about what, with which threshold; the dashboard, the
audit trail, the budget, log retention everywhere, application topics and off-hours schedules."""

from __future__ import annotations

import json

import pytest

from tests.conftest import VARIANTS, one, resources, tiers, variants_where
from tests.references import target

CRITICAL_TOPIC = {"Ref": "AlarmTopicsCriticalE6DD0761"}
WARNING_TOPIC = {"Ref": "AlarmTopicsWarning53E71084"}
GIB = 1024**3

# Alarm name suffix -> (namespace or "math", metric, threshold, periods, period seconds, missing data, topic)
# for the reference dev environment (BankApp's list).
DEV_ALARMS = {
    "critical-api-cpu": ("AWS/ECS", "CPUUtilization", 90, 5, 60, "notBreaching", CRITICAL_TOPIC),
    "warning-api-memory": ("AWS/ECS", "MemoryUtilization", 80, 5, 60, "notBreaching", WARNING_TOPIC),
    "critical-api-capacity": ("math", "desired - running", 0, 10, 60, "notBreaching", CRITICAL_TOPIC),
    "critical-api-5xx": ("math", "FILL(elb, 0) + FILL(target, 0)", 10, 1, 60, "notBreaching", CRITICAL_TOPIC),
    "warning-api-latency-p99": ("AWS/ApplicationELB", "TargetResponseTime", 2, 5, 60, "notBreaching", WARNING_TOPIC),
    "warning-api-unhealthy-targets": ("AWS/ApplicationELB", "UnHealthyHostCount", 0, 2, 60, "notBreaching", WARNING_TOPIC),
    "critical-database-cpu": ("AWS/RDS", "CPUUtilization", 85, 5, 60, "notBreaching", CRITICAL_TOPIC),
    # 80 % of t4g.micro's 112 connections.
    "warning-database-connections": ("AWS/RDS", "DatabaseConnections", 89, 5, 60, "notBreaching", WARNING_TOPIC),
    # 10 % of 20 GiB.
    "critical-database-free-storage": ("AWS/RDS", "FreeStorageSpace", 2 * GIB, 5, 60, "notBreaching", CRITICAL_TOPIC),
    "critical-cdn-5xx-rate": ("AWS/CloudFront", "5xxErrorRate", 5, 1, 300, "notBreaching", CRITICAL_TOPIC),
    # Any confirmed user the PostConfirmation trigger could not write (its USER_SYNC_FAILED lines).
    "warning-user-sync-failed": ("webapp-dev", "UserSyncFailures", 0, 1, 300, "notBreaching", WARNING_TOPIC),
}


def alarms(synth, tier: str = "observability") -> dict[str, dict]:
    """Alarm name without the environment prefix -> properties."""
    prefix = f"{synth.config.app_name}-{synth.config.qualified_name}-"
    return {r["Properties"]["AlarmName"].removeprefix(prefix): r["Properties"]
            for r in resources(synth, "AWS::CloudWatch::Alarm", tier=tier).values()}


def summary(props: dict) -> tuple:
    if "Metrics" in props:
        (expression,) = [m for m in props["Metrics"] if "Expression" in m]
        kind, metric, period = "math", expression["Expression"], min(m["MetricStat"]["Period"] for m in props["Metrics"] if "MetricStat" in m)
    else:
        kind, metric, period = props["Namespace"], props["MetricName"], props["Period"]
    assert props["AlarmActions"] == props["OKActions"], "whoever is told of ALARM is told of OK"
    (topic,) = props["AlarmActions"]
    assert props["DatapointsToAlarm"] == props["EvaluationPeriods"]
    return kind, metric, props["Threshold"], props["EvaluationPeriods"], period, props["TreatMissingData"], topic


def test_dev_alarms_follow_bankapp(synthesized):
    found = {name: summary(props) for name, props in alarms(synthesized["dev"]).items()}
    assert found == DEV_ALARMS


def test_alarm_thresholds_follow_each_environment(reference):
    def threshold(env, name):
        return alarms(reference[env])[name]["Threshold"]

    # Connection limits from each class's memory: t4g.micro 112, small 225, medium 450.
    assert [threshold(e, "warning-database-connections") for e in ("dev", "staging", "prod")] == [89, 180, 360]
    # Storage: 10 % of the 20 GiB allocated in every reference environment.
    assert {threshold(e, "critical-database-free-storage") for e in reference} == {2 * GIB}
    # Only prod has a replica; a replica that reports nothing has stopped replicating.
    assert "warning-replica-lag" not in alarms(reference["staging"])
    lag = alarms(reference["prod"])["warning-replica-lag"]
    assert summary(lag) == ("AWS/RDS", "ReplicaLag", 60, 5, 60, "breaching", WARNING_TOPIC)
    (dimension,) = lag["Dimensions"]
    assert dimension["Name"] == "DBInstanceIdentifier"
    assert "DatabaseReplica3A6F4E05" in dimension["Value"]["Fn::GetStackOutput"]["OutputName"]


def test_alarm_dimensions_name_this_environments_resources(synthesized):
    found = alarms(synthesized["dev"])
    cpu = {d["Name"] for d in found["critical-api-cpu"]["Dimensions"]}
    assert cpu == {"ClusterName", "ServiceName"}
    assert [d["Name"] for d in found["critical-database-cpu"]["Dimensions"]] == ["DBInstanceIdentifier"]
    assert {d["Name"]: d["Value"] for d in found["critical-cdn-5xx-rate"]["Dimensions"]}["Region"] == "Global"
    # dev has no web ACL (waf.mode "off"); staging's alarm watches its own.
    assert "warning-waf-blocked-spike" not in found
    waf = {d["Name"]: d["Value"] for d in alarms(synthesized["staging"])["warning-waf-blocked-spike"]["Dimensions"]}
    assert waf["Rule"] == "ALL"
    # The dimension is the web ACL's metric name, which is also its name.
    (_, acl) = one(synthesized["staging"], "AWS::WAFv2::WebACL", tier="edge-global")
    assert waf["WebACL"] == acl["Properties"]["Name"]
    assert acl["Properties"]["Name"] == acl["Properties"]["VisibilityConfig"]["MetricName"]
    unhealthy = {d["Name"] for d in found["warning-api-unhealthy-targets"]["Dimensions"]}
    assert unhealthy == {"TargetGroup", "LoadBalancer"}


def test_ec2_variant_watches_instances(synthesized):
    found = alarms(synthesized["chronoview-prod"])
    assert summary(found["critical-instance-status-checks"])[:6] == ("AWS/EC2", "StatusCheckFailed", 0, 2, 60, "notBreaching")
    assert summary(found["critical-api-cpu"])[:2] == ("AWS/EC2", "CPUUtilization")
    # The CloudWatch agent's memory, aggregated per group by the boot script.
    assert summary(found["warning-api-memory"])[:2] == ("CWAgent", "mem_used_percent")
    capacity = found["critical-api-capacity"]["Metrics"]
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in capacity if "MetricStat" in m} == {"GroupDesiredCapacity", "GroupInServiceInstances"}
    # ... which the group publishes.
    (_, group) = one(synthesized["chronoview-prod"], "AWS::AutoScaling::AutoScalingGroup", tier="compute")
    assert group["Properties"]["MetricsCollection"] == [{"Granularity": "1Minute", "Metrics": ["GroupDesiredCapacity", "GroupInServiceInstances"]}]


def test_aurora_has_no_storage_alarm(synthesized):
    found = alarms(synthesized["dev-aurora"])
    assert "critical-database-free-storage" not in found
    assert [d["Name"] for d in found["critical-database-cpu"]["Dimensions"]] == ["DBClusterIdentifier"]


def test_edge_alarms_live_where_cloudfronts_metrics_are(synthesized):
    eu = synthesized["eu-domain"]
    assert eu.regions["observability"] == "eu-west-1" and eu.regions["edge-alarms"] == "us-east-1"
    assert not {"critical-cdn-5xx-rate", "warning-waf-blocked-spike"} & set(alarms(eu))
    assert set(alarms(eu, "edge-alarms")) == {"critical-cdn-5xx-rate", "warning-waf-blocked-spike"}
    # The us-east-1 stack has its own topics with the same subscribers.
    subscribed = {r["Properties"]["Endpoint"] for r in resources(eu, "AWS::SNS::Subscription", tier="edge-alarms").values()}
    assert subscribed == {"oncall@example.com", "platform-team@example.com"}
    assert all("edge-alarms" not in s.stack_names for name, s in synthesized.items() if name != "eu-domain")


def test_rotation_failures_page(synthesized):
    (_, rule) = one(synthesized["dev"], "AWS::Events::Rule", tier="observability")
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.secretsmanager"]
    assert pattern["detail"]["eventName"] == ["RotationFailed"]
    assert len(pattern["detail"]["additionalEventData"]["SecretId"]) == 1
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == CRITICAL_TOPIC


@pytest.mark.parametrize(("variant", "critical", "warning"), [
    ("dev", set(), set()),
    ("staging", {"oncall@example.com"}, {"platform-team@example.com"}),
    ("prod", {"oncall@example.com"}, {"platform-team@example.com"}),
    # A branch environment: its owner only, for both severities.
    ("dev-branch", {"login-page-owner@example.com"}, {"login-page-owner@example.com"}),
])
def test_alarm_topics_and_subscribers(synthesized, variant, critical, warning):
    synth = synthesized[variant]
    topics = resources(synth, "AWS::SNS::Topic", tier="observability")
    assert {t["Properties"]["TopicName"] for t in topics.values()} == {
        f"webapp-{synth.config.qualified_name}-alarms-critical", f"webapp-{synth.config.qualified_name}-alarms-warning"}
    # Encrypted with the network's logs key (one key less), not one of their own.
    assert {target(synth, "observability", t["Properties"]["KmsMasterKeyId"]) for t in topics.values()} == {("network", "NetworkLogsKey573F0F74")}
    assert not resources(synth, "AWS::KMS::Key", tier="observability")
    subscriptions = resources(synth, "AWS::SNS::Subscription", tier="observability").values()
    by_topic = {"critical": set(), "warning": set()}
    for sub in subscriptions:
        assert sub["Properties"]["Protocol"] == "email"
        severity = "critical" if sub["Properties"]["TopicArn"] == CRITICAL_TOPIC else "warning"
        by_topic[severity].add(sub["Properties"]["Endpoint"])
    assert by_topic == {"critical": critical, "warning": warning}


def test_alarm_topics_accept_only_tls_and_this_accounts_services(synthesized):
    synth = synthesized["staging"]
    for policy in resources(synth, "AWS::SNS::TopicPolicy", tier="observability").values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements)
        budgets = [s for s in statements if s.get("Principal") == {"Service": "budgets.amazonaws.com"}]
        assert budgets and all(s["Condition"]["StringEquals"]["aws:SourceAccount"] == synth.config.account for s in budgets)
    # The topics' key is the network's logs key; its policy admits the publishers there, in its own stack.
    key = resources(synth, "AWS::KMS::Key", tier="network")["NetworkLogsKey573F0F74"]
    grants = {s["Sid"]: s for s in key["Properties"]["KeyPolicy"]["Statement"] if "Sid" in s}
    publishers = grants["AlarmPublishersUseKey"]
    assert set(publishers["Principal"]["Service"]) == {"cloudwatch.amazonaws.com", "budgets.amazonaws.com"}
    assert publishers["Condition"] == {"StringEquals": {"aws:SourceAccount": synth.config.account}}
    # EventBridge's KMS requests carry no source account: a condition would drop its messages.
    events = grants["EventBridgeUsesKey"]
    assert events["Principal"] == {"Service": "events.amazonaws.com"} and "Condition" not in events
    assert key["Properties"]["EnableKeyRotation"] is True
    # Nothing but those and CloudWatch Logs' own statement: no grant added from another stack.
    assert len(key["Properties"]["KeyPolicy"]["Statement"]) == 4


def test_edge_alarm_topics_outside_us_east_1_keep_a_key_of_their_own(synthesized):
    synth = synthesized["eu-domain"]
    key = resources(synth, "AWS::KMS::Key", tier="edge-alarms")["AlarmTopicsKey1622932D"]
    assert {s["Sid"] for s in key["Properties"]["KeyPolicy"]["Statement"] if "Sid" in s} == {"AlarmPublishersUseKey", "EventBridgeUsesKey"}
    assert all(t["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": ["AlarmTopicsKey1622932D", "Arn"]}
               for t in resources(synth, "AWS::SNS::Topic", tier="edge-alarms").values())


def dashboard_body(synth) -> str:
    """The dashboard's JSON with every CloudFormation reference in it as <ref>."""
    (_, dashboard) = one(synth, "AWS::CloudWatch::Dashboard", tier="observability")
    body = dashboard["Properties"]["DashboardBody"]
    return "".join(p if isinstance(p, str) else "<ref>" for p in body["Fn::Join"][1])


@pytest.mark.parametrize("variant", ["dev", "staging", "prod", "chronoview-prod", "bankapp-dev", "eu-domain"])
def test_dashboard_has_every_section(synthesized, variant):
    synth = synthesized[variant]
    body = dashboard_body(synth)
    for section in ("Edge (CloudFront, WAF)", "Load balancer", "Compute", "Database", "Auth"):
        assert f"## {section}" in body
    for namespace in ("AWS/CloudFront", "AWS/ApplicationELB", "AWS/RDS"):
        assert namespace in body
    # WAF's requests where there is a web ACL (not in dev: waf.mode "off").
    has_acl = synth.config.waf.mode != "off"
    assert ("AWS/WAFV2" in body) is has_acl
    assert ("AWS/EC2" if synth.config.compute.kind == "ec2" else "AWS/ECS") in body
    assert ("AWS/Cognito" in body) is (synth.config.auth.mode == "cognito")
    # Cache hit rate only where the distribution pays for the additional metrics.
    assert ("CacheHitRate" in body) is synth.config.observability.cdn_additional_metrics
    subscriptions = resources(synth, "AWS::CloudFront::MonitoringSubscription", tier="edge")
    assert bool(subscriptions) is synth.config.observability.cdn_additional_metrics
    # CloudFront's and WAF's metrics are read from us-east-1, wherever the dashboard is.
    assert '"AWS/CloudFront","Requests","DistributionId","<ref>","Region","Global",{"region":"us-east-1"' in body
    if not has_acl:
        return
    acl = synth.config.qualified_name.replace("-", "") + "EdgeGlobalWebAcl"
    assert f'"AWS/WAFV2","BlockedRequests","Rule","ALL","WebACL","{acl}' in body
    assert body.split(f'"AWS/WAFV2","BlockedRequests","Rule","ALL","WebACL","{acl}')[1].split("{", 1)[1].startswith('"region":"us-east-1"')


@pytest.mark.parametrize("variant", ["dev", "prod", "dev-branch", "bankapp-dev"])
def test_user_sync_failures_are_counted_alarmed_and_graphed(synthesized, variant):
    synth = synthesized[variant]
    filters = resources(synth, "AWS::Logs::MetricFilter", tier="observability")
    found = alarms(synth)
    if synth.config.auth.mode == "custom-jwt":
        assert all("UserSyncFailures" not in json.dumps(f) for f in filters.values()) and "warning-user-sync-failed" not in found
        assert "UserSyncFailures" not in dashboard_body(synth)
        return
    prefix = f"{synth.config.app_name}-{synth.config.qualified_name}"
    (metric_filter,) = filters.values()
    props = metric_filter["Properties"]
    # A term pattern: the trigger logs in Lambda's text format, its JSON after the request ID
    # (tests/functions/test_post_confirmation.py checks the line carries the term).
    assert props["FilterPattern"] == '"USER_SYNC_FAILED"'
    assert props["MetricTransformations"] == [{"MetricNamespace": prefix, "MetricName": "UserSyncFailures", "MetricValue": "1"}]
    # On the trigger's own log group in the auth stack (a weak cross-stack reference).
    group = json.dumps(props["LogGroupName"])
    assert synth.stack_names["auth"] in group and "PostConfirmationLogGroup" in group
    alarm = found["warning-user-sync-failed"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm["Threshold"]) == (prefix, "UserSyncFailures", "Sum", 0)
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold" and alarm["AlarmActions"] == [WARNING_TOPIC]
    assert '"title":"Users not written to the database"' in dashboard_body(synth)
    assert f'"{prefix}","UserSyncFailures"' in dashboard_body(synth)


@pytest.mark.parametrize("variant", ["dev", "bankapp-dev", "bankapp-prod"])
def test_failed_logins_of_own_jwts_are_counted_alarmed_and_graphed(synthesized, variant):
    """auth.mode "custom-jwt": the LOGIN_FAILED lines of the API's log group, a warning above
    observability.failed_logins_per_5_minutes, a graph in the auth row."""
    synth = synthesized[variant]
    found = alarms(synth)
    if synth.config.auth.mode != "custom-jwt":
        assert "warning-failed-logins" not in found and "FailedLogins" not in dashboard_body(synth)
        return
    prefix = f"{synth.config.app_name}-{synth.config.qualified_name}"
    (metric_filter,) = resources(synth, "AWS::Logs::MetricFilter", tier="observability").values()
    props = metric_filter["Properties"]
    assert props["FilterPattern"] == '"LOGIN_FAILED"'
    assert props["MetricTransformations"] == [{"MetricNamespace": prefix, "MetricName": "FailedLogins", "MetricValue": "1"}]
    # On the API's own log group in the compute stack (a weak cross-stack reference).
    group = json.dumps(props["LogGroupName"])
    assert synth.stack_names["compute"] in group and "ApiLogGroup" in group
    alarm = found["warning-failed-logins"]
    assert summary(alarm) == (prefix, "FailedLogins", synth.config.observability.failed_logins_per_5_minutes, 1, 300, "notBreaching",
                              WARNING_TOPIC)
    assert alarm["Statistic"] == "Sum" and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    body = dashboard_body(synth)
    assert '"title":"Failed sign-ins"' in body and f'"{prefix}","FailedLogins"' in body


@pytest.mark.parametrize("variant", ["dev", "bankapp-dev", "bankapp-prod"])
def test_cost_panel_where_configured(synthesized, variant):
    """observability.cost_panel: the account's estimated charges (read from us-east-1) and the budget."""
    synth = synthesized[variant]
    body = dashboard_body(synth)
    assert ("## Cost" in body) is synth.config.observability.cost_panel
    if not synth.config.observability.cost_panel:
        assert "AWS/Billing" not in body
        return
    charges = body.split('"AWS/Billing","EstimatedCharges","Currency","USD",{')[1].split("}")[0]
    assert '"region":"us-east-1"' in charges and '"stat":"Maximum"' in charges
    assert f"budget: ${synth.config.observability.monthly_budget_usd} a month" in body


def test_every_log_group_expires(synthesized):
    for name, synth in synthesized.items():
        for tier in tiers(name):
            for logical_id, group in resources(synth, "AWS::Logs::LogGroup", tier=tier).items():
                days = group["Properties"].get("RetentionInDays")
                assert days in (3, 7, 30, 90), f"{name}/{tier}/{logical_id} keeps logs {days} days"


def test_every_function_logs_to_a_group_of_ours(synthesized):
    """A Lambda function without an explicit log group writes to one that never expires."""
    for name, synth in synthesized.items():
        for tier in tiers(name):
            for logical_id, function in resources(synth, "AWS::Lambda::Function", tier=tier).items():
                assert function["Properties"].get("LoggingConfig", {}).get("LogGroup"), f"{name}/{tier}/{logical_id}"
            # The secret rotation function (from the Serverless Application Repository) logs
            # to the group named after it, created first.
            for app in resources(synth, "AWS::Serverless::Application", tier=tier).values():
                function_name = app["Properties"]["Parameters"]["functionName"]
                groups = [g for g in resources(synth, "AWS::Logs::LogGroup", tier=tier).values()
                          if g["Properties"].get("LogGroupName") == f"/aws/lambda/{function_name}"]
                assert len(groups) == 1 and groups[0]["Properties"]["RetentionInDays"] > 0


# Environments with a trail of their own (the staging-aurora variant); every profile's environments
# rely on their account's, in the delivery stack (tests/test_delivery_stack.py).
OWN_TRAIL_VARIANTS = variants_where(lambda c: c.observability.cloudtrail and not c.is_branch)


@pytest.mark.parametrize("variant", OWN_TRAIL_VARIANTS)
def test_audit_trail(synthesized, variant):
    synth = synthesized[variant]
    (_, trail) = one(synth, "AWS::CloudTrail::Trail", tier="observability")
    props = trail["Properties"]
    assert props["IsMultiRegionTrail"] and props["EnableLogFileValidation"] and props["IncludeGlobalServiceEvents"]
    assert props["KMSKeyId"] == {"Fn::GetAtt": ["AuditTrailKeyA4D56A7A", "Arn"]}
    assert props["CloudWatchLogsLogGroupArn"] == {"Fn::GetAtt": ["AuditTrailLogGroup28BB9333", "Arn"]}
    assert props["S3BucketName"] == {"Ref": "AuditTrailBucketA91FD435"}
    bucket = resources(synth, "AWS::S3::Bucket", tier="observability")["AuditTrailBucketA91FD435"]["Properties"]
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    days = synth.config.observability.trail_retention_days
    assert rule["ExpirationInDays"] == days
    assert rule.get("Transitions", []) == ([{"StorageClass": "GLACIER", "TransitionInDays": 90}] if days > 90 else [])
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "s3/audit-trail/"


def test_the_reference_environments_rely_on_the_account_trail(reference):
    for synth in reference.values():
        assert not resources(synth, "AWS::CloudTrail::Trail", tier="observability")
        assert synth.config.delivery.account_trail and not synth.config.observability.cloudtrail
    # The account trail keeps the longest of these (a year, for production).
    assert [reference[e].config.observability.trail_retention_days for e in ("dev", "staging", "prod")] == [90, 365, 365]


def test_no_trail_in_branch_environments(synthesized):
    assert not resources(synthesized["dev-branch"], "AWS::CloudTrail::Trail", tier="observability")


@pytest.mark.parametrize(("variant", "amount", "tags"), [
    ("dev", 60, {"application": "webapp", "environment": "dev", "branch": "none"}),
    ("staging", 250, {"application": "webapp", "environment": "staging", "branch": "none"}),
    ("prod", 800, {"application": "webapp", "environment": "prod", "branch": "none"}),
    ("dev-branch", 75, {"application": "webapp", "environment": "dev", "branch": "feature/login-page"}),
])
def test_monthly_budget(synthesized, variant, amount, tags):
    (_, budget) = one(synthesized[variant], "AWS::Budgets::Budget", tier="observability")
    data = budget["Properties"]["Budget"]
    assert (data["BudgetType"], data["TimeUnit"], data["BudgetLimit"]) == ("COST", "MONTHLY", {"Amount": amount, "Unit": "USD"})
    found = {e["Tags"]["Key"]: e["Tags"]["Values"] for e in data["FilterExpression"]["And"]}
    assert found == {key: [value] for key, value in tags.items()}
    alerts = [(n["Notification"]["NotificationType"], n["Notification"]["Threshold"], n["Subscribers"])
              for n in budget["Properties"]["NotificationsWithSubscribers"]]
    topic = [{"SubscriptionType": "SNS", "Address": WARNING_TOPIC}]
    assert alerts == [("ACTUAL", 80, topic), ("ACTUAL", 100, topic), ("FORECASTED", 100, topic)]


def test_no_budget_without_an_amount(synthesized):
    for name, synth in synthesized.items():
        budgets = resources(synth, "AWS::Budgets::Budget", tier="observability")
        assert bool(budgets) is bool(synth.config.observability.monthly_budget_usd), name
    assert not synthesized["staging-aurora"].config.observability.monthly_budget_usd


# ---------------------------------------------------------------- off hours


def test_off_hours_only_where_configured(synthesized):
    for name, synth in synthesized.items():
        schedules = resources(synth, "AWS::Scheduler::Schedule", tier="data")
        assert bool(schedules) is synth.config.off_hours.enabled, name
        scheduled_actions = [
            a for t in resources(synth, "AWS::ApplicationAutoScaling::ScalableTarget", tier="compute").values()
            for a in t["Properties"].get("ScheduledActions", [])
        ] + list(resources(synth, "AWS::AutoScaling::ScheduledAction", tier="compute").values())
        assert len(scheduled_actions) == (2 if synth.config.off_hours.enabled else 0), name
    assert not synthesized["staging"].config.off_hours.enabled and synthesized["dev-branch"].config.off_hours.enabled


def test_dev_database_stops_after_working_hours(synthesized):
    schedules = {s["Properties"]["Name"]: s["Properties"] for s in resources(synthesized["dev"], "AWS::Scheduler::Schedule", tier="data").values()}
    stop, start = schedules["webapp-dev-database-stop"], schedules["webapp-dev-database-start"]
    assert stop["ScheduleExpression"] == "cron(0 20 ? * MON,TUE,WED,THU,FRI *)"
    assert start["ScheduleExpression"] == "cron(0 7 ? * MON,TUE,WED,THU,FRI *)"
    assert stop["ScheduleExpressionTimezone"] == start["ScheduleExpressionTimezone"] == "UTC"
    assert stop["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance"
    assert start["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:rds:startDBInstance"
    assert "DatabaseInstanceAA8A5FDE" in json.dumps(stop["Target"]["Input"])
    policy = [p for p in resources(synthesized["dev"], "AWS::IAM::ManagedPolicy", tier="data").values()
              if p["Properties"].get("Description") == "Stop and start this database, nothing else"]
    (statement,) = policy[0]["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == ["rds:StartDBInstance", "rds:StopDBInstance"]


@pytest.mark.parametrize("tier, what, actions", [("network", "nat", ("stop", "start")), ("compute", "bastion", ("stop",))])
def test_dev_nat_instance_follows_working_hours_and_the_bastion_runs_on_demand(synthesized, tier, what, actions):
    """The NAT instance stops and starts with the API and the database; the bastion is only
    stopped every evening (started by hand: docs/operations.md). Each role may do exactly that."""
    synth = synthesized["dev"]
    schedules = {s["Properties"]["Name"]: s["Properties"] for s in resources(synth, "AWS::Scheduler::Schedule", tier=tier).values()}
    assert set(schedules) == {f"webapp-dev-{what}-{action}" for action in actions}
    (instance_id, _) = one(synth, "AWS::EC2::Instance", tier=tier)
    for action in actions:
        schedule = schedules[f"webapp-dev-{what}-{action}"]
        clock = "0 20" if action == "stop" else "0 7"
        assert schedule["ScheduleExpression"] == f"cron({clock} ? * MON,TUE,WED,THU,FRI *)"
        assert schedule["Target"]["Arn"] == f"arn:aws:scheduler:::aws-sdk:ec2:{action}Instances"
        assert json.dumps(schedule["Target"]["Input"]).count(instance_id) == 1
    (policy,) = [p for p in resources(synth, "AWS::IAM::ManagedPolicy", tier=tier).values()
                 if f"the {what} instances, nothing else" in p["Properties"].get("Description", "")]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    granted = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
    assert sorted(granted) == sorted(f"ec2:{a.capitalize()}Instances" for a in actions)
    assert instance_id in json.dumps(statement["Resource"]) and "*" not in json.dumps(statement["Resource"]).replace(":*", "")
    # Nowhere without off hours (staging: NAT gateways, no schedules at all).
    assert not resources(synthesized["staging"], "AWS::Scheduler::Schedule", tier=tier)


def test_dev_service_scales_to_zero_after_working_hours(synthesized):
    (_, target) = one(synthesized["dev"], "AWS::ApplicationAutoScaling::ScalableTarget", tier="compute")
    actions = {a["ScheduledActionName"]: a for a in target["Properties"]["ScheduledActions"]}
    (stop,) = [a for a in actions.values() if a["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}]
    (start,) = [a for a in actions.values() if a["ScalableTargetAction"] == {"MinCapacity": 1, "MaxCapacity": 2}]
    assert stop["Schedule"] == "cron(0 20 ? * MON,TUE,WED,THU,FRI *)" and start["Schedule"] == "cron(0 7 ? * MON,TUE,WED,THU,FRI *)"
    assert stop["Timezone"] == "UTC"


def test_single_instance_stops_after_working_hours(synthesized):
    actions = [a["Properties"] for a in resources(synthesized["stockpilot-dev"], "AWS::AutoScaling::ScheduledAction", tier="compute").values()]
    by_size = {a["MaxSize"]: a for a in actions}
    assert by_size[0]["Recurrence"] == "0 20 * * 1,2,3,4,5" and by_size[0]["DesiredCapacity"] == 0
    assert by_size[1]["Recurrence"] == "0 7 * * 1,2,3,4,5" and by_size[1]["MinSize"] == 1


# ---------------------------------------------------------------- application topics


def test_stockpilot_topics_and_publish_permission(synthesized):
    synth = synthesized["stockpilot-dev"]
    topics = resources(synth, "AWS::SNS::Topic", tier="data")
    assert {t["Properties"]["TopicName"] for t in topics.values()} == {"stockpilot-dev-stock-alerts", "stockpilot-dev-order-notifications"}
    assert all("KmsMasterKeyId" in t["Properties"] for t in topics.values())
    subscriptions = [s["Properties"] for s in resources(synth, "AWS::SNS::Subscription", tier="data").values()]
    assert [(s["Endpoint"], s["TopicArn"]) for s in subscriptions] == [("inventory-admin@example.com", {"Ref": "ApplicationTopicsstockalerts65204297"})]
    (policy,) = [p for p in resources(synth, "AWS::IAM::ManagedPolicy", tier="data").values()
                 if p["Properties"].get("Description") == "The application publishes to its own SNS topics"]
    publish, kms = policy["Properties"]["PolicyDocument"]["Statement"]
    assert publish["Action"] == "sns:Publish" and {r["Ref"] for r in publish["Resource"]} == set(topics)
    assert kms["Resource"] == {"Fn::GetAtt": ["ApplicationTopicsKey87F6DB74", "Arn"]}
    # The application's role carries it, and the application learns the topics' ARNs.
    compute = json.dumps(synth.templates["compute"])
    assert "STOCK_ALERTS_TOPIC_ARN" in compute and "ORDER_NOTIFICATIONS_TOPIC_ARN" in compute
    roles = [r for r in resources(synth, "AWS::IAM::Role", tier="compute").values()
             if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}]
    assert any("ApplicationTopicsPublishPolicy" in json.dumps(r["Properties"].get("ManagedPolicyArns", [])) for r in roles)


def test_no_application_topics_unless_declared(synthesized):
    for name in VARIANTS:
        if not synthesized[name].config.application_topics:
            assert not resources(synthesized[name], "AWS::SNS::Topic", tier="data"), name
