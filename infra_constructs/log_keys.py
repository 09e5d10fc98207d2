"""The KMS key that encrypts a stack's CloudWatch log groups."""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


def logs_key(scope: Construct, construct_id: str, *, removal_policy: RemovalPolicy, description: str | None = None) -> kms.Key:
    """A rotating key CloudWatch Logs may use for log groups of this account and region only
    (the key policy's encryption-context condition); created in ``scope`` under ``construct_id``,
    described as ``description`` when it also serves another purpose."""
    stack = Stack.of(scope)
    key = kms.Key(
        scope,
        construct_id,
        description=description or f"Encrypts the log groups of {stack.stack_name}",
        enable_key_rotation=True,
        removal_policy=removal_policy,
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs", resource="log-group", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
                    )
                }
            },
        )
    )
    return key
