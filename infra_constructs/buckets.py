"""Private S3 buckets: one for server access logs, and hardened data buckets."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_constructs.compliance import acknowledge, cfn_resource

# Every bucket of the project: SSE-S3, no public access in any form, TLS only, versioned
# (written out in each bucket, so each reads whole).


class AccessLogBucket(Construct):
    """Receives S3 server access logs (and, later, load balancer and CloudFront logs).

    SSE-S3 encryption: the log delivery services cannot write to SSE-KMS buckets. With
    ``RemovalPolicy.DESTROY`` the bucket is emptied before deletion (``auto_delete_objects``).
    Exposes ``bucket``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, retention_days: int, removal_policy: RemovalPolicy) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            # Log delivery writes with ACLs; the bucket owner still owns every object.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-logs",
                    expiration=Duration.days(retention_days),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=removal_policy,
            # A bucket that still holds objects (or versions) cannot be deleted: where the stack
            # may destroy it, CDK's provider empties it first, so a teardown leaves nothing behind.
            auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
        )
        acknowledge(self.bucket, {
            "AwsSolutions-S1": "This is the access log bucket itself; logging it into itself would loop.",
            "NIST.800.53.R5-S3BucketLoggingEnabled": "This is the access log bucket itself; logging it into itself would loop.",
            "PCI.DSS.321-S3BucketLoggingEnabled": "This is the access log bucket itself; logging it into itself would loop.",
            "NIST.800.53.R5-S3BucketReplicationEnabled": "Access logs are kept in one region for their retention period; replication would double their cost for no recovery need.",
            "PCI.DSS.321-S3BucketReplicationEnabled": "Access logs are kept in one region for their retention period; replication would double their cost for no recovery need.",
            "NIST.800.53.R5-S3DefaultEncryptionKMS": "S3 server access log delivery cannot write to buckets encrypted with a customer-managed KMS key; SSE-S3 is used.",
            "PCI.DSS.321-S3DefaultEncryptionKMS": "S3 server access log delivery cannot write to buckets encrypted with a customer-managed KMS key; SSE-S3 is used.",
        })


class PrivateBucket(Construct):
    """A data bucket: SSE-S3 encryption, TLS only, versioning, public access blocked,
    server access logs, noncurrent versions to Glacier and then expired, current objects to
    Intelligent-Tiering after ``intelligent_tiering_days`` (0: never); emptied before deletion
    with ``RemovalPolicy.DESTROY``. Exposes ``bucket``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        purpose: str,
        access_logs: s3.IBucket,
        noncurrent_to_glacier_days: int,
        noncurrent_expire_days: int,
        intelligent_tiering_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        lifecycle_rules = [
            s3.LifecycleRule(
                id="noncurrent-versions",
                noncurrent_version_transitions=[
                    s3.NoncurrentVersionTransition(
                        storage_class=s3.StorageClass.GLACIER, transition_after=Duration.days(noncurrent_to_glacier_days)
                    )
                ],
                noncurrent_version_expiration=Duration.days(noncurrent_expire_days),
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ]
        if intelligent_tiering_days:
            # A rule of its own, so the versions rule (and every bucket without this) stays as it
            # was. S3 does not move objects under 128 KB by lifecycle: they stay in Standard.
            lifecycle_rules.append(s3.LifecycleRule(
                id="current-versions-to-intelligent-tiering",
                transitions=[s3.Transition(storage_class=s3.StorageClass.INTELLIGENT_TIERING,
                                           transition_after=Duration.days(intelligent_tiering_days))],
            ))
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            # SSE-S3 lets CloudFront serve the objects through Origin Access Control without a key grant.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"s3/{purpose}/",
            lifecycle_rules=lifecycle_rules,
            removal_policy=removal_policy,
            # Emptied before deletion where the stack may destroy it (see AccessLogBucket).
            auto_delete_objects=removal_policy == RemovalPolicy.DESTROY,
        )
        acknowledge(self.bucket, {
            f"{pack}-S3BucketReplicationEnabled": f"The {purpose} bucket is versioned with noncurrent versions kept {noncurrent_expire_days} days; cross-region replication is a disaster-recovery choice beyond the stated RTO/RPO."
            for pack in ("NIST.800.53.R5", "PCI.DSS.321")
        } | {
            f"{pack}-S3DefaultEncryptionKMS": f"The {purpose} bucket is served through CloudFront Origin Access Control; SSE-S3 avoids a KMS call (and cost) per object request."
            for pack in ("NIST.800.53.R5", "PCI.DSS.321")
        })

    def allow_cloudfront_reads(self, prefix: str) -> None:
        """Let this account's CloudFront distributions (Origin Access Control) read objects
        under ``prefix``. Granted here, by the bucket's owner: a grant naming one
        distribution would make this stack depend on the edge tier, which depends on it."""
        stack = Stack.of(self)
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudFrontReadsServedPrefix",
                principals=[iam.ServicePrincipal("cloudfront.amazonaws.com")],
                actions=["s3:GetObject"],
                resources=[self.bucket.arn_for_objects(f"{prefix}*")],
                conditions={
                    "StringEquals": {"AWS:SourceAccount": stack.account},
                    "ArnLike": {"AWS:SourceArn": f"arn:{stack.partition}:cloudfront::{stack.account}:distribution/*"},
                },
            )
        )


def object_access_policy(scope: Construct, construct_id: str, *, bucket: PrivateBucket, description: str) -> iam.ManagedPolicy:
    """A managed policy to read, write and delete any object of ``bucket`` and list it, for
    an application that stores files under keys it chooses. Created in ``scope`` (next to
    the bucket's owner, who decides who may use it); the consumer attaches it to its role."""
    objects = bucket.bucket
    policy = iam.ManagedPolicy(
        scope,
        construct_id,
        description=description,
        statements=[
            iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                                resources=[objects.arn_for_objects("*")]),
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[objects.bucket_arn]),
        ],
    )
    bucket_resource = Stack.of(scope).get_logical_id(cfn_resource(objects))
    acknowledge(policy, {
        f"AwsSolutions-IAM5[Resource::<{bucket_resource}.Arn>/*]": "The application stores user files under keys it chooses (one per upload), so it needs every object of this one bucket; no other bucket.",
    })
    return policy
