"""Translate validated configuration values into CDK types for the constructs.

Values derived from the configuration itself (names, prefixes, tags) live in
``config/derived.py``; this module only turns them into CDK types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from constructs import Construct

from config.schema import EnvironmentConfig
from infra_constructs.off_hours import WorkingHours
from infra_constructs.web_acl import WebAclRules

T = TypeVar("T")

REDIS_PORT = 6379

_RETENTION: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def guardrail_reason(cfg: EnvironmentConfig, rule_id: str, *, outside_production: str) -> str:
    """Why a production guardrail (the rule ``rule_id``) does not hold in this environment, for the
    acknowledgment of the finding it leaves: ``outside_production``, or in production the reason
    of the risk the environment accepts (the rules refuse production otherwise)."""
    for accepted in cfg.accepted_risks:
        if accepted.risk == rule_id:
            return f"Production, by an accepted risk ({rule_id}): {accepted.reason.rstrip('.')}"
    return outside_production


def renamed(settings: Mapping[str, T], renames: Mapping[str, str]) -> dict[str, T]:
    """``settings`` with each name in ``renames`` replaced by the name the application reads."""
    return {renames.get(name, name): value for name, value in settings.items()}


def retention(days: int) -> logs.RetentionDays:
    """CloudWatch Logs retention for a number of days the loader has already validated."""
    return _RETENTION[days]


def stateful_removal(cfg: EnvironmentConfig) -> RemovalPolicy:
    """Removal policy of stateful resources that cannot be snapshotted (keys, buckets, log groups)."""
    return RemovalPolicy.DESTROY if cfg.removal == "destroy" else RemovalPolicy.RETAIN


def database_removal(cfg: EnvironmentConfig) -> RemovalPolicy:
    """Removal policy of databases: a final snapshot unless the environment is throwaway."""
    return {"destroy": RemovalPolicy.DESTROY, "snapshot": RemovalPolicy.SNAPSHOT, "retain": RemovalPolicy.RETAIN}[cfg.removal]


def edge_path_prefix(path_pattern: str) -> str:
    """The S3 key prefix a CloudFront path pattern serves: "/uploads/*" -> "uploads/"."""
    return path_pattern.lstrip("/").removesuffix("*")


def configured_zone(scope: Construct, cfg: EnvironmentConfig) -> route53.IHostedZone:
    """The Route 53 zone of ``domain`` (validated to be set when a domain is), as ``Zone`` in ``scope``."""
    return route53.HostedZone.from_hosted_zone_attributes(
        scope, "Zone", hosted_zone_id=cfg.domain.hosted_zone_id, zone_name=cfg.domain.hosted_zone_name
    )


def working_hours(cfg: EnvironmentConfig) -> WorkingHours | None:
    """The working hours outside which the environment stops (``off_hours``), or None."""
    hours = cfg.off_hours
    if not hours.enabled:
        return None
    return WorkingHours(days=hours.days, start_at=hours.start_at, stop_at=hours.stop_at, timezone=hours.timezone)


def web_acl_rules(cfg: EnvironmentConfig) -> WebAclRules:
    """The environment's WAF rules, shared by the CloudFront and the load balancer web ACL."""
    return WebAclRules(rate_limit=cfg.waf.rate_limit, count_only=cfg.waf.mode == "count")
