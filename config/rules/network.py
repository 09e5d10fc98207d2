"""`network`: the VPC's range against its subnets and zones, egress against the endpoints,
endpoint names, CloudFront's prefix list. (Subnet masks, flow-log retention, distinct zones and
endpoints, the NAT instance type and the prefix-list ID's form are limits in ``config/schema.py``.)
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from config.defaults import CLOUDFRONT_ORIGIN_PREFIX_LISTS
from config.derived import given_subnet_ranges
from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig

# What private workloads need to reach when there is no NAT: the interface endpoints
# each compute kind cannot start without (S3 is always a gateway endpoint).
REQUIRED_ENDPOINTS_WITHOUT_NAT: Mapping[str, tuple[str, ...]] = {
    "fargate": ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"),
    "ec2": ("secretsmanager",),
}
SUBNET_MASKS = ("public_subnet_mask", "private_subnet_mask", "isolated_subnet_mask")
SUBNET_CIDRS = ("public_subnet_cidrs", "private_subnet_cidrs", "isolated_subnet_cidrs")


def _explicit_subnets(cfg: EnvironmentConfig) -> bool:
    """Whether the subnets' ranges are given (network.*_subnet_cidrs), so the masks are unused."""
    return given_subnet_ranges(cfg) is not None


def _vpc(cfg: EnvironmentConfig) -> ipaddress.IPv4Network | None:
    """The VPC's network, or None when ``network.cidr`` is malformed (reported by its own rule)."""
    try:
        return ipaddress.IPv4Network(cfg.network.cidr, strict=True)
    except ValueError:
        return None


@rule("network.cidr-is-an-ipv4-network", "network.cidr is a valid IPv4 network without host bits")
def cidr_is_an_ipv4_network(cfg: EnvironmentConfig, problems: Problems) -> None:
    try:
        ipaddress.IPv4Network(cfg.network.cidr, strict=True)
    except ValueError as exc:
        problems.add("network.cidr", cfg.network.cidr, f"is not a valid IPv4 network ({exc})", "write it as e.g. '10.0.0.0/16'")


@rule("network.cidr-is-private", "the VPC's range is inside a private (RFC 1918) range")
def cidr_is_private(cfg: EnvironmentConfig, problems: Problems) -> None:
    vpc = _vpc(cfg)
    if vpc is not None and not (vpc.is_private and any(
        vpc.subnet_of(ipaddress.IPv4Network(r)) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    )):
        problems.add("network.cidr", cfg.network.cidr, "must be inside a private range (10/8, 172.16/12, 192.168/16)",
                     "pick an unused private range such as '10.3.0.0/16'")


@rule("network.cidr-vpc-size", "the VPC's range is between /16 and /24")
def cidr_vpc_size(cfg: EnvironmentConfig, problems: Problems) -> None:
    vpc = _vpc(cfg)
    if vpc is not None and problems.ok("network.cidr") and not 16 <= vpc.prefixlen <= 24:
        problems.add("network.cidr", cfg.network.cidr, "a VPC must be between /16 and /24", "use a /16 to /24 network")


@rule("network.cidr-holds-the-subnets", "the VPC's range holds three subnet tiers in every zone")
def cidr_holds_the_subnets(cfg: EnvironmentConfig, problems: Problems) -> None:
    net, vpc = cfg.network, _vpc(cfg)
    if vpc is None or _explicit_subnets(cfg) or not problems.ok("network.cidr", *(f"network.{m}" for m in SUBNET_MASKS)):
        return
    per_az = sum(2 ** (32 - getattr(net, m)) for m in SUBNET_MASKS)
    needed = per_az * len(net.availability_zones)
    if needed > vpc.num_addresses:
        problems.add("network.cidr", net.cidr,
                     f"too small for 3 subnet tiers in {len(net.availability_zones)} AZs ({needed} addresses needed, "
                     f"{vpc.num_addresses} available)",
                     "use a larger CIDR or larger subnet masks (network.*_subnet_mask)")


