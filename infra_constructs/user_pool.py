"""Cognito user pool for the SPA: hosted UI, PKCE client, groups, PostConfirmation trigger."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra_constructs.compliance import acknowledge

MFA = {"off": cognito.Mfa.OFF, "optional": cognito.Mfa.OPTIONAL, "required": cognito.Mfa.REQUIRED}
THREAT_PROTECTION = {
    "audit": cognito.StandardThreatProtectionMode.AUDIT_ONLY,
    "enforced": cognito.StandardThreatProtectionMode.FULL_FUNCTION,
}
FEATURE_PLANS = {"essentials": cognito.FeaturePlan.ESSENTIALS, "plus": cognito.FeaturePlan.PLUS}


class SpaUserPool(Construct):
    """A user pool where people sign up and in with their email address.

    - Email verification, a strong password policy, TOTP multi-factor authentication
      (``mfa``; no SMS, so no SMS cost or SIM-swap exposure), account recovery by email.
    - Groups ``admin`` and ``user``.
    - A hosted UI domain ``<domain_prefix>.auth.<region>.amazoncognito.com``.
    - A public SPA client: authorization code grant (the SPA uses PKCE; there is no
      client secret to leak), token lifetimes as given, token revocation, no user
      existence errors. Callback/logout URLs: ``callback_urls`` plus the application's
      own ``app_origins`` (the hand-off from the edge tier: its CloudFront or custom
      domain). With none at all, the client has no OAuth flows until an origin exists.
    - ``post_confirmation``: a function called after sign-up confirmation. It needs no
      permission on the pool, so pool, function and permission form no cycle.

    Exposes ``user_pool``, ``client``, ``domain`` and ``groups``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_prefix: str,
        mfa: str,
        feature_plan: str,
        threat_protection: str,
        password_min_length: int,
        callback_urls: list[str],
        logout_urls: list[str],
        app_origins: list[str],
        access_token_validity: Duration,
        id_token_validity: Duration,
        refresh_token_validity: Duration,
        post_confirmation: lambda_.IFunction | None,
        deletion_protection: bool,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            sign_in_aliases=cognito.SignInAliases(email=True),
            sign_in_case_sensitive=False,
            self_sign_up_enabled=True,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            keep_original=cognito.KeepOriginalAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            password_policy=cognito.PasswordPolicy(
                min_length=password_min_length,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            mfa=MFA[mfa],
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False) if mfa != "off" else None,
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=FEATURE_PLANS[feature_plan],
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
            standard_threat_protection_mode=THREAT_PROTECTION.get(threat_protection),  # None when "off"
        )
        if post_confirmation is not None:
            self.user_pool.add_trigger(cognito.UserPoolOperation.POST_CONFIRMATION, post_confirmation)
        self.groups = {
            name: cognito.CfnUserPoolGroup(self, f"{name.capitalize()}Group", user_pool_id=self.user_pool.user_pool_id,
                                           group_name=name, description=description, precedence=precedence)
            for name, description, precedence in (
                ("admin", "Administrators of the application", 0),
                ("user", "Signed-up users", 10),
            )
        }
        self.domain = self.user_pool.add_domain(
            "HostedUi", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix)
        )
        callbacks = [*callback_urls, *(f"{o}/" for o in app_origins)]
        logouts = [*logout_urls, *(f"{o}/" for o in app_origins)]
        # With no origin yet (no callback URL at all), the client has no OAuth flows.
        o_auth = cognito.OAuthSettings(
            flows=cognito.OAuthFlows(authorization_code_grant=True),
            scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
            callback_urls=callbacks,
            logout_urls=logouts or callbacks,
        ) if callbacks else None
        self.client = self.user_pool.add_client(
            "SpaClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=access_token_validity,
            id_token_validity=id_token_validity,
            refresh_token_validity=refresh_token_validity,
            o_auth=o_auth,
            disable_o_auth=o_auth is None,
        )
        reasons = {}
        if mfa != "required":
            reasons["AwsSolutions-COG2"] = (
                f"MFA is '{mfa}' by this environment's configuration (users may enrol TOTP); production environments set it to 'required'."
            )
        if threat_protection != "enforced":
            reasons["AwsSolutions-COG3"] = (
                f"Threat protection is '{threat_protection}': it needs the paid 'plus' feature plan, chosen per environment in config (auth.feature_plan, auth.threat_protection)."
            )
        if feature_plan != "plus":
            reasons["AwsSolutions-COG8"] = (
                "The 'essentials' feature plan by this environment's configuration: 'plus' is billed per monthly active user and only adds threat protection, which auth.feature_plan turns on."
            )
        if reasons:
            acknowledge(self.user_pool, reasons)
