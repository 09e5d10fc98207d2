"""The network flows each environment allows, read from the templates in whatever form the
rules take, equal the intended matrix, per environment and variant.

``FLOWS`` is the matrix (documented in docs/tiers/network.md, "Allowed network flows"; a test
below keeps the two equal). The templates are read whole: rules inline in any
``AWS::EC2::SecurityGroup`` or as standalone ``AWS::EC2::SecurityGroupIngress``/``Egress`` in
any stack, peers as CIDR, prefix list or group, groups named by ``Ref``, ``Fn::GetAtt`` or a
cross-stack reference (``Fn::GetStackOutput``, ``Fn::ImportValue``), each resolved to the
group it ends at. A group that states no egress at all gets EC2's default "all traffic to
anywhere", and is read that way. Each flow is then an ingress rule on its destination group
and an egress rule on its source group (where the end is a group; none where the source
already sends that traffic anywhere), and both sets must equal the matrix's: widening a
flow in either form, or adding one, fails here.

Which resources wear which group is asserted too: a workload wearing another tier's group
widens a flow as surely as a new rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.schema import EnvironmentConfig
from tests.conftest import ROOT, VARIANTS, Synthesized
from tests.references import every_resource, references_in, resource, target

NETWORK_PAGE = ROOT / "docs" / "tiers" / "network.md"
MATRIX_HEADING = "## Allowed network flows"

# The groups of WorkloadSecurityGroups (infra_constructs/security_groups.py) and the NAT
# instance's, by the construct path CDK names them after (network stack).
GROUPS = {
    "load balancer": "SecurityGroupsLoadBalancer",
    "load balancer redirect": "SecurityGroupsLoadBalancerRedirect",
    "application": "SecurityGroupsApplication",
    "database": "SecurityGroupsDatabase",
    "endpoints": "SecurityGroupsEndpoints",
    "bastion": "SecurityGroupsBastion",
    "functions": "SecurityGroupsFunctions",
    "cache": "SecurityGroupsCache",
    "NAT instance": "NetworkVpcNatSecurityGroup",
}
# Peers that are not groups, by the value that names them.
ADDRESSES: dict[str, Callable[[EnvironmentConfig], str]] = {
    "CloudFront": lambda cfg: cfg.network.cloudfront_origin_prefix_list_id,  # origin-facing prefix list
    "VPC": lambda cfg: cfg.network.cidr,
    "anywhere": lambda cfg: "0.0.0.0/0",
}

CONDITIONS: dict[str, Callable[[EnvironmentConfig], bool]] = {
    "always": lambda cfg: True,
    "with a domain": lambda cfg: bool(cfg.domain.name),
    "without a domain": lambda cfg: not cfg.domain.name,
    "cache.enabled": lambda cfg: cfg.cache.enabled,
    "network.egress nat-instance": lambda cfg: cfg.network.egress == "nat-instance",
    "compute.bastion": lambda cfg: cfg.compute.bastion,
}


@dataclass(frozen=True)
class Flow:
    source: str
    destination: str
    traffic: str  # "TCP 443", "TCP <setting>" (a configuration path), "TCP 0-65535", "ICMP all", "all traffic"
    when: str  # a key of CONDITIONS


# The intended flows. Nothing else: every other packet is refused.
FLOWS = (
    Flow("CloudFront", "load balancer", "TCP 443", "with a domain"),
    Flow("CloudFront", "load balancer", "TCP 80", "without a domain"),
    Flow("CloudFront", "load balancer redirect", "TCP 80", "with a domain"),
    Flow("load balancer", "application", "TCP compute.container_port", "always"),
    Flow("application", "database", "TCP database.port", "always"),
    Flow("functions", "database", "TCP database.port", "always"),
    Flow("bastion", "database", "TCP database.port", "compute.bastion"),
    Flow("application", "cache", "TCP 6379", "cache.enabled"),
    Flow("application", "endpoints", "TCP 443", "always"),
    Flow("functions", "endpoints", "TCP 443", "always"),
    Flow("bastion", "endpoints", "TCP 443", "compute.bastion"),
    Flow("application", "anywhere", "TCP 443", "always"),
    Flow("functions", "anywhere", "TCP 443", "always"),
    Flow("bastion", "anywhere", "TCP 443", "compute.bastion"),
    Flow("VPC", "NAT instance", "TCP 0-65535", "network.egress nat-instance"),
    Flow("VPC", "NAT instance", "UDP 0-65535", "network.egress nat-instance"),
    Flow("VPC", "NAT instance", "ICMP all", "network.egress nat-instance"),
    Flow("NAT instance", "anywhere", "all traffic", "network.egress nat-instance"),
)

Rule = tuple[str, str, str]  # (group, peer, traffic): the group admits from, or sends to, the peer


def traffic(flow: Flow, cfg: EnvironmentConfig) -> str:
    """The flow's traffic with a configuration path ("TCP compute.container_port") read from ``cfg``."""
    protocol, _, port = flow.traffic.partition(" ")
    if re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", port):
        value = cfg
        for part in port.split("."):
            value = getattr(value, part)
        port = str(value)
    return f"{protocol} {port}"


