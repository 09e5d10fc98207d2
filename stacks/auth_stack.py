"""Auth tier: a Cognito user pool with its PostConfirmation trigger, or a JWT signing secret."""

from __future__ import annotations

from aws_cdk import Duration
from constructs import Construct

from config.derived import domain_prefix
from config.schema import EnvironmentConfig
from infra_constructs.app_settings import SecretField
from infra_constructs.functions import VpcFunction, secret_read_statements
from infra_constructs.jwt_secret import JwtSigningSecret
from infra_constructs.security_groups import immutable_view
from infra_constructs.user_pool import SpaUserPool
from stacks.base import EnvironmentStack
from stacks.handoffs import ApplicationInputs, AuthHandoff, DatabaseHandoff, NetworkHandoff, UserPoolHandoff
from stacks.settings import stateful_removal

# Cognito waits 5 seconds for a trigger; the function gives up on the database before that.
TRIGGER_TIMEOUT = Duration.seconds(5)


class AuthStack(EnvironmentStack):
    """Composes ``SpaUserPool`` and its PostConfirmation ``VpcFunction`` (auth mode
    "cognito"), or ``JwtSigningSecret`` (auth mode "custom-jwt").

    ``app_origins`` comes from the edge tier's hand-off: the https origins the SPA is
    served from (CloudFront or the custom domain), added to the client's callback and
    logout URLs. Exposes ``user_pool`` and ``post_confirmation`` (or None), ``jwt_secret``
    (or None); the later tiers take ``handoff`` (``AuthHandoff``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: NetworkHandoff,
        database: DatabaseHandoff,
        app_origins: tuple[str, ...],
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        auth = config.auth
        removal = stateful_removal(config)
        self.user_pool: SpaUserPool | None = None
        self.post_confirmation: VpcFunction | None = None
        self.jwt_secret: JwtSigningSecret | None = None
        if auth.mode == "custom-jwt":
            self.jwt_secret = JwtSigningSecret(self, "JwtSigningSecret", rotation_days=auth.jwt_secret_rotation_days,
                                               removal_policy=removal)
            self.handoff = AuthHandoff(user_pool=None, post_confirmation_logs=None, application=ApplicationInputs(
                secrets={"JWT_SECRET": SecretField(self.jwt_secret.secret, self.jwt_secret.key)}))
            return

        if auth.user_sync:
            table = auth.user_table
            self.post_confirmation = VpcFunction(
                self,
                "PostConfirmation",
                code="post_confirmation",
                handler="post_confirmation.lambda_handler",
                description="Cognito PostConfirmation: writes the confirmed user into the users table",
                vpc=network.vpc,
                subnets=network.app_subnets,
                # The rules to the database live in the network tier.
                security_group=immutable_view(self, "FunctionsSecurityGroup", network.security_groups.functions),
                environment={"SECRET_ARN": database.secret.secret_arn, "DB_CONNECT_TIMEOUT_SECONDS": "2",
                             # Which table and columns (auth.user_table): the project's users table by default.
                             "USER_TABLE": table.table, "USER_ID_COLUMN": table.id_column, "USER_ID_TYPE": table.id_type,
                             "USER_EMAIL_COLUMN": table.email_column, "USER_NAME_COLUMN": table.name_column},
                statements=secret_read_statements(database.secret, database.key),
                timeout=TRIGGER_TIMEOUT,
                reserved_concurrency=10,  # sign-ups are rare; a burst cannot exhaust database connections
                logs=network.logs,
                invoked_synchronously_by="Cognito (PostConfirmation trigger)",
            )
        self.user_pool = SpaUserPool(
            self,
            "Users",
            domain_prefix=domain_prefix(config),
            mfa=auth.mfa,
            feature_plan=auth.feature_plan,
            threat_protection=auth.threat_protection,
            password_min_length=auth.password_min_length,
            callback_urls=list(auth.callback_urls),
            logout_urls=list(auth.logout_urls),
            app_origins=list(app_origins),
            access_token_validity=Duration.minutes(auth.access_token_minutes),
            id_token_validity=Duration.minutes(auth.id_token_minutes),
            refresh_token_validity=Duration.days(auth.refresh_token_days),
            post_confirmation=self.post_confirmation.function if self.post_confirmation is not None else None,
            deletion_protection=config.removal != "destroy",
            removal_policy=removal,
        )
        pool = self.user_pool
        self.handoff = AuthHandoff(
            user_pool=UserPoolHandoff(
                user_pool_id=pool.user_pool.user_pool_id,
                client_id=pool.client.user_pool_client_id,
                hosted_ui_domain=f"{pool.domain.domain_name}.auth.{self.region}.amazoncognito.com",
            ),
            post_confirmation_logs=self.post_confirmation.log_group if self.post_confirmation is not None else None,
            application=ApplicationInputs(settings={
                "COGNITO_USER_POOL_ID": pool.user_pool.user_pool_id,
                "COGNITO_CLIENT_ID": pool.client.user_pool_client_id,
            }),
        )
