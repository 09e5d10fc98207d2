"""CDK's own custom-resource providers, made to meet the project's bars.

Some CDK features deploy a provider of their own (``CustomResourceProvider``): a role and a
Node.js handler, written as plain ``CfnResource``s at the top of the stack. The in-synth
cdk-nag run does not inspect plain resources, their handler logs to an implicit group that
never expires, and CDK lists the role in the handler's DependsOn although its GetAtt implies
it. ``adopt_provider`` gives such a handler a log group of ours (``LogSettings``: retention,
KMS key, removal policy), silences that one cfn-lint warning, and writes the acknowledgments
that scanners reading the templates need, with reasons specific to CDK's provider.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnResource, Stack, aws_logs
from constructs import Construct

from infra_constructs.compliance import acknowledge, silence_cfn_lint
from infra_constructs.log_settings import LogSettings

# Provider singletons (their construct IDs at the top of a stack) and what each does.
DEFAULT_SECURITY_GROUP_PROVIDER = "Custom::VpcRestrictDefaultSGCustomResourceProvider"
AUTO_DELETE_OBJECTS_PROVIDER = "Custom::S3AutoDeleteObjectsCustomResourceProvider"
PURPOSES = {
    DEFAULT_SECURITY_GROUP_PROVIDER: "revokes the VPC default security group's rules (restrict_default_security_group)",
    AUTO_DELETE_OBJECTS_PROVIDER: "empties this stack's buckets when the stack is destroyed (auto_delete_objects, removal 'destroy' only)",
}
# Only the EC2 API (default security group) or S3 (this stack's buckets): no VPC resource.
AWS_APIS_ONLY = {
    DEFAULT_SECURITY_GROUP_PROVIDER: "Calls only the EC2 API to revoke the default security group's rules; it needs no VPC resource.",
    AUTO_DELETE_OBJECTS_PROVIDER: "Calls only the S3 API to empty this stack's buckets on deletion; it needs no VPC resource.",
}

# What else each provider's role is acknowledged for. (The bucket-emptying role has no policy
# of its own: each destroyable bucket's policy grants it s3:DeleteObject*, GetBucket*, List*
# and PutBucketPolicy on that bucket, which CDK's handler uses to stop new writes and empty it.)
_INLINE = ("CDK's own provider role: one inline statement, ec2:AuthorizeSecurityGroupIngress/Egress and "
           "Revoke* on this VPC's default security group only.")
ROLE_REASONS = {
    DEFAULT_SECURITY_GROUP_PROVIDER: {"NIST.800.53.R5-IAMNoInlinePolicy": _INLINE, "PCI.DSS.321-IAMNoInlinePolicy": _INLINE},
}


def adopt_provider(
    scope: Construct,
    provider_id: str,
    *,
    log_group_id: str,
    logs: LogSettings,
) -> aws_logs.LogGroup | None:
    """Configure the provider ``provider_id`` of ``scope``'s stack, if the stack has one: its
    handler logs to a new group ``log_group_id`` in ``scope``, kept as ``logs`` says. Returns
    that group (None without a provider). Call once per stack and provider."""
    provider = Stack.of(scope).node.try_find_child(provider_id)
    if provider is None:
        return None
    handler = provider.node.find_child("Handler")
    assert isinstance(handler, CfnResource)
    log_group = logs.log_group(scope, log_group_id)
    handler.add_property_override("LoggingConfig", {"LogGroup": log_group.log_group_name})
    silence_cfn_lint(handler, "W3005")
    once = f"CDK's own provider that {PURPOSES[provider_id]}: runs once per deploy as a CloudFormation custom resource"
    acknowledge(handler, {
        "AwsSolutions-L1": f"CDK's own provider pins its Node.js runtime ({PURPOSES[provider_id]}); it is upgraded with aws-cdk-lib.",
        "NIST.800.53.R5-LambdaConcurrency": f"{once}; a concurrency limit adds nothing.",
        "NIST.800.53.R5-LambdaDLQ": f"{once}, invoked synchronously by CloudFormation, which reports a failure as a failed deploy.",
        "NIST.800.53.R5-LambdaInsideVPC": AWS_APIS_ONLY[provider_id],
        "PCI.DSS.321-LambdaInsideVPC": AWS_APIS_ONLY[provider_id],
    })
    acknowledge(provider.node.find_child("Role"), {
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]":
            "CDK's own provider role: basic execution (its log streams) only.",
        **ROLE_REASONS.get(provider_id, {}),
    })
    return log_group


def tag_providers(stack: Stack, tags: Mapping[str, str]) -> None:
    """Tag the role and handler of each CDK provider in ``stack`` (plain ``CfnResource``s, which
    ``Tags.of`` does not reach), so every resource carries the environment's tags."""
    for provider_id in PURPOSES:
        provider = stack.node.try_find_child(provider_id)
        if provider is None:
            continue
        for child in ("Role", "Handler"):
            resource = provider.node.find_child(child)
            assert isinstance(resource, CfnResource)
            resource.add_property_override("Tags", [{"Key": key, "Value": value} for key, value in sorted(tags.items())])
