"""Data tier: PostgreSQL, its schema migrations, and the buckets for user files."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from config.derived import name_prefix
from config.schema import EnvironmentConfig
from infra_constructs.app_settings import SecretField
from infra_constructs.application_topics import ApplicationTopics
from infra_constructs.buckets import AccessLogBucket, PrivateBucket, object_access_policy
from infra_constructs.cache import RedisCache
from infra_constructs.database import DatabaseMonitoring, PostgresDatabase, PostgresSettings
from infra_constructs.migrations import SchemaMigrations
from infra_constructs.off_hours import DatabaseOffHours
from infra_constructs.security_groups import immutable_view
from stacks.base import EnvironmentStack
from stacks.handoffs import ApplicationInputs, DatabaseHandoff, DataHandoff, NetworkHandoff
from stacks.settings import (
    REDIS_PORT,
    database_removal,
    edge_path_prefix,
    guardrail_reason,
    stateful_removal,
    working_hours,
)


class DataStack(EnvironmentStack):
    """Composes ``PostgresDatabase``, ``SchemaMigrations`` (when the profile applies
    this project's migrations), ``AccessLogBucket`` and the uploads ``PrivateBucket``.

    With ``cache.enabled``, also ``RedisCache``; with ``application_topics``, ``ApplicationTopics``
    (here, before compute: the application needs their ARNs and the permission to publish);
    with ``off_hours.enabled``, ``DatabaseOffHours``.

    Exposes ``database``, ``migrations`` (or None), ``access_logs``, ``uploads`` and
    ``uploads_access`` (the application's policy on it; both None without uploads),
    ``cache``, ``topics`` and ``off_hours`` (each or None); the later tiers take ``handoff``
    (``DataHandoff``, with the settings, secrets and policies the application gets from here).
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, network: NetworkHandoff, **kwargs) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        db = config.database
        database_sg = immutable_view(self, "DatabaseSecurityGroup", network.security_groups.database)
        functions_sg = immutable_view(self, "FunctionsSecurityGroup", network.security_groups.functions)
        self.database = PostgresDatabase(
            self,
            "Database",
            identifier=name_prefix(config),
            settings=PostgresSettings(
                engine=db.engine,
                engine_version=db.engine_version,
                database_name=db.database_name,
                port=db.port,
                instance_class=db.instance_class,
                allocated_storage_gib=db.allocated_storage_gib,
                max_allocated_storage_gib=db.max_allocated_storage_gib,
                serverless_min_acu=db.serverless_min_acu,
                serverless_max_acu=db.serverless_max_acu,
                serverless_pause_after=Duration.minutes(db.serverless_pause_after_minutes),
                multi_az=db.multi_az,
                single_az_reason=guardrail_reason(
                    config, "environment.production-multi-az-database",
                    outside_production="Single-AZ by this environment's configuration (non-production, RTO of hours); "
                                       "production is refused without Multi-AZ by the config validation."),
                read_replica=db.read_replica,
                backup_retention=Duration.days(db.backup_retention_days),
                deletion_protection=config.removal != "destroy",
                credential_rotation=Duration.days(db.credential_rotation_days),
            ),
            monitoring=DatabaseMonitoring(
                performance_insights=db.performance_insights,
                monitoring_interval=Duration.seconds(db.monitoring_interval_seconds) if db.monitoring_interval_seconds else None,
                log_min_duration_statement_ms=db.log_min_duration_statement_ms,
            ),
            vpc=network.vpc,
            subnets=network.data_subnets,
            security_group=database_sg,
            logs=network.logs,
            rotation_subnets=network.app_subnets,
            rotation_security_group=functions_sg,
            removal_policy=database_removal(config),
            key_removal_policy=stateful_removal(config),
        )
        self.migrations: SchemaMigrations | None = None
        if db.apply_migrations:
            primary = self.database.instance or self.database.cluster
            assert primary is not None  # PostgresDatabase creates one of the two
            self.migrations = SchemaMigrations(
                self,
                "Migrations",
                secret=self.database.secret,
                secret_key=self.database.key,
                database_dependency=primary,
                vpc=network.vpc,
                subnets=network.app_subnets,
                security_group=functions_sg,
                logs=network.logs,
            )
        self.access_logs = AccessLogBucket(
            self, "AccessLogs", retention_days=config.storage.access_log_retention_days, removal_policy=stateful_removal(config)
        )
        self.uploads: PrivateBucket | None = None
        if config.storage.uploads_bucket:
            self.uploads = PrivateBucket(
                self,
                "Uploads",
                purpose="uploads",
                access_logs=self.access_logs.bucket,
                noncurrent_to_glacier_days=config.storage.noncurrent_versions_to_glacier_days,
                noncurrent_expire_days=config.storage.noncurrent_versions_expire_days,
                intelligent_tiering_days=config.storage.intelligent_tiering_days,
                removal_policy=stateful_removal(config),
            )
        # Who may do what with the uploads is decided here, next to the bucket; the compute
        # tier attaches this policy to the application's role.
        self.uploads_access: iam.ManagedPolicy | None = None
        if self.uploads is not None:
            self.uploads_access = object_access_policy(
                self, "UploadsAccess", bucket=self.uploads,
                description="The application reads, writes and deletes user files in the uploads bucket")
            if config.edge.uploads_path:
                self.uploads.allow_cloudfront_reads(edge_path_prefix(config.edge.uploads_path))
        self.cache: RedisCache | None = None
        if config.cache.enabled:
            assert network.security_groups.cache is not None
            self.cache = RedisCache(
                self,
                "Cache",
                node_type=config.cache.node_type,
                engine_version=config.cache.engine_version,
                multi_az=config.cache.multi_az,
                single_node_reason=guardrail_reason(
                    config, "cache.multi-az-in-production",
                    outside_production="Single node by this environment's configuration (non-production; the cache holds only fan-out state "
                                       "that rebuilds itself); production requires cache.multi_az."),
                snapshot_retention_days=config.cache.snapshot_retention_days,
                subnet_ids=network.vpc.select_subnets(subnet_group_name="data").subnet_ids,
                security_group=immutable_view(self, "CacheSecurityGroup", network.security_groups.cache),
                port=REDIS_PORT,
                logs=network.logs,
                removal_policy=stateful_removal(config),
            )
        self.topics: ApplicationTopics | None = None
        if config.application_topics:
            self.topics = ApplicationTopics(
                self,
                "ApplicationTopics",
                name_prefix=name_prefix(config),
                topics={topic.name: topic.emails for topic in config.application_topics},
                removal_policy=stateful_removal(config),
            )
        self.off_hours: DatabaseOffHours | None = None
        hours = working_hours(config)
        if hours is not None:
            self.off_hours = DatabaseOffHours(
                self,
                "DatabaseOffHours",
                hours=hours,
                instance_id=self.database.instance_id,
                cluster_id=self.database.cluster_id,
                name_prefix=name_prefix(config),
            )
        self.handoff = DataHandoff(
            database=DatabaseHandoff(
                secret=self.database.secret,
                key=self.database.key,
                instance_id=self.database.instance_id,
                cluster_id=self.database.cluster_id,
                replica_id=self.database.replica.instance_identifier if self.database.replica is not None else None,
                allocated_storage_gib=db.allocated_storage_gib,
            ),
            access_logs=self.access_logs.bucket,
            uploads=self.uploads.bucket if self.uploads is not None else None,
            application=self._application_inputs(),
        )

    def _application_inputs(self) -> ApplicationInputs:
        """What the application gets from the data tier: where to read and write, the
        credentials to do it with (referenced, never copied), and its policies."""
        settings: dict[str, str] = {}
        database = self.database
        if database.replica is not None:
            settings["DB_READER_HOST"] = database.replica.db_instance_endpoint_address
        elif database.cluster is not None:
            settings["DB_READER_HOST"] = database.cluster.cluster_read_endpoint.hostname
        secrets = {
            env: SecretField(database.secret, database.key, field)
            for env, field in (("DB_HOST", "host"), ("DB_PORT", "port"), ("DB_NAME", "dbname"),
                               ("DB_USER", "username"), ("DB_PASSWORD", "password"))
        }
        policies: list[iam.IManagedPolicy] = []
        if self.uploads is not None and self.uploads_access is not None:
            settings["UPLOADS_BUCKET"] = self.uploads.bucket.bucket_name
            policies.append(self.uploads_access)
        if self.topics is not None:
            settings.update(self.topics.settings)
            policies.append(self.topics.publish_policy)
        if self.cache is not None:
            settings["REDIS_HOST"] = self.cache.replication_group.attr_primary_end_point_address
            settings["REDIS_PORT"] = self.cache.replication_group.attr_primary_end_point_port
            secrets["REDIS_AUTH_TOKEN"] = SecretField(self.cache.auth_token, self.cache.key)
        return ApplicationInputs(settings=settings, secrets=secrets, policies=tuple(policies))
