"""Acknowledging cdk-nag findings next to the resource they concern."""

from __future__ import annotations

from typing import Mapping

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, reasons: Mapping[str, str]) -> None:
    """Acknowledge each rule (``"AwsSolutions-EC28"``, ``"AwsSolutions-IAM5[Resource::*]"``)
    on ``construct`` with the reason that is specific to it."""
    Validations.of(construct).acknowledge(*(Acknowledgment(id=rule, reason=reason) for rule, reason in reasons.items()))
