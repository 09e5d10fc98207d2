"""GitHub Actions' deploy identity in one account: GitHub's OIDC provider and roles its jobs assume.

No long-lived key: a job asks GitHub for an OIDC token (``permissions: id-token: write``) and
trades it for a role's credentials (``sts:AssumeRoleWithWebIdentity``). Each role trusts the
provider only, and only for a token whose audience is STS and whose ``sub`` claim is exactly one
repository's job in one GitHub environment (``repo:OWNER/REPO:environment:NAME``): no branch,
pull-request or wildcard subject. GitHub environments carry the rest of the policy (required
reviewers for ``production``, which branches may use an environment).

What a role may do is a list of ``Permission``s, each with the reason it exists; every resource
that keeps a wildcard is acknowledged (cdk-nag's AwsSolutions-IAM5) with that reason, so the
template says why for each one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra_constructs.compliance import acknowledge

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
# The audience aws-actions/configure-aws-credentials asks GitHub for.
STS_AUDIENCE = "sts.amazonaws.com"
# The CDK bootstrap roles the CLI assumes: deploy (CloudFormation, through the execution role),
# file and image publishing (assets), lookup (context lookups and `cdk diff`'s template reads).
BOOTSTRAP_ROLES = ("deploy", "file-publishing", "image-publishing", "lookup")


def partition(region: str) -> str:
    """The ARN partition of ``region`` (the configuration accepts commercial and GovCloud regions)."""
    return "aws-us-gov" if region.startswith("us-gov-") else "aws"


@dataclass(frozen=True)
class Permission:
    """One policy statement and why it exists (written next to any wildcard it keeps)."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    reason: str
    conditions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def statement(self) -> iam.PolicyStatement:
        return iam.PolicyStatement(actions=list(self.actions), resources=list(self.resources),
                                   conditions={k: dict(v) for k, v in self.conditions.items()} or None)


def bootstrap_roles(*, account: str, regions: Sequence[str], qualifier: str) -> Permission:
    """``sts:AssumeRole`` on the CDK bootstrap roles of ``account`` in ``regions``: everything the
    CLI does (deploy, diff, destroy, publish assets) goes through them."""
    arns = tuple(f"arn:{partition(region)}:iam::{account}:role/cdk-{qualifier}-{role}-role-{account}-{region}"
                 for region in dict.fromkeys(regions) for role in BOOTSTRAP_ROLES)
    return Permission(("sts:AssumeRole",), arns,
                      "The CDK CLI deploys, diffs, destroys and publishes assets only through the bootstrap roles.")


class GitHubOidcProvider(Construct):
    """GitHub's OIDC provider, created (``AWS::IAM::OIDCProvider``, no custom resource) or, when
    ``existing_arn`` is given, referenced: an account holds one provider per URL. Exposes ``arn``."""

    def __init__(self, scope: Construct, construct_id: str, *, existing_arn: str = "") -> None:
        super().__init__(scope, construct_id)
        self.provider: iam.OidcProviderNative | None = None
        if existing_arn:
            self.arn = existing_arn
        else:
            # No thumbprint: IAM trusts GitHub's certificate through its own root CAs.
            self.provider = iam.OidcProviderNative(self, "Provider", url=f"https://{GITHUB_OIDC_HOST}", client_ids=[STS_AUDIENCE])
            self.arn = self.provider.oidc_provider_arn


class GitHubDeployRole(Construct):
    """A role that jobs of one repository in one GitHub environment assume (``subject``), with
    ``permissions`` in a managed policy of its own. ``role_name`` is fixed: the workflows name the
    role by ARN (a GitHub variable). Exposes ``role`` and ``policy``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        provider_arn: str,
        subject: str,
        role_name: str,
        description: str,
        permissions: Sequence[Permission],
        max_session: Duration,
    ) -> None:
        super().__init__(scope, construct_id)
        if any(c in subject for c in "*?") or not subject.startswith("repo:") or ":environment:" not in subject:
            raise ValueError(f"subject must be one repository's GitHub environment, exactly: got {subject!r}")
        principal = iam.FederatedPrincipal(
            provider_arn,
            # StringEquals, not StringLike: the subject is compared as written, no wildcard.
            conditions={"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE, f"{GITHUB_OIDC_HOST}:sub": subject}},
            assume_role_action="sts:AssumeRoleWithWebIdentity",
        )
        self.role = iam.Role(self, "Role", role_name=role_name, assumed_by=principal, description=description,
                             max_session_duration=max_session)
        # A managed policy (not inline): the NIST and PCI packs ask for policies that stand alone.
        self.policy = iam.ManagedPolicy(self, "Policy", description=f"What {role_name} may do",
                                        statements=[p.statement() for p in permissions])
        self.role.add_managed_policy(self.policy)
        reasons: dict[str, str] = {}
        for permission in permissions:
            for resource in permission.resources:
                if "*" in resource:
                    key = f"AwsSolutions-IAM5[Resource::{resource}]"
                    reasons[key] = " ".join(filter(None, (reasons.get(key), permission.reason)))
        if reasons:
            acknowledge(self.policy, reasons)
