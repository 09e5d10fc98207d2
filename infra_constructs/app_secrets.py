"""The application's own secrets: third-party API keys and the like, created or referenced."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_constructs.app_settings import SecretField
from infra_constructs.compliance import acknowledge
from infra_constructs.secrets import ROTATION_RULES


@dataclass(frozen=True)
class ExistingSecret:
    """A secret someone else manages: ``secret`` is its name or full ARN, ``json_key`` the
    JSON key to read ("" = the whole value), ``kms_key_arn`` its customer-managed key ("" =
    AWS's managed key for Secrets Manager, which needs no grant)."""

    name: str
    secret: str
    json_key: str
    kms_key_arn: str


class ApplicationSecrets(Construct):
    """Secrets the application reads under its own environment variable names.

    ``created``: one secret per name, encrypted with one rotating key for all of them (a key
    per secret would cost $1 a month each and protect nothing more), holding a generated
    placeholder until the team writes the real value once (``put-secret-value``); the
    third party that issued it rotates it, so the packs' rotation rules are acknowledged with
    that. ``existing``: only referenced, by name or full ARN.

    Exposes ``key`` (None without created secrets), ``created`` (name -> secret) and
    ``fields`` (name -> SecretField, what the application settings take).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        created: Sequence[str],
        existing: Sequence[ExistingSecret],
        description_prefix: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key: kms.Key | None = None
        self.created: dict[str, secretsmanager.Secret] = {}
        self.fields: dict[str, SecretField] = {}
        if created:
            self.key = kms.Key(self, "Key", description=f"Encrypts the application's own secrets: {description_prefix}",
                               enable_key_rotation=True, removal_policy=removal_policy)
        for name in created:
            assert self.key is not None
            secret = secretsmanager.Secret(
                self,
                name,
                description=f"{description_prefix}: {name} (a placeholder until the real value is written: docs/operations.md)",
                encryption_key=self.key,
                generate_secret_string=secretsmanager.SecretStringGenerator(password_length=32, exclude_punctuation=True),
                removal_policy=removal_policy,
            )
            acknowledge(secret, {
                rule: f"{name} is issued by a third party (an API key), which rotates it; the team writes each new value with "
                      "put-secret-value (docs/operations.md, Application secrets). A rotation Lambda cannot ask the issuer for one."
                for rule in ROTATION_RULES
            })
            self.created[name] = secret
            self.fields[name] = SecretField(secret, self.key)
        for index, other in enumerate(existing):
            if other.secret.startswith("arn:"):
                view = secretsmanager.Secret.from_secret_complete_arn(self, f"Existing{index}", other.secret)
            else:
                view = secretsmanager.Secret.from_secret_name_v2(self, f"Existing{index}", other.secret)
            key = kms.Key.from_key_arn(self, f"ExistingKey{index}", other.kms_key_arn) if other.kms_key_arn else None
            self.fields[other.name] = SecretField(view, key, other.json_key or None)
