"""What each tier hands to the tiers after it: one frozen record per producing stack.

A consumer takes the hand-offs it uses, never a sibling stack, so what crosses a stack
boundary (and becomes a cross-stack reference in the templates) is listed here and
nowhere else. Settings that belong to a producer (the database's reader host, the Redis
host, the uploads bucket's name) are assembled by the producer, in its hand-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from infra_constructs.amplify_hosting import AmplifyApp
from infra_constructs.app_settings import SecretField
from infra_constructs.load_balancer import WebLoadBalancer
from infra_constructs.log_settings import LogSettings
from infra_constructs.security_groups import WorkloadSecurityGroups
from infra_constructs.site_deployment import SiteUploader


@dataclass(frozen=True)
class NetworkHandoff:
    """The VPC's placement and the shared security groups (consumers take an immutable view
    of a group, so rules stay in the network tier), and how every regional log group of the
    environment is kept (``logs``: the configured retention, the network tier's logs key, the
    environment's removal policy)."""

    vpc: ec2.IVpc
    app_subnets: ec2.SubnetSelection
    data_subnets: ec2.SubnetSelection
    public_subnets: ec2.SubnetSelection
    security_groups: WorkloadSecurityGroups
    logs: LogSettings


@dataclass(frozen=True)
class ApplicationInputs:
    """What a tier gives the application: plain settings (SSM parameters), secret fields
    (referenced, never copied) and managed policies for the application's role."""

    settings: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, SecretField] = field(default_factory=dict)
    policies: tuple[iam.IManagedPolicy, ...] = ()


@dataclass(frozen=True)
class DatabaseHandoff:
    """The database's credentials and identifiers (for functions, alarms and the application)."""

    secret: secretsmanager.ISecret
    key: kms.IKey
    instance_id: str | None
    cluster_id: str | None
    replica_id: str | None
    allocated_storage_gib: int


@dataclass(frozen=True)
class DataHandoff:
    database: DatabaseHandoff
    access_logs: s3.IBucket
    uploads: s3.IBucket | None
    application: ApplicationInputs


@dataclass(frozen=True)
class EdgeGlobalHandoff:
    """CloudFront's web ACL (None with ``waf.mode`` "off") and, with a domain, its certificate
    (both in us-east-1)."""

    web_acl_arn: str | None
    web_acl_metric_name: str | None
    certificate: acm.ICertificate | None


@dataclass(frozen=True)
class EdgeHandoff:
    """The load balancer the API registers with, the distribution, the frontend's host
    (the SPA bucket and its uploader, or the Amplify app), and the URLs the others publish."""

    load_balancer: WebLoadBalancer
    distribution: cloudfront.IDistribution
    site_bucket: s3.IBucket | None
    site_uploader: SiteUploader | None
    amplify: AmplifyApp | None
    # The https origins the frontend is served from (callback URLs, CORS, WebSocket Origin).
    app_origins: tuple[str, ...]
    api_url: str


@dataclass(frozen=True)
class UserPoolHandoff:
    user_pool_id: str
    client_id: str
    hosted_ui_domain: str


@dataclass(frozen=True)
class AuthHandoff:
    """The user pool (Cognito mode) or nothing but the application's JWT secret (custom-jwt)."""

    user_pool: UserPoolHandoff | None
    # Log group of the Cognito PostConfirmation trigger (its user-sync failures are alarmed).
    post_confirmation_logs: logs.ILogGroup | None
    application: ApplicationInputs


@dataclass(frozen=True)
class ComputeHandoff:
    """What the API's alarms watch: its target group, its service or instance group, its log."""

    load_balancer: elbv2.ApplicationLoadBalancer
    target_group: elbv2.ApplicationTargetGroup
    service: ecs.FargateService | None
    group: autoscaling.AutoScalingGroup | None
    # The API's own log group (its stdout), where the application logs failed sign-ins.
    log_group: logs.ILogGroup
