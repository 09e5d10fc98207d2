"""`database`, `recovery` and `storage`: the instance class, storage ceiling, backups against
the recovery objectives, engine support, Aurora capacity and pausing, Performance Insights,
bucket lifecycles. (Ranges, the engine version's form, the database name and monitoring
intervals are limits in ``config/schema.py``.)
"""

from __future__ import annotations

import re

from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig

RDS_MAX_STORAGE_GIB = 65536

# Performance Insights is not offered on the smallest burstable classes.
NO_PERFORMANCE_INSIGHTS = {"t3.micro", "t3.small", "t4g.micro", "t4g.small"}
# Aurora PostgreSQL versions that can scale to 0 ACU: 13.15+, 14.12+, 15.7+, 16.3+ and newer majors.
SCALE_TO_ZERO_MINIMUM = {13: 15, 14: 12, 15: 7, 16: 3}

# RDS instance classes without the "db." prefix: family (burstable t, general m, memory r/x/z),
# generation, attributes (g = Graviton, d = local NVMe, ...), size.
INSTANCE_CLASS_RE = re.compile(r"^[tmrxz]\d+[a-z-]*\.[a-z0-9]+$")
# Classes RDS offers for PostgreSQL 12 at most (the project requires 14 or newer).
PREVIOUS_GENERATION_CLASSES = {"t1", "t2", "m1", "m2", "m3", "m4", "r3", "r4"}


@rule("database.instance-class-is-an-rds-class", "database.instance_class is an RDS class, written without the 'db.' prefix")
def instance_class_is_an_rds_class(cfg: EnvironmentConfig, problems: Problems) -> None:
    instance_class = cfg.database.instance_class
    if INSTANCE_CLASS_RE.match(instance_class):
        return
    if instance_class.startswith("db.") and INSTANCE_CLASS_RE.match(instance_class[3:]):
        problems.add("database.instance_class", instance_class, "is written with the 'db.' prefix, which is added for you",
                     f"write '{instance_class[3:]}'")
    else:
        problems.add("database.instance_class", instance_class, "is not an RDS instance class", "use e.g. 't4g.micro' or 'm7g.large'")


@rule("database.instance-class-current-generation", "the instance class is one RDS offers for current PostgreSQL")
def instance_class_current_generation(cfg: EnvironmentConfig, problems: Problems) -> None:
    instance_class = cfg.database.instance_class
    family = instance_class.split(".")[0]
    if INSTANCE_CLASS_RE.match(instance_class) and family in PREVIOUS_GENERATION_CLASSES:
        problems.add("database.instance_class", instance_class,
                     f"db.{family} is a previous generation RDS does not offer for PostgreSQL 13 and newer",
                     "use 't4g.micro' (Graviton, the cheapest) or 't3.micro'")


@rule("database.storage-ceiling", "the storage-autoscaling ceiling lies between the allocated storage and RDS's maximum")
def storage_ceiling(cfg: EnvironmentConfig, problems: Problems) -> None:
    db = cfg.database
    if problems.ok("database.allocated_storage_gib") and not db.allocated_storage_gib <= db.max_allocated_storage_gib <= RDS_MAX_STORAGE_GIB:
        problems.add("database.max_allocated_storage_gib", db.max_allocated_storage_gib,
                     f"must lie between database.allocated_storage_gib ({db.allocated_storage_gib}) and {RDS_MAX_STORAGE_GIB}",
                     "raise it to at least the allocated storage")


@rule("database.backups-for-point-in-time-recovery", "a recovery point under a day needs backups (point-in-time recovery)")
def backups_for_point_in_time_recovery(cfg: EnvironmentConfig, problems: Problems) -> None:
    db, rpo = cfg.database, cfg.recovery.rpo_minutes
    if problems.ok("database.backup_retention_days", "recovery.rpo_minutes") and db.backup_retention_days == 0 and rpo < 24 * 60:
        problems.add("database.backup_retention_days", 0,
                     f"without backups there is no point-in-time recovery, but recovery.rpo_minutes is {rpo}",
                     "keep at least 1 day of backups")


@rule("database.backup-retention-in-production", "production keeps at least 7 days of backups")
def backup_retention_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    db = cfg.database
    if cfg.production and problems.ok("database.backup_retention_days") and db.backup_retention_days < 7:
        problems.add("database.backup_retention_days", db.backup_retention_days, "production keeps at least 7 days of backups",
                     "set 7 to 35")


@rule("database.no-replica-in-branch-environments", "branch environments do not get read replicas")
def no_replica_in_branch_environments(cfg: EnvironmentConfig, problems: Problems) -> None:
    # BRANCH_OVERRIDES turns the replica off; this holds should that change.
    if cfg.database.read_replica and not cfg.production and cfg.is_branch:
        problems.add("database.read_replica", True, "branch environments do not get read replicas", "set it to False")


