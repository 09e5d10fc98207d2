"""Acknowledging cdk-nag findings next to the resource they concern."""

from __future__ import annotations

from typing import Mapping

from aws_cdk import Acknowledgment, CfnResource, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, reasons: Mapping[str, str]) -> None:
    """Acknowledge each rule (``"AwsSolutions-EC28"``, ``"AwsSolutions-IAM5[Resource::*]"``)
    on ``construct`` with the reason that is specific to it."""
    Validations.of(construct).acknowledge(*(Acknowledgment(id=rule, reason=reason) for rule, reason in reasons.items()))


# cfn-lint 1.x does not yet know the Fn::GetStackOutput intrinsic (CDK's weak cross-stack
# reference) inside Fn::Split and reports its value as "not a string" (E1022).
GET_STACK_OUTPUT_IN_SPLIT = "E1022"


def silence_cfn_lint(construct: IConstruct, *rules: str) -> None:
    """Silence cfn-lint ``rules`` on this one resource (template metadata): ``construct`` is
    the CloudFormation resource itself or a construct whose default child it is. The caller
    says why."""
    resource = construct if CfnResource.is_cfn_resource(construct) else construct.node.default_child
    resource.add_metadata("cfn-lint", {"config": {"ignore_checks": list(rules)}})
