"""The alarms of one environment, grouped by what they watch.

Every alarm notifies its severity's topic when it goes into ALARM and again when it
returns to OK, so whoever was paged also learns that it is over. Each alarm states how it
treats missing data, and why: most metrics are simply absent while nothing happens (no
requests, no errors, a service scaled to zero off hours), which is not a failure.
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra_constructs.alarm_topics import AlarmTopics, Severity
from infra_constructs.names import bounded_name

ONE_MINUTE = Duration.minutes(1)
# EventBridge's limit on a rule's name.
RULE_NAME_LIMIT = 64
FIVE_MINUTES = Duration.minutes(5)
GIB = 1024**3
ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
BELOW = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
# No data while idle or stopped is normal for these alarms.
QUIET_IS_FINE = cloudwatch.TreatMissingData.NOT_BREACHING
# CloudFront publishes its metrics in us-east-1 only, with this Region dimension.
CLOUDFRONT_METRICS_REGION = "us-east-1"


def _metric(namespace: str, metric_name: str, dimensions: dict[str, str], statistic: str) -> cloudwatch.Metric:
    """A one-minute metric."""
    return cloudwatch.Metric(namespace=namespace, metric_name=metric_name, dimensions_map=dimensions,
                             statistic=statistic, period=ONE_MINUTE)


class _AlarmGroup(Construct):
    """Creates alarms named ``<name_prefix>-<severity>-<name>`` that notify ``topics``.
    Exposes ``alarms`` (name -> alarm) and ``severities`` (name -> severity)."""

    def __init__(self, scope: Construct, construct_id: str, *, topics: AlarmTopics, name_prefix: str) -> None:
        super().__init__(scope, construct_id)
        self._topics = topics
        self._prefix = name_prefix
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        self.severities: dict[str, Severity] = {}

    def _add(
        self,
        name: str,
        *,
        severity: Severity,
        description: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        comparison: cloudwatch.ComparisonOperator = ABOVE,
        periods: int = 1,
        missing: cloudwatch.TreatMissingData = QUIET_IS_FINE,
    ) -> cloudwatch.Alarm:
        """``periods`` periods in a row beyond ``threshold`` raise the alarm."""
        construct_id = "".join(part.capitalize() for part in name.split("-"))
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self._prefix}-{severity.value}-{name}",
            alarm_description=f"{severity.value.upper()}: {description}",
            metric=metric,
            threshold=threshold,
            comparison_operator=comparison,
            evaluation_periods=periods,
            datapoints_to_alarm=periods,
            treat_missing_data=missing,
        )
        actions = self._topics.actions(severity)
        alarm.add_alarm_action(*actions)
        alarm.add_ok_action(*actions)
        self.alarms[name] = alarm
        self.severities[name] = severity
        return alarm


class ApiAlarms(_AlarmGroup):
    """The API behind the load balancer, on Fargate (``service``) or EC2 (``group``).

    Critical: CPU above ``cpu_percent`` for ``sustained_minutes``; more than
    ``errors_per_minute`` 5xx responses (the load balancer's own and the targets') in a
    minute; fewer tasks or instances running than desired for 10 minutes; on EC2, failed
    instance status checks for 2 minutes.
    Warning: memory above ``memory_percent`` for ``sustained_minutes``; p99 response time
    above ``p99_latency`` for ``sustained_minutes``; an unhealthy target for ``unhealthy_minutes``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topics: AlarmTopics,
        name_prefix: str,
        load_balancer: elbv2.ApplicationLoadBalancer,
        target_group: elbv2.ApplicationTargetGroup,
        service: ecs.FargateService | None,
        group: autoscaling.AutoScalingGroup | None,
        cpu_percent: int,
        memory_percent: int,
        sustained_minutes: int,
        errors_per_minute: int,
        p99_latency: Duration,
        unhealthy_minutes: int,
    ) -> None:
        super().__init__(scope, construct_id, topics=topics, name_prefix=name_prefix)
        if (service is None) == (group is None):
            raise ValueError("ApiAlarms watches either a Fargate service or an Auto Scaling group")
        sustained = f"for {sustained_minutes} minutes"
        if service is not None:
            cpu = service.metric_cpu_utilization(period=ONE_MINUTE)
            memory = service.metric_memory_utilization(period=ONE_MINUTE)
            # Container Insights: tasks ECS wants versus tasks running.
            dimensions = {"ClusterName": service.cluster.cluster_name, "ServiceName": service.service_name}
            desired, running = (_metric("ECS/ContainerInsights", name, dimensions, "Average")
                                for name in ("DesiredTaskCount", "RunningTaskCount"))
            unit = "tasks"
        else:
            assert group is not None
            dimensions = {"AutoScalingGroupName": group.auto_scaling_group_name}
            cpu = _metric("AWS/EC2", "CPUUtilization", dimensions, "Average")
            # The CloudWatch agent's memory metric, aggregated per group (boot script).
            memory = _metric("CWAgent", "mem_used_percent", dimensions, "Average")
            desired, running = (_metric("AWS/AutoScaling", name, dimensions, "Average")
                                for name in ("GroupDesiredCapacity", "GroupInServiceInstances"))
            unit = "instances"
            self._add(
                "instance-status-checks", severity=Severity.CRITICAL,
                description="an instance of the API failed its EC2 status checks for 2 minutes (the group replaces it; repeated failures point at the AMI or the host).",
                metric=_metric("AWS/EC2", "StatusCheckFailed", dimensions, "Maximum"),
                threshold=0, periods=2,
            )
        # The metrics, for the dashboard: it graphs exactly what the alarms watch.
        self.cpu, self.memory, self.desired, self.running = cpu, memory, desired, running
        lb_metrics = load_balancer.metrics
        self.requests = lb_metrics.request_count(period=ONE_MINUTE)
        self.client_errors = lb_metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_4XX_COUNT, period=ONE_MINUTE)
        self.rejected = lb_metrics.rejected_connection_count(period=ONE_MINUTE)
        self.latency_p50 = lb_metrics.target_response_time(statistic="p50", period=ONE_MINUTE)
        self._add("api-cpu", severity=Severity.CRITICAL, description=f"API CPU above {cpu_percent} % {sustained}.",
                  metric=cpu, threshold=cpu_percent, periods=sustained_minutes)
        self._add("api-memory", severity=Severity.WARNING, description=f"API memory above {memory_percent} % {sustained}.",
                  metric=memory, threshold=memory_percent, periods=sustained_minutes)
        # Desired and running are both 0 while the service is scaled to zero off hours: no alarm.
        self._add(
            "api-capacity", severity=Severity.CRITICAL,
            description=f"fewer {unit} running than desired for 10 minutes (failing deployments, crashes, no capacity).",
            metric=cloudwatch.MathExpression(expression="desired - running", using_metrics={"desired": desired, "running": running},
                                             label=f"{unit} missing", period=ONE_MINUTE),
            threshold=0, periods=10,
        )
        errors = cloudwatch.MathExpression(
            expression="FILL(elb, 0) + FILL(target, 0)",
            using_metrics={
                "elb": lb_metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=ONE_MINUTE),
                "target": lb_metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=ONE_MINUTE),
            },
            label="5xx responses",
            period=ONE_MINUTE,
        )
        self.errors = errors
        self._add("api-5xx", severity=Severity.CRITICAL,
                  description=f"more than {errors_per_minute} 5xx responses from the load balancer in one minute.",
                  metric=errors, threshold=errors_per_minute)
        self.latency_p99 = lb_metrics.target_response_time(statistic="p99", period=ONE_MINUTE)
        self._add("api-latency-p99", severity=Severity.WARNING,
                  description=f"p99 response time above {p99_latency.to_seconds()} s {sustained}.",
                  metric=self.latency_p99, threshold=p99_latency.to_seconds(), periods=sustained_minutes)
        # CDK's target-group metrics take the load balancer's name apart from the listener's
        # ARN (Fn::Split of another stack's output, which cfn-lint cannot type); the load
        # balancer's own LoadBalancerFullName attribute is the same value, whole.
        target_dimensions = {"TargetGroup": target_group.target_group_full_name,
                             "LoadBalancer": load_balancer.load_balancer_full_name}
        self.unhealthy, self.healthy = (
            _metric("AWS/ApplicationELB", name, target_dimensions, statistic)
            for name, statistic in (("UnHealthyHostCount", "Maximum"), ("HealthyHostCount", "Minimum"))
        )
        self._add("api-unhealthy-targets", severity=Severity.WARNING,
                  description=f"a target failed the load balancer's health checks for {unhealthy_minutes} minutes in a row.",
                  metric=self.unhealthy, threshold=0, periods=unhealthy_minutes)


