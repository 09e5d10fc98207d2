"""A Python Lambda function inside the VPC, with least privilege and its own log group."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra_constructs.compliance import acknowledge, silence_cfn_lint
from infra_constructs.log_settings import LogSettings

BUILD_DIR = Path(__file__).resolve().parent.parent / "build" / "functions"
# Newest Python the Lambda runtime offers in this aws-cdk-lib (cdk-nag AwsSolutions-L1).
RUNTIME = lambda_.Runtime.PYTHON_3_14


def secret_read_statements(secret: secretsmanager.ISecret, key: kms.IKey | None) -> list[iam.PolicyStatement]:
    """Read one secret encrypted with ``key``: GetSecretValue on it, Decrypt only via Secrets
    Manager (no key: AWS's managed key, whose policy already allows that). A secret known by
    name only matches with the six characters Secrets Manager appends to its ARN."""
    arn = secret.secret_arn if secret.secret_full_arn is not None else f"{secret.secret_arn}-??????"
    statements = [iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[arn])]
    if key is not None:
        statements.append(iam.PolicyStatement(
            actions=["kms:Decrypt"],
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"secretsmanager.{Stack.of(secret).region}.amazonaws.com"}},
        ))
    return statements


class VpcFunction(Construct):
    """A function built by `make functions` (``build/functions/<code>``), on Graviton,
    in the given subnets and security group, logging to its own log group (the
    environment's ``logs`` settings: encrypted, expiring).

    Permissions: a customer-managed policy with the log group, the VPC network
    interface actions and the ``statements`` given; no inline policy, no AWS-managed
    policy. Exposes ``function``, ``role`` and ``log_group``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: str,
        handler: str,
        description: str,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        environment: dict[str, str],
        statements: list[iam.PolicyStatement],
        timeout: Duration,
        reserved_concurrency: int,
        logs: LogSettings,
        memory_mib: int = 256,
        invoked_synchronously_by: str,
    ) -> None:
        super().__init__(scope, construct_id)
        code_dir = BUILD_DIR / code
        if not code_dir.is_dir():
            raise FileNotFoundError(f"{code_dir} is missing: run `make functions` (make synth and make test do it)")
        self.log_group = logs.log_group(self, "LogGroup")
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), description=description)
        policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"Least privilege of: {description}",
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                ),
                # Lambda manages the function's network interfaces in the VPC. These actions
                # do not support resource-level permissions, hence "*".
                iam.PolicyStatement(
                    actions=[
                        "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                        "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
                    ],
                    resources=["*"],
                ),
                # Active tracing: X-Ray accepts segments only with "*".
                iam.PolicyStatement(actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]),
                *statements,
            ],
        )
        self.role.add_managed_policy(policy)
        acknowledge(policy, {
            "AwsSolutions-IAM5[Resource::*]": "Only the EC2 network interface actions Lambda needs in the VPC and X-Ray's PutTraceSegments/PutTelemetryRecords, none of which support resource-level permissions.",
            "CKV_AWS_111": "The writes on '*' are the EC2 network interface actions Lambda performs for a function in a VPC and X-Ray's PutTraceSegments/PutTelemetryRecords: none supports resource-level permissions; every other write names its resource.",
        })
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(str(code_dir)),
            handler=handler,
            memory_size=memory_mib,
            timeout=timeout,
            # Grants CDK would add for VPC access land in the managed policy above instead.
            role=self.role.without_policy_updates(),
            vpc=vpc,
            vpc_subnets=subnets,
            security_groups=[security_group],
            environment=environment,
            log_group=self.log_group,
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.ACTIVE,
        )
        # Role must carry its policy before the function is created (Lambda checks VPC permissions).
        self.function.node.add_dependency(policy)
        # CDK also makes the function depend on its role, which the Role GetAtt already implies:
        # harmless, but cfn-lint W3005 would flag it, so it is silenced on this resource only.
        silence_cfn_lint(self.function, "W3005")
        acknowledge(self.function, {
            **{f"{pack}-LambdaDLQ": f"Invoked synchronously by {invoked_synchronously_by}, which receives the error; a dead-letter queue only applies to asynchronous invocations."
               for pack in ("NIST.800.53.R5", "PCI.DSS.321")},
            "CKV_AWS_173": "The environment holds only ARNs, names and timeouts, no secret (secrets are read from Secrets Manager at run time); Lambda encrypts it at rest.",
        })
