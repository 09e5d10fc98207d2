"""Acknowledging compliance findings next to the resource they concern, for every scanner.

One call, one reason per finding: ``acknowledge`` records cdk-nag rules with CDK's
``Validations`` (the in-synth packs honour them, and cdk-nag writes them into the template
as ``Metadata.cdk_nag``) and checkov checks (``CKV_...``), which ``write_checkov_skips``
writes into the template as ``Metadata.checkov.skip`` once the tree is complete. A cdk-nag
rule that tests the same property as a checkov check (``CHECKOV_EQUIVALENTS``) is written
for checkov too, with the same reason, so an auditor re-scanning the templates sees every
exception explained once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct

# The CloudFormation types each checkov check this project acknowledges applies to: a skip is
# written on the resources of that type under the acknowledged construct, nowhere else.
CHECKOV_RESOURCE_TYPES: Mapping[str, tuple[str, ...]] = {
    "CKV_AWS_2": ("AWS::ElasticLoadBalancingV2::Listener",),
    "CKV_AWS_16": ("AWS::RDS::DBInstance",),
    "CKV_AWS_18": ("AWS::S3::Bucket",),
    "CKV_AWS_88": ("AWS::EC2::Instance", "AWS::EC2::LaunchTemplate"),
    "CKV_AWS_103": ("AWS::ElasticLoadBalancingV2::Listener",),
    "CKV_AWS_111": ("AWS::IAM::ManagedPolicy",),
    "CKV_AWS_115": ("AWS::Lambda::Function",),
    "CKV_AWS_116": ("AWS::Lambda::Function",),
    "CKV_AWS_117": ("AWS::Lambda::Function",),
    "CKV_AWS_118": ("AWS::RDS::DBInstance",),
    "CKV_AWS_136": ("AWS::ECR::Repository",),
    "CKV_AWS_157": ("AWS::RDS::DBInstance",),
    "CKV_AWS_173": ("AWS::Lambda::Function",),
    "CKV_AWS_68": ("AWS::CloudFront::Distribution",),
    "CKV_AWS_174": ("AWS::CloudFront::Distribution",),
    "CKV_AWS_192": ("AWS::WAFv2::WebACL",),
}

# cdk-nag rule (or rule with its finding) -> checkov checks of the same property.
CHECKOV_EQUIVALENTS: Mapping[str, tuple[str, ...]] = {
    "NIST.800.53.R5-LambdaDLQ": ("CKV_AWS_116",),
    "NIST.800.53.R5-LambdaConcurrency": ("CKV_AWS_115",),
    "NIST.800.53.R5-LambdaInsideVPC": ("CKV_AWS_117",),
    "NIST.800.53.R5-RDSMultiAZSupport": ("CKV_AWS_157",),
    "NIST.800.53.R5-RDSEnhancedMonitoringEnabled": ("CKV_AWS_118",),
    "AwsSolutions-S1": ("CKV_AWS_18",),
    "NIST.800.53.R5-ALBHttpToHttpsRedirection": ("CKV_AWS_2", "CKV_AWS_103"),
    "AwsSolutions-CFR2": ("CKV_AWS_68",),
    "AwsSolutions-CFR4": ("CKV_AWS_174",),
    "NIST.800.53.R5-EC2InstanceNoPublicIp": ("CKV_AWS_88",),
}

# Acknowledgments that carry checkov checks, written out by ``write_checkov_skips``.
_PENDING: list[tuple[IConstruct, dict[str, str]]] = []


def acknowledge(construct: IConstruct, reasons: Mapping[str, str]) -> None:
    """Acknowledge each rule on ``construct`` and everything below it, with the reason that
    is specific to it: cdk-nag rules (``"AwsSolutions-EC28"``, ``"AwsSolutions-IAM5[Resource::*]"``)
    and checkov checks (``"CKV_AWS_136"``) alike."""
    nag = {rule: reason for rule, reason in reasons.items() if not rule.startswith("CKV")}
    if nag:
        Validations.of(construct).acknowledge(*(Acknowledgment(id=rule, reason=reason) for rule, reason in nag.items()))
    checkov: dict[str, str] = {}
    for rule, reason in reasons.items():
        for check in (rule,) if rule.startswith("CKV") else CHECKOV_EQUIVALENTS.get(rule, ()):
            if check not in CHECKOV_RESOURCE_TYPES:
                raise ValueError(f"{check}: add the resource type it applies to to CHECKOV_RESOURCE_TYPES")
            checkov.setdefault(check, reason)
    if checkov:
        _PENDING.append((construct, checkov))


def write_checkov_skips(root: IConstruct) -> None:
    """Write the pending checkov acknowledgments made under ``root`` (an App) into the
    templates: ``Metadata.checkov.skip`` on each resource of the check's type below the
    acknowledged construct. Call once the tree is complete, before synthesis."""
    skips: dict[str, tuple[CfnResource, dict[str, str]]] = {}
    remaining = []
    for construct, checks in _PENDING:
        if construct.node.root is not root:
            remaining.append((construct, checks))
            continue
        for node in construct.node.find_all():
            resource = as_cfn_resource(node)
            if resource is None:
                continue
            applicable = {c: r for c, r in checks.items() if resource.cfn_resource_type in CHECKOV_RESOURCE_TYPES[c]}
            if applicable:
                _, existing = skips.setdefault(resource.node.path, (resource, {}))
                for check, reason in applicable.items():
                    existing.setdefault(check, reason)
    _PENDING[:] = remaining
    for node, checks in skips.values():
        node.add_metadata("checkov", {"skip": [{"id": c, "comment": r} for c, r in sorted(checks.items())]})


# cfn-lint 1.x does not yet know the Fn::GetStackOutput intrinsic (CDK's weak cross-stack
# reference) inside Fn::Split and reports its value as "not a string" (E1022).
GET_STACK_OUTPUT_IN_SPLIT = "E1022"


def silence_cfn_lint(construct: IConstruct, *rules: str) -> None:
    """Silence cfn-lint ``rules`` on this one resource (template metadata): ``construct`` is
    the CloudFormation resource itself or a construct whose default child it is. The caller
    says why."""
    cfn_resource(construct).add_metadata("cfn-lint", {"config": {"ignore_checks": list(rules)}})


def as_cfn_resource(construct: IConstruct) -> CfnResource | None:
    """``construct`` if it is a CloudFormation resource, else None. jsii types the tree's
    nodes as ``IConstruct`` and ``CfnResource.is_cfn_resource`` as a plain bool, so the
    test alone does not tell the type checker."""
    return cast(CfnResource, construct) if CfnResource.is_cfn_resource(construct) else None


def cfn_resource(construct: IConstruct) -> CfnResource:
    """The CloudFormation resource ``construct`` is, or else its default child's (an L2
    construct's ``node.default_child``, which jsii types as ``IConstruct | None``): for
    metadata, overrides and the logical IDs acknowledgments name."""
    resource = as_cfn_resource(construct)
    child = construct.node.default_child
    if resource is None and child is not None:
        resource = as_cfn_resource(child)
    if resource is None:
        raise TypeError(f"{construct.node.path} is not a CloudFormation resource and has none as its default child")
    return resource