class DatabaseAlarms(_AlarmGroup):
    """PostgreSQL: an RDS instance (``instance_id``, with ``allocated_storage_gib``) or an
    Aurora cluster (``cluster_id``), and its read replica (``replica_id``).

    Critical: CPU above ``cpu_percent`` and, for an instance, free storage below
    ``free_storage_percent`` of the allocated storage, each for ``sustained_minutes``.
    Warning: connections above ``connections_percent`` of ``max_connections`` for
    ``sustained_minutes``; replica lag above ``replica_lag`` for 5 minutes.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topics: AlarmTopics,
        name_prefix: str,
        instance_id: str | None,
        cluster_id: str | None,
        replica_id: str | None,
        allocated_storage_gib: int,
        cpu_percent: int,
        free_storage_percent: int,
        connections_percent: int,
        max_connections: int,
        replica_lag: Duration,
        sustained_minutes: int,
    ) -> None:
        super().__init__(scope, construct_id, topics=topics, name_prefix=name_prefix)
        if instance_id is not None and cluster_id is None:
            dimensions = {"DBInstanceIdentifier": instance_id}
        elif cluster_id is not None and instance_id is None:
            dimensions = {"DBClusterIdentifier": cluster_id}
        else:
            raise ValueError("DatabaseAlarms watches either an RDS instance or an Aurora cluster")

        def rds(metric_name: str, statistic: str, instance: dict[str, str] = dimensions) -> cloudwatch.Metric:
            return _metric("AWS/RDS", metric_name, instance, statistic)

        sustained = f"for {sustained_minutes} minutes"
        # A stopped database (off hours) reports nothing: not an alarm.
        self.cpu = rds("CPUUtilization", "Average")
        self._add("database-cpu", severity=Severity.CRITICAL, description=f"database CPU above {cpu_percent} % {sustained}.",
                  metric=self.cpu, threshold=cpu_percent, periods=sustained_minutes)
        self.connections = rds("DatabaseConnections", "Maximum")
        limit = max_connections * connections_percent // 100
        self._add("database-connections", severity=Severity.WARNING,
                  description=f"more than {limit} database connections ({connections_percent} % of {max_connections}) {sustained}: connection leak or pool too large.",
                  metric=self.connections, threshold=limit, periods=sustained_minutes)
        self.free_storage: cloudwatch.Metric | None = None
        self.read_iops: cloudwatch.Metric | None = None
        self.write_iops: cloudwatch.Metric | None = None
        self.replica_lag: cloudwatch.Metric | None = None
        if instance_id:
            self.free_storage = rds("FreeStorageSpace", "Minimum")
            self.read_iops, self.write_iops = rds("ReadIOPS", "Average"), rds("WriteIOPS", "Average")
            # Storage autoscaling grows the volume at 10 % free until its ceiling; this pages
            # when it cannot keep up or has reached the ceiling.
            free_bytes = allocated_storage_gib * GIB * free_storage_percent // 100
            self._add("database-free-storage", severity=Severity.CRITICAL,
                      description=f"less than {free_storage_percent} % of {allocated_storage_gib} GiB storage free {sustained}.",
                      metric=self.free_storage, threshold=free_bytes, comparison=BELOW, periods=sustained_minutes)
        if replica_id:
            self.replica_lag = rds("ReplicaLag", "Maximum", {"DBInstanceIdentifier": replica_id})
            # A replica that stops reporting lag has stopped replicating.
            self._add("replica-lag", severity=Severity.WARNING,
                      description=f"read replica more than {replica_lag.to_seconds()} s behind for 5 minutes (reads are stale; failover to it would lose data).",
                      metric=self.replica_lag, threshold=replica_lag.to_seconds(), periods=5,
                      missing=cloudwatch.TreatMissingData.BREACHING)


class EdgeAlarms(_AlarmGroup):
    """CloudFront and its web ACL. Their metrics exist in us-east-1 only: this construct
    belongs in a us-east-1 stack, with topics of that region.

    Critical: CloudFront's 5xx error rate above ``error_rate_percent`` over 5 minutes.
    Warning: more than ``blocked_per_5_minutes`` requests blocked by the web ACL in 5 minutes
    (with a web ACL: ``web_acl_metric_name`` None means none).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topics: AlarmTopics,
        name_prefix: str,
        distribution_id: str,
        web_acl_metric_name: str | None,
        error_rate_percent: int,
        blocked_per_5_minutes: int,
    ) -> None:
        super().__init__(scope, construct_id, topics=topics, name_prefix=name_prefix)
        region = Stack.of(self).region
        if region != CLOUDFRONT_METRICS_REGION:
            raise ValueError(f"EdgeAlarms must be in {CLOUDFRONT_METRICS_REGION} (CloudFront's metrics), not {region}")
        self.error_rate = edge_metric("5xxErrorRate", "Average", distribution_id=distribution_id)
        self._add("cdn-5xx-rate", severity=Severity.CRITICAL,
                  description=f"more than {error_rate_percent} % of CloudFront responses were 5xx over 5 minutes.",
                  metric=self.error_rate, threshold=error_rate_percent)
        self.blocked: cloudwatch.Metric | None = None
        if web_acl_metric_name is None:
            return  # no web ACL (waf.mode "off")
        self.blocked = waf_metric("BlockedRequests", web_acl_metric_name)
        self._add("waf-blocked-spike", severity=Severity.WARNING,
                  description=f"the web ACL blocked more than {blocked_per_5_minutes} requests in 5 minutes (an attack, or a rule blocking real users: check the WAF logs).",
                  metric=self.blocked, threshold=blocked_per_5_minutes)