@rule("network.subnets-within-the-vpc", "no subnet is larger than the VPC")
def subnets_within_the_vpc(cfg: EnvironmentConfig, problems: Problems) -> None:
    vpc = _vpc(cfg)
    for name in SUBNET_MASKS:
        mask = getattr(cfg.network, name)
        if vpc is not None and not _explicit_subnets(cfg) and problems.ok(f"network.{name}") and mask < vpc.prefixlen:
            problems.add(f"network.{name}", mask, f"a subnet cannot be larger than the VPC ({cfg.network.cidr})", f"use a mask >= {vpc.prefixlen}")


@rule("network.subnet-cidrs-for-every-tier", "explicit subnet ranges are given for all three tiers or for none")
def subnet_cidrs_for_every_tier(cfg: EnvironmentConfig, problems: Problems) -> None:
    if not _explicit_subnets(cfg):
        return
    for name in SUBNET_CIDRS:
        if not getattr(cfg.network, name):
            given = ", ".join(f"network.{n}" for n in SUBNET_CIDRS if getattr(cfg.network, n))
            problems.add(f"network.{name}", [], f"is empty while {given} is given: a tier's subnets would be allocated over the given ranges",
                         "give every tier its ranges (one per zone), or none")


@rule("network.subnet-cidrs-one-per-zone", "explicit subnet ranges: one per availability zone in each tier")
def subnet_cidrs_one_per_zone(cfg: EnvironmentConfig, problems: Problems) -> None:
    zones = len(cfg.network.availability_zones)
    for name in SUBNET_CIDRS:
        cidrs = getattr(cfg.network, name)
        if cidrs and problems.ok(f"network.{name}") and len(cidrs) != zones:
            problems.add(f"network.{name}", list(cidrs), f"has {len(cidrs)} ranges for {zones} availability zones",
                         f"give one range per zone, in the order of network.availability_zones ({zones})")


def _given_subnets(cfg: EnvironmentConfig, problems: Problems) -> list[tuple[str, ipaddress.IPv4Network]]:
    """(setting, network) of every explicit subnet range whose setting has no problem so far."""
    return [(f"network.{name}", ipaddress.IPv4Network(c)) for name in SUBNET_CIDRS
            if problems.ok(f"network.{name}") for c in getattr(cfg.network, name)]


@rule("network.subnet-cidrs-within-the-vpc", "explicit subnet ranges are inside the VPC's range")
def subnet_cidrs_within_the_vpc(cfg: EnvironmentConfig, problems: Problems) -> None:
    vpc = _vpc(cfg)
    if vpc is None or not problems.ok("network.cidr"):
        return
    for setting, subnet in _given_subnets(cfg, problems):
        if not subnet.subnet_of(vpc):
            problems.add(setting, str(subnet), f"is not inside the VPC's range ({cfg.network.cidr})",
                         f"choose ranges inside {cfg.network.cidr}")


@rule("network.subnet-cidrs-do-not-overlap", "explicit subnet ranges do not overlap one another")
def subnet_cidrs_do_not_overlap(cfg: EnvironmentConfig, problems: Problems) -> None:
    given = _given_subnets(cfg, problems)
    for index, (setting, subnet) in enumerate(given):
        earlier = [(s, n) for s, n in given[:index] if n.overlaps(subnet)]
        if earlier:
            other_setting, other = earlier[0]
            problems.add(setting, str(subnet), f"overlaps {other} of {other_setting}", "give every subnet a range of its own")


@rule("network.at-least-two-zones", "at least two availability zones (the load balancer and a Multi-AZ database need two)")
def at_least_two_zones(cfg: EnvironmentConfig, problems: Problems) -> None:
    azs = cfg.network.availability_zones
    if len(azs) < 2:
        problems.add("network.availability_zones", list(azs),
                     "needs at least 2 availability zones (load balancer and Multi-AZ database need two)",
                     f"list two or three zones, e.g. ['{cfg.region}a', '{cfg.region}b']")


@rule("network.zones-in-the-region", "every availability zone is in the environment's region")
def zones_in_the_region(cfg: EnvironmentConfig, problems: Problems) -> None:
    azs = cfg.network.availability_zones
    stray = [az for az in azs if not re.fullmatch(re.escape(cfg.region) + r"[a-z]", az)]
    # With a malformed region the zones cannot be judged (and the advice would repeat the typo).
    if stray and problems.ok("region"):
        problems.add("network.availability_zones", list(azs), f"zones {stray} are not in region {cfg.region}",
                     f"use zones of {cfg.region} such as '{cfg.region}a'")


