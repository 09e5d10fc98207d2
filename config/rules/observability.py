"""`observability`, `off_hours` and `application_topics`: the latency alarm against the idle
timeout, the connection limit, the trail in production and an audit trail for every long-lived
environment (its own or its account's), working hours, topic names. (Subscribers,
thresholds, budgets, clock times, days and topic names' form are limits in ``config/schema.py``.)
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator

from config.derived import account_trail, database_max_connections, environments_by_account
from config.errors import settings_file
from config.parser import Problems
from config.rules.registry import ProfileContext, rule
from config.schema import EnvironmentConfig


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


@rule("observability.p99-within-the-idle-timeout", "the p99 latency alarm lies between 10 ms and the load balancer's idle timeout")
def p99_within_the_idle_timeout(cfg: EnvironmentConfig, problems: Problems) -> None:
    latency, idle_ms = cfg.observability.p99_latency_ms, cfg.compute.idle_timeout_seconds * 1000
    if problems.ok("compute.idle_timeout_seconds") and not 10 <= latency <= idle_ms:
        problems.add("observability.p99_latency_ms", latency,
                     f"must be between 10 ms and the load balancer idle timeout ({idle_ms} ms)", "use e.g. 2000")


@rule("observability.connection-limit-known", "the database's connection limit (for the connections alarm) is known offline or set")
def connection_limit_known(cfg: EnvironmentConfig, problems: Problems) -> None:
    # A malformed class is reported by the data rules; this one asks only for what is missing.
    if (problems.ok("observability.database_max_connections", "database.instance_class", "database.serverless_max_acu")
            and database_max_connections(cfg) is None):
        problems.add("database.instance_class", cfg.database.instance_class,
                     "its memory, and so PostgreSQL's default connection limit the connections alarm compares against, is not known offline",
                     "set observability.database_max_connections to the database's max_connections")


@rule("observability.trail-in-production", "a production environment keeps an audit trail: its own, or asks for its account's")
def trail_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    # Production asks for the account trail itself rather than relying on another environment
    # that does: moved to an account of its own, it still gets one.
    if cfg.production and not cfg.observability.cloudtrail and not cfg.delivery.account_trail:
        problems.add("observability.cloudtrail", False,
                     "a production environment keeps an audit trail, and delivery.account_trail is False too",
                     "set delivery.account_trail to True (the account's trail, in its delivery stack), or this to True")


@rule("observability.a-year-of-audit-history-in-production", "production keeps a year of audit history (PCI DSS 10.7)")
def a_year_of_audit_history_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    # Whichever trail records production (its own, or the account's, which keeps the longest
    # retention of the environments relying on it) keeps at least this.
    obs = cfg.observability
    if cfg.production and problems.ok("observability.trail_retention_days") and obs.trail_retention_days < 365:
        problems.add("observability.trail_retention_days", obs.trail_retention_days,
                     "production keeps a year of audit history (PCI DSS 10.7)", "use 365 or more")


@rule("observability.long-lived-environments-are-audited",
      "a long-lived environment without a trail of its own is in an account whose delivery stack has the account trail", scope="profile")
def long_lived_environments_are_audited(context: ProfileContext) -> Iterator[str]:
    # Branch environments are never built here: they have no trail and live in their parent's account.
    for account, configs in environments_by_account(list(context.built.values())).items():
        if account_trail(configs) is not None:
            continue
        for cfg in configs:
            if not cfg.observability.cloudtrail:
                yield (f"environment '{cfg.env_name}' (profile '{context.profile.name}'): observability.cloudtrail = False, and no "
                       f"environment of account {account} sets delivery.account_trail, so nothing would record who did what there. "
                       f"Fix: set delivery.account_trail = True (one trail for the account, in its delivery stack: make deploy-delivery) "
                       f"or observability.cloudtrail = True in {settings_file(context.profile.environments[cfg.env_name])}.")


@rule("off_hours.not-in-production", "production does not stop outside working hours")
def not_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.off_hours.enabled and cfg.production:
        problems.add("off_hours.enabled", True, "production must not stop outside working hours", "set it to False")


@rule("off_hours.no-read-replica", "off hours do not stop a database with a read replica (RDS cannot)")
def no_read_replica(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.off_hours.enabled and cfg.database.read_replica:
        problems.add("off_hours.enabled", True, "an RDS instance with a read replica cannot be stopped",
                     "turn off database.read_replica or off_hours.enabled")


@rule("off_hours.stop-after-start", "working hours stop later than they start, on the same day")
def stop_after_start(cfg: EnvironmentConfig, problems: Problems) -> None:
    hours = cfg.off_hours
    if (hours.enabled and problems.ok("off_hours.start_at", "off_hours.stop_at")
            and _minutes(hours.start_at) >= _minutes(hours.stop_at)):
        problems.add("off_hours.stop_at", hours.stop_at, f"must be later than off_hours.start_at ({hours.start_at}) on the same day",
                     "use working hours such as 07:00 to 20:00")


@rule("off_hours.known-time-zone", "the working hours' time zone is an IANA name")
def known_time_zone(cfg: EnvironmentConfig, problems: Problems) -> None:
    hours = cfg.off_hours
    if not hours.enabled or hours.timezone == "UTC":
        return
    # The zone names come from the system's tz database; where it is missing, only UTC is checked.
    known_zones = zoneinfo.available_timezones()
    if known_zones and hours.timezone not in known_zones:
        problems.add("off_hours.timezone", hours.timezone, "is not an IANA time zone", "use e.g. 'UTC' or 'Europe/Berlin'")


@rule("application_topics.distinct-names", "every application topic has its own name")
def distinct_names(cfg: EnvironmentConfig, problems: Problems) -> None:
    names = [t.name for t in cfg.application_topics]
    for index, name in enumerate(names):
        if problems.ok(f"application_topics[{index}].name") and name in names[:index]:
            problems.add(f"application_topics[{index}].name", name, "is used by two topics", "give each topic its own name")
