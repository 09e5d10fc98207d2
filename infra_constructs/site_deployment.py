"""Uploading the SPA build into its bucket and invalidating what CloudFront must re-read."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import DefaultStackSynthesizer, Stack
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra_constructs.compliance import acknowledge, cfn_resource
from infra_constructs.log_settings import LogSettings

# Entry points: always re-read by browsers and CloudFront. Everything else in a Vite or
# CRA build has a content hash in its name and never changes under the same name.
ENTRY_POINTS = ("index.html", "config.json")
IMMUTABLE = [s3deploy.CacheControl.from_string("public, max-age=31536000, immutable")]
REVALIDATE = [s3deploy.CacheControl.no_cache()]


# Memory of CDK's upload function (its AWS CLI unzips the build in memory).
UPLOAD_MEMORY_MIB = 512

class SiteUploader(Construct):
    """The identity that uploads the SPA build: a role with exactly what the upload does in
    one customer-managed policy (the asset objects of this account and region, the site
    bucket, an invalidation of the distribution, its own log group), and that log group
    (the environment's ``logs`` settings).

    It lives with the bucket and the distribution (edge tier), so the policy names them
    directly; the deployment (frontend tier) only runs as it. The role is handed out
    immutable, so CDK's own broader grants (inline, with wildcard actions) are not added.

    Exposes ``role`` (immutable), ``policy`` and ``log_group``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.Bucket,
        distribution: cloudfront.IDistribution,
        logs: LogSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.log_group = logs.log_group(self, "Logs")
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description=f"Uploads the SPA build into the site bucket of {stack.stack_name}")
        # The default synthesizer's file-asset bucket (bootstrap stack), where the build's zip is staged.
        qualifier = getattr(stack.synthesizer, "bootstrap_qualifier", None) or DefaultStackSynthesizer.DEFAULT_QUALIFIER
        assets_bucket = (DefaultStackSynthesizer.DEFAULT_FILE_ASSETS_BUCKET_NAME
                         .replace("${Qualifier}", qualifier)
                         .replace("${AWS::AccountId}", stack.account)
                         .replace("${AWS::Region}", stack.region))
        asset_objects = f"arn:{stack.partition}:s3:::{assets_bucket}/*"
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="Copy the SPA build from the CDK asset bucket into the site bucket and invalidate its entry points",
            roles=[role],
            statements=[
                iam.PolicyStatement(actions=["s3:GetObject"], resources=[asset_objects]),
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn]),
                iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                                    resources=[bucket.arn_for_objects("*")]),
                iam.PolicyStatement(actions=["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
                                    resources=[distribution.distribution_arn]),
                iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                    resources=[self.log_group.log_group_arn]),
            ],
        )
        bucket_id = stack.get_logical_id(cfn_resource(bucket))
        logs_id = stack.get_logical_id(cfn_resource(self.log_group))
        acknowledge(self.policy, {
            f"AwsSolutions-IAM5[Resource::{stack.resolve(asset_objects)}]": "CDK stages the build as a zip under a content-hash key in this account's asset bucket; the key is not known when the policy is written.",
            f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/*]": "The build's file names (content-hashed) are not known in advance, and pruning deletes old ones: every object of the site bucket, no other bucket.",
            f"AwsSolutions-IAM5[Resource::<{logs_id}.Arn>]": "The upload function's own log group: stream names are created by Lambda per execution environment.",
        })
        self.role = role.without_policy_updates()


class SiteDeployment(Construct):
    """Uploads ``directory`` (a built SPA, or the placeholder page) into ``bucket`` on every
    deploy, as ``uploader``, in two steps so a browser never gets an index.html whose
    assets are missing: first the hashed assets (cached for a year, old ones pruned), then
    index.html and ``config.json`` (``runtime_config``: what the SPA needs to know about its
    environment, written at deploy time) with ``no-cache``, after which CloudFront
    invalidates just those two.

    No Docker: CDK zips the folder as an asset; the upload runs in CDK's deployment Lambda.

    Exposes ``assets`` and ``entry_points`` (the two BucketDeployments).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        directory: Path,
        bucket: s3.IBucket,
        distribution: cloudfront.IDistribution,
        uploader: SiteUploader,
        runtime_config: Mapping[str, object],
    ) -> None:
        super().__init__(scope, construct_id)
        self.assets = s3deploy.BucketDeployment(
            self,
            "Assets",
            sources=[s3deploy.Source.asset(str(directory), exclude=list(ENTRY_POINTS))],
            cache_control=IMMUTABLE,
            # Entry points are left to the second step (and out of this step's pruning).
            exclude=list(ENTRY_POINTS),
            prune=True,
            destination_bucket=bucket, memory_limit=UPLOAD_MEMORY_MIB, log_group=uploader.log_group, role=uploader.role,
        )
        self.entry_points = s3deploy.BucketDeployment(
            self,
            "EntryPoints",
            sources=[
                s3deploy.Source.asset(str(directory), exclude=["*", *(f"!{name}" for name in ENTRY_POINTS)]),
                s3deploy.Source.json_data("config.json", dict(runtime_config)),
            ],
            cache_control=REVALIDATE,
            prune=False,
            distribution=distribution,
            distribution_paths=[f"/{name}" for name in ENTRY_POINTS],
            destination_bucket=bucket, memory_limit=UPLOAD_MEMORY_MIB, log_group=uploader.log_group, role=uploader.role,
        )
        self.entry_points.node.add_dependency(self.assets)
        self._acknowledge_upload_function()

    def _acknowledge_upload_function(self) -> None:
        """CDK's upload function is a stack-level singleton: acknowledge it where it lives."""
        stack = Stack.of(self)
        for child in stack.node.children:
            if child.node.id.startswith("Custom::CDKBucketDeployment"):
                acknowledge(child, {
                    "AwsSolutions-L1": "CDK's bucket-deployment function pins the Python runtime its bundled AWS CLI layer is built for; it is upgraded with aws-cdk-lib.",
                    "NIST.800.53.R5-LambdaConcurrency": "Runs once per deploy (CloudFormation custom resource); a concurrency limit adds nothing.",
                    "NIST.800.53.R5-LambdaDLQ": "Invoked synchronously by CloudFormation, which reports a failure as a failed deploy; there is nothing to dead-letter.",
                    "NIST.800.53.R5-LambdaInsideVPC": "Copies from the CDK asset bucket to the site bucket and invalidates CloudFront: public AWS APIs only, no VPC resource.",
                    "PCI.DSS.321-LambdaInsideVPC": "Copies from the CDK asset bucket to the site bucket and invalidates CloudFront: public AWS APIs only, no VPC resource.",
                    "CKV_AWS_173": "CDK's bucket-deployment function has no environment of its own worth encrypting (no secret; its inputs arrive as custom-resource properties).",
                })
