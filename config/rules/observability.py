"""`observability`, `off_hours` and `application_topics`: subscribers, thresholds, the trail,
budgets, working hours, topic names.
"""

from __future__ import annotations

import re
import zoneinfo

from config.derived import database_max_connections
from config.parser import Problems
from config.rules.data import INSTANCE_CLASS_RE
from config.schema import EnvironmentConfig

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
TOPIC_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_DAY = r"(MON|TUE|WED|THU|FRI|SAT|SUN)"
DAYS_RE = re.compile(rf"^{_DAY}(-{_DAY})?(,{_DAY}(-{_DAY})?)*$")


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def check(cfg: EnvironmentConfig, problems: Problems) -> None:
    add = problems.add
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
