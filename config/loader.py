"""Load, parse and validate the configuration of a profile's environments.

Everything a user can get wrong is caught here, before a single construct exists,
and reported as one ``ConfigError`` whose lines each name the environment, the
setting, what is wrong and how to fix it. ``app.py`` prints it and exits non-zero,
so a bad configuration never reaches jsii and never leaves a half-written cloud
assembly.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import ipaddress
import re
import typing
import zoneinfo
from pathlib import Path
from typing import Any, Mapping

from config.errors import ConfigError, import_settings, settings_file
from config.profiles import DEFAULT_PROFILE, PROFILES, Profile
from config.schema import EnvironmentConfig

# defaults.py is a file users edit too: a mistake in it is a ConfigError, not a traceback.
_defaults = import_settings("config.defaults")
BRANCH_OVERRIDES: Mapping = _defaults.BRANCH_OVERRIDES
CLOUDFRONT_ORIGIN_PREFIX_LISTS: Mapping[str, str] = _defaults.CLOUDFRONT_ORIGIN_PREFIX_LISTS
DEFAULTS: Mapping = _defaults.DEFAULTS
LOG_RETENTION_DAYS: tuple[int, ...] = _defaults.LOG_RETENTION_DAYS

__all__ = ["ConfigError", "load", "sanitize_branch"]

# CloudFormation stack names: letters, digits, hyphens, starting with a letter, <= 128.
STACK_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
APP_NAME_RE = re.compile(r"^[a-z][a-z0-9]{1,19}$")
# Tag values (every resource carries owner and cost-center): at most 256 of these characters.
TAG_VALUE_RE = re.compile(r"^[A-Za-z0-9 _.:/=+\-@]{0,256}$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
# Longest tier name a stack gets ("observability"), so every stack name stays valid.
LONGEST_TIER = "observability"
# Branch slugs are kept short: they end up in resource names with tight limits
# (Cognito domain prefixes, load balancer names) once later tiers use them.
MAX_BRANCH_SLUG = 24

# Valid Fargate CPU units -> allowed memory (MiB).
FARGATE_SIZES: Mapping[int, range | tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

# What private workloads need to reach when there is no NAT: the interface endpoints
# each compute kind cannot start without (S3 is always a gateway endpoint).
REQUIRED_ENDPOINTS_WITHOUT_NAT: Mapping[str, tuple[str, ...]] = {
    "fargate": ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"),
    "ec2": ("secretsmanager",),
}

RDS_POSTGRES_MIN_STORAGE_GIB = 20
RDS_MAX_STORAGE_GIB = 65536


# Settings a user may pass on the command line, and the flag that sets each.
CONTEXT_SETTINGS = {"account": "-c account=", "compute.release": "-c release="}


class _Problems:
    """Collects problems of one environment in one wording.

    A problem with a value from the command line (``context``: setting -> flag) names the
    flag instead of the environment's file and is worded the same for every environment,
    so ``load`` reports it once. ``bad`` holds the settings already reported: checks that
    derive from one of them stay quiet instead of reporting the same mistake again.
    """

    def __init__(self, profile: str, env: str, source: str, *, branch: str = "", context: Mapping[str, str] | None = None):
        self.profile, self.env, self.source, self.branch = profile, env, source, branch
        self.context = dict(context or {})
        self.items: list[str] = []
        self.bad: set[str] = set()

    @property
    def label(self) -> str:
        if self.branch:
            return f"branch environment {self.branch!r} of '{self.env}' (profile '{self.profile}')"
        return f"environment '{self.env}' (profile '{self.profile}')"

    def add(self, setting: str, value: Any, problem: str, fix: str) -> None:
        self.bad.add(setting)
        if setting in self.context:
            self.items.append(f"{setting} = {value!r} (from {self.context[setting]} on the command line): {problem}. Fix: {fix}.")
            return
        self.items.append(f"{self.label}: {setting} = {value!r}: {problem}. Fix: {fix} (in {self.source}).")

    def ok(self, *settings: str) -> bool:
        """None of ``settings`` has been reported (so checks derived from them may run)."""
        return not self.bad.intersection(settings)


# ---------------------------------------------------------------- parsing


def deep_merge(base: Mapping, override: Mapping) -> dict:
    """``override`` on top of ``base``; nested mappings merge, everything else replaces."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _type_name(tp: Any) -> str:
    if typing.get_origin(tp) is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if typing.get_origin(tp) is tuple:
        item = typing.get_args(tp)[0]
        if dataclasses.is_dataclass(item):
            return f"a list of groups of settings ({', '.join(f.name for f in dataclasses.fields(item) if f.init)})"
        return f"a list of {_type_name(item)}"
    return {str: "strings", int: "whole numbers", float: "numbers", bool: "True/False"}.get(tp, getattr(tp, "__name__", str(tp)))


def _example(tp: Any) -> str:
    """A short literal of type ``tp`` for a Fix hint."""
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return "{" + ", ".join(f'"{f.name}": {_example(hints[f.name])}' for f in dataclasses.fields(tp) if f.init) + "}"
    if typing.get_origin(tp) is tuple:
        return f"[{_example(typing.get_args(tp)[0])}]"
    if typing.get_origin(tp) is typing.Literal:
        return repr(typing.get_args(tp)[0])
    return {str: '"..."', int: "1", float: "0.5", bool: "True"}.get(tp, "...")


def _parse(tp: Any, value: Any, path: str, problems: _Problems) -> Any:
    """Turn ``value`` into ``tp`` or record why not; returns None when it cannot."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            # ``path`` ends with the "." its fields are appended to.
            problems.add(path.rstrip("."), value, "expected a group of settings", f"write it as a dictionary, e.g. {_example(tp)}")
            return None
        return _parse_dataclass(tp, value, path, problems)
    if origin is typing.Literal:
        if value in typing.get_args(tp):
            return value
        problems.add(path, value, f"must be {_type_name(tp)}", "pick one of the allowed values")
        return None
    if origin is tuple:
        if isinstance(value, (list, tuple)):
            item_type = typing.get_args(tp)[0]
            dot = "." if dataclasses.is_dataclass(item_type) else ""
            items = [_parse(item_type, v, f"{path}[{i}]{dot}", problems) for i, v in enumerate(value)]
            return None if any(item is None for item in items) else tuple(items)
        problems.add(path, value, f"must be {_type_name(tp)}", f"write a list, e.g. {_example(tp)}")
        return None
    # bool is an int in Python: keep them apart so `multi_az: 1` is not silently accepted.
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        problems.add(path, value, "must be a whole number", "write a number without quotes")
        return None
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.add(path, value, "must be a number", "write a number without quotes, e.g. 0.5")
            return None
        return float(value)
    if tp is bool and not isinstance(value, bool):
        problems.add(path, value, "must be True or False", "write True or False")
        return None
    if tp is str and not isinstance(value, str):
        problems.add(path, value, "must be a string", "put the value in quotes")
        return None
    return value


def _parse_dataclass(cls: type, data: Mapping, prefix: str, problems: _Problems) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    settable = {name for name, f in fields.items() if f.default is dataclasses.MISSING}
    for key in data:
        if key not in settable:
            close = difflib.get_close_matches(str(key), settable, n=1, cutoff=0.6)
            fix = (f"did you mean '{prefix}{close[0]}'? Rename it, or remove it" if close
                   else f"remove it (settings here: {', '.join(sorted(settable))})")
            problems.add(f"{prefix}{key}", data[key], "unknown setting", fix)
    values = {}
    for name in settable:
        path = f"{prefix}{name}"
        if name not in data:
            problems.add(path, None, "missing", "set it in config/defaults.py or the environment's file")
            continue
        values[name] = _parse(hints[name], data[name], path if not dataclasses.is_dataclass(hints[name]) else f"{path}.", problems)
    if len(values) != len(settable) or any(v is None for v in values.values()):
        return None
    return cls(**values)


# ---------------------------------------------------------------- branches


def sanitize_branch(branch: str) -> str:
    """A git branch name as a short, lowercase, hyphenated slug usable in every name.

    Long names are cut and suffixed with a hash of the full name, so two long
    branches with the same beginning still get different environments.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", branch.strip().lower()).strip("-")
    if len(slug) > MAX_BRANCH_SLUG:
        digest = hashlib.sha256(branch.encode()).hexdigest()[:6]
        slug = f"{slug[: MAX_BRANCH_SLUG - 7].rstrip('-')}-{digest}"
    return slug


