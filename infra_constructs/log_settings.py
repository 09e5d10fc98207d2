"""How an environment keeps its CloudWatch log groups: one typed value instead of a
(retention, key, removal policy) triple passed to every construct that logs."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct


@dataclass(frozen=True)
class LogSettings:
    """The log groups of one environment (in one region): every one is encrypted with the
    environment's logs key (``key``, whose policy admits CloudWatch Logs of this account and
    region only), kept as long as the configuration says (``retention``), and removed with
    the environment's policy for what cannot be snapshotted (``removal_policy``). A
    construct that logs takes this value and creates its groups with ``log_group``, so no
    group can be unencrypted, never expire, or outlive (or not outlive) the others by accident.

    Only the log groups' settings: what else a construct keeps (buckets, keys, secrets,
    repositories) still takes its own removal policy, and wiring (VPC, subnets, security
    groups) stays explicit.
    """

    retention: logs.RetentionDays
    key: kms.IKey
    removal_policy: RemovalPolicy

    def log_group(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str | None = None,
        retention: logs.RetentionDays | None = None,
    ) -> logs.LogGroup:
        """A log group ``construct_id`` in ``scope`` encrypted with ``key`` and removed by
        ``removal_policy``; named ``name`` only when a service requires the name (else
        CloudFormation names it), kept ``retention`` when given (only where a group's
        retention is configured apart from the environment's, such as flow logs), else
        the environment's."""
        return logs.LogGroup(
            scope,
            construct_id,
            log_group_name=name,
            retention=retention if retention is not None else self.retention,
            encryption_key=self.key,
            removal_policy=self.removal_policy,
        )
