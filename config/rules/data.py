"""`database`, `recovery` and `storage`: instance class, storage, backups against the recovery
objectives, engine version, Aurora capacity, monitoring, rotation, bucket lifecycles.
"""

from __future__ import annotations

import dataclasses
import re

from config.parser import Problems
from config.schema import EnvironmentConfig

RDS_POSTGRES_MIN_STORAGE_GIB = 20
RDS_MAX_STORAGE_GIB = 65536


# Performance Insights is not offered on the smallest burstable classes.
NO_PERFORMANCE_INSIGHTS = {"t3.micro", "t3.small", "t4g.micro", "t4g.small"}
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
# Aurora PostgreSQL versions that can scale to 0 ACU: 13.15+, 14.12+, 15.7+, 16.3+ and newer majors.
SCALE_TO_ZERO_MINIMUM = {13: 15, 14: 12, 15: 7, 16: 3}


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


def check(cfg: EnvironmentConfig, problems: Problems) -> None:
    add = problems.add
    db = cfg.database
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
    storage = cfg.storage
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