def intended(cfg: EnvironmentConfig) -> tuple[set[Rule], set[Rule]]:
    """(ingress rules, egress rules) the matrix requires of the environment ``cfg``: an ingress
    rule on each flow's destination group, an egress rule on its source group unless the
    source already sends that traffic anywhere (workloads -> endpoints: no rule of its own)."""
    flows = [f for f in FLOWS if CONDITIONS[f.when](cfg)]
    anywhere = {(f.source, f.traffic) for f in flows if f.destination == "anywhere"}
    ingress = {(f.destination, f.source, traffic(f, cfg)) for f in flows if f.destination in GROUPS}
    egress = {(f.source, f.destination, traffic(f, cfg)) for f in flows
              if f.source in GROUPS and (f.destination == "anywhere" or (f.source, f.traffic) not in anywhere)}
    return ingress, egress


# ---------------------------------------------------------------- reading the templates

# CDK's stand-in for "no egress at all" (allow_all_outbound=False): it matches no packet.
NO_EGRESS = {"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}
PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp"}


def group_name(synth: Synthesized, tier: str, value) -> str:
    """The matrix's name of the security group ``value`` (in ``tier``) refers to, or its
    identity ("compute:SomeGroup1234ABCD", a literal ID) when it is none of the matrix's."""
    found = target(synth, tier, value)
    if found is None:
        return json.dumps(value)
    if found[0] == "network":
        for name, path in GROUPS.items():
            if re.fullmatch(rf"{path}[0-9A-F]{{8}}", found[1]):
                return name
    return ":".join(found)


def address_name(synth: Synthesized, value: str) -> str:
    names = {address(synth.config): name for name, address in ADDRESSES.items()}
    return names.get(value, value)


def peer(synth: Synthesized, tier: str, rule: dict) -> str:
    for key in ("SourceSecurityGroupId", "DestinationSecurityGroupId"):
        if key in rule:
            return group_name(synth, tier, rule[key])
    for key in ("CidrIp", "CidrIpv6", "SourcePrefixListId", "DestinationPrefixListId", "SourceSecurityGroupName"):
        if key in rule:
            return address_name(synth, rule[key]) if isinstance(rule[key], str) else json.dumps(rule[key])
    return f"unknown peer {json.dumps(rule)}"


def traffic_of(rule: dict) -> str:
    protocol = str(rule["IpProtocol"]).lower()
    protocol = PROTOCOLS.get(protocol, protocol)
    if protocol == "all":
        return "all traffic"
    low, high = rule.get("FromPort"), rule.get("ToPort")
    if protocol == "icmp":
        return "ICMP all" if (low, high) == (-1, -1) else f"ICMP type {low} code {high}"
    return f"{protocol.upper()} {low}" if low == high else f"{protocol.upper()} {low}-{high}"


def allowed(synth: Synthesized) -> tuple[set[Rule], set[Rule]]:
    """(ingress rules, egress rules) every stack of the environment writes, in any form."""
    ingress: set[Rule] = set()
    egress: set[Rule] = set()
    stated_egress: set[str] = set()  # groups with an egress rule of any kind (or CDK's "none")
    groups: set[str] = set()
    for tier, logical_id, found in every_resource(synth):
        p = found.get("Properties", {})
        if found["Type"] == "AWS::EC2::SecurityGroup":
            group = group_name(synth, tier, {"Ref": logical_id})
            groups.add(group)
            ingress |= {(group, peer(synth, tier, rule), traffic_of(rule)) for rule in p.get("SecurityGroupIngress", [])}
            egress |= {(group, peer(synth, tier, rule), traffic_of(rule)) for rule in p.get("SecurityGroupEgress", []) if rule != NO_EGRESS}
            if p.get("SecurityGroupEgress"):
                stated_egress.add(group)
        elif found["Type"] in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            group = group_name(synth, tier, p["GroupId"]) if "GroupId" in p else f"group named {p.get('GroupName')}"
            rules = ingress if found["Type"] == "AWS::EC2::SecurityGroupIngress" else egress
            rules.add((group, peer(synth, tier, p), traffic_of(p)))
            if found["Type"] == "AWS::EC2::SecurityGroupEgress":
                stated_egress.add(group)
    # EC2 gives a group that states no egress rule "all traffic to anywhere".
    egress |= {(group, "anywhere", "all traffic") for group in groups - stated_egress}
    return ingress, egress


# ---------------------------------------------------------------- the flows


@pytest.mark.parametrize("variant", VARIANTS)
def test_ingress_rules_are_exactly_the_intended_flows(synthesized, variant):
    synth = synthesized[variant]
    actual, _ = allowed(synth)
    expected, _ = intended(synth.config)
    assert {"unintended": sorted(actual - expected), "missing": sorted(expected - actual)} == {"unintended": [], "missing": []}


@pytest.mark.parametrize("variant", VARIANTS)
def test_egress_rules_are_exactly_the_intended_flows(synthesized, variant):
    synth = synthesized[variant]
    _, actual = allowed(synth)
    _, expected = intended(synth.config)
    assert {"unintended": sorted(actual - expected), "missing": sorted(expected - actual)} == {"unintended": [], "missing": []}


# ---------------------------------------------------------------- who wears which group

def wearers(synth: Synthesized) -> dict[str, set[tuple[str, str]]]:
    """Group -> (tier, type) of every resource that wears it, in any stack."""
    worn: dict[str, set[tuple[str, str]]] = {}
    for tier, _, found in every_resource(synth):
        if found["Type"].startswith("AWS::EC2::SecurityGroup"):
            continue
        for reference in references_in(found.get("Properties", {})):
            referenced = target(synth, tier, reference)
            if referenced is not None and resource(synth, referenced)["Type"] == "AWS::EC2::SecurityGroup":
                worn.setdefault(group_name(synth, tier, reference), set()).add((tier, found["Type"]))
    return worn


def intended_wearers(cfg: EnvironmentConfig) -> dict[str, set[tuple[str, str]]]:
    """Group -> (tier, type) of what should wear it, from the configuration."""
    worn = {
        "load balancer": {("edge", "AWS::ElasticLoadBalancingV2::LoadBalancer")},
        "application": {("compute", "AWS::ECS::Service" if cfg.compute.kind == "fargate" else "AWS::EC2::LaunchTemplate")},
        "database": {("data", "AWS::RDS::DBCluster" if cfg.database.engine == "aurora-serverless-v2" else "AWS::RDS::DBInstance")},
        # The rotation function, the migrations runner, the Cognito trigger.
        "functions": {("data", "AWS::Serverless::Application")}
        | ({("data", "AWS::Lambda::Function")} if cfg.database.apply_migrations else set())
        | ({("auth", "AWS::Lambda::Function")} if cfg.auth.mode == "cognito" and cfg.auth.user_sync else set()),
    }
    if cfg.domain.name:
        worn["load balancer redirect"] = {("edge", "AWS::ElasticLoadBalancingV2::LoadBalancer")}
    if cfg.compute.bastion:
        worn["bastion"] = {("compute", "AWS::EC2::Instance")}
    if cfg.network.interface_endpoints:
        worn["endpoints"] = {("network", "AWS::EC2::VPCEndpoint")}
    if cfg.cache.enabled:
        worn["cache"] = {("data", "AWS::ElastiCache::ReplicationGroup")}
    if cfg.network.egress == "nat-instance":
        worn["NAT instance"] = {("network", "AWS::EC2::Instance")}
    return worn


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_group_is_worn_by_its_tier_only(synthesized, variant):
    synth = synthesized[variant]
    assert wearers(synth) == intended_wearers(synth.config)


# ---------------------------------------------------------------- the documented matrix


def documented_flows(page: Path) -> list[tuple[str, ...]]:
    """The rows of the table under ``MATRIX_HEADING`` (backticks dropped)."""
    lines = page.read_text().splitlines()
    start = lines.index(MATRIX_HEADING)
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not re.fullmatch(r"\|[-| :]+\|", line):
            rows.append(tuple(cell.strip().replace("`", "") for cell in line.strip("|").split("|")))
    return rows[1:]  # without the header


def test_the_network_page_documents_the_matrix():
    assert documented_flows(NETWORK_PAGE) == [(f.source, f.destination, f.traffic, f.when) for f in FLOWS]