@rule("network.no-egress-without-internet-needs", "egress 'none' only where workloads do not need the internet")
def no_egress_without_internet_needs(cfg: EnvironmentConfig, problems: Problems) -> None:
    net = cfg.network
    if net.egress == "none" and net.workloads_need_internet:
        problems.add("network.egress", net.egress,
                     "workloads need the internet (network.workloads_need_internet is True) but egress 'none' gives them no route",
                     "choose a NAT egress mode, or set network.workloads_need_internet to False if the app only calls AWS services")


@rule("network.no-egress-needs-endpoints", "egress 'none' has the interface endpoints the compute kind cannot start without")
def no_egress_needs_endpoints(cfg: EnvironmentConfig, problems: Problems) -> None:
    net, kind = cfg.network, cfg.compute.kind
    if net.egress != "none":
        return
    # EC2 instances reach AWS APIs through the internet gateway (public single instance) or
    # are refused without egress (compute rules); the in-VPC functions (migrations, secret
    # rotation) still need Secrets Manager.
    missing = [e for e in REQUIRED_ENDPOINTS_WITHOUT_NAT[kind] if e not in net.interface_endpoints]
    if missing:
        problems.add("network.interface_endpoints", list(net.interface_endpoints),
                     f"egress 'none' leaves {kind} workloads without a route to {', '.join(missing)}",
                     f"add {missing} to network.interface_endpoints, or choose a NAT egress mode")


def _qualified(endpoints: tuple[str, ...]) -> list[str]:
    return [e for e in endpoints if e.startswith(("com.amazonaws.", "aws."))]


@rule("network.endpoints-by-short-name", "interface endpoints are named without the 'com.amazonaws.<region>.' prefix")
def endpoints_by_short_name(cfg: EnvironmentConfig, problems: Problems) -> None:
    # Written as the console shows them ("com.amazonaws.us-east-1.secretsmanager"), CDK would
    # prefix them again: refuse, naming the short form.
    endpoints = cfg.network.interface_endpoints
    qualified = _qualified(endpoints)
    if qualified:
        short = [re.sub(r"^(com\.amazonaws|aws)\.([a-z]{2}(-gov)?-[a-z]+-\d\.)?", "", e) for e in qualified]
        problems.add("network.interface_endpoints", list(endpoints),
                     f"{qualified} are full service names; the region's prefix is added for you",
                     f"write only the part after 'com.amazonaws.<region>.': {short}")


@rule("network.endpoints-are-interface-services", "interface endpoints are service names, not the gateway services S3 and DynamoDB")
def endpoints_are_interface_services(cfg: EnvironmentConfig, problems: Problems) -> None:
    endpoints = cfg.network.interface_endpoints
    qualified = _qualified(endpoints)
    bad = [e for e in endpoints if e not in qualified and (not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*", e) or e in ("s3", "dynamodb"))]
    if bad:
        problems.add("network.interface_endpoints", list(endpoints),
                     f"{bad} are not interface endpoint service names (S3 and DynamoDB are gateway endpoints)",
                     "use names such as 'ecr.api', 'logs', 'secretsmanager'")


@rule("network.cloudfront-prefix-list-known", "the region's CloudFront origin-facing prefix list is known offline or set")
def cloudfront_prefix_list_known(cfg: EnvironmentConfig, problems: Problems) -> None:
    net = cfg.network
    # A malformed region has no prefix list: the region's own message says what to fix.
    if not (net.cloudfront_origin_prefix_list_id or CLOUDFRONT_ORIGIN_PREFIX_LISTS.get(cfg.region)) and problems.ok("region"):
        problems.add("network.cloudfront_origin_prefix_list_id", net.cloudfront_origin_prefix_list_id,
                     f"the CloudFront origin-facing prefix list of {cfg.region} is not known offline",
                     "set it to the ID printed by `aws ec2 describe-managed-prefix-lists --filters "
                     "Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`")
