"""Every check of the configuration has a test of its own, which fails when the check is removed.

``CASES`` maps the id of every check (``config.rules.checks()``: the parser's own, every field
limit declared in ``config/schema.py``, every rule registered in ``config/rules/``) to a minimal
configuration that breaks exactly that check. Each case asserts the problem came from that
check (``Problem.rule``), not only that some message appeared, with the check's setting and a
fix; some carry a passing neighbour too. The completeness test fails when a check has no case,
or a case names a check that no longer exists. Pure Python: nothing is synthesized.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from config.errors import Problem
from config.limits import OneOf, Range, field_limits, limit_id
from config.loader import ConfigError, load
from config.parser import Problems
from config.rules import RULES, checks, validate
from config.schema import EnvironmentConfig
from tests.test_config import AMPLIFY_EDGE, QUIET_DEV_COMPUTE

# dev without a NAT: every endpoint a Fargate task needs, and a workload that needs no internet.
FARGATE_ENDPOINTS = ["ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"]
NO_EGRESS = {"egress": "none", "workloads_need_internet": False, "interface_endpoints": FARGATE_ENDPOINTS}
# dev's subnets given explicitly, BankApp's way (10.X.1.0/24, ...), with a data tier at 10.X.21.0/24.
GIVEN_SUBNETS = {"public_subnet_cidrs": ["10.0.1.0/24", "10.0.2.0/24"], "private_subnet_cidrs": ["10.0.11.0/24", "10.0.12.0/24"],
                 "isolated_subnet_cidrs": ["10.0.21.0/24", "10.0.22.0/24"]}
# A reason an accepted risk may carry.
REASON = "the seed runs one instance on the free tier; an AZ outage stops the shop"


@dataclasses.dataclass(frozen=True)
class Case:
    """``settings`` on top of environment ``env``'s file (plus ``load``'s other arguments: a
    branch, an account) break the check. ``also``: checks that unavoidably report as well.
    ``passing``: settings close to ``settings`` the check accepts. ``tweak``: for a check the
    loader never lets a configuration reach (a value BRANCH_OVERRIDES forces), the loaded
    configuration changed directly and the rules run on it."""

    env: str = "dev"
    settings: Mapping = dataclasses.field(default_factory=dict)
    load: Mapping = dataclasses.field(default_factory=dict)
    also: tuple[str, ...] = ()
    passing: Mapping | None = None
    tweak: Callable[[EnvironmentConfig], EnvironmentConfig] | None = None


def nested(path: str, value: Any) -> dict:
    """``"network.cidr", x`` -> ``{"network": {"cidr": x}}``."""
    head, _, rest = path.partition(".")
    return {head: nested(rest, value) if rest else value}


# Field limits: the value that breaks each (in dev, at the setting the id names), or a Case.
# Ranges are broken just past a bound, so a loosened bound fails here too.
LIMIT_CASES: dict[str, Any] = {
    "app_name:pattern": "web_app",
    "account:pattern": Case("prod", {"account": "12345"}),
    "region:pattern": "us-east1",
    "log_retention_days:one-of": 10,
    "owner:pattern": "team#1",
    "cost_center:pattern": "R&D",
    "network.availability_zones:distinct": ["us-east-1a", "us-east-1a"],
    "network.nat_instance_type:pattern": "nano",
    "network.interface_endpoints:distinct": ["logs", "logs"],
    "network.public_subnet_mask:range": 29,
    "network.private_subnet_mask:range": 15,
    "network.isolated_subnet_mask:range": 29,
    "network.public_subnet_cidrs:check": Case(settings={"network": {**GIVEN_SUBNETS, "public_subnet_cidrs": ["10.0.1.0/29", "10.0.2.0/24"]}}),
    "network.private_subnet_cidrs:check": Case(settings={"network": {**GIVEN_SUBNETS, "private_subnet_cidrs": ["10.0.11.1/24", "10.0.12.0/24"]}}),
    "network.isolated_subnet_cidrs:check": Case(settings={"network": {**GIVEN_SUBNETS, "isolated_subnet_cidrs": ["10.0.21.0", "10.0.22.0/24"]}}),
    "network.public_subnet_cidrs:distinct": Case(settings={"network": {**GIVEN_SUBNETS, "public_subnet_cidrs": ["10.0.1.0/24", "10.0.1.0/24"]}}),
    "network.private_subnet_cidrs:distinct": Case(settings={"network": {**GIVEN_SUBNETS, "private_subnet_cidrs": ["10.0.11.0/24", "10.0.11.0/24"]}}),
    "network.isolated_subnet_cidrs:distinct": Case(settings={"network": {**GIVEN_SUBNETS, "isolated_subnet_cidrs": ["10.0.21.0/24", "10.0.21.0/24"]}}),
    "network.flow_log_retention_days:one-of": 10,
    "network.cloudfront_origin_prefix_list_id:pattern": "pl-xyz",
    "compute.container_port:range": 1023,
    "compute.release:pattern": "feature/x y",
    "compute.placeholder_image:pattern": "node 22",
    "compute.health_check_path:pattern": "health",
    "compute.idle_timeout_seconds:range": 4001,
    "compute.stickiness_seconds:range": -1,
    "compute.deregistration_delay_seconds:range": 3601,
    "compute.min_count:range": 0,
    "compute.max_count:range": 0,
    "compute.cpu_target_percent:range": 96,
    "compute.requests_per_target:range": -1,
    "compute.memory_target_percent:check": 9,
    "compute.cpu_scale_out_percent:range": 100,
    "compute.cpu_scale_out_minutes:range": 0,
    "compute.cpu_scale_in_percent:range": 0,
    "compute.cpu_scale_in_minutes:range": 61,
    "compute.task_cpu:one-of": 300,
    "compute.container_user:pattern": "node user",
    "compute.container_user:none-of": "root",
    "compute.ecr_keep_images:range": 0,
    "compute.instance_type:pattern": "small",
    "compute.root_volume_gib:range": 7,
    "compute.process_port:range": 1023,
    "compute.bastion_instance_type:check": "t3.nano",
    "database.engine_version:pattern": "18",
    "database.database_name:pattern": "Web-App",
    "database.serverless_min_acu:range": 0.3,
    "database.serverless_max_acu:range": 256.5,
    "database.serverless_pause_after_minutes:range": 4,
    "database.allocated_storage_gib:range": 19,
    "database.backup_retention_days:range": 36,
    "database.port:range": 1149,
    "database.monitoring_interval_seconds:one-of": 45,
    "database.log_min_duration_statement_ms:range": -2,
    "database.credential_rotation_days:range": 0,
    "domain.name:pattern": Case("staging", {"domain": {"name": "App.Example.com", "hosted_zone_id": "Z123456789", "hosted_zone_name": "example.com"}}),
    "domain.hosted_zone_id:pattern": Case("staging", {"domain": {"name": "app.example.com", "hosted_zone_id": "123", "hosted_zone_name": "example.com"}}),
    "edge.content_security_policy:pattern": "default-src 'self';\nscript-src 'self'",
    "edge.uploads_path:pattern": "uploads",
    "edge.api_paths:check": [],
    "edge.api_paths:items": ["/api/*", "api/v2/*"],
    "edge.api_paths:distinct": ["/api/*", "/ws", "/api/*"],
    "edge.origin_read_timeout_seconds:range": 0,
    "edge.origin_keepalive_timeout_seconds:range": 181,
    "waf.rate_limit:range": 9,
    "recovery.rto_minutes:range": 0,
    "recovery.rpo_minutes:range": 0,
    "storage.noncurrent_versions_to_glacier_days:range": 0,
    "storage.access_log_retention_days:range": 0,
    "storage.intelligent_tiering_days:range": -1,
    "cache.node_type:pattern": "t4g.micro",
    "cache.engine_version:pattern": "5.0",
    "cache.snapshot_retention_days:range": 36,
    "auth.access_token_minutes:range": 4,
    "auth.id_token_minutes:range": 1441,
    "auth.refresh_token_days:range": 0,
    "auth.password_min_length:range": 7,
    "auth.jwt_secret_rotation_days:range": 366,
    "observability.critical_emails:items": ["oncall-at-example.com"],
    "observability.warning_emails:items": ["ops@example.com", "ops"],
    "observability.branch_emails:items": ["me@localhost"],
    "observability.service_cpu_percent:range": 0,
    "observability.service_memory_percent:range": 101,
    "observability.service_alarm_minutes:range": 61,
    "observability.database_cpu_percent:range": 0,
    "observability.database_free_storage_percent:range": 100,
    "observability.database_connections_percent:range": 0,
    "observability.database_max_connections:range": -1,
    "observability.replica_lag_seconds:range": 0,
    "observability.load_balancer_5xx_per_minute:range": 0,
    "observability.unhealthy_host_minutes:range": 0,
    "observability.cdn_5xx_rate_percent:range": 101,
    "observability.waf_blocked_requests_per_5_minutes:range": 0,
    "observability.failed_logins_per_5_minutes:range": 0,
    "observability.monthly_budget_usd:range": -1,
    "observability.trail_retention_days:range": 0,
    "off_hours.days:pattern": "weekdays",
    "off_hours.start_at:pattern": "7am",
    "off_hours.stop_at:pattern": "25:00",
    "usage.requests_per_month:range": -1,
    "usage.cdn_transfer_gb:range": -0.5,
    "usage.load_balancer_lcu:range": -0.5,
    "usage.nat_data_gb:range": -0.5,
    "usage.endpoint_data_gb:range": -0.5,
    "usage.app_log_gb:range": -0.5,
    "usage.flow_log_gb:range": -0.5,
    "usage.waf_log_gb:range": -0.5,
    "usage.other_log_gb:range": -0.5,
    "usage.monthly_active_users:range": -1,
    "usage.database_backup_gib:range": -0.5,
    "usage.aurora_average_acu:range": 256.5,
    "usage.on_demand_instance_hours:range": 730.5,
    "usage.aurora_storage_gib:range": -0.5,
    "usage.aurora_io_millions:range": -0.5,
    "usage.s3_storage_gb:range": -0.5,
    "usage.s3_write_requests_per_month:range": -1,
    "usage.s3_read_requests_per_month:range": -1,
    "usage.image_storage_gb:range": -0.5,
    "usage.management_events_per_month:range": -1,
    "usage.amplify_build_minutes:range": -0.5,
    "usage.amplify_served_gb:range": -0.5,
    "usage.amplify_requests_per_month:range": -1,
    "delivery.github_owner:pattern": "-example-org",
    "delivery.github_repository:pattern": "my repo",
    "delivery.github_repository:none-of": "..",
    "delivery.github_environment:pattern": "prod*",
    "delivery.branch_github_environment:pattern": "preview:pr",
    "delivery.oidc_provider_arn:pattern": "arn:aws:iam::111111111111:oidc-provider/accounts.google.com",
    "application_topics[].name:pattern": Case(settings={"application_topics": [{"name": "Orders!", "emails": []}]}),
    "application_topics[].emails:items": Case(settings={"application_topics": [{"name": "stock-alerts", "emails": ["admin"]}]}),
    "app.settings[].name:pattern": Case(settings={"app": {"settings": [{"name": "AWS_REGION", "value": "us-east-1"}]}}),
    "app.settings[].name:none-of": Case(settings={"app": {"settings": [{"name": "APP_ENV", "value": "dev"}]}}),
    "app.settings[].value:pattern": Case(settings={"app": {"settings": [{"name": "FEATURE_X", "value": "on\noff"}]}}),
    "app.secrets[].name:pattern": Case(settings={"app": {"secrets": [{"name": "ecs_agent_key"}]}}),
    "app.secrets[].name:none-of": Case(settings={"app": {"secrets": [{"name": "APP_ENV"}]}}),
    "app.secrets[].existing:pattern": Case(settings={"app": {"secrets": [{"name": "KEY", "existing": "a secret name"}]}}),
    "app.secrets[].json_key:pattern": Case(settings={"app": {"secrets": [{"name": "KEY", "existing": "team/key", "json_key": "api key"}]}}),
    "app.secrets[].kms_key_arn:pattern": Case(settings={"app": {"secrets": [{"name": "KEY", "existing": "team/key", "kms_key_arn": "alias/team"}]}}),
    "app.renames[].name:pattern": Case(settings={"app": {"renames": [{"setting": "UPLOADS_BUCKET", "name": "s3-bucket"}]}}),
    "app.renames[].name:none-of": Case(settings={"app": {"renames": [{"setting": "UPLOADS_BUCKET", "name": "APP_ENV"}]}}),
    "accepted_risks[].reason:pattern": Case("prod", {"compute": {"min_count": 1},
                                                     "accepted_risks": [{"risk": "compute.two-tasks-in-production", "reason": "cheaper"}]}),
}

# The parser's own checks and every registered rule.
RULE_CASES: dict[str, Case] = {
    "schema.unknown-setting": Case(settings={"database": {"multi_azz": True}}),
    "schema.missing-setting": Case(settings={"application_topics": [{"name": "stock-alerts"}]}),
    "schema.type": Case("staging", {"database": {"multi_az": 1}}),
    # environment
    "environment.production-multi-az-database": Case("prod", {"database": {"multi_az": False}, "recovery": {"rto_minutes": 60}}),
    "environment.production-keeps-data": Case("prod", {"removal": "destroy"}, passing={"removal": "retain"}),
    "app.renames-name-project-settings": Case(settings={"app": {"renames": [{"setting": "REDIS_HOST", "name": "CACHE_HOST"}]}},
                                              passing={"app": {"renames": [{"setting": "DB_HOST", "name": "PGHOST"}]}}),
    "app.names-distinct": Case(settings={"app": {"settings": [{"name": "DB_HOST", "value": "db.internal"}]}},
                               passing={"app": {"renames": [{"setting": "DB_HOST", "name": "PGHOST"}],
                                                "settings": [{"name": "DB_HOST", "value": "db.internal"}]}}),
    "app.key-only-for-an-existing-secret": Case(
        settings={"app": {"secrets": [{"name": "KEY", "kms_key_arn": "arn:aws:kms:us-east-1:111111111111:key/0a1b2c3d-0000-4000-8000-000000000000"}]}},
        passing={"app": {"secrets": [{"name": "KEY", "existing": "team/key",
                                      "kms_key_arn": "arn:aws:kms:us-east-1:111111111111:key/0a1b2c3d-0000-4000-8000-000000000000"}]}}),
    "auth.user_table.table:pattern": Case(settings={"auth": {"user_table": {"table": "public.User.x", "id_column": "id", "id_type": "uuid",
                                                                            "email_column": "email"}}}),
    "auth.user_table.id_column:pattern": Case(settings={"auth": {"user_table": {"table": "users", "id_column": "user id", "id_type": "uuid",
                                                                                "email_column": "email"}}}),
    "auth.user_table.email_column:pattern": Case(settings={"auth": {"user_table": {"table": "users", "id_column": "id", "id_type": "uuid",
                                                                                   "email_column": "e-mail"}}}),
    "auth.user_table.name_column:pattern": Case(settings={"auth": {"user_table": {"table": "users", "id_column": "id", "id_type": "uuid",
                                                                                  "email_column": "email", "name_column": "full name"}}}),
    "auth.user-sync-needs-its-table": Case(settings={"database": {"apply_migrations": False}},
                                           passing={"database": {"apply_migrations": False}, "auth": {"user_sync": False}}),
    # Only a guardrail marked as a risk may be accepted (not, say, production's backups).
    "environment.accepted-risks-are-guardrails": Case(
        "prod", {"accepted_risks": [{"risk": "database.backup-retention-in-production", "reason": REASON}]},
        passing={"compute": {"min_count": 1}, "accepted_risks": [{"risk": "compute.two-tasks-in-production", "reason": REASON}]}),
    "environment.no-branches-from-production": Case("prod", {"allow_branches": True}),
    # the stack name of a valid app name and environment always fits: a name too long for one
    "environment.valid-stack-names": Case(tweak=lambda cfg: dataclasses.replace(cfg, env_name="e" * 120)),
    # network
    "network.cidr-is-an-ipv4-network": Case(settings={"network": {"cidr": "10.0.0.300/16"}}),
    "network.cidr-is-private": Case(settings={"network": {"cidr": "8.8.0.0/16"}}, passing={"network": {"cidr": "172.16.0.0/16"}}),
    "network.cidr-vpc-size": Case(settings={"network": {"cidr": "10.0.0.0/12"}}),
    "network.cidr-holds-the-subnets": Case(settings={"network": {"cidr": "10.0.0.0/22", "private_subnet_mask": 24}},
                                           passing={"network": {"cidr": "10.0.0.0/21", "private_subnet_mask": 24}}),
    # a subnet larger than the VPC never fits in it
    "network.subnets-within-the-vpc": Case(settings={"network": {"cidr": "10.0.0.0/22"}}, also=("network.cidr-holds-the-subnets",)),
    "network.subnet-cidrs-for-every-tier": Case(settings={"network": {**GIVEN_SUBNETS, "isolated_subnet_cidrs": []}},
                                                 passing={"network": GIVEN_SUBNETS}),
    "network.subnet-cidrs-one-per-zone": Case(settings={"network": {**GIVEN_SUBNETS, "public_subnet_cidrs": ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]}},
                                              passing={"network": GIVEN_SUBNETS}),
    "network.subnet-cidrs-within-the-vpc": Case(settings={"network": {**GIVEN_SUBNETS, "isolated_subnet_cidrs": ["10.1.21.0/24", "10.0.22.0/24"]}},
                                                passing={"network": GIVEN_SUBNETS}),
    "network.subnet-cidrs-do-not-overlap": Case(settings={"network": {**GIVEN_SUBNETS, "isolated_subnet_cidrs": ["10.0.12.128/25", "10.0.22.0/24"]}},
                                                passing={"network": GIVEN_SUBNETS}),
    "network.at-least-two-zones": Case(settings={"network": {"availability_zones": ["us-east-1a"]}}),
    "network.zones-in-the-region": Case("prod", {"network": {"availability_zones": ["us-east-1a", "eu-west-1b"]}}),
    "network.no-egress-without-internet-needs": Case(settings={"compute": QUIET_DEV_COMPUTE, "network": {**NO_EGRESS, "workloads_need_internet": True}},
                                                     passing={"compute": QUIET_DEV_COMPUTE, "network": NO_EGRESS}),
    "network.no-egress-needs-endpoints": Case(settings={"compute": QUIET_DEV_COMPUTE, "network": {**NO_EGRESS, "interface_endpoints": ["logs"]}}),
    "network.endpoints-by-short-name": Case(settings={"network": {"interface_endpoints": ["com.amazonaws.us-east-1.secretsmanager", "logs"]}}),
    "network.endpoints-are-interface-services": Case(settings={"network": {"interface_endpoints": ["s3"]}}),
    "network.cloudfront-prefix-list-known": Case(settings={"region": "sa-east-1", "network": {"availability_zones": ["sa-east-1a", "sa-east-1b"]}},
                                                 passing={"region": "sa-east-1", "network": {"availability_zones": ["sa-east-1a", "sa-east-1b"],
                                                                                             "cloudfront_origin_prefix_list_id": "pl-12345678"}}),
    "network.cidrs-do-not-overlap": Case("staging", {"network": {"cidr": "10.0.0.0/16"}}),
    # compute
    "compute.min-count-not-above-max": Case("staging", {"compute": {"min_count": 5, "max_count": 4}}, passing={"compute": {"min_count": 4, "max_count": 4}}),
    "compute.two-tasks-in-production": Case("prod", {"compute": {"min_count": 1}}, passing={"compute": {"min_count": 2}}),
    "storage.intelligent-tiering-needs-the-uploads-bucket": Case("staging", {"storage": {"uploads_bucket": False, "intelligent_tiering_days": 1}},
                                                                passing={"storage": {"uploads_bucket": True, "intelligent_tiering_days": 1}}),
    "compute.cpu-steps-scale-in-below-scale-out": Case("prod", {"compute": {"cpu_scaling": "steps", "cpu_scale_in_percent": 70, "cpu_scale_out_percent": 70}},
                                                       passing={"compute": {"cpu_scaling": "steps", "cpu_scale_in_percent": 69, "cpu_scale_out_percent": 70}}),
    "compute.memory-scaling-is-fargate": Case("staging", {"compute": {"kind": "ec2", "memory_target_percent": 70}},
                                              passing={"compute": {"kind": "fargate", "memory_target_percent": 70}}),
    "compute.cpu-steps-are-fargate": Case("staging", {"compute": {"kind": "ec2", "cpu_scaling": "steps"}},
                                          passing={"compute": {"kind": "ec2", "cpu_scaling": "target"}}),
    "compute.fargate-memory-fits-the-cpu": Case(settings={"compute": {"task_cpu": 256, "task_memory_mib": 4096}},
                                                passing={"compute": {"task_cpu": 512, "task_memory_mib": 4096}}),
    "compute.no-spot-in-production": Case("prod", {"compute": {"fargate_spot": True}}),
    "compute.no-egress-needs-a-release": Case(settings={"compute": {"bastion": False, "ecs_exec": False}, "network": NO_EGRESS}),
    "compute.no-egress-no-xray": Case(settings={"compute": {**QUIET_DEV_COMPUTE, "xray_tracing": True}, "network": NO_EGRESS}),
    "compute.ecs-exec-endpoint-without-egress": Case(settings={"compute": {**QUIET_DEV_COMPUTE, "ecs_exec": True}, "network": NO_EGRESS},
                                                     passing={"compute": {**QUIET_DEV_COMPUTE, "ecs_exec": True},
                                                              "network": {**NO_EGRESS, "interface_endpoints": [*FARGATE_ENDPOINTS, "ssmmessages"]}}),
    "compute.single-instance-is-ec2": Case(settings={"compute": {"placement": "public-single-instance", "max_count": 1}}),
    "compute.single-instance-is-one-instance": Case(settings={"compute": {"kind": "ec2", "placement": "public-single-instance", "max_count": 3}},
                                                    passing={"compute": {"kind": "ec2", "placement": "public-single-instance", "max_count": 1}}),
    "compute.instance-type-matches-the-architecture": Case("staging", {"compute": {"kind": "ec2", "instance_type": "t3.small"}},
                                                           passing={"compute": {"kind": "ec2", "instance_type": "t3.small", "cpu_architecture": "x86_64"}}),
    "compute.process-port-is-not-nginx-port": Case("staging", {"compute": {"kind": "ec2", "process_port": 3001}}),
    "compute.private-instances-need-egress": Case(settings={"compute": {"kind": "ec2", "bastion": False},
                                                            "network": {**NO_EGRESS, "interface_endpoints": ["secretsmanager"]}}),
    "compute.bastion-endpoints-without-egress": Case(settings={"compute": {"release": "v1", "ecs_exec": False}, "network": NO_EGRESS}),
    # database, recovery, storage
    "database.instance-class-is-an-rds-class": Case(settings={"database": {"instance_class": "db.t4g.micro"}}),
    "database.instance-class-current-generation": Case(settings={"database": {"instance_class": "t2.micro"}}),
    "database.storage-ceiling": Case(settings={"database": {"allocated_storage_gib": 200, "max_allocated_storage_gib": 100}},
                                     passing={"database": {"allocated_storage_gib": 100, "max_allocated_storage_gib": 100}}),
    "database.backups-for-point-in-time-recovery": Case(settings={"database": {"backup_retention_days": 0}, "recovery": {"rpo_minutes": 60}},
                                                        passing={"database": {"backup_retention_days": 0}}),
    "database.backup-retention-in-production": Case("prod", {"database": {"backup_retention_days": 6}},
                                                    passing={"database": {"backup_retention_days": 7}}),
    # BRANCH_OVERRIDES turns a branch environment's replica off before the rules see it.
    "database.no-replica-in-branch-environments": Case(load={"branch": "feature/x"}, tweak=lambda cfg: dataclasses.replace(
        cfg, database=dataclasses.replace(cfg.database, read_replica=True), off_hours=dataclasses.replace(cfg.off_hours, enabled=False))),
    "database.multi-az-for-a-short-rto": Case("staging", {"database": {"multi_az": False}, "recovery": {"rto_minutes": 59}},
                                              passing={"database": {"multi_az": False}, "recovery": {"rto_minutes": 60}}),
    "database.engine-version-supported": Case(settings={"database": {"engine_version": "13.4"}}, passing={"database": {"engine_version": "14.0"}}),
    "database.aurora-min-not-above-max": Case(settings={"database": {"engine": "aurora-serverless-v2", "serverless_min_acu": 8, "serverless_max_acu": 4}}),
    "database.aurora-does-not-pause-in-production": Case("prod", {"database": {"engine": "aurora-serverless-v2"}},
                                                         passing={"database": {"engine": "aurora-serverless-v2", "serverless_min_acu": 0.5}}),
    "database.aurora-version-scales-to-zero": Case(settings={"database": {"engine": "aurora-serverless-v2", "engine_version": "16.2"}},
                                                   passing={"database": {"engine": "aurora-serverless-v2", "engine_version": "16.3"}}),
    "database.performance-insights-on-the-class": Case(settings={"database": {"performance_insights": True}},
                                                       passing={"database": {"performance_insights": True, "instance_class": "t4g.medium"}}),
    "storage.versions-expire-after-glacier": Case(settings={"storage": {"noncurrent_versions_expire_days": 90}},
                                                  passing={"storage": {"noncurrent_versions_expire_days": 91}}),
    # cache
    "cache.multi-az-in-production": Case("prod", {"cache": {"enabled": True, "multi_az": False}}),
    # auth
    "auth.mfa-in-production": Case("prod", {"auth": {"mfa": "off"}}, passing={"auth": {"mfa": "optional"}}),
    "auth.threat-protection-needs-plus": Case("staging", {"auth": {"threat_protection": "enforced"}},
                                              passing={"auth": {"threat_protection": "enforced", "feature_plan": "plus"}}),
    "auth.url-count": Case(settings={"auth": {"callback_urls": [f"https://app.example.com/{i}" for i in range(101)]}},
                           passing={"auth": {"callback_urls": [f"https://app.example.com/{i}" for i in range(100)]}}),
    "auth.url-length": Case(settings={"auth": {"logout_urls": ["https://app.example.com/" + "a" * 1001]}},
                            passing={"auth": {"logout_urls": ["https://app.example.com/" + "a" * 1000]}}),
    "auth.urls-are-https": Case("staging", {"auth": {"callback_urls": ["http://app.example.com/"]}},
                                passing={"auth": {"callback_urls": ["http://localhost:5173/"]}}),
    "auth.domain-prefix-cognito-accepts": Case(settings={"auth": {"domain_prefix": "x" * 53}}, passing={"auth": {"domain_prefix": "x" * 52}}),
    # edge, waf
    "edge.site-directory-has-an-index": Case(settings={"edge": {"site_directory": "frontend/does-not-exist"}}),
    "edge.amplify-repository": Case(settings={"edge": {**AMPLIFY_EDGE, "amplify_repository": ""}}),
    "edge.amplify-token-secret": Case(settings={"edge": {**AMPLIFY_EDGE, "amplify_token_secret": ""}}),
    "edge.amplify-password-outside-production": Case("staging", {"edge": {**AMPLIFY_EDGE, "amplify_basic_auth": False}}),
    "edge.amplify-branch-name": Case(settings={"edge": {**AMPLIFY_EDGE, "amplify_branch": "-bad branch"}}),
    "edge.content-security-policy-length": Case(settings={"edge": {"content_security_policy": "default-src 'self' " + "x" * 1765}},
                                                passing={"edge": {"content_security_policy": "default-src 'self' " + "x" * 1764}}),
    "edge.uploads-path-needs-the-bucket": Case(settings={"edge": {"uploads_path": "/uploads/*"}, "storage": {"uploads_bucket": False}},
                                               passing={"edge": {"uploads_path": "/uploads/*"}}),
    "edge.api-paths-spare-the-spa": Case(settings={"edge": {"api_paths": ["/api/*", "/*"]}}, passing={"edge": {"api_paths": ["/api/*", "/app/*"]}}),
    # StockPilot's /products route beside its product images under /products/.
    "edge.api-paths-apart-from-the-uploads": Case(settings={"edge": {"uploads_path": "/products/*", "api_paths": ["/products", "/products/*"]}},
                                                  passing={"edge": {"uploads_path": "/products/*", "api_paths": ["/products"]}}),
    "edge.cache-behaviours-within-the-quota": Case(settings={"edge": {"api_paths": [f"/route{i}" for i in range(75)]}},
                                                   passing={"edge": {"api_paths": [f"/route{i}" for i in range(74)]}}),
    "edge.keepalive-below-the-idle-timeout": Case(settings={"compute": {"idle_timeout_seconds": 60}},
                                                  passing={"compute": {"idle_timeout_seconds": 61}}),
    "waf.block-in-production": Case("prod", {"waf": {"mode": "count"}}, passing={"waf": {"mode": "block"}}),
    "waf.required-in-production": Case("prod", {"waf": {"mode": "off"}}, passing={"waf": {"mode": "block"}}),
    "waf.options-need-a-web-acl": Case(settings={"waf": {"mode": "off", "load_balancer_acl": True}},
                                       passing={"waf": {"mode": "block", "load_balancer_acl": True}}),
    # observability, off hours, topics
    "observability.p99-within-the-idle-timeout": Case(settings={"observability": {"p99_latency_ms": 300_001}},
                                                      passing={"observability": {"p99_latency_ms": 300_000}}),
    "observability.connection-limit-known": Case(settings={"database": {"instance_class": "x2g.large"}},
                                                 passing={"database": {"instance_class": "x2g.large"}, "observability": {"database_max_connections": 1000}}),
    "observability.trail-in-production": Case("prod", {"delivery": {"account_trail": False}},
                                              passing={"delivery": {"account_trail": False}, "observability": {"cloudtrail": True}}),
    # dev alone in an account of its own, with neither its own trail nor the account's
    "observability.long-lived-environments-are-audited": Case(settings={"account": "222222222222", "delivery": {"account_trail": False}},
                                                              passing={"account": "222222222222"}),
    "observability.a-year-of-audit-history-in-production": Case("prod", {"observability": {"trail_retention_days": 364}},
                                                                passing={"observability": {"trail_retention_days": 365}}),
    "off_hours.not-in-production": Case("prod", {"off_hours": {"enabled": True}, "database": {"read_replica": False}}),
    "off_hours.no-read-replica": Case("staging", {"off_hours": {"enabled": True}, "database": {"read_replica": True}}),
    "off_hours.stop-after-start": Case(settings={"off_hours": {"start_at": "08:00", "stop_at": "08:00"}},
                                       passing={"off_hours": {"start_at": "08:00", "stop_at": "08:01"}}),
    "off_hours.known-time-zone": Case(settings={"off_hours": {"timezone": "Mars/Olympus"}}, passing={"off_hours": {"timezone": "Europe/Berlin"}}),
    "application_topics.distinct-names": Case(settings={"application_topics": [{"name": "stock-alerts", "emails": []}] * 2}),
    # domain
    "domain.name-has-its-hosted-zone": Case("staging", {"domain": {"name": "staging.example.com"}}),
    "domain.name-inside-the-zone": Case("staging", {"domain": {"name": "app.other.org", "hosted_zone_id": "Z123456789", "hosted_zone_name": "example.com"}},
                                        passing={"domain": {"name": "app.example.com", "hosted_zone_id": "Z123456789", "hosted_zone_name": "example.com"}}),
    "domain.hosted-zone-has-a-name": Case("staging", {"domain": {"hosted_zone_id": "Z123456789"}}),
    # delivery: who may deploy what
    "delivery.branch-environment-needs-allow-branches": Case("staging", {"allow_branches": False, "delivery": {"branch_github_environment": "preview-staging"}}),
    "delivery.branch-environment-is-not-the-deploy-environment": Case(settings={"delivery": {"branch_github_environment": "dev"}},
                                                                      passing={"delivery": {"branch_github_environment": "preview"}}),
    "delivery.oidc-provider-in-the-account": Case(settings={"delivery": {"oidc_provider_arn": "arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"}}),
    "delivery.one-oidc-provider-per-account": Case(settings={"delivery": {"oidc_provider_arn": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"}}),
    "delivery.production-trusts-only-its-own-github-environment": Case("prod", {"delivery": {"github_environment": "staging"}},
                                                                       passing={"delivery": {"github_repository": "other"}}),
    "delivery.github-environments-distinct": Case("staging", {"delivery": {"github_environment": "preview"}},
                                                  passing={"delivery": {"github_environment": "qa"}}),
    "delivery.one-branch-github-environment": Case("staging", {"delivery": {"branch_github_environment": "preview"}},
                                                   passing={"delivery": {"branch_github_environment": "preview", "github_repository": "other"}}),
    # only for the delivery stacks of a real account
    "delivery.no-placeholder-owner-in-a-real-account": Case(load={"delivery": True, "account": "123456789012"}),
    # the -c branch= value
    "branch.name-has-letters-or-digits": Case(load={"branch": "///"}),
    "branch.name-starts-with-a-letter": Case(load={"branch": "123-fix"}),
    "branch.parent-allows-branches": Case("prod", load={"branch": "feature/x"}),
}


def _case(check_id: str) -> Case:
    if check_id in RULE_CASES:
        return RULE_CASES[check_id]
    case = LIMIT_CASES[check_id]
    return case if isinstance(case, Case) else Case(settings=nested(check_id.partition(":")[0], case))


def reported(case: Case, settings: Mapping) -> list[Problem]:
    """The problems ``settings`` on ``case.env`` lead to (none when the configuration loads)."""
    arguments = {"env": case.env, **case.load}
    if case.tweak is None:
        try:
            load(overrides={case.env: settings}, **arguments)
        except ConfigError as error:
            return error.problems
        return []
    (cfg,) = load(**arguments)
    problems = Problems(cfg.profile, cfg.env_name, f"config/{cfg.env_name}.py", branch=cfg.branch)
    validate(case.tweak(cfg), problems)
    return problems.items


def test_every_check_has_a_case_and_every_case_a_check():
    known = set(checks())
    cases = set(LIMIT_CASES) | set(RULE_CASES)
    assert sorted(known - cases) == [], "checks without a case in tests/test_rules.py: add one that breaks each"
    assert sorted(cases - known) == [], "cases of checks that no longer exist: remove them"
    assert not set(LIMIT_CASES) & set(RULE_CASES)


def test_rule_ids_are_stable_names():
    for rule in RULES:
        section, _, name = rule.id.partition(".")
        assert section and name and name == name.lower() and " " not in rule.id, rule.id
        assert rule.description and not rule.description.endswith("."), rule.id


@pytest.mark.parametrize("check_id", sorted(checks()))
def test_the_check_reports_its_own_problem(check_id):
    case = _case(check_id)
    found = reported(case, case.settings)
    assert sorted(p.rule for p in found) == sorted([check_id, *case.also]), found
    (problem,) = [p for p in found if p.rule == check_id]
    assert "Fix:" in problem
    if problem.setting:
        assert f"{problem.setting} = " in problem


@pytest.mark.parametrize("check_id", sorted(k for k, c in RULE_CASES.items() if c.passing is not None))
def test_a_neighbouring_configuration_passes_the_check(check_id):
    case = RULE_CASES[check_id]
    assert case.passing is not None
    assert check_id not in [p.rule for p in reported(case, case.passing)]


LIMITS = {limit_id(path, limit): (path, limit) for path, limit in field_limits(EnvironmentConfig)}


@pytest.mark.parametrize("check_id", sorted(LIMITS))
def test_a_field_limit_reports_with_its_declared_problem_and_fix(check_id):
    path, limit = LIMITS[check_id]
    (problem,) = [p for p in reported(_case(check_id), _case(check_id).settings) if p.rule == check_id]
    assert path.replace("[]", "[0]") in problem.setting
    assert limit.problem in problem and f"Fix: {limit.fix}" in problem


def _accepted_values() -> list[tuple[str, Any]]:
    """Each Range's bounds and each OneOf's values: (limit id, value) that limit accepts."""
    values = []
    for check_id, (_, limit) in LIMITS.items():
        if isinstance(limit, Range):
            values += [(check_id, bound) for bound in (limit.low, limit.high) if bound is not None]
        elif isinstance(limit, OneOf):
            values += [(check_id, value) for value in limit.values]
    return values


@pytest.mark.parametrize(("check_id", "value"), _accepted_values())
def test_a_field_limit_accepts_its_bounds_and_values(check_id, value):
    path, _ = LIMITS[check_id]
    assert check_id not in [p.rule for p in reported(Case(), nested(path, value))]


# ---------------------------------------------------------------- accepted risks


def _problems(env: str, settings: Mapping) -> list[Problem]:
    try:
        load(env=env, overrides={env: settings})
    except ConfigError as error:
        return list(error.problems)
    return []


RISKS = sorted(r.id for r in RULES if r.risk)


def test_the_guardrails_that_may_be_accepted_are_production_availability_and_waf():
    """Nothing else relaxes: backups, MFA, deletion protection, Spot and the rest stay refused."""
    assert RISKS == ["cache.multi-az-in-production", "compute.two-tasks-in-production",
                     "environment.production-multi-az-database", "waf.required-in-production"]


@pytest.mark.parametrize("risk", RISKS)
def test_a_refused_guardrail_says_it_may_be_accepted_by_name(risk):
    (problem,) = [p for p in reported(RULE_CASES[risk], RULE_CASES[risk].settings) if p.rule == risk]
    assert f"accepted_risks = [{{'risk': '{risk}', 'reason': " in problem


def test_an_accepted_risk_lets_production_take_it_and_only_it():
    taken = {"compute": {"min_count": 1}, "waf": {"mode": "off"}}
    accepted = [{"risk": "compute.two-tasks-in-production", "reason": REASON}]
    # The other guardrail still refuses; the accepted one reports nothing.
    assert [p.rule for p in _problems("prod", taken | {"accepted_risks": accepted})] == ["waf.required-in-production"]
    both = accepted + [{"risk": "waf.required-in-production", "reason": REASON}]
    (config,) = load(env="prod", overrides={"prod": taken | {"accepted_risks": both}})
    assert [a.risk for a in config.accepted_risks] == ["compute.two-tasks-in-production", "waf.required-in-production"]


def test_an_acceptance_the_configuration_does_not_need_is_refused():
    """A stale acceptance would silently cover the next change that takes the risk."""
    (problem,) = _problems("prod", {"accepted_risks": [{"risk": "compute.two-tasks-in-production", "reason": REASON}]})
    assert problem.rule == "environment.accepted-risks-are-guardrails" and "meets the rule" in problem


def test_an_acceptance_outside_production_or_twice_is_refused():
    (outside,) = _problems("dev", {"accepted_risks": [{"risk": "waf.required-in-production", "reason": REASON}]})
    assert "not production" in outside
    twice = [{"risk": "compute.two-tasks-in-production", "reason": REASON}] * 2
    (problem,) = _problems("prod", {"compute": {"min_count": 1}, "accepted_risks": twice})
    assert "accepted twice" in problem


def test_accepted_risks_become_a_tag_and_the_acknowledgments_reason():
    from config.derived import environment_tags
    from stacks.settings import guardrail_reason

    accepted = [{"risk": "compute.two-tasks-in-production", "reason": REASON}, {"risk": "waf.required-in-production", "reason": REASON + "."}]
    (config,) = load(env="prod", overrides={"prod": {"compute": {"min_count": 1}, "waf": {"mode": "off"}, "accepted_risks": accepted}})
    assert environment_tags(config)["accepted-risks"] == "compute.two-tasks-in-production waf.required-in-production"
    assert guardrail_reason(config, "waf.required-in-production", outside_production="x") == \
        f"Production, by an accepted risk (waf.required-in-production): {REASON}"
    (reference,) = load(env="prod")
    assert "accepted-risks" not in environment_tags(reference)
    assert guardrail_reason(reference, "waf.required-in-production", outside_production="x") == "x"


def test_given_subnet_ranges_leave_the_masks_unused():
    """With network.*_subnet_cidrs the masks allocate nothing: a VPC too small for them still loads."""
    small = {"cidr": "10.0.0.0/19", **GIVEN_SUBNETS}
    assert _problems("dev", {"network": {"cidr": "10.0.0.0/19"}}) != []
    assert _problems("dev", {"network": small}) == []
