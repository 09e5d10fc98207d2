"""cdk-nag: the three packs find nothing unacknowledged, and acknowledgments carry reasons."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_ec2 as ec2

from tests.conftest import NAG_PACKS, VARIANTS


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_unacknowledged_findings(synthesized, variant):
    findings = synthesized[variant].nag_findings
    assert set(findings) == {"AwsSolutions", "NIST.800.53.R5", "PCI.DSS.321"}
    assert findings == {pack: [] for pack in findings}


def test_the_harness_reports_a_real_finding():
    """The check above could pass vacuously if the packs saw nothing: prove they see an open SSH port."""
    app = App()
    stack = Stack(app, "Probe")
    vpc = ec2.Vpc(stack, "Vpc", availability_zones=["us-east-1a", "us-east-1b"], nat_gateways=0)
    group = ec2.SecurityGroup(stack, "Open", vpc=vpc, description="probe")
    group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(22))
    app.synth()
    rules = {v.rule_name for pack in NAG_PACKS for v in pack().validate_scope(app).violations}
    assert {"AwsSolutions-EC23", "NIST.800.53.R5-EC2RestrictedSSH", "PCI.DSS.321-EC2RestrictedSSH"} <= rules


@pytest.mark.parametrize("variant", VARIANTS)
def test_acknowledgments_are_written_into_templates_with_specific_reasons(synthesized, variant):
    acknowledged = [
        (logical_id, rule)
        for template in synthesized[variant].templates.values()
        for logical_id, resource in template["Resources"].items()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    # Every environment acknowledges at least the public subnets' internet gateway routes.
    assert acknowledged
    for logical_id, rule in acknowledged:
        assert len(rule["reason"]) >= 60, f"{logical_id}: {rule['id']} needs a specific reason, got {rule['reason']!r}"
