"""Assertions on the synthesized auth stacks: Cognito (with its trigger) or a JWT secret."""

from __future__ import annotations

from functools import partial

import pytest

from tests import conftest
from tests.conftest import variants_where

COGNITO_VARIANTS = variants_where(lambda c: c.auth.mode == "cognito" and c.auth.user_sync)


resources = partial(conftest.resources, tier="auth")


one = partial(conftest.one, tier="auth")


def test_without_user_sync_no_trigger_and_no_user_sync_alarm(synthesized):
    """dev-aurora runs the team's own migrations (apply_migrations False) and turns the trigger off."""
    synth = synthesized["dev-aurora"]
    assert not synth.config.auth.user_sync
    _, pool = one(synth, "AWS::Cognito::UserPool")
    assert "LambdaConfig" not in pool["Properties"]
    assert not resources(synth, "AWS::Lambda::Function") and not resources(synth, "AWS::Lambda::Permission")
    assert not conftest.resources(synth, "AWS::Logs::MetricFilter", tier="observability")


@pytest.mark.parametrize(
    "variant, mfa, protection, policy",
    [("dev", "OPTIONAL", "INACTIVE", "Delete"), ("dev-branch", "OPTIONAL", "INACTIVE", "Delete"),
     ("staging", "OPTIONAL", "ACTIVE", "Retain"), ("prod", "ON", "ACTIVE", "Retain")],
)
def test_user_pool_per_environment(synthesized, variant, mfa, protection, policy):
    _, pool = one(synthesized[variant], "AWS::Cognito::UserPool")
    p = pool["Properties"]
    assert p["UsernameAttributes"] == ["email"] and p["AutoVerifiedAttributes"] == ["email"]
    assert p["MfaConfiguration"] == mfa and p["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert p["DeletionProtection"] == protection
    assert pool["DeletionPolicy"] == pool["UpdateReplacePolicy"] == policy
    assert p["Policies"]["PasswordPolicy"] == {
        "MinimumLength": 12, "RequireLowercase": True, "RequireUppercase": True, "RequireNumbers": True,
        "RequireSymbols": True, "TemporaryPasswordValidityDays": 3,
    }
    assert p["AccountRecoverySetting"] == {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]}
    assert p["UserPoolTier"] == "ESSENTIALS"


@pytest.mark.parametrize("variant", COGNITO_VARIANTS)
def test_post_confirmation_trigger_is_wired_without_a_cycle(synthesized, variant):
    synth = synthesized[variant]
    pool_id, pool = one(synth, "AWS::Cognito::UserPool")
    function_id, function = one(synth, "AWS::Lambda::Function")
    assert pool["Properties"]["LambdaConfig"] == {"PostConfirmation": {"Fn::GetAtt": [function_id, "Arn"]}}
    _, permission = one(synth, "AWS::Lambda::Permission")
    assert permission["Properties"]["Principal"] == "cognito-idp.amazonaws.com"
    assert permission["Properties"]["SourceArn"] == {"Fn::GetAtt": [pool_id, "Arn"]}
    p = function["Properties"]
    assert p["Timeout"] == 5 and p["Environment"]["Variables"]["DB_CONNECT_TIMEOUT_SECONDS"] == "2"
    # The table it writes (auth.user_table): the project's users table by default.
    table = synth.config.auth.user_table
    assert {k: v for k, v in p["Environment"]["Variables"].items() if k.startswith("USER_")} == {
        "USER_TABLE": table.table, "USER_ID_COLUMN": table.id_column, "USER_ID_TYPE": table.id_type,
        "USER_EMAIL_COLUMN": table.email_column, "USER_NAME_COLUMN": table.name_column}
    assert p["Handler"] == "post_confirmation.lambda_handler"
    assert "VpcConfig" in p
    # The function has no permission on the pool: nothing of Cognito in its policy.
    _, policy = one(synth, "AWS::IAM::ManagedPolicy")
    assert "cognito" not in str(policy["Properties"]["PolicyDocument"]).lower()
    assert not resources(synth, "AWS::IAM::Policy")


@pytest.mark.parametrize(
    "variant, prefix",
    [("dev", "webapp-dev-111111111111"), ("dev-branch", "webapp-dev-feature-login-page-111111111111"),
     ("prod", "webapp-prod-111111111111")],
)
def test_hosted_ui_prefix_is_unique_per_environment_and_branch(synthesized, variant, prefix):
    _, domain = one(synthesized[variant], "AWS::Cognito::UserPoolDomain")
    assert domain["Properties"]["Domain"] == prefix


def test_groups(synthesized):
    groups = {r["Properties"]["GroupName"]: r["Properties"]["Precedence"] for r in resources(synthesized["dev"], "AWS::Cognito::UserPoolGroup").values()}
    assert groups == {"admin": 0, "user": 10}


CLOUDFRONT_DOMAIN = "CLOUDFRONT"


def _url(value) -> str:
    """A callback URL as text; the distribution's domain (a reference to the edge tier) as CLOUDFRONT."""
    if isinstance(value, str):
        return value
    parts = value["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else CLOUDFRONT_DOMAIN if "DomainName" in p["Fn::GetStackOutput"]["OutputName"] else "?"
                   for p in parts)


@pytest.mark.parametrize(
    "variant, callbacks, refresh_days",
    [
        # The edge tier's hand-off: the distribution's own domain, or the custom one.
        ("dev", ["http://localhost:5173/", f"https://{CLOUDFRONT_DOMAIN}/"], 7),
        ("staging", [f"https://{CLOUDFRONT_DOMAIN}/"], 30),
        ("domain-3az", ["https://staging.example.com/"], 30),
    ],
)
def test_spa_client_uses_the_code_flow_without_a_secret(synthesized, variant, callbacks, refresh_days):
    _, client = one(synthesized[variant], "AWS::Cognito::UserPoolClient")
    p = client["Properties"]
    assert p["GenerateSecret"] is False
    assert p["AllowedOAuthFlows"] == ["code"] and p["AllowedOAuthFlowsUserPoolClient"] is True
    assert set(p["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert [_url(u) for u in p["CallbackURLs"]] == callbacks and p["LogoutURLs"] == p["CallbackURLs"]
    assert p["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert p["PreventUserExistenceErrors"] == "ENABLED" and p["EnableTokenRevocation"] is True
    assert (p["AccessTokenValidity"], p["IdTokenValidity"], p["RefreshTokenValidity"]) == (60, 60, refresh_days * 24 * 60)
    assert p["TokenValidityUnits"] == {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "minutes"}


def test_custom_jwt_variant_has_a_generated_encrypted_secret_and_no_user_pool(synthesized):
    synth = synthesized["bankapp-dev"]
    assert synth.config.auth.mode == "custom-jwt"
    assert not resources(synth, "AWS::Cognito::UserPool") and not resources(synth, "AWS::Lambda::Function")
    _, secret = one(synth, "AWS::SecretsManager::Secret")
    key_id, key = one(synth, "AWS::KMS::Key")
    assert secret["Properties"]["GenerateSecretString"] == {"ExcludePunctuation": True, "PasswordLength": 64}
    assert secret["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
