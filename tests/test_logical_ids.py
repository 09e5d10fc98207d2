"""Logical-ID lock for stateful resources.

A refactor that moves or renames one of these constructs would make CloudFormation
replace the resource: a new VPC under running workloads, a new key that cannot decrypt
old logs. If this test fails, the change needs a migration plan, not a new pin.
"""

from __future__ import annotations

import pytest

# Logical IDs are the same in every environment of the network stack.
NETWORK_STATEFUL = {
    "NetworkVpc7FB7348F": "AWS::EC2::VPC",
    "NetworkLogsKey573F0F74": "AWS::KMS::Key",
    "NetworkFlowLogGroup4F8CEEEF": "AWS::Logs::LogGroup",
    "SecurityGroupsLoadBalancerC69D330C": "AWS::EC2::SecurityGroup",
    "SecurityGroupsApplicationDD598498": "AWS::EC2::SecurityGroup",
    "SecurityGroupsDatabase03711F2A": "AWS::EC2::SecurityGroup",
    "SecurityGroupsEndpointsA9E176B0": "AWS::EC2::SecurityGroup",
    "SecurityGroupsBastionAEA55F6D": "AWS::EC2::SecurityGroup",
    "SecurityGroupsFunctionsF2C2D0F4": "AWS::EC2::SecurityGroup",
}

LOCKED_TYPES = {"AWS::EC2::VPC", "AWS::KMS::Key", "AWS::Logs::LogGroup"}


@pytest.mark.parametrize("variant", ["dev", "staging", "prod", "dev-branch"])
def test_stateful_network_resources_keep_their_logical_ids(synthesized, variant):
    resources = synthesized[variant].templates["network"]["Resources"]
    assert {k: resources[k]["Type"] for k in NETWORK_STATEFUL if k in resources} == NETWORK_STATEFUL
    # Every resource of a locked type is pinned: a new one must be added above.
    assert {k for k, r in resources.items() if r["Type"] in LOCKED_TYPES} <= set(NETWORK_STATEFUL)
