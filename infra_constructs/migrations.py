"""Apply the versioned SQL migrations of functions/migrations/sql on every deploy."""

from __future__ import annotations

import sys
from pathlib import Path

from aws_cdk import CustomResource, Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_constructs.functions import VpcFunction, secret_read_statements
from infra_constructs.log_settings import LogSettings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "functions" / "migrations"


def _bundle_checksum() -> str:
    # The runner's own checksum, so what triggers a run is what the runner will apply.
    sys.path.insert(0, str(MIGRATIONS_DIR))
    try:
        import runner  # noqa: PLC0415

        return runner.bundle_checksum(runner.discover(MIGRATIONS_DIR / "sql"))
    finally:
        sys.path.remove(str(MIGRATIONS_DIR))


class SchemaMigrations(Construct):
    """A custom resource backed by the migration function: Create and Update apply the
    pending migrations (the resource's ``MigrationsChecksum`` changes whenever a file
    does, so a deploy with a new migration always runs it); a failure fails the deploy
    with the migration's name. The function logs to a group with the environment's ``logs`` settings.
    Exposes ``function`` (a ``VpcFunction``) and ``resource``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        secret: secretsmanager.ISecret,
        secret_key: kms.IKey,
        database_dependency: Construct,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        logs: LogSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        self.function = VpcFunction(
            self,
            "Runner",
            code="migrations",
            handler="apply_migrations.lambda_handler",
            description="Applies the database schema migrations on deploy",
            vpc=vpc,
            subnets=subnets,
            security_group=security_group,
            environment={"SECRET_ARN": secret.secret_arn},
            statements=secret_read_statements(secret, secret_key),
            timeout=Duration.minutes(10),
            reserved_concurrency=1,  # one run at a time (the runner also takes an advisory lock)
            logs=logs,
            invoked_synchronously_by="CloudFormation (custom resource)",
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function.function_arn,
            resource_type="Custom::SchemaMigrations",
            properties={"MigrationsChecksum": _bundle_checksum()},
        )
        # Run only once the database (and its secret attachment) exists.
        self.resource.node.add_dependency(database_dependency)
