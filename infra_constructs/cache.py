"""Redis (ElastiCache) for WebSocket fan-out between API tasks."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, SecretValue
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from constructs import Construct

from infra_constructs.compliance import acknowledge
from infra_constructs.log_settings import LogSettings
from infra_constructs.secrets import generated_secret


class RedisCache(Construct):
    """A Redis replication group in the isolated subnets: TLS in transit, KMS at rest,
    an AUTH token generated into Secrets Manager (never in the template), slow log to
    CloudWatch (a log group with the environment's ``logs`` settings), daily snapshots, and
    with ``multi_az`` a replica in a second AZ with automatic failover. ``removal_policy``
    applies to the key and the AUTH token, and to the replication group (a final snapshot
    where the others are retained). Exposes ``replication_group``, ``auth_token`` (secret),
    ``key`` and ``slow_log``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        node_type: str,
        engine_version: str,
        multi_az: bool,
        single_node_reason: str,
        snapshot_retention_days: int,
        subnet_ids: list[str],
        security_group: ec2.ISecurityGroup,
        port: int,
        logs: LogSettings,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        # ElastiCache accepts AUTH tokens of 16-128 printable characters without @, " or /.
        self.key, self.auth_token = generated_secret(
            self,
            key_id="Key",
            key_description="Encrypts the Redis cache and its AUTH token",
            secret_id="AuthToken",
            description="Redis AUTH token (the application reads it at start)",
            length=64,
            rotation_procedure="Redis AUTH token: changing it needs a coordinated ElastiCache modify (AuthTokenUpdateStrategy ROTATE) and an application restart; rotated by that documented procedure, not a Lambda.",
            removal_policy=removal_policy,
        )
        subnet_group = elasticache.CfnSubnetGroup(
            self, "Subnets", description="Isolated data subnets", subnet_ids=subnet_ids
        )
        self.slow_log = logs.log_group(self, "SlowLog")
        self.replication_group = elasticache.CfnReplicationGroup(
            self,
            "ReplicationGroup",
            replication_group_description="WebSocket fan-out (pub/sub) between API tasks",
            engine="redis",
            engine_version=engine_version,
            cache_node_type=node_type,
            num_cache_clusters=2 if multi_az else 1,
            automatic_failover_enabled=multi_az,
            multi_az_enabled=multi_az,
            cache_subnet_group_name=subnet_group.ref,
            security_group_ids=[security_group.security_group_id],
            port=port,
            transit_encryption_enabled=True,
            at_rest_encryption_enabled=True,
            kms_key_id=self.key.key_arn,
            auth_token=SecretValue.secrets_manager(self.auth_token.secret_arn).unsafe_unwrap(),
            auto_minor_version_upgrade=True,
            snapshot_retention_limit=snapshot_retention_days,
            log_delivery_configurations=[
                elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty(
                    destination_type="cloudwatch-logs",
                    destination_details=elasticache.CfnReplicationGroup.DestinationDetailsProperty(
                        cloud_watch_logs_details=elasticache.CfnReplicationGroup.CloudWatchLogsDestinationDetailsProperty(
                            log_group=self.slow_log.log_group_name
                        )
                    ),
                    log_format="json",
                    log_type="slow-log",
                )
            ],
        )
        self.replication_group.apply_removal_policy(
            RemovalPolicy.SNAPSHOT if removal_policy == RemovalPolicy.RETAIN else removal_policy
        )
        reasons = {
            "NIST.800.53.R5-ElastiCacheRedisClusterAutomaticBackup": f"The cache holds only transient pub/sub fan-out state that rebuilds itself; {snapshot_retention_days} day(s) of snapshots per config, 15 would be cost without a recovery use.",
            "AwsSolutions-AEC5": f"Port {port} is Redis's default on purpose (clients, tools); the cache is reachable only from the application security group in isolated subnets.",
        }
        if not multi_az:
            reasons |= {
                rule: single_node_reason for rule in ("AwsSolutions-AEC4", "NIST.800.53.R5-ElastiCacheRedisClusterMultiAZ", "PCI.DSS.321-ElastiCacheRedisClusterMultiAZ")
            }
        acknowledge(self.replication_group, reasons)
