"""The application's runtime configuration: SSM parameters and Secrets Manager references."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra_constructs.functions import secret_read_statements


@dataclass(frozen=True)
class SecretField:
    """One value the application reads from a secret: a JSON ``field`` of it, or the whole
    string when ``field`` is None. ``key`` is the customer-managed KMS key the secret is
    encrypted with (None: AWS's managed key for Secrets Manager, which needs no grant)."""

    secret: secretsmanager.ISecret
    key: kms.IKey | None
    field: str | None = None


class ApplicationSettings(Construct):
    """Every setting the application gets, under one name each (``DB_HOST``, ``JWT_SECRET``).

    Plain values become SSM parameters ``<parameter_path>/<NAME>`` (String, standard tier),
    so an operator can read them and a new value does not need a new image; secrets stay
    in Secrets Manager and are only referenced. Fargate injects both into the container
    environment; the EC2 boot script writes them into the service's environment file.
    Exposes ``parameter_path``, ``parameters`` (name -> parameter) and ``secrets``
    (name -> SecretField).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        parameter_path: str,
        values: Mapping[str, str],
        secrets: Mapping[str, SecretField],
    ) -> None:
        super().__init__(scope, construct_id)
        self.parameter_path = parameter_path
        self.parameters: dict[str, ssm.StringParameter] = {
            name: ssm.StringParameter(
                self,
                name,
                parameter_name=f"{parameter_path}/{name}",
                string_value=value,
                description=f"Application setting {name}",
                tier=ssm.ParameterTier.STANDARD,
            )
            for name, value in sorted(values.items())
        }
        # Secrets of other stacks, seen as imported here: granting on them writes only to this
        # stack's roles, never into the owning stack's resource or key policies (no cycle).
        # One view per secret (several settings read fields of the database secret).
        imported: dict[str, SecretField] = {}
        self.secrets: dict[str, SecretField] = {}
        for name, field in sorted(secrets.items()):
            path = field.secret.node.path
            if path not in imported:
                # A secret known only by name (no suffix) stays as it is: it has no complete ARN.
                view = (secretsmanager.Secret.from_secret_complete_arn(self, f"Secret{len(imported)}", field.secret.secret_arn)
                        if field.secret.secret_full_arn is not None else field.secret)
                imported[path] = SecretField(view, field.key)
            self.secrets[name] = SecretField(imported[path].secret, field.key, field.field)
        self._distinct_secrets = list(imported.values())

    def read_statements(self) -> list[iam.PolicyStatement]:
        """Read every parameter (one by one, or by path as the EC2 boot script does) and
        every secret (Decrypt on its key only through Secrets Manager)."""
        path_arn = Stack.of(self).format_arn(service="ssm", resource="parameter", resource_name=self.parameter_path.lstrip("/"))
        statements = [
            iam.PolicyStatement(actions=["ssm:GetParametersByPath"], resources=[path_arn]),
        ]
        if self.parameters:
            statements.append(iam.PolicyStatement(
                actions=["ssm:GetParameters", "ssm:GetParameter"],
                resources=[p.parameter_arn for p in self.parameters.values()],
            ))
        for distinct in self._distinct_secrets:
            statements.extend(secret_read_statements(distinct.secret, distinct.key))
        return statements