# ---------------------------------------------------------------- validation


def _validate(cfg: EnvironmentConfig, problems: _Problems) -> None:
    add = problems.add
    net, compute, db = cfg.network, cfg.compute, cfg.database

    if not APP_NAME_RE.match(cfg.app_name):
        add("app_name", cfg.app_name, "must be 2-20 lowercase letters or digits, starting with a letter",
            "choose a short name such as 'webapp'")
    if not re.fullmatch(r"\d{12}", cfg.account):
        add("account", cfg.account, "must be a 12-digit AWS account ID", "use the target account's 12 digits, e.g. -c account=123456789012")
    if not REGION_RE.match(cfg.region):
        add("region", cfg.region, "is not an AWS region name", "use a region such as 'us-east-1'")
    for name in ("owner", "cost_center"):
        value = getattr(cfg, name)
        if not TAG_VALUE_RE.match(value):
            add(name, value, "becomes a tag on every resource, and tag values are at most 256 letters, digits, "
                "spaces and _ . : / = + - @", "write it without other characters, e.g. 'R and D' instead of 'R&D'")
    if cfg.log_retention_days not in LOG_RETENTION_DAYS:
        add("log_retention_days", cfg.log_retention_days, "is not a CloudWatch Logs retention value",
            f"use one of {', '.join(map(str, LOG_RETENTION_DAYS[:12]))}, ...")

    # Production rules.
    if cfg.production:
        if not db.multi_az:
            add("database.multi_az", db.multi_az, "a production environment needs a Multi-AZ database",
                "set database.multi_az to True")
        if cfg.removal == "destroy":
            add("removal", cfg.removal, "a production environment must not destroy its data when a stack is deleted",
                "set removal to 'snapshot' or 'retain'")
        if cfg.allow_branches:
            add("allow_branches", cfg.allow_branches, "branch environments derive from non-production environments only",
                "set allow_branches to False and branch from dev")

    # Network.
    try:
        vpc_net = ipaddress.IPv4Network(net.cidr, strict=True)
    except ValueError as exc:
        add("network.cidr", net.cidr, f"is not a valid IPv4 network ({exc})", "write it as e.g. '10.0.0.0/16'")
        vpc_net = None
    if vpc_net is not None:
        if not vpc_net.is_private or not any(
            vpc_net.subnet_of(ipaddress.IPv4Network(r)) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
        ):
            add("network.cidr", net.cidr, "must be inside a private range (10/8, 172.16/12, 192.168/16)",
                "pick an unused private range such as '10.3.0.0/16'")
        elif not 16 <= vpc_net.prefixlen <= 24:
            add("network.cidr", net.cidr, "a VPC must be between /16 and /24", "use a /16 to /24 network")
        else:
            per_az = sum(2 ** (32 - m) for m in (net.public_subnet_mask, net.private_subnet_mask, net.isolated_subnet_mask))
            needed = per_az * len(net.availability_zones)
            if needed > vpc_net.num_addresses:
                add("network.cidr", net.cidr,
                    f"too small for 3 subnet tiers in {len(net.availability_zones)} AZs ({needed} addresses needed, "
                    f"{vpc_net.num_addresses} available)",
                    "use a larger CIDR or larger subnet masks (network.*_subnet_mask)")
    for name in ("public_subnet_mask", "private_subnet_mask", "isolated_subnet_mask"):
        mask = getattr(net, name)
        if not 16 <= mask <= 28:
            add(f"network.{name}", mask, "subnet prefix length must be between 16 and 28", "use e.g. 24")
        elif vpc_net is not None and mask < vpc_net.prefixlen:
            add(f"network.{name}", mask, f"a subnet cannot be larger than the VPC ({net.cidr})", f"use a mask >= {vpc_net.prefixlen}")

    azs = net.availability_zones
    if len(azs) < 2:
        add("network.availability_zones", list(azs), "needs at least 2 availability zones (load balancer and Multi-AZ database need two)",
            f"list two or three zones, e.g. ['{cfg.region}a', '{cfg.region}b']")
    if len(set(azs)) != len(azs):
        add("network.availability_zones", list(azs), "lists a zone twice", "list each zone once")
    stray = [az for az in azs if not re.fullmatch(re.escape(cfg.region) + r"[a-z]", az)]
    # With a malformed region the zones cannot be judged (and the advice would repeat the typo).
    if stray and problems.ok("region"):
        add("network.availability_zones", list(azs), f"zones {stray} are not in region {cfg.region}",
            f"use zones of {cfg.region} such as '{cfg.region}a'")

    if net.egress == "none":
        if net.workloads_need_internet:
            add("network.egress", net.egress,
                "workloads need the internet (network.workloads_need_internet is True) but egress 'none' gives them no route",
                "choose a NAT egress mode, or set network.workloads_need_internet to False if the app only calls AWS services")
        # EC2 instances reach AWS APIs through the internet gateway (public single instance) or
        # are refused without egress (below); the in-VPC functions (migrations, secret
        # rotation) still need Secrets Manager.
        required = REQUIRED_ENDPOINTS_WITHOUT_NAT[compute.kind]
        missing = [e for e in required if e not in net.interface_endpoints]
        if missing:
            add("network.interface_endpoints", list(net.interface_endpoints),
                f"egress 'none' leaves {compute.kind} workloads without a route to {', '.join(missing)}",
                f"add {missing} to network.interface_endpoints, or choose a NAT egress mode")
    if len(set(net.interface_endpoints)) != len(net.interface_endpoints):
        add("network.interface_endpoints", list(net.interface_endpoints), "lists an endpoint twice", "list each once")
    # Written as the console shows them ("com.amazonaws.us-east-1.secretsmanager"), CDK would
    # prefix them again: refuse, naming the short form.
    qualified = [e for e in net.interface_endpoints if e.startswith(("com.amazonaws.", "aws."))]
    if qualified:
        short = [re.sub(r"^(com\.amazonaws|aws)\.([a-z]{2}(-gov)?-[a-z]+-\d\.)?", "", e) for e in qualified]
        add("network.interface_endpoints", list(net.interface_endpoints),
            f"{qualified} are full service names; the region's prefix is added for you",
            f"write only the part after 'com.amazonaws.<region>.': {short}")
    bad_endpoints = [e for e in net.interface_endpoints if e not in qualified and (
        not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*", e) or e in ("s3", "dynamodb"))]
    if bad_endpoints:
        add("network.interface_endpoints", list(net.interface_endpoints),
            f"{bad_endpoints} are not interface endpoint service names (S3 and DynamoDB are gateway endpoints)",
            "use names such as 'ecr.api', 'logs', 'secretsmanager'")
    if net.egress == "nat-instance" and not re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+", net.nat_instance_type):
        add("network.nat_instance_type", net.nat_instance_type, "is not an EC2 instance type", "use e.g. 't4g.nano'")
    if net.flow_log_retention_days not in LOG_RETENTION_DAYS:
        add("network.flow_log_retention_days", net.flow_log_retention_days, "is not a CloudWatch Logs retention value",
            "use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...")
    prefix_list = net.cloudfront_origin_prefix_list_id or CLOUDFRONT_ORIGIN_PREFIX_LISTS.get(cfg.region, "")
    if not prefix_list and not problems.ok("region"):
        pass  # a malformed region has no prefix list: the region's own message says what to fix
    elif not prefix_list:
        add("network.cloudfront_origin_prefix_list_id", net.cloudfront_origin_prefix_list_id,
            f"the CloudFront origin-facing prefix list of {cfg.region} is not known offline",
            "set it to the ID printed by `aws ec2 describe-managed-prefix-lists --filters "
            "Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`")
    elif not re.fullmatch(r"pl-[0-9a-f]{8,17}", prefix_list):
        add("network.cloudfront_origin_prefix_list_id", prefix_list, "is not a prefix list ID", "use the 'pl-...' ID")

    _validate_compute(cfg, add)

    # Database.
    _check_instance_class(db.instance_class, add)
    if db.allocated_storage_gib < RDS_POSTGRES_MIN_STORAGE_GIB:
        add("database.allocated_storage_gib", db.allocated_storage_gib,
            f"is below the PostgreSQL gp3 minimum of {RDS_POSTGRES_MIN_STORAGE_GIB} GiB",
            f"use {RDS_POSTGRES_MIN_STORAGE_GIB} or more")
    if not db.allocated_storage_gib <= db.max_allocated_storage_gib <= RDS_MAX_STORAGE_GIB:
        add("database.max_allocated_storage_gib", db.max_allocated_storage_gib,
            f"must lie between database.allocated_storage_gib ({db.allocated_storage_gib}) and {RDS_MAX_STORAGE_GIB}",
            "raise it to at least the allocated storage")
    if not 0 <= db.backup_retention_days <= 35:
        add("database.backup_retention_days", db.backup_retention_days, "RDS keeps backups for 0 to 35 days", "use 1-35")
    elif db.backup_retention_days == 0 and cfg.recovery.rpo_minutes < 24 * 60:
        add("database.backup_retention_days", 0,
            f"without backups there is no point-in-time recovery, but recovery.rpo_minutes is {cfg.recovery.rpo_minutes}",
            "keep at least 1 day of backups")
    if cfg.production and db.backup_retention_days < 7:
        add("database.backup_retention_days", db.backup_retention_days, "production keeps at least 7 days of backups",
            "set 7 to 35")
    if db.read_replica and not cfg.production and cfg.is_branch:
        add("database.read_replica", True, "branch environments do not get read replicas", "set it to False")
    if not 1150 <= db.port <= 65535:
        add("database.port", db.port, "RDS accepts ports 1150-65535", "use 5432")
    if cfg.recovery.rto_minutes <= 0 or cfg.recovery.rpo_minutes <= 0:
        add("recovery", dataclasses.asdict(cfg.recovery), "objectives must be positive minutes", "set both in minutes")
    elif cfg.recovery.rto_minutes < 60 and not db.multi_az:
        add("database.multi_az", False,
            f"recovery.rto_minutes is {cfg.recovery.rto_minutes}, which a single-AZ database cannot meet (restore takes longer)",
            "enable database.multi_az or relax recovery.rto_minutes")

    _validate_data(cfg, add)
    _validate_cache(cfg, add)
    _validate_auth(cfg, add)
    _validate_edge(cfg, add)
    _validate_observability(cfg, add)

    # Domain.
    dom = cfg.domain
    if dom.name:
        if not (dom.hosted_zone_id and dom.hosted_zone_name):
            add("domain.hosted_zone_id", dom.hosted_zone_id, f"domain.name is '{dom.name}' but the hosted zone is not set",
                "set domain.hosted_zone_id and domain.hosted_zone_name of the Route 53 zone that holds it")
        elif not (dom.name == dom.hosted_zone_name or dom.name.endswith("." + dom.hosted_zone_name)):
            add("domain.name", dom.name, f"is not inside the hosted zone '{dom.hosted_zone_name}'",
                "use a name in that zone or the zone that holds it")
        if not re.fullmatch(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", dom.name):
            add("domain.name", dom.name, "is not a lowercase DNS name", "write it like 'app.example.com'")
        if dom.hosted_zone_id and not re.fullmatch(r"Z[0-9A-Z]{4,32}", dom.hosted_zone_id):
            add("domain.hosted_zone_id", dom.hosted_zone_id, "is not a Route 53 hosted zone ID", "use the 'Z...' ID")
    elif dom.hosted_zone_id or dom.hosted_zone_name:
        add("domain.name", "", "a hosted zone is set but no domain name", "set domain.name or clear the hosted zone")

    name = cfg.stack_name(LONGEST_TIER)
    if problems.ok("app_name") and not STACK_NAME_RE.match(name):
        add("app_name", cfg.app_name, f"gives the invalid stack name '{name}'", "use a shorter app name")


# ECR image tags, and so release names (they also name the EC2 bundle in S3).
RELEASE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
# EC2 instance types: family letters, generation, attribute letters; a "g" attribute is Graviton.
INSTANCE_TYPE_RE = re.compile(r"^(?P<family>[a-z]+)(?P<generation>\d+)(?P<attributes>[a-z-]*)\.[a-z0-9]+$")


def is_graviton(instance_type: str) -> bool:
    match = INSTANCE_TYPE_RE.match(instance_type)
    return bool(match) and "g" in match["attributes"].split("-")[0]


def _validate_compute(cfg: EnvironmentConfig, add) -> None:
    compute, net = cfg.compute, cfg.network
    if not 1024 <= compute.container_port <= 65535:
        add("compute.container_port", compute.container_port, "must be an unprivileged port (1024-65535)", "use e.g. 3001")
    for name in ("min_count", "max_count"):
        if getattr(compute, name) < 1:
            add(f"compute.{name}", getattr(compute, name), "must be at least 1 (off hours scale to zero on their own)",
                f"set compute.{name} to 1 or more")
    if compute.min_count < 1 or compute.max_count < 1:
        pass  # reported above
    elif compute.min_count > compute.max_count:
        add("compute.min_count", compute.min_count, f"is greater than compute.max_count ({compute.max_count})",
            "lower min_count or raise max_count")
    if cfg.production and compute.min_count < 2:
        add("compute.min_count", compute.min_count, "a production service needs at least 2 tasks or instances (one per AZ)",
            "set compute.min_count to 2 or more")
    if compute.release and not RELEASE_RE.match(compute.release):
        add("compute.release", compute.release, "is not a valid release name (an ECR image tag)",
            "use letters, digits, '_', '.', '-' (up to 128, e.g. a commit SHA), or pass -c release=")
    if not compute.health_check_path.startswith("/") or " " in compute.health_check_path or len(compute.health_check_path) > 1024:
        add("compute.health_check_path", compute.health_check_path, "must be a URL path starting with '/'", "use e.g. '/api/health'")
    if not 1 <= compute.idle_timeout_seconds <= 4000:
        add("compute.idle_timeout_seconds", compute.idle_timeout_seconds, "the load balancer accepts 1-4000 seconds",
            "use e.g. 300 for WebSockets")
    if not (compute.stickiness_seconds == 0 or 1 <= compute.stickiness_seconds <= 604800):
        add("compute.stickiness_seconds", compute.stickiness_seconds, "must be 0 (off) or 1-604800 seconds", "use 0 or e.g. 3600")
    if not 0 <= compute.deregistration_delay_seconds <= 3600:
        add("compute.deregistration_delay_seconds", compute.deregistration_delay_seconds, "must be 0-3600 seconds", "use e.g. 30")
    if not 10 <= compute.cpu_target_percent <= 95:
        add("compute.cpu_target_percent", compute.cpu_target_percent, "must be 10-95 percent", "use 70")
    if compute.requests_per_target < 0:
        add("compute.requests_per_target", compute.requests_per_target, "must be 0 (off) or a positive number", "use e.g. 1000")

    if compute.kind == "fargate":
        allowed = FARGATE_SIZES.get(compute.task_cpu)
        if allowed is None:
            add("compute.task_cpu", compute.task_cpu, "is not a Fargate CPU size",
                f"use one of {', '.join(map(str, FARGATE_SIZES))}")
        elif compute.task_memory_mib not in allowed:
            add("compute.task_memory_mib", compute.task_memory_mib,
                f"is not a valid memory size for {compute.task_cpu} CPU units",
                f"use one of {allowed[0]}..{allowed[-1]} in steps Fargate allows")
        if cfg.production and compute.fargate_spot:
            add("compute.fargate_spot", True, "production tasks must not be interruptible", "set compute.fargate_spot to False")
        if not 1 <= compute.ecr_keep_images <= 1000:
            add("compute.ecr_keep_images", compute.ecr_keep_images, "must be 1-1000 images", "use e.g. 30")
        if not re.fullmatch(r"[a-z0-9_.-]{1,32}(:[a-z0-9_.-]{1,32})?", compute.container_user) or compute.container_user in ("0", "root"):
            add("compute.container_user", compute.container_user, "must name a non-root user (name or UID)",
                "use '1000' (node in the Node.js images) or the user your image defines")
        if net.egress == "none" and not compute.release:
            add("compute.release", "", "with egress 'none' tasks cannot pull the placeholder image from a public registry",
                "push your image to the ECR repository and pass -c release=<tag>, or choose a NAT egress mode")
        if net.egress == "none" and compute.xray_tracing:
            add("compute.xray_tracing", True, "with egress 'none' tasks cannot pull the X-Ray daemon image from ECR Public",
                "turn X-Ray off here or choose a NAT egress mode")
        if not re.fullmatch(r"[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?", compute.placeholder_image):
            add("compute.placeholder_image", compute.placeholder_image, "is not a container image reference",
                "use e.g. 'public.ecr.aws/docker/library/node:22-alpine'")
        if net.egress == "none" and compute.ecs_exec and "ssmmessages" not in net.interface_endpoints:
            add("compute.ecs_exec", True, "ECS Exec needs the 'ssmmessages' endpoint when egress is 'none'",
                "add 'ssmmessages' to network.interface_endpoints or turn ECS Exec off")
    if compute.placement == "public-single-instance":
        if compute.kind != "ec2":
            add("compute.placement", compute.placement, "only the EC2 variant has a single-instance layout",
                "set compute.kind to 'ec2' or placement to 'private'")
        elif (compute.min_count, compute.max_count) != (1, 1):
            add("compute.placement", compute.placement,
                f"is one instance, but compute.min_count/max_count are {compute.min_count}/{compute.max_count}",
                "set compute.min_count and compute.max_count to 1, or use placement 'private'")
    if compute.kind == "ec2":
        if not INSTANCE_TYPE_RE.match(compute.instance_type):
            add("compute.instance_type", compute.instance_type, "is not an EC2 instance type", "use e.g. 't4g.small'")
        elif is_graviton(compute.instance_type) != (compute.cpu_architecture == "arm64"):
            add("compute.instance_type", compute.instance_type, f"does not match compute.cpu_architecture '{compute.cpu_architecture}'",
                "use a Graviton type (t4g, m7g, ...) for arm64 or an Intel/AMD type for x86_64")
        if not 8 <= compute.root_volume_gib <= 16384:
            add("compute.root_volume_gib", compute.root_volume_gib, "must be 8-16384 GiB (the AMI needs 8)", "use e.g. 20")
        if not 1024 <= compute.process_port <= 65535 or compute.process_port == compute.container_port:
            add("compute.process_port", compute.process_port,
                f"must be an unprivileged port other than compute.container_port ({compute.container_port}), where Nginx listens",
                "use e.g. 3000")
        if net.egress == "none" and compute.placement == "private":
            add("compute.kind", "ec2", "instances install PM2 from the npm registry at boot, but egress 'none' gives them no internet",
                "choose a NAT egress mode, or placement 'public-single-instance'")
    if compute.bastion:
        if not INSTANCE_TYPE_RE.match(compute.bastion_instance_type) or not is_graviton(compute.bastion_instance_type):
            add("compute.bastion_instance_type", compute.bastion_instance_type, "must be a Graviton (arm64) instance type",
                "use e.g. 't4g.nano'")
        missing = [e for e in ("ssm", "ssmmessages", "ec2messages") if e not in net.interface_endpoints]
        if net.egress == "none" and missing:
            add("compute.bastion", True, f"Session Manager needs the {missing} endpoints when egress is 'none'",
                f"add {missing} to network.interface_endpoints or turn the bastion off")


# Performance Insights is not offered on the smallest burstable classes.
NO_PERFORMANCE_INSIGHTS = {"t3.micro", "t3.small", "t4g.micro", "t4g.small"}
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
# Aurora PostgreSQL versions that can scale to 0 ACU: 13.15+, 14.12+, 15.7+, 16.3+ and newer majors.
SCALE_TO_ZERO_MINIMUM = {13: 15, 14: 12, 15: 7, 16: 3}
RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
# Cognito app client limits: callback (and logout) URLs per client, and characters per URL.
COGNITO_MAX_URLS = 100
COGNITO_MAX_URL_LENGTH = 1024


# RDS instance classes without the "db." prefix: family (burstable t, general m, memory r/x/z),
# generation, attributes (g = Graviton, d = local NVMe, ...), size.
INSTANCE_CLASS_RE = re.compile(r"^[tmrxz]\d+[a-z-]*\.[a-z0-9]+$")
# Classes RDS offers for PostgreSQL 12 at most (the project requires 14 or newer).
PREVIOUS_GENERATION_CLASSES = {"t1", "t2", "m1", "m2", "m3", "m4", "r3", "r4"}


def _check_instance_class(instance_class: str, add) -> None:
    """Report a malformed ``database.instance_class`` (the common mistake: the "db." prefix),
    or a previous-generation class RDS no longer offers for PostgreSQL."""
    if INSTANCE_CLASS_RE.match(instance_class):
        family = instance_class.split(".")[0]
        if family in PREVIOUS_GENERATION_CLASSES:
            add("database.instance_class", instance_class,
                f"db.{family} is a previous generation RDS does not offer for PostgreSQL 13 and newer",
                "use 't4g.micro' (Graviton, the cheapest) or 't3.micro'")
        return
    if instance_class.startswith("db.") and INSTANCE_CLASS_RE.match(instance_class[3:]):
        add("database.instance_class", instance_class, "is written with the 'db.' prefix, which is added for you",
            f"write '{instance_class[3:]}'")
    else:
        add("database.instance_class", instance_class, "is not an RDS instance class", "use e.g. 't4g.micro' or 'm7g.large'")


def _validate_data(cfg: EnvironmentConfig, add) -> None:
    db, storage = cfg.database, cfg.storage
    version = re.fullmatch(r"(\d+)\.(\d+)", db.engine_version)
    if not version:
        add("database.engine_version", db.engine_version, "must be a full PostgreSQL version", "write it like '18.3'")
    elif int(version.group(1)) < 14:
        add("database.engine_version", db.engine_version, "PostgreSQL before 14 is out of standard support", "use 16 or newer")
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", db.database_name):
        add("database.database_name", db.database_name, "must be lowercase letters, digits or _, starting with a letter",
            "use e.g. 'webapp'")
    if db.engine == "aurora-serverless-v2":
        for name, low in (("serverless_min_acu", 0), ("serverless_max_acu", 1)):
            value = getattr(db, name)
            if value * 2 != int(value * 2) or not low <= value <= 256:
                add(f"database.{name}", value, f"capacity is {low} to 256 ACU in steps of 0.5", "use e.g. min 0 and max 4")
        if 0 <= db.serverless_min_acu <= 256 and 1 <= db.serverless_max_acu <= 256 and db.serverless_min_acu > db.serverless_max_acu:
            add("database.serverless_min_acu", db.serverless_min_acu,
                f"is above database.serverless_max_acu ({db.serverless_max_acu})", "lower the minimum or raise the maximum")
        if db.serverless_min_acu == 0:
            if cfg.production:
                add("database.serverless_min_acu", 0.0, "a production database must not pause (the first request after a pause waits ~15 s)",
                    "set database.serverless_min_acu to 0.5 or more")
            if version:
                major, minor = int(version.group(1)), int(version.group(2))
                if major in SCALE_TO_ZERO_MINIMUM and minor < SCALE_TO_ZERO_MINIMUM[major] or major < 13:
                    add("database.engine_version", db.engine_version, "this Aurora PostgreSQL version cannot scale to 0 ACU",
                        "use 16.3 or newer, or set database.serverless_min_acu to 0.5")
        if not 5 <= db.serverless_pause_after_minutes <= 1440:
            add("database.serverless_pause_after_minutes", db.serverless_pause_after_minutes,
                "Aurora pauses after 5 to 1440 minutes of inactivity", "use e.g. 15")
    if db.performance_insights and db.engine == "postgres" and db.instance_class in NO_PERFORMANCE_INSIGHTS:
        add("database.performance_insights", True, f"Performance Insights is not available on db.{db.instance_class}",
            "set it to False, or use a medium or larger class")
    if db.monitoring_interval_seconds not in MONITORING_INTERVALS:
        add("database.monitoring_interval_seconds", db.monitoring_interval_seconds, "is not an enhanced monitoring interval",
            f"use one of {', '.join(map(str, MONITORING_INTERVALS))}")
    if db.log_min_duration_statement_ms < -1:
        add("database.log_min_duration_statement_ms", db.log_min_duration_statement_ms, "must be -1 (off) or a duration",
            "use e.g. 500")
    if not 1 <= db.credential_rotation_days <= 365:
        add("database.credential_rotation_days", db.credential_rotation_days, "Secrets Manager rotates every 1 to 365 days",
            "use e.g. 30")
    if storage.noncurrent_versions_to_glacier_days < 1:
        add("storage.noncurrent_versions_to_glacier_days", storage.noncurrent_versions_to_glacier_days, "must be at least 1 day",
            "use e.g. 90")
    if storage.noncurrent_versions_expire_days <= storage.noncurrent_versions_to_glacier_days:
        add("storage.noncurrent_versions_expire_days", storage.noncurrent_versions_expire_days,
            f"must be later than the move to Glacier ({storage.noncurrent_versions_to_glacier_days} days)",
            "expire at least 90 days after the move (Glacier's minimum storage duration)")
    if storage.access_log_retention_days < 1:
        add("storage.access_log_retention_days", storage.access_log_retention_days, "must be at least 1 day", "use e.g. 90")


def _validate_cache(cfg: EnvironmentConfig, add) -> None:
    cache = cfg.cache
    if not cache.enabled:
        return
    if not re.fullmatch(r"cache\.[a-z0-9]+\.[a-z0-9]+", cache.node_type):
        add("cache.node_type", cache.node_type, "is not an ElastiCache node type", "use e.g. 'cache.t4g.micro'")
    if not re.fullmatch(r"[67]\.\d+", cache.engine_version):
        add("cache.engine_version", cache.engine_version, "must be a Redis 6.x or 7.x version", "use e.g. '7.1'")
    if cfg.production and not cache.multi_az:
        add("cache.multi_az", False, "a production cache needs a replica in a second AZ", "set cache.multi_az to True")
    if not 0 <= cache.snapshot_retention_days <= 35:
        add("cache.snapshot_retention_days", cache.snapshot_retention_days, "ElastiCache keeps snapshots 0 to 35 days", "use e.g. 1")


def _validate_auth(cfg: EnvironmentConfig, add) -> None:
    auth = cfg.auth
    if auth.mode == "cognito":
        if cfg.production and auth.mfa == "off":
            add("auth.mfa", auth.mfa, "a production user pool needs MFA", "set auth.mfa to 'optional' or 'required'")
        if auth.threat_protection != "off" and auth.feature_plan != "plus":
            add("auth.threat_protection", auth.threat_protection, "threat protection needs the Cognito 'plus' feature plan",
                "set auth.feature_plan to 'plus' or auth.threat_protection to 'off'")
        for name in ("callback_urls", "logout_urls"):
            if len(getattr(auth, name)) > COGNITO_MAX_URLS:
                add(f"auth.{name}", f"{len(getattr(auth, name))} URLs", f"Cognito takes at most {COGNITO_MAX_URLS}",
                    "list fewer (the site's own origins are added for you)")
            for url in getattr(auth, name):
                if len(url) > COGNITO_MAX_URL_LENGTH:
                    add(f"auth.{name}", f"{url[:40]}...", f"a URL is {len(url)} characters; Cognito takes at most {COGNITO_MAX_URL_LENGTH}",
                        "use a shorter URL")
                    continue
                local = re.fullmatch(r"http://localhost(:\d+)?(/.*)?", url)
                if not (local or re.fullmatch(r"https://[a-z0-9.-]+(:\d+)?(/\S*)?", url)):
                    add(f"auth.{name}", url, "must be an https:// URL (http:// only for localhost)",
                        "write it like 'https://app.example.com/'")
        for name, low, high in (("access_token_minutes", 5, 1440), ("id_token_minutes", 5, 1440), ("refresh_token_days", 1, 3650)):
            value = getattr(auth, name)
            if not low <= value <= high:
                add(f"auth.{name}", value, f"Cognito allows {low} to {high}", f"use a value in {low}-{high}")
        # Only a configured prefix is the user's to fix; the derived one is always valid.
        room = BRANCH_PREFIX_HASH + 1 if cfg.allow_branches or cfg.is_branch else 0
        if auth.domain_prefix and not _valid_domain_prefix(auth.domain_prefix, room=room):
            add("auth.domain_prefix", auth.domain_prefix,
                f"must be lowercase letters, digits or hyphens without 'aws', 'amazon' or 'cognito', at most {63 - room} "
                "characters" + (" (branch environments append a suffix of their own within Cognito's 63)" if room else ""),
                "set auth.domain_prefix to another name, e.g. 'webapp-login'")
        if not 8 <= auth.password_min_length <= 99:
            add("auth.password_min_length", auth.password_min_length, "must be 8 to 99 characters", "use 12 or more")
    elif not 1 <= auth.jwt_secret_rotation_days <= 365:
        add("auth.jwt_secret_rotation_days", auth.jwt_secret_rotation_days, "must be 1 to 365 days", "use e.g. 90")


# CloudFront's limit on a Content-Security-Policy value in a response headers policy.
CLOUDFRONT_MAX_CSP = 1783
# CloudFront's origin timeouts (seconds): up to 60 without a quota increase, 180 with one.
CLOUDFRONT_MAX_ORIGIN_TIMEOUT = 180
# AWS WAF's rate-based rule limits (requests per evaluation window).
WAF_RATE_LIMIT_RANGE = (10, 2_000_000_000)
UPLOADS_PATH_RE = re.compile(r"^/[a-z0-9][a-z0-9_-]*/\*$")
PROJECT_ROOT = Path(__file__).resolve().parent.parent


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
TOPIC_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_DAY = r"(MON|TUE|WED|THU|FRI|SAT|SUN)"
DAYS_RE = re.compile(rf"^{_DAY}(-{_DAY})?(,{_DAY}(-{_DAY})?)*$")
# Memory (GiB) of burstable RDS classes by size; m classes have 4 GiB per vCPU, r classes 8.
_BURSTABLE_MEMORY_GIB = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
_MEMORY_PER_VCPU_GIB = {"m": 4, "r": 8}
# RDS for PostgreSQL's default: max_connections = LEAST({DBInstanceClassMemory/9531392}, 5000).
_BYTES_PER_CONNECTION = 9531392


def _vcpus(size: str) -> int | None:
    if size == "large":
        return 2
    if size == "xlarge":
        return 4
    match = re.fullmatch(r"(\d+)xlarge", size)
    return 4 * int(match[1]) if match else None


def database_max_connections(cfg: EnvironmentConfig) -> int | None:
    """The connection limit the alarm compares against: ``observability.database_max_connections``,
    or PostgreSQL's default for the class's memory (Aurora Serverless v2: 2 GiB per ACU at the
    maximum capacity); None when the class is not known offline."""
    if cfg.observability.database_max_connections:
        return cfg.observability.database_max_connections
    db = cfg.database
    if db.engine == "aurora-serverless-v2":
        memory_gib: float | None = db.serverless_max_acu * 2
    else:
        family, _, size = db.instance_class.partition(".")
        if family.startswith("t"):
            memory_gib = _BURSTABLE_MEMORY_GIB.get(size)
        else:
            per_vcpu, vcpus = _MEMORY_PER_VCPU_GIB.get(family[:1]), _vcpus(size)
            memory_gib = per_vcpu * vcpus if per_vcpu and vcpus else None
    if not memory_gib:
        return None
    return min(int(memory_gib * 2**30 / _BYTES_PER_CONNECTION), 5000)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _validate_observability(cfg: EnvironmentConfig, add) -> None:
    obs, hours = cfg.observability, cfg.off_hours
    for name in ("critical_emails", "warning_emails", "branch_emails"):
        bad = [e for e in getattr(obs, name) if not EMAIL_RE.match(e)]
        if bad:
            add(f"observability.{name}", list(getattr(obs, name)), f"{bad} are not email addresses", "write them like 'oncall@example.com'")
    for name, low, high in (("service_cpu_percent", 1, 100), ("service_memory_percent", 1, 100),
                            ("database_cpu_percent", 1, 100), ("database_free_storage_percent", 1, 99),
                            ("database_connections_percent", 1, 100), ("cdn_5xx_rate_percent", 1, 100),
                            ("service_alarm_minutes", 1, 60), ("unhealthy_host_minutes", 1, 60)):
        value = getattr(obs, name)
        if not low <= value <= high:
            add(f"observability.{name}", value, f"must be between {low} and {high}", f"use a value from {low} to {high}")
    for name in ("replica_lag_seconds", "load_balancer_5xx_per_minute", "waf_blocked_requests_per_5_minutes"):
        if getattr(obs, name) < 1:
            add(f"observability.{name}", getattr(obs, name), "an alarm threshold must be 1 or more", "use a positive number")
    idle_ms = cfg.compute.idle_timeout_seconds * 1000
    if not 10 <= obs.p99_latency_ms <= idle_ms:
        add("observability.p99_latency_ms", obs.p99_latency_ms,
            f"must be between 10 ms and the load balancer idle timeout ({idle_ms} ms)", "use e.g. 2000")
    if obs.database_max_connections < 0:
        add("observability.database_max_connections", obs.database_max_connections, "cannot be negative",
            "use 0 (derived from the instance class) or the database's max_connections")
    elif database_max_connections(cfg) is None and INSTANCE_CLASS_RE.match(cfg.database.instance_class):
        add("database.instance_class", cfg.database.instance_class,
            "its memory, and so PostgreSQL's default connection limit the connections alarm compares against, is not known offline",
            "set observability.database_max_connections to the database's max_connections")
    if obs.monthly_budget_usd < 0:
        add("observability.monthly_budget_usd", obs.monthly_budget_usd, "cannot be negative", "use 0 (no budget) or the monthly amount in USD")
    if obs.trail_retention_days < 1:
        add("observability.trail_retention_days", obs.trail_retention_days, "must be 1 or more", "use e.g. 365")
    if cfg.production:
        if not obs.cloudtrail:
            add("observability.cloudtrail", False, "a production environment keeps an audit trail", "set it to True")
        elif obs.trail_retention_days < 365:
            add("observability.trail_retention_days", obs.trail_retention_days,
                "production keeps a year of audit history (PCI DSS 10.7)", "use 365 or more")
    if hours.enabled:
        if cfg.production:
            add("off_hours.enabled", True, "production must not stop outside working hours", "set it to False")
        if cfg.database.read_replica:
            add("off_hours.enabled", True, "an RDS instance with a read replica cannot be stopped",
                "turn off database.read_replica or off_hours.enabled")
        clocks_ok = True
        for name in ("start_at", "stop_at"):
            if not TIME_RE.match(getattr(hours, name)):
                clocks_ok = False
                add(f"off_hours.{name}", getattr(hours, name), "is not a 24-hour time", "write it as 'HH:MM', e.g. '07:00'")
        if clocks_ok and _minutes(hours.start_at) >= _minutes(hours.stop_at):
            add("off_hours.stop_at", hours.stop_at, f"must be later than off_hours.start_at ({hours.start_at}) on the same day",
                "use working hours such as 07:00 to 20:00")
        if not DAYS_RE.match(hours.days):
            add("off_hours.days", hours.days, "is not a list of weekdays", "use e.g. 'MON-FRI' or 'MON,WED,FRI'")
        # The zone names come from the system's tz database; where it is missing, only UTC is checked.
        known_zones = zoneinfo.available_timezones()
        if hours.timezone != "UTC" and known_zones and hours.timezone not in known_zones:
            add("off_hours.timezone", hours.timezone, "is not an IANA time zone", "use e.g. 'UTC' or 'Europe/Berlin'")
    names = [t.name for t in cfg.application_topics]
    for index, topic in enumerate(cfg.application_topics):
        if not TOPIC_NAME_RE.match(topic.name):
            add(f"application_topics[{index}].name", topic.name, "must be 1-40 lowercase letters, digits or hyphens, starting with a letter",
                "use e.g. 'stock-alerts'")
        elif topic.name in names[:index]:
            add(f"application_topics[{index}].name", topic.name, "is used by two topics", "give each topic its own name")
        bad = [e for e in topic.emails if not EMAIL_RE.match(e)]
        if bad:
            add(f"application_topics[{index}].emails", list(topic.emails), f"{bad} are not email addresses",
                "write them like 'admin@example.com'")


def site_path(cfg: EnvironmentConfig) -> Path:
    """The SPA folder uploaded on deploy: ``edge.site_directory`` relative to this project."""
    return PROJECT_ROOT / cfg.edge.site_directory


def _validate_edge(cfg: EnvironmentConfig, add) -> None:
    edge, waf = cfg.edge, cfg.waf
    if edge.frontend == "spa":
        site = site_path(cfg)
        if not (site / "index.html").is_file():
            add("edge.site_directory", edge.site_directory, f"has no index.html (looked in {site})",
                "point it at the SPA's build output (e.g. 'frontend/dist'), relative to this project, or use 'frontend/placeholder'")
    else:
        if not re.fullmatch(r"https://[A-Za-z0-9.-]+/\S+", edge.amplify_repository):
            add("edge.amplify_repository", edge.amplify_repository, "edge.frontend is 'amplify' but no HTTPS repository URL is set",
                "set it to the frontend's Git repository, e.g. 'https://github.com/example/storefront'")
        if not re.fullmatch(r"[A-Za-z0-9/_+=.@-]{1,512}", edge.amplify_token_secret):
            add("edge.amplify_token_secret", edge.amplify_token_secret,
                "edge.frontend is 'amplify' but no Secrets Manager secret name is set for the repository token",
                "create the secret by hand (aws secretsmanager create-secret --name webapp/amplify-github-token ...) and name it here")
        if not cfg.production and not edge.amplify_basic_auth:
            add("edge.amplify_basic_auth", False, "a non-production Amplify site must not be open to everyone",
                "set edge.amplify_basic_auth to True (only production sites are public)")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/._-]{0,254}", cfg.amplify_git_branch):
            if cfg.is_branch:  # a branch environment builds its own branch: the name came from -c branch=
                add("branch", cfg.branch, "Amplify builds this branch, but does not accept its name (letters, digits, / . _ -, "
                    "at most 255, starting with a letter or digit)", "deploy the branch environment from a branch so named")
            else:
                add("edge.amplify_branch", cfg.amplify_git_branch, "is not a Git branch name Amplify accepts", "use e.g. 'main'")
    if not edge.content_security_policy.strip() or any(c in edge.content_security_policy for c in "\r\n\""):
        add("edge.content_security_policy", edge.content_security_policy, "must be one non-empty header line without quotes",
            "write directives separated by '; ', e.g. \"default-src 'self'; frame-ancestors 'none'\"")
    elif len(edge.content_security_policy) > CLOUDFRONT_MAX_CSP:
        add("edge.content_security_policy", f"{edge.content_security_policy[:40]}...",
            f"is {len(edge.content_security_policy)} characters; CloudFront's response headers policy takes at most {CLOUDFRONT_MAX_CSP}",
            "shorten it (group sources under 'default-src', drop redundant directives)")
    if edge.uploads_path:
        if not UPLOADS_PATH_RE.match(edge.uploads_path):
            add("edge.uploads_path", edge.uploads_path, "must be a CloudFront path pattern of one folder", "write it like '/uploads/*'")
        elif edge.uploads_path in ("/api/*", "/ws/*"):
            add("edge.uploads_path", edge.uploads_path, "is the API's path", "use another folder, e.g. '/uploads/*'")
        if not cfg.storage.uploads_bucket:
            add("edge.uploads_path", edge.uploads_path, "serves the uploads bucket, but storage.uploads_bucket is False",
                "set storage.uploads_bucket to True or edge.uploads_path to ''")
    idle = cfg.compute.idle_timeout_seconds
    for name in ("origin_read_timeout_seconds", "origin_keepalive_timeout_seconds"):
        value = getattr(edge, name)
        if not 1 <= value <= CLOUDFRONT_MAX_ORIGIN_TIMEOUT:
            add(f"edge.{name}", value, f"CloudFront allows 1 to {CLOUDFRONT_MAX_ORIGIN_TIMEOUT} seconds (above 60 with a quota increase)",
                "use e.g. 60")
    if edge.origin_keepalive_timeout_seconds >= idle:
        add("edge.origin_keepalive_timeout_seconds", edge.origin_keepalive_timeout_seconds,
            f"must be below compute.idle_timeout_seconds ({idle}), or CloudFront reuses connections the load balancer has closed (502s)",
            f"lower it below {idle} or raise compute.idle_timeout_seconds")
    low, high = WAF_RATE_LIMIT_RANGE
    if not low <= waf.rate_limit <= high:
        add("waf.rate_limit", waf.rate_limit, f"AWS WAF accepts {low} to {high} requests per 5 minutes", "use e.g. 2000")
    if cfg.production and waf.mode == "count":
        add("waf.mode", waf.mode, "a production web ACL that only counts blocks nothing",
            "tune in staging with 'count', then use 'block' in production")


# Length of the hash a branch environment's hosted UI prefix may carry (plus its hyphen).
BRANCH_PREFIX_HASH = 10
COGNITO_PREFIX_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _valid_domain_prefix(prefix: str, *, room: int = 0) -> bool:
    """A Cognito hosted UI prefix: <= 63 (less ``room``) lowercase letters, digits, hyphens, no reserved word."""
    return (bool(COGNITO_PREFIX_RE.match(prefix)) and len(prefix) + room <= 63
            and not any(w in prefix for w in RESERVED_DOMAIN_WORDS))


def domain_prefix(cfg: EnvironmentConfig) -> str:
    """Hosted UI prefix, unique per region: ``auth.domain_prefix``, or ``<app>-<env>-<account>``;
    a branch environment appends its branch (it must not take its parent's prefix).

    Prefixes may not contain "aws", "amazon" or "cognito" nor exceed 63 characters. Where a
    derived prefix would break that (a branch ``feature/aws-sdk-v3``, a long branch name), a
    hash of it stands in for the part that does not fit, so it stays unique and valid.
    """
    configured = cfg.auth.domain_prefix
    if configured and not cfg.is_branch:
        return configured
    readable = f"{configured}-{cfg.branch_slug}" if configured else f"{cfg.app_name}-{cfg.qualified_name}-{cfg.account}"
    if _valid_domain_prefix(readable):
        return readable
    return f"{configured or cfg.env_name}-{hashlib.sha256(readable.encode()).hexdigest()[:BRANCH_PREFIX_HASH]}"


# ---------------------------------------------------------------- entry points


def _environment_settings(profile: Profile, env: str) -> Mapping:
    """The ``SETTINGS`` of the environment's file (imported on first use)."""
    module = import_settings(profile.environments[env])
    settings = getattr(module, "SETTINGS", None)
    if not isinstance(settings, Mapping):
        raise ConfigError([
            f"{settings_file(profile.environments[env])}: has no SETTINGS dictionary. "
            "Fix: define SETTINGS: dict = {...} with the environment's settings."
        ])
    return settings


def _raw_settings(profile: Profile, env: str) -> dict:
    """Defaults, then the profile's common settings, then the environment's own."""
    return deep_merge(deep_merge(DEFAULTS, profile.common), _environment_settings(profile, env))


def _build(profile: Profile, env: str, *, branch: str, account: str | None, release: str | None,
           overrides: Mapping | None) -> EnvironmentConfig | ConfigError:
    source = settings_file(profile.environments[env])
    data = _raw_settings(profile, env)
    if branch:
        data = deep_merge(data, BRANCH_OVERRIDES)
    if overrides:
        data = deep_merge(data, overrides)
    context = {}
    if account:
        data["account"] = account
        context["account"] = CONTEXT_SETTINGS["account"]
    if release:
        data = deep_merge(data, {"compute": {"release": release}})
        context["compute.release"] = CONTEXT_SETTINGS["compute.release"]
    if branch:
        context["branch"] = "-c branch="
    data.update(env_name=env, profile=profile.name)
    problems = _Problems(profile.name, env, source, branch=branch, context=context)
    cfg = _parse_dataclass(EnvironmentConfig, data, "", problems)
    if cfg is not None:
        if not cfg.network.cloudfront_origin_prefix_list_id and cfg.region in CLOUDFRONT_ORIGIN_PREFIX_LISTS:
            cfg = dataclasses.replace(
                cfg,
                network=dataclasses.replace(cfg.network, cloudfront_origin_prefix_list_id=CLOUDFRONT_ORIGIN_PREFIX_LISTS[cfg.region]),
            )
        if branch:
            cfg = dataclasses.replace(cfg, branch=branch, branch_slug=sanitize_branch(branch))
        _validate(cfg, problems)
    return ConfigError(problems.items) if problems.items else cfg


def load(
    *,
    profile: str | None = None,
    env: str | None = None,
    branch: str | None = None,
    account: str | None = None,
    release: str | None = None,
    overrides: Mapping[str, Mapping] | None = None,
) -> list[EnvironmentConfig]:
    """Configurations to synthesize: every environment of the profile, or ``env`` only.

    The whole profile is always validated (CIDRs are compared across environments),
    so a mistake in prod is reported even while working on dev. ``overrides`` maps
    an environment name to extra settings (tests use it to try variants). ``release``
    (what CI deploys: an image tag or bundle name) applies to ``env`` and its branch.
    Raises ``ConfigError`` with every problem found.
    """
    profile_name = profile or DEFAULT_PROFILE
    if profile_name not in PROFILES:
        raise ConfigError([f"profile '{profile_name}' does not exist. Fix: use -c profile= with one of: {', '.join(sorted(PROFILES))}."])
    prof = PROFILES[profile_name]
    if env is not None and env not in prof.environments:
        raise ConfigError([
            f"environment '{env}' does not exist in profile '{profile_name}'. "
            f"Fix: use -c env= with one of: {', '.join(sorted(prof.environments))}."
        ])
    problems: list[str] = []
    branch = (branch or "").strip()
    if branch:
        parent = env or prof.branch_parent
        slug = sanitize_branch(branch)
        if not slug:
            problems.append(
                f"branch '{branch}': has no letters or digits, so it cannot name a stack. "
                "Fix: use a branch name with letters or digits (e.g. feature/login-page)."
            )
        elif not slug[0].isalpha():
            problems.append(
                f"branch '{branch}': sanitized to '{slug}', which starts with a digit and cannot begin a resource name. "
                "Fix: start the branch name with a letter (e.g. fix-123 instead of 123-fix)."
            )
        if not _raw_settings(prof, parent).get("allow_branches"):
            parents = [e for e in prof.environments if _raw_settings(prof, e).get("allow_branches")]
            problems.append(
                f"environment '{parent}' (profile '{profile_name}'): allow_branches = False: branch environments cannot derive from it. "
                f"Fix: branch from {' or '.join(parents) or 'an environment with allow_branches'} with -c env=, "
                f"or set allow_branches in {settings_file(prof.environments[parent])}."
            )

    overrides = overrides or {}
    built: dict[str, EnvironmentConfig] = {}
    for name in prof.environments:
        # The release goes to the environment being deployed, not to a branch's parent.
        own_release = release if not branch and env in (None, name) else None
        result = _build(prof, name, branch="", account=account, release=own_release, overrides=overrides.get(name))
        if isinstance(result, ConfigError):
            problems.extend(result.problems)
        else:
            built[name] = result

    # Environments of one profile may be peered or joined by a transit gateway later:
    # their address ranges must not overlap.
    names = list(built)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            na, nb = built[a].network, built[b].network
            try:
                overlap = ipaddress.IPv4Network(na.cidr).overlaps(ipaddress.IPv4Network(nb.cidr))
            except ValueError:
                continue  # already reported as malformed
            if overlap:
                problems.append(
                    f"environment '{b}' (profile '{profile_name}'): network.cidr = '{nb.cidr}': overlaps "
                    f"environment '{a}' ({na.cidr}). Fix: give each environment its own range "
                    f"(e.g. 10.0/10.1/10.2.0.0/16) in {settings_file(prof.environments[b])}."
                )

    selected: list[EnvironmentConfig] = []
    if branch and not problems:
        parent = env or prof.branch_parent
        result = _build(prof, parent, branch=branch, account=account, release=release, overrides=overrides.get(parent))
        if isinstance(result, ConfigError):
            problems.extend(result.problems)
        else:
            selected = [result]
    elif not branch:
        selected = [built[n] for n in built if env is None or n == env]
    if problems:
        # A value from the command line is checked in every environment but reported once.
        raise ConfigError(dict.fromkeys(problems))
    return selected
