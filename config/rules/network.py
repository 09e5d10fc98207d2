"""`network`: the VPC's range and zones, egress, endpoints, flow logs, CloudFront's prefix list.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from config.defaults import CLOUDFRONT_ORIGIN_PREFIX_LISTS, LOG_RETENTION_DAYS
from config.parser import Problems
from config.schema import EnvironmentConfig

# What private workloads need to reach when there is no NAT: the interface endpoints
# each compute kind cannot start without (S3 is always a gateway endpoint).
REQUIRED_ENDPOINTS_WITHOUT_NAT: Mapping[str, tuple[str, ...]] = {
    "fargate": ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm"),
    "ec2": ("secretsmanager",),
}


def check(cfg: EnvironmentConfig, problems: Problems) -> None:
    add = problems.add
    net, compute = cfg.network, cfg.compute
    # Network.
    try:
        vpc_net = ipaddress.IPv4Network(net.cidr, strict=True)
    except ValueError as exc:
        add("network.cidr", net.cidr, f"is not a valid IPv4 network ({exc})", "write it as e.g. '10.0.0.0/16'")
        vpc_net = None
    if vpc_net is not None:
        if not vpc_net.is_private or not any(
            vpc_net.subnet_of(ipaddress.IPv4Network(r)) for r in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
        ):
            add("network.cidr", net.cidr, "must be inside a private range (10/8, 172.16/12, 192.168/16)",
                "pick an unused private range such as '10.3.0.0/16'")
        elif not 16 <= vpc_net.prefixlen <= 24:
            add("network.cidr", net.cidr, "a VPC must be between /16 and /24", "use a /16 to /24 network")
        else:
            per_az = sum(2 ** (32 - m) for m in (net.public_subnet_mask, net.private_subnet_mask, net.isolated_subnet_mask))
            needed = per_az * len(net.availability_zones)
            if needed > vpc_net.num_addresses:
                add("network.cidr", net.cidr,
                    f"too small for 3 subnet tiers in {len(net.availability_zones)} AZs ({needed} addresses needed, "
                    f"{vpc_net.num_addresses} available)",
                    "use a larger CIDR or larger subnet masks (network.*_subnet_mask)")
    for name in ("public_subnet_mask", "private_subnet_mask", "isolated_subnet_mask"):
        mask = getattr(net, name)
        if not 16 <= mask <= 28:
            add(f"network.{name}", mask, "subnet prefix length must be between 16 and 28", "use e.g. 24")
        elif vpc_net is not None and mask < vpc_net.prefixlen:
            add(f"network.{name}", mask, f"a subnet cannot be larger than the VPC ({net.cidr})", f"use a mask >= {vpc_net.prefixlen}")

    azs = net.availability_zones
    if len(azs) < 2:
        add("network.availability_zones", list(azs), "needs at least 2 availability zones (load balancer and Multi-AZ database need two)",
            f"list two or three zones, e.g. ['{cfg.region}a', '{cfg.region}b']")
    if len(set(azs)) != len(azs):
        add("network.availability_zones", list(azs), "lists a zone twice", "list each zone once")
    stray = [az for az in azs if not re.fullmatch(re.escape(cfg.region) + r"[a-z]", az)]
    # With a malformed region the zones cannot be judged (and the advice would repeat the typo).
    if stray and problems.ok("region"):
        add("network.availability_zones", list(azs), f"zones {stray} are not in region {cfg.region}",
            f"use zones of {cfg.region} such as '{cfg.region}a'")

    if net.egress == "none":
        if net.workloads_need_internet:
            add("network.egress", net.egress,
                "workloads need the internet (network.workloads_need_internet is True) but egress 'none' gives them no route",
                "choose a NAT egress mode, or set network.workloads_need_internet to False if the app only calls AWS services")
        # EC2 instances reach AWS APIs through the internet gateway (public single instance) or
        # are refused without egress (below); the in-VPC functions (migrations, secret
        # rotation) still need Secrets Manager.
        required = REQUIRED_ENDPOINTS_WITHOUT_NAT[compute.kind]
        missing = [e for e in required if e not in net.interface_endpoints]
        if missing:
            add("network.interface_endpoints", list(net.interface_endpoints),
                f"egress 'none' leaves {compute.kind} workloads without a route to {', '.join(missing)}",
                f"add {missing} to network.interface_endpoints, or choose a NAT egress mode")
    if len(set(net.interface_endpoints)) != len(net.interface_endpoints):
        add("network.interface_endpoints", list(net.interface_endpoints), "lists an endpoint twice", "list each once")
    # Written as the console shows them ("com.amazonaws.us-east-1.secretsmanager"), CDK would
    # prefix them again: refuse, naming the short form.
    qualified = [e for e in net.interface_endpoints if e.startswith(("com.amazonaws.", "aws."))]
    if qualified:
        short = [re.sub(r"^(com\.amazonaws|aws)\.([a-z]{2}(-gov)?-[a-z]+-\d\.)?", "", e) for e in qualified]
        add("network.interface_endpoints", list(net.interface_endpoints),
            f"{qualified} are full service names; the region's prefix is added for you",
            f"write only the part after 'com.amazonaws.<region>.': {short}")
    bad_endpoints = [e for e in net.interface_endpoints if e not in qualified and (
        not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)*", e) or e in ("s3", "dynamodb"))]
    if bad_endpoints:
        add("network.interface_endpoints", list(net.interface_endpoints),
            f"{bad_endpoints} are not interface endpoint service names (S3 and DynamoDB are gateway endpoints)",
            "use names such as 'ecr.api', 'logs', 'secretsmanager'")
    if net.egress == "nat-instance" and not re.fullmatch(r"[a-z][a-z0-9-]*\.[a-z0-9]+", net.nat_instance_type):
        add("network.nat_instance_type", net.nat_instance_type, "is not an EC2 instance type", "use e.g. 't4g.nano'")
    if net.flow_log_retention_days not in LOG_RETENTION_DAYS:
        add("network.flow_log_retention_days", net.flow_log_retention_days, "is not a CloudWatch Logs retention value",
            "use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...")
    prefix_list = net.cloudfront_origin_prefix_list_id or CLOUDFRONT_ORIGIN_PREFIX_LISTS.get(cfg.region, "")
    if not prefix_list:
        # A malformed region has no prefix list: the region's own message says what to fix.
        if problems.ok("region"):
            add("network.cloudfront_origin_prefix_list_id", net.cloudfront_origin_prefix_list_id,
                f"the CloudFront origin-facing prefix list of {cfg.region} is not known offline",
                "set it to the ID printed by `aws ec2 describe-managed-prefix-lists --filters "
                "Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`")
    elif not re.fullmatch(r"pl-[0-9a-f]{8,17}", prefix_list):
        add("network.cloudfront_origin_prefix_list_id", prefix_list, "is not a prefix list ID", "use the 'pl-...' ID")