class UserSyncAlarms(_AlarmGroup):
    """Confirmed users the PostConfirmation trigger could not write into the database.

    The trigger never fails a sign-up for a database problem: it logs one JSON line with
    ``"event": "USER_SYNC_FAILED"`` and lets the confirmation finish (the application creates
    the row on the user's first request). A metric filter on the trigger's ``log_group``
    counts those lines in ``metric_namespace``; any in 5 minutes is a warning (the database
    was unreachable or the schema is wrong).

    Exposes ``metric_filter``, ``failures`` (the metric, for the dashboard) and ``alarms``.
    """

    METRIC_NAME = "UserSyncFailures"

    def __init__(self, scope: Construct, construct_id: str, *, topics: AlarmTopics, name_prefix: str,
                 log_group: logs.ILogGroup, metric_namespace: str) -> None:
        super().__init__(scope, construct_id, topics=topics, name_prefix=name_prefix)
        self.metric_filter = logs.MetricFilter(
            self,
            "Filter",
            log_group=log_group,
            # A term, not a JSON pattern: the function logs in Lambda's text format, where the
            # JSON follows the level, time and request ID on the line.
            filter_pattern=logs.FilterPattern.all_terms("USER_SYNC_FAILED"),
            metric_namespace=metric_namespace,
            metric_name=self.METRIC_NAME,
            metric_value="1",
        )
        self.failures = self.metric_filter.metric(statistic="Sum", period=FIVE_MINUTES)
        self._add("user-sync-failed", severity=Severity.WARNING,
                  description="the PostConfirmation trigger could not write confirmed users into the database "
                              "(USER_SYNC_FAILED in its log: each line has the user's sub; the app creates the row on first request).",
                  metric=self.failures, threshold=0)


