"""CloudTrail: who did what in the account (BankApp: audit logging for compliance;
docs/requirements.md R18)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_constructs.compliance import acknowledge, silence_cfn_lint
from infra_constructs.log_settings import LogSettings

# Log files older than this move to Glacier (they are rarely read after an audit period).
GLACIER_AFTER_DAYS = 90


class AuditTrail(Construct):
    """A multi-region trail with global service events and log file validation, writing
    KMS-encrypted log files to its own bucket (TLS only, versioned, access-logged,
    Glacier after 90 days, expired after ``retention_days``) and to a CloudWatch Logs group
    (the environment's ``logs`` settings) for searching and metric filters.

    The bucket and its key are retained in every environment (audit evidence outlives a
    stack, and nothing empties it); the log group is removed like the environment's others.

    ``key``: the key that encrypts the log files, given when it serves the log group too (the
    account trail: one key, $1 a month, instead of two); it must be retained. Otherwise the trail
    creates its own.

    Exposes ``trail``, ``bucket``, ``key`` and ``log_group``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        trail_name: str,
        access_logs: s3.IBucket,
        retention_days: int,
        logs: LogSettings,
        key: kms.Key | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        trail_arn = stack.format_arn(service="cloudtrail", resource="trail", resource_name=trail_name)
        self.key = key or kms.Key(self, "Key", description=f"Encrypts the {trail_name} CloudTrail log files",
                                  # The retained log files stay readable only with their key.
                                  enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN)
        # CloudTrail encrypts for this trail only; readers of the bucket need kms:Decrypt separately.
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudTrailEncryptsLogFiles",
            principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
            actions=["kms:GenerateDataKey*", "kms:DescribeKey"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceArn": trail_arn},
                        "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": f"arn:{stack.partition}:cloudtrail:*:{stack.account}:trail/*"}},
        ))
        transitions = (
            [s3.Transition(storage_class=s3.StorageClass.GLACIER, transition_after=Duration.days(GLACIER_AFTER_DAYS))]
            if retention_days > GLACIER_AFTER_DAYS else []
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="s3/audit-trail/",
            lifecycle_rules=[s3.LifecycleRule(
                id="audit-retention",
                transitions=transitions,
                expiration=Duration.days(retention_days),
                noncurrent_version_expiration=Duration.days(1),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )],
            # Audit evidence outlives the stack in every environment, and nothing empties it.
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(self.bucket, {
            f"{pack}-S3BucketReplicationEnabled": "Trail log files are validated (digest files) and kept for their retention in one region; a second copy is an organization-trail concern."
            for pack in ("NIST.800.53.R5", "PCI.DSS.321")
        })
        self.log_group = logs.log_group(self, "LogGroup")
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            trail_name=trail_name,
            bucket=self.bucket,
            encryption_key=self.key,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_file_validation=True,
            management_events=cloudtrail.ReadWriteType.ALL,
            send_to_cloud_watch_logs=True,
            cloud_watch_log_group=self.log_group,
        )
        # CDK also lists the delivery role in DependsOn, which its GetAtt already implies.
        silence_cfn_lint(self.trail, "W3005")
        delivery_policy = self.trail.node.find_child("LogsRole").node.find_child("DefaultPolicy")
        acknowledge(delivery_policy, {
            f"{pack}-IAMNoInlinePolicy": "The Trail construct creates CloudTrail's log delivery role itself and takes no role of ours; its one statement allows logs:CreateLogStream and logs:PutLogEvents on this trail's log group only."
            for pack in ("NIST.800.53.R5", "PCI.DSS.321")
        })
