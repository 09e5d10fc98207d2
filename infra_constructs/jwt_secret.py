"""The signing secret of the custom-JWT variant (no Cognito)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from constructs import Construct

from infra_constructs.secrets import generated_secret


class JwtSigningSecret(Construct):
    """A 64-character random HMAC signing secret in Secrets Manager, encrypted with its
    own KMS key. Rotation is a procedure, not a Lambda: the application verifies tokens
    with both the AWSCURRENT and AWSPREVIOUS versions, so writing a new version
    (README "Auth") rotates keys without logging anyone out. Exposes ``secret`` and ``key``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, rotation_days: int, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.key, self.secret = generated_secret(
            self,
            key_id="Key",
            key_description="Encrypts the JWT signing secret",
            secret_id="Secret",
            description=f"HMAC key that signs the application's JWTs; rotate every {rotation_days} days (README: Auth)",
            length=64,
            rotation_procedure=f"Rotated every {rotation_days} days by the documented two-version procedure (README: Auth): the application accepts AWSCURRENT and AWSPREVIOUS, so no rotation Lambda is needed.",
            removal_policy=removal_policy,
        )