class FailedLoginAlarms(_AlarmGroup):
    """Failed sign-ins of an application that signs its own tokens (no Cognito to count them).

    The application writes one line per failed sign-in to its log (``log_group``, the API's)
    holding the term ``LOGIN_FAILED`` (e.g. ``{"event": "LOGIN_FAILED", "reason":
    "bad-password"}``; never the password or a token). A metric filter counts those lines in
    ``metric_namespace``; more than ``per_5_minutes`` in 5 minutes is a warning (credential
    stuffing, or sign-in broken for everyone). No such line is no failure.

    Exposes ``metric_filter``, ``failures`` (the metric, for the dashboard) and ``alarms``.
    """

    METRIC_NAME = "FailedLogins"
    TERM = "LOGIN_FAILED"

    def __init__(self, scope: Construct, construct_id: str, *, topics: AlarmTopics, name_prefix: str,
                 log_group: logs.ILogGroup, metric_namespace: str, per_5_minutes: int) -> None:
        super().__init__(scope, construct_id, topics=topics, name_prefix=name_prefix)
        self.metric_filter = logs.MetricFilter(
            self,
            "Filter",
            log_group=log_group,
            # A term, not a JSON pattern: it matches a JSON line and a plain text line alike
            # (Fargate's log lines are the app's stdout; on EC2 the agent ships them as written).
            filter_pattern=logs.FilterPattern.all_terms(self.TERM),
            metric_namespace=metric_namespace,
            metric_name=self.METRIC_NAME,
            metric_value="1",
        )
        self.failures = self.metric_filter.metric(statistic="Sum", period=FIVE_MINUTES)
        self._add("failed-logins", severity=Severity.WARNING,
                  description=f"more than {per_5_minutes} failed sign-ins in 5 minutes ({self.TERM} lines in the API's log): "
                              "credential stuffing (check the WAF's blocks and the source addresses) or sign-in broken for everyone.",
                  metric=self.failures, threshold=per_5_minutes)


