"""Amplify Hosting for a Next.js frontend with server-side rendering."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_amplify as amplify
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra_constructs.log_settings import LogSettings
from infra_constructs.secrets import generated_secret

BASIC_AUTH_USER = "preview"


class AmplifyApp(Construct):
    """An Amplify app (platform ``WEB_COMPUTE``: Next.js SSR) building ``repository`` with
    ``build_spec``. Amplify reads the repository with the token in the Secrets Manager secret
    named ``token_secret_name`` (a dynamic reference: the token is never in the template).
    Branches deleted in Git are deleted in Amplify.

    Amplify writes SSR logs to ``/aws/amplify/<app id>``: the log group is created here with
    the environment's ``logs`` settings, and the service role may write to it only.

    Exposes ``app``, ``role``, ``log_group`` and ``default_domain``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        repository: str,
        token_secret_name: str,
        build_spec: str,
        logs: LogSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal(
                "amplify.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description=f"Amplify Hosting of {name}: writes the SSR logs",
        )
        self.app = amplify.CfnApp(
            self,
            "App",
            name=name,
            description=f"Next.js frontend of {name}",
            platform="WEB_COMPUTE",
            repository=repository,
            access_token=SecretValue.secrets_manager(token_secret_name).unsafe_unwrap(),
            build_spec=build_spec,
            enable_branch_auto_deletion=True,
            iam_service_role=self.role.role_arn,
        )
        self.default_domain = self.app.attr_default_domain
        self.log_group = logs.log_group(self, "SsrLogs", name=f"/aws/amplify/{self.app.attr_app_id}")
        # Not a dependency of the app (the log group's name needs the app's ID): the first
        # build, and with it the first SSR log, starts when the frontend tier adds the branch.
        iam.ManagedPolicy(
            self,
            "ServicePolicy",
            description=f"Amplify Hosting of {name} writes its SSR logs",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    resources=[self.log_group.log_group_arn],
                ),
            ],
        )


class AmplifyBranch(Construct):
    """The environment's branch of an ``AmplifyApp``: built on every push, with
    ``environment`` as build-time variables, optionally password-protected (a generated
    password in Secrets Manager, user ``preview``), and served on ``domain_name`` when given
    (Amplify creates the DNS records and certificate in the account's Route 53 zone).

    Exposes ``branch``, ``url``, ``basic_auth_secret`` (or None) and ``domain`` (or None).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        app: AmplifyApp,
        branch_name: str,
        production: bool,
        environment: Mapping[str, str],
        basic_auth: bool,
        domain_name: str,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.basic_auth_secret = None
        basic_auth_config = None
        if basic_auth:
            _, self.basic_auth_secret = generated_secret(
                self,
                key_id="BasicAuthKey",
                key_description="Encrypts the Amplify branch's basic-auth password",
                secret_id="BasicAuthPassword",
                description=f"Password of user '{BASIC_AUTH_USER}' for the {branch_name} preview in Amplify",
                length=24,
                rotation_procedure="Amplify keeps its own copy of the basic-auth password: rotate by writing a new value and redeploying the frontend tier (README: Edge).",
                removal_policy=removal_policy,
            )
            basic_auth_config = amplify.CfnBranch.BasicAuthConfigProperty(
                enable_basic_auth=True,
                username=BASIC_AUTH_USER,
                password=self.basic_auth_secret.secret_value.unsafe_unwrap(),
            )
        self.branch = amplify.CfnBranch(
            self,
            "Branch",
            app_id=app.app.attr_app_id,
            branch_name=branch_name,
            framework="Next.js - SSR",
            stage="PRODUCTION" if production else "DEVELOPMENT",
            enable_auto_build=True,
            environment_variables=[
                amplify.CfnBranch.EnvironmentVariableProperty(name=k, value=v) for k, v in sorted(environment.items())
            ],
            basic_auth_config=basic_auth_config,
        )
        self.domain = None
        if domain_name:
            self.domain = amplify.CfnDomain(
                self,
                "Domain",
                app_id=app.app.attr_app_id,
                domain_name=domain_name,
                sub_domain_settings=[
                    amplify.CfnDomain.SubDomainSettingProperty(branch_name=self.branch.branch_name, prefix="")
                ],
                enable_auto_sub_domain=False,
            )
            self.url = f"https://{domain_name}"
        else:
            self.url = f"https://{branch_url_prefix(branch_name)}.{app.default_domain}"


def branch_url_prefix(branch_name: str) -> str:
    """Amplify serves branch ``feature/x`` at ``feature-x.<app default domain>``."""
    return branch_name.replace("/", "-")
