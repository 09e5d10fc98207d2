"""PostgreSQL for the application: RDS instance or Aurora Serverless v2 cluster."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.aws_sam import CfnApplication
from constructs import Construct

from infra_constructs.compliance import acknowledge
from infra_constructs.log_settings import LogSettings

Engine = Literal["postgres", "aurora-serverless-v2"]
ENGINES: tuple[Engine, ...] = ("postgres", "aurora-serverless-v2")
# Logs exported to CloudWatch: RDS PostgreSQL has an "upgrade" log; Aurora PostgreSQL does not.
LOG_EXPORTS: dict[Engine, tuple[str, ...]] = {"postgres": ("postgresql", "upgrade"), "aurora-serverless-v2": ("postgresql",)}


@dataclass(frozen=True)
class PostgresSettings:
    """What the database is. ``engine`` "postgres": an RDS instance of ``instance_class``
    with gp3 storage of ``allocated_storage_gib`` that grows up to ``max_allocated_storage_gib``;
    "aurora-serverless-v2": an Aurora cluster between ``serverless_min_acu`` and
    ``serverless_max_acu``, paused after ``serverless_pause_after`` when the minimum is 0.
    PostgreSQL ``engine_version`` in full ("18.3"), ``database_name`` on ``port``; a standby
    in a second AZ (``multi_az``) and a ``read_replica`` (Aurora: one reader for either);
    automated backups kept ``backup_retention``; ``deletion_protection``; the master password
    rotated every ``credential_rotation``."""

    engine: Engine
    engine_version: str
    database_name: str
    port: int
    instance_class: str
    allocated_storage_gib: int
    max_allocated_storage_gib: int
    serverless_min_acu: float
    serverless_max_acu: float
    serverless_pause_after: Duration
    multi_az: bool
    # Without multi_az: why one AZ is acceptable here (the acknowledgment of the findings it leaves).
    single_az_reason: str
    read_replica: bool
    backup_retention: Duration
    deletion_protection: bool
    credential_rotation: Duration


@dataclass(frozen=True)
class DatabaseMonitoring:
    """What the database reports: ``performance_insights`` (encrypted with the database's key,
    free retention), enhanced monitoring every ``monitoring_interval`` (None: off), statements
    slower than ``log_min_duration_statement_ms`` (-1: none) with connections, disconnections
    and lock waits, into log groups (the rotation function's too; kept, encrypted and removed
    as the database's ``logs`` settings say)."""

    performance_insights: bool
    monitoring_interval: Duration | None
    log_min_duration_statement_ms: int


class PostgresDatabase(Construct):
    """A PostgreSQL database that survives anything the configuration allows it to.

    - ``settings.engine="postgres"``: an RDS instance (gp3, storage autoscaling), optionally
      Multi-AZ and with a read replica; ``"aurora-serverless-v2"``: an Aurora cluster whose
      writer (and, with ``multi_az`` or ``read_replica``, a reader in another AZ) scale
      between the given ACUs, down to 0 (paused) where allowed (``PostgresSettings``).
    - Encrypted with a customer-managed KMS key (rotating) that also encrypts the
      credentials secret and Performance Insights; TLS forced by the parameter group;
      slow statements and connections logged to CloudWatch log groups created here with
      the environment's ``logs`` settings (what is logged: ``DatabaseMonitoring``); IAM
      database authentication on.
    - Master credentials generated into Secrets Manager and rotated on a schedule by the
      single-user rotation function, which runs in ``rotation_subnets`` with
      ``rotation_security_group`` (it reaches Secrets Manager through NAT or the VPC
      endpoint, and the database through the security group rules of the network tier).
    - In the isolated ``subnets`` of ``vpc``, behind ``security_group`` only.
    - ``removal_policy`` for the database, ``key_removal_policy`` for what must outlive it
      wherever its data does (key, credentials); the log groups are removed by ``logs``.

    Exposes ``key``, ``secret``, ``endpoint_address``, ``port``, ``identifier``,
    ``instance`` / ``replica`` (RDS) or ``cluster`` (Aurora), ``primary`` (the instance or
    the cluster, whichever exists), ``instance_id`` or ``cluster_id`` (the deployed
    identifier of whichever exists, the other None; for alarms and schedules),
    ``log_groups``, ``rotation`` and ``rotation_log_group``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        identifier: str,
        settings: PostgresSettings,
        monitoring: DatabaseMonitoring,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        logs: LogSettings,
        rotation_subnets: ec2.SubnetSelection,
        rotation_security_group: ec2.ISecurityGroup,
        removal_policy: RemovalPolicy,
        key_removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        if settings.engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}, got {settings.engine!r}")
        self.identifier = identifier
        self.port = settings.port
        self.instance: rds.DatabaseInstance | None = None
        self.replica: rds.DatabaseInstanceReadReplica | None = None
        self.cluster: rds.DatabaseCluster | None = None

        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the {identifier} database, its snapshots, credentials and Performance Insights",
            enable_key_rotation=True,
            removal_policy=key_removal_policy,
        )
        log_kind = "cluster" if settings.engine == "aurora-serverless-v2" else "instance"
        self.log_groups = [
            logs.log_group(self, f"{name.capitalize()}LogGroup", name=f"/aws/rds/{log_kind}/{identifier}/{name}")
            for name in LOG_EXPORTS[settings.engine]
        ]
        monitoring_role = self._monitoring_role(identifier) if monitoring.monitoring_interval is not None else None
        credentials = rds.Credentials.from_generated_secret(
            "postgres",
            secret_name=None,
            encryption_key=self.key,
            # Characters that break connection strings and shell quoting.
            exclude_characters=" %+~`#$&*()|[]{}:;<>?!'/@\"\\",
        )
        major = settings.engine_version.split(".")[0]
        insights = monitoring.performance_insights

        # Two explicit calls: the instance and the cluster share credentials, placement,
        # encryption, parameters, protection, logs and monitoring, each under its own name.
        database: rds.DatabaseInstance | rds.DatabaseCluster
        if settings.engine == "postgres":
            instance_engine = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.of(settings.engine_version, major))
            parameter_group = self._parameter_group(identifier, instance_engine, monitoring)
            database = self.instance = rds.DatabaseInstance(
                self,
                "Instance",
                instance_identifier=identifier,
                engine=instance_engine,
                instance_type=ec2.InstanceType(settings.instance_class),
                database_name=settings.database_name,
                multi_az=settings.multi_az,
                storage_type=rds.StorageType.GP3,
                allocated_storage=settings.allocated_storage_gib,
                max_allocated_storage=settings.max_allocated_storage_gib,
                backup_retention=settings.backup_retention,
                auto_minor_version_upgrade=True,
                publicly_accessible=False,
                ca_certificate=rds.CaCertificate.RDS_CA_RSA2048_G1,
                credentials=credentials,
                vpc=vpc,
                vpc_subnets=subnets,
                security_groups=[security_group],
                port=settings.port,
                storage_encrypted=True,
                storage_encryption_key=self.key,
                parameter_group=parameter_group,
                copy_tags_to_snapshot=True,
                deletion_protection=settings.deletion_protection,
                removal_policy=removal_policy,
                iam_authentication=True,
                cloudwatch_logs_exports=list(LOG_EXPORTS[settings.engine]),
                monitoring_interval=monitoring.monitoring_interval,
                monitoring_role=monitoring_role,
                enable_performance_insights=True if insights else None,
                performance_insight_encryption_key=self.key if insights else None,
                performance_insight_retention=rds.PerformanceInsightRetention.DEFAULT if insights else None,
            )
            self.endpoint_address = self.instance.db_instance_endpoint_address
        else:
            cluster_engine = rds.DatabaseClusterEngine.aurora_postgres(version=rds.AuroraPostgresEngineVersion.of(settings.engine_version, major))
            parameter_group = self._parameter_group(identifier, cluster_engine, monitoring)
            readers = (
                [rds.ClusterInstance.serverless_v2("Reader", scale_with_writer=True, auto_minor_version_upgrade=True,
                                                   enable_performance_insights=insights or None,
                                                   performance_insight_encryption_key=self.key if insights else None)]
                if settings.multi_az or settings.read_replica
                else []
            )
            database = self.cluster = rds.DatabaseCluster(
                self,
                "Cluster",
                cluster_identifier=identifier,
                engine=cluster_engine,
                writer=rds.ClusterInstance.serverless_v2("Writer", auto_minor_version_upgrade=True,
                                                         enable_performance_insights=insights or None,
                                                         performance_insight_encryption_key=self.key if insights else None),
                readers=readers,
                serverless_v2_min_capacity=settings.serverless_min_acu,
                serverless_v2_max_capacity=settings.serverless_max_acu,
                serverless_v2_auto_pause_duration=settings.serverless_pause_after if settings.serverless_min_acu == 0 else None,
                default_database_name=settings.database_name,
                backup=rds.BackupProps(retention=settings.backup_retention),
                credentials=credentials,
                vpc=vpc,
                vpc_subnets=subnets,
                security_groups=[security_group],
                port=settings.port,
                storage_encrypted=True,
                storage_encryption_key=self.key,
                parameter_group=parameter_group,
                copy_tags_to_snapshot=True,
                deletion_protection=settings.deletion_protection,
                removal_policy=removal_policy,
                iam_authentication=True,
                cloudwatch_logs_exports=list(LOG_EXPORTS[settings.engine]),
                monitoring_interval=monitoring.monitoring_interval,
                monitoring_role=monitoring_role,
            )
            self.endpoint_address = self.cluster.cluster_endpoint.hostname
        self._acknowledge_primary(database, multi_az=settings.multi_az, single_az_reason=settings.single_az_reason,
                                  deletion_protection=settings.deletion_protection,
                                  monitoring=monitoring_role is not None, port=settings.port)
        for group in self.log_groups:
            database.node.add_dependency(group)
        if self.instance is not None and settings.read_replica:
            self.replica = rds.DatabaseInstanceReadReplica(
                self,
                "Replica",
                instance_identifier=f"{identifier}-replica",
                source_database_instance=self.instance,
                instance_type=ec2.InstanceType(settings.instance_class),
                vpc=vpc,
                vpc_subnets=subnets,
                security_groups=[security_group],
                port=settings.port,
                # Encryption (with the same key) is inherited from the source instance;
                # CloudFormation rejects StorageEncrypted on a replica.
                parameter_group=parameter_group,
                deletion_protection=settings.deletion_protection,
                removal_policy=removal_policy,
                iam_authentication=True,
                auto_minor_version_upgrade=True,
                publicly_accessible=False,
                ca_certificate=rds.CaCertificate.RDS_CA_RSA2048_G1,
                monitoring_interval=monitoring.monitoring_interval,
                monitoring_role=monitoring_role,
                enable_performance_insights=True if insights else None,
                performance_insight_encryption_key=self.key if insights else None,
                performance_insight_retention=rds.PerformanceInsightRetention.DEFAULT if insights else None,
            )
            acknowledge(self.replica, {
                rule: "Read replica: backups and Multi-AZ belong to its source instance; a lost replica is re-created from the source, not restored."
                for rule in (
                    "AwsSolutions-RDS3", "NIST.800.53.R5-RDSMultiAZSupport", "NIST.800.53.R5-RDSInBackupPlan",
                    "NIST.800.53.R5-RDSInstanceBackupEnabled", "PCI.DSS.321-RDSInstanceBackupEnabled",
                )
            } | {
                rule: "Read replica: encrypted with the source instance's KMS key by inheritance; CloudFormation rejects StorageEncrypted on a replica."
                for rule in ("AwsSolutions-RDS2", "NIST.800.53.R5-RDSStorageEncrypted", "PCI.DSS.321-RDSStorageEncrypted",
                             "CKV_AWS_16")
            } | {
                "AwsSolutions-RDS11": f"Port {settings.port} is PostgreSQL's default on purpose (drivers, tools); the replica is reachable only from the tier security groups in isolated subnets.",
            })

        self.primary = database
        assert database.secret is not None
        self.secret: secretsmanager.ISecret = database.secret
        # The credentials outlive the stack wherever the data does (snapshot or retain).
        generated_secret = database.node.find_child("Secret")
        assert isinstance(generated_secret, secretsmanager.Secret)
        generated_secret.apply_removal_policy(key_removal_policy)
        self.instance_id: str | None = self.instance.instance_identifier if self.instance is not None else None
        self.cluster_id: str | None = self.cluster.cluster_identifier if self.cluster is not None else None
        self.rotation = database.add_rotation_single_user(
            automatically_after=settings.credential_rotation,
            vpc_subnets=rotation_subnets,
            security_group=rotation_security_group,
        )
        # The rotation function comes from the Serverless Application Repository with the name
        # CDK gives it; its log group is created here first, so it is encrypted and expires.
        rotation_app = self.rotation.node.find_child("Resource")
        assert isinstance(rotation_app, CfnApplication) and isinstance(rotation_app.parameters, Mapping)
        function_name = rotation_app.parameters["functionName"]
        self.rotation_log_group = logs.log_group(self, "RotationLogGroup", name=f"/aws/lambda/{function_name}")
        rotation_app.node.add_dependency(self.rotation_log_group)

    def _monitoring_role(self, identifier: str) -> iam.Role:
        """The role enhanced monitoring publishes OS metrics with."""
        role = iam.Role(
            self,
            "MonitoringRole",
            assumed_by=iam.ServicePrincipal("monitoring.rds.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AmazonRDSEnhancedMonitoringRole")],
            description=f"Enhanced monitoring of {identifier}",
        )
        acknowledge(role, {
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]":
                "The AWS-managed service role policy RDS enhanced monitoring is documented to use; it only writes the RDSOSMetrics log group.",
        })
        return role

    def _parameter_group(self, identifier: str, engine: rds.IEngine, monitoring: DatabaseMonitoring) -> rds.ParameterGroup:
        """TLS only; slow statements, connections and lock waits logged."""
        return rds.ParameterGroup(
            self,
            "Parameters",
            engine=engine,
            parameters={
                "rds.force_ssl": "1",
                "log_min_duration_statement": str(monitoring.log_min_duration_statement_ms),
                "log_connections": "1",
                "log_disconnections": "1",
                "log_lock_waits": "1",
            },
            description=f"{identifier}: TLS only, slow statement logging",
        )

    @staticmethod
    def _acknowledge_primary(database: Construct, *, multi_az: bool, single_az_reason: str, deletion_protection: bool, monitoring: bool,
                             port: int) -> None:
        reasons = {
            "AwsSolutions-RDS11": f"Port {port} is PostgreSQL's default on purpose (drivers, tools); the database is reachable only from the tier security groups in isolated subnets, so a non-default port adds no control.",
            "NIST.800.53.R5-RDSInBackupPlan": "Automated backups with point-in-time recovery and per-environment retention (1/7/35 days) cover the stated RPO; an AWS Backup plan would duplicate them.",
            "PCI.DSS.321-RDSInBackupPlan": "Automated backups with point-in-time recovery and per-environment retention (1/7/35 days) cover the stated RPO; an AWS Backup plan would duplicate them.",
        }
        if not multi_az:
            reasons |= {
                rule: single_az_reason for rule in ("AwsSolutions-RDS3", "NIST.800.53.R5-RDSMultiAZSupport")
            }
        if not deletion_protection:
            reasons |= {
                rule: "Short-lived environment with removal 'destroy': the database must be deletable so teardown leaves nothing behind; production is refused without protection by the config validation."
                for rule in ("AwsSolutions-RDS10", "NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled")
            }
        if not monitoring:
            reasons["NIST.800.53.R5-RDSEnhancedMonitoringEnabled"] = (
                "Enhanced monitoring is off by this environment's configuration (cost); CloudWatch's standard RDS metrics remain."
            )
        acknowledge(database, reasons)
