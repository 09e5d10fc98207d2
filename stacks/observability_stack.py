"""Observability tier: alarms to the people who act on them, the dashboard, the audit trail,
the cost budget. Deployed last: it watches every other tier."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from constructs import Construct

from config.derived import database_max_connections, environment_tags, name_prefix
from config.schema import EnvironmentConfig
from infra_constructs.alarm_topics import AlarmTopics, Severity
from infra_constructs.alarms import (
    ApiAlarms,
    DatabaseAlarms,
    EdgeAlarms,
    FailedLoginAlarms,
    RotationFailureAlert,
    UserSyncAlarms,
)
from infra_constructs.audit_trail import AuditTrail
from infra_constructs.budget import CostBudget
from infra_constructs.dashboard import OperationsDashboard
from stacks.base import EnvironmentStack
from stacks.edge_global_stack import CLOUDFRONT_REGION
from stacks.handoffs import AuthHandoff, ComputeHandoff, DataHandoff, EdgeGlobalHandoff, EdgeHandoff, NetworkHandoff
from stacks.settings import stateful_removal

# Budgets single out an environment's costs by these tags (the branch tag is "none" outside
# branch environments, so dev's budget leaves its branch environments out).
BUDGET_TAGS = ("application", "environment", "branch")


def alarm_topics(scope: Construct, config: EnvironmentConfig, *, key: kms.IKey | None = None) -> AlarmTopics:
    """The environment's critical and warning topics, subscribed as configured; encrypted with
    ``key`` (the network's logs key, in the same region), or a key of their own."""
    return AlarmTopics(
        scope,
        "AlarmTopics",
        name_prefix=name_prefix(config),
        emails={severity: config.alarm_emails(severity.value) for severity in Severity},
        removal_policy=stateful_removal(config),
        key=key,
    )


def edge_alarms(scope: Construct, config: EnvironmentConfig, topics: AlarmTopics,
                edge_global: EdgeGlobalHandoff, edge: EdgeHandoff) -> EdgeAlarms:
    obs = config.observability
    return EdgeAlarms(
        scope,
        "EdgeAlarms",
        topics=topics,
        name_prefix=name_prefix(config),
        distribution_id=edge.distribution.distribution_id,
        web_acl_metric_name=edge_global.web_acl_metric_name,
        error_rate_percent=obs.cdn_5xx_rate_percent,
        blocked_per_5_minutes=obs.waf_blocked_requests_per_5_minutes,
    )


class ObservabilityStack(EnvironmentStack):
    """Composes ``AlarmTopics``; ``ApiAlarms``, ``DatabaseAlarms``, ``RotationFailureAlert``
    and, in us-east-1, ``EdgeAlarms`` (elsewhere those live in ``EdgeAlarmsStack``);
    ``OperationsDashboard``; ``AuditTrail`` with ``observability.cloudtrail``; ``CostBudget``
    with ``observability.monthly_budget_usd``.

    ``UserSyncAlarms`` with a Cognito PostConfirmation trigger; ``FailedLoginAlarms`` with
    ``auth.mode`` "custom-jwt".

    Exposes ``topics``, ``api_alarms``, ``database_alarms``, ``edge_alarms`` (or None),
    ``user_sync_alarms`` (or None), ``failed_login_alarms`` (or None), ``rotation_alert``, ``dashboard``, ``trail`` (or None)
    and ``budget`` (or None).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: NetworkHandoff,
        data: DataHandoff,
        edge_global: EdgeGlobalHandoff,
        edge: EdgeHandoff,
        auth: AuthHandoff,
        compute: ComputeHandoff,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        obs = config.observability
        prefix = name_prefix(config)
        # The network's logs key, whose policy admits the alarm publishers (stacks/network_stack.py).
        self.topics = alarm_topics(self, config, key=network.logs.key)
        critical = self.topics.topics[Severity.CRITICAL]

        self.api_alarms = ApiAlarms(
            self,
            "ApiAlarms",
            topics=self.topics,
            name_prefix=prefix,
            load_balancer=compute.load_balancer,
            target_group=compute.target_group,
            service=compute.service,
            group=compute.group,
            cpu_percent=obs.service_cpu_percent,
            memory_percent=obs.service_memory_percent,
            sustained_minutes=obs.service_alarm_minutes,
            errors_per_minute=obs.load_balancer_5xx_per_minute,
            p99_latency=Duration.millis(obs.p99_latency_ms),
            unhealthy_minutes=obs.unhealthy_host_minutes,
        )
        database = data.database
        max_connections = database_max_connections(config)
        assert max_connections is not None  # the loader refuses unknown classes without a limit
        self.database_alarms = DatabaseAlarms(
            self,
            "DatabaseAlarms",
            topics=self.topics,
            name_prefix=prefix,
            instance_id=database.instance_id,
            cluster_id=database.cluster_id,
            replica_id=database.replica_id,
            allocated_storage_gib=database.allocated_storage_gib,
            cpu_percent=obs.database_cpu_percent,
            free_storage_percent=obs.database_free_storage_percent,
            connections_percent=obs.database_connections_percent,
            max_connections=max_connections,
            replica_lag=Duration.seconds(obs.replica_lag_seconds),
            sustained_minutes=obs.service_alarm_minutes,
        )
        self.edge_alarms: EdgeAlarms | None = None
        if config.region == CLOUDFRONT_REGION:
            self.edge_alarms = edge_alarms(self, config, self.topics, edge_global, edge)
        # Only the database credentials rotate through Secrets Manager; the other secrets
        # follow documented procedures (README) and cannot fail a rotation.
        self.rotation_alert = RotationFailureAlert(self, "RotationFailureAlert", topic=critical,
                                                   secrets=[database.secret], name_prefix=prefix)

        # Cognito only: confirmed users the PostConfirmation trigger could not write (it logs them).
        self.user_sync_alarms: UserSyncAlarms | None = None
        if auth.post_confirmation_logs is not None:
            self.user_sync_alarms = UserSyncAlarms(self, "UserSyncAlarms", topics=self.topics, name_prefix=prefix,
                                                   log_group=auth.post_confirmation_logs, metric_namespace=prefix)

        # Own JWTs: no Cognito to count failed sign-ins, so the application's log lines are counted.
        self.failed_login_alarms: FailedLoginAlarms | None = None
        if config.auth.mode == "custom-jwt":
            self.failed_login_alarms = FailedLoginAlarms(self, "FailedLoginAlarms", topics=self.topics, name_prefix=prefix,
                                                         log_group=compute.log_group, metric_namespace=prefix,
                                                         per_5_minutes=obs.failed_logins_per_5_minutes)

        groups = [self.api_alarms, self.database_alarms, *([self.edge_alarms] if self.edge_alarms else []),
                  *([self.user_sync_alarms] if self.user_sync_alarms else []),
                  *([self.failed_login_alarms] if self.failed_login_alarms else [])]
        user_pool = auth.user_pool
        self.dashboard = OperationsDashboard(
            self,
            "Dashboard",
            dashboard_name=prefix,
            alarms=[alarm for group in groups for alarm in group.alarms.values()],
            api=self.api_alarms,
            database=self.database_alarms,
            distribution_id=edge.distribution.distribution_id,
            web_acl_metric_name=edge_global.web_acl_metric_name,
            cdn_additional_metrics=obs.cdn_additional_metrics,
            user_pool_id=user_pool.user_pool_id if user_pool is not None else None,
            user_pool_client_id=user_pool.client_id if user_pool is not None else None,
            user_sync_failures=self.user_sync_alarms.failures if self.user_sync_alarms is not None else None,
            failed_logins=self.failed_login_alarms.failures if self.failed_login_alarms is not None else None,
            cost_panel=obs.cost_panel,
            monthly_budget_usd=obs.monthly_budget_usd,
        )

        self.trail: AuditTrail | None = None
        if obs.cloudtrail:
            self.trail = AuditTrail(
                self,
                "AuditTrail",
                trail_name=prefix,
                access_logs=data.access_logs,
                retention_days=obs.trail_retention_days,
                logs=network.logs,
            )

        self.budget: CostBudget | None = None
        if obs.monthly_budget_usd:
            tags = environment_tags(config)
            self.budget = CostBudget(
                self,
                "Budget",
                budget_name=prefix,
                limit_usd=obs.monthly_budget_usd,
                tags={key: tags[key] for key in BUDGET_TAGS},
                topic=self.topics.topics[Severity.WARNING],
            )


class EdgeAlarmsStack(EnvironmentStack):
    """The CloudFront and WAF alarms of an environment outside us-east-1, where their metrics
    are: its own ``AlarmTopics`` (same subscribers) and ``EdgeAlarms``.
    Exposes ``topics`` and ``edge_alarms``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        edge_global: EdgeGlobalHandoff,
        edge: EdgeHandoff,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        # us-east-1, where the network's key is not: a key of its own.
        self.topics = alarm_topics(self, config)
        self.edge_alarms = edge_alarms(self, config, self.topics, edge_global, edge)