@rule("database.multi-az-for-a-short-rto", "an RTO under an hour needs a Multi-AZ database (a restore takes longer)")
def multi_az_for_a_short_rto(cfg: EnvironmentConfig, problems: Problems) -> None:
    rto = cfg.recovery.rto_minutes
    if problems.ok("recovery.rto_minutes") and rto < 60 and not cfg.database.multi_az:
        problems.add("database.multi_az", False,
                     f"recovery.rto_minutes is {rto}, which a single-AZ database cannot meet (restore takes longer)",
                     "enable database.multi_az or relax recovery.rto_minutes")


def _version(cfg: EnvironmentConfig) -> tuple[int, int] | None:
    """(major, minor) of ``database.engine_version``; None when malformed (a limit reports that)."""
    match = re.fullmatch(r"(\d+)\.(\d+)", cfg.database.engine_version)
    return (int(match[1]), int(match[2])) if match else None


@rule("database.engine-version-supported", "PostgreSQL 14 or newer (in standard support)")
def engine_version_supported(cfg: EnvironmentConfig, problems: Problems) -> None:
    version = _version(cfg)
    if version and version[0] < 14:
        problems.add("database.engine_version", cfg.database.engine_version, "PostgreSQL before 14 is out of standard support", "use 16 or newer")


@rule("database.aurora-min-not-above-max", "Aurora's minimum capacity is not above its maximum")
def aurora_min_not_above_max(cfg: EnvironmentConfig, problems: Problems) -> None:
    db = cfg.database
    if (db.engine == "aurora-serverless-v2" and problems.ok("database.serverless_min_acu", "database.serverless_max_acu")
            and db.serverless_min_acu > db.serverless_max_acu):
        problems.add("database.serverless_min_acu", db.serverless_min_acu,
                     f"is above database.serverless_max_acu ({db.serverless_max_acu})", "lower the minimum or raise the maximum")


@rule("database.aurora-does-not-pause-in-production", "a production Aurora database does not pause (min capacity above 0)")
def aurora_does_not_pause_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    db = cfg.database
    if db.engine == "aurora-serverless-v2" and db.serverless_min_acu == 0 and cfg.production:
        problems.add("database.serverless_min_acu", 0.0, "a production database must not pause (the first request after a pause waits ~15 s)",
                     "set database.serverless_min_acu to 0.5 or more")


@rule("database.aurora-version-scales-to-zero", "an Aurora database that pauses (0 ACU) runs a version that can")
def aurora_version_scales_to_zero(cfg: EnvironmentConfig, problems: Problems) -> None:
    db, version = cfg.database, _version(cfg)
    if db.engine != "aurora-serverless-v2" or db.serverless_min_acu != 0 or version is None:
        return
    major, minor = version
    if major in SCALE_TO_ZERO_MINIMUM and minor < SCALE_TO_ZERO_MINIMUM[major] or major < 13:
        problems.add("database.engine_version", db.engine_version, "this Aurora PostgreSQL version cannot scale to 0 ACU",
                     "use 16.3 or newer, or set database.serverless_min_acu to 0.5")


@rule("database.performance-insights-on-the-class", "Performance Insights only on classes that offer it (not micro/small)")
def performance_insights_on_the_class(cfg: EnvironmentConfig, problems: Problems) -> None:
    db = cfg.database
    if db.performance_insights and db.engine == "postgres" and db.instance_class in NO_PERFORMANCE_INSIGHTS:
        problems.add("database.performance_insights", True, f"Performance Insights is not available on db.{db.instance_class}",
                     "set it to False, or use a medium or larger class")


@rule("storage.intelligent-tiering-needs-the-uploads-bucket", "Intelligent-Tiering is set only with the uploads bucket it applies to")
def intelligent_tiering_needs_the_uploads_bucket(cfg: EnvironmentConfig, problems: Problems) -> None:
    storage = cfg.storage
    if problems.ok("storage.intelligent_tiering_days") and storage.intelligent_tiering_days and not storage.uploads_bucket:
        problems.add("storage.intelligent_tiering_days", storage.intelligent_tiering_days,
                     "moves the uploads bucket's objects, but storage.uploads_bucket is False",
                     "set storage.uploads_bucket to True or storage.intelligent_tiering_days to 0")


@rule("storage.versions-expire-after-glacier", "noncurrent versions expire after they move to Glacier")
def versions_expire_after_glacier(cfg: EnvironmentConfig, problems: Problems) -> None:
    storage = cfg.storage
    if (problems.ok("storage.noncurrent_versions_to_glacier_days")
            and storage.noncurrent_versions_expire_days <= storage.noncurrent_versions_to_glacier_days):
        problems.add("storage.noncurrent_versions_expire_days", storage.noncurrent_versions_expire_days,
                     f"must be later than the move to Glacier ({storage.noncurrent_versions_to_glacier_days} days)",
                     "expire at least 90 days after the move (Glacier's minimum storage duration)")
