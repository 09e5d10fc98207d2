"""Random secrets the project generates (JWT signing key, Redis AUTH token, origin secret)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_constructs.compliance import acknowledge

ROTATION_RULES = ("AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled", "PCI.DSS.321-SecretsManagerRotationEnabled")


def generated_secret(
    scope: Construct,
    *,
    key_id: str,
    key_description: str,
    secret_id: str,
    description: str,
    length: int,
    rotation_procedure: str,
    removal_policy: RemovalPolicy,
) -> tuple[kms.Key, secretsmanager.Secret]:
    """A ``length``-character random secret (letters and digits, safe in headers and
    connection strings) in Secrets Manager, encrypted with its own rotating KMS key.

    Such secrets are rotated by a documented procedure rather than a rotation Lambda,
    because something outside Secrets Manager holds a copy; ``rotation_procedure`` says
    what, and becomes the acknowledgment of the three packs' rotation rules. The IDs are
    the caller's, so existing keys and secrets keep their logical IDs.
    """
    key = kms.Key(scope, key_id, description=key_description, enable_key_rotation=True, removal_policy=removal_policy)
    secret = secretsmanager.Secret(
        scope,
        secret_id,
        description=description,
        encryption_key=key,
        generate_secret_string=secretsmanager.SecretStringGenerator(password_length=length, exclude_punctuation=True),
        removal_policy=removal_policy,
    )
    acknowledge(secret, {rule: rotation_procedure for rule in ROTATION_RULES})
    return key, secret