def edge_metric(metric_name: str, statistic: str, *, distribution_id: str, period: Duration = FIVE_MINUTES) -> cloudwatch.Metric:
    """A CloudFront distribution metric (readable from any region's dashboard)."""
    return cloudwatch.Metric(namespace="AWS/CloudFront", metric_name=metric_name,
                             dimensions_map={"DistributionId": distribution_id, "Region": "Global"},
                             statistic=statistic, period=period, region=CLOUDFRONT_METRICS_REGION)


def waf_metric(metric_name: str, web_acl_metric_name: str, period: Duration = FIVE_MINUTES) -> cloudwatch.Metric:
    """A CloudFront-scope web ACL metric: dimension WebACL is the ACL's metric name, Rule ALL."""
    return cloudwatch.Metric(namespace="AWS/WAFV2", metric_name=metric_name,
                             dimensions_map={"WebACL": web_acl_metric_name, "Rule": "ALL"},
                             statistic="Sum", period=period, region=CLOUDFRONT_METRICS_REGION)


class RotationFailureAlert(Construct):
    """Secrets Manager reports a failed rotation as an event; this rule sends the ones of
    ``secrets`` to ``topic`` (critical: the credential is stuck half-rotated).
    Exposes ``rule``."""

    def __init__(self, scope: Construct, construct_id: str, *, topic: sns.ITopic, secrets: list[secretsmanager.ISecret],
                 name_prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "Rule",
            rule_name=bounded_name(f"{name_prefix}-secret-rotation-failed", RULE_NAME_LIMIT),
            description="CRITICAL: a secret of this environment failed to rotate",
            event_pattern=events.EventPattern(
                source=["aws.secretsmanager"],
                detail_type=["AWS Service Event via CloudTrail"],
                detail={"eventName": ["RotationFailed"], "additionalEventData": {"SecretId": [s.secret_arn for s in secrets]}},
            ),
        )
        self.rule.add_target(targets.SnsTopic(
            topic,
            message=events.RuleTargetInput.from_text(
                f"CRITICAL: {name_prefix}: rotation of secret {events.EventField.from_path('$.detail.additionalEventData.SecretId')} "
                f"failed at {events.EventField.time}. The secret may hold a pending version: see the rotation function's log."
            ),
        ))
