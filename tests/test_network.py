"""Assertions on the synthesized network stacks, per environment and variant."""

from __future__ import annotations

from functools import partial

import pytest
from aws_cdk.assertions import Match

from tests import conftest
from tests.conftest import VARIANTS

resources = partial(conftest.resources, tier="network")


def props(synth, cfn_type: str) -> list[dict]:
    return [r.get("Properties", {}) for r in resources(synth, cfn_type).values()]


@pytest.mark.parametrize("variant", VARIANTS)
def test_three_subnet_tiers_in_every_configured_az(synthesized, variant):
    synth = synthesized[variant]
    azs = list(synth.config.network.availability_zones)
    subnets = props(synth, "AWS::EC2::Subnet")
    assert len(subnets) == 3 * len(azs)
    assert sorted(s["AvailabilityZone"] for s in subnets) == sorted(azs * 3)
    assert all(s["MapPublicIpOnLaunch"] is False for s in subnets)
    (vpc,) = props(synth, "AWS::EC2::VPC")
    assert vpc["CidrBlock"] == synth.config.network.cidr
    assert vpc["EnableDnsHostnames"] and vpc["EnableDnsSupport"]


def subnet_ranges(synth) -> dict[str, list[tuple[str, str]]]:
    """Subnet group ("public", "app", "data") -> (zone, range) of its subnets, by zone."""
    found: dict[str, list[tuple[str, str]]] = {}
    for p in props(synth, "AWS::EC2::Subnet"):
        group = next(t["Value"] for t in p["Tags"] if t["Key"] == "aws-cdk:subnet-name")
        found.setdefault(group, []).append((p["AvailabilityZone"], p["CidrBlock"]))
    return {group: sorted(ranges) for group, ranges in found.items()}


def test_subnets_are_allocated_from_the_masks_in_order(synthesized):
    """No network.*_subnet_cidrs: public /24s, app /20s, data /24s from the start of the range."""
    assert subnet_ranges(synthesized["dev"]) == {
        "public": [("us-east-1a", "10.0.0.0/24"), ("us-east-1b", "10.0.1.0/24")],
        "app": [("us-east-1a", "10.0.16.0/20"), ("us-east-1b", "10.0.32.0/20")],
        "data": [("us-east-1a", "10.0.48.0/24"), ("us-east-1b", "10.0.49.0/24")],
    }


def test_given_subnet_ranges_go_to_their_tier_and_zone(synthesized):
    """network.*_subnet_cidrs (BankApp): each range in its tier, in the zones' order."""
    synth = synthesized["bankapp-staging"]
    (zone_a, zone_b) = synth.config.network.availability_zones
    assert subnet_ranges(synth) == {
        "public": [(zone_a, "10.1.1.0/24"), (zone_b, "10.1.2.0/24")],
        "app": [(zone_a, "10.1.11.0/24"), (zone_b, "10.1.12.0/24")],
        "data": [(zone_a, "10.1.21.0/24"), (zone_b, "10.1.22.0/24")],
    }


@pytest.mark.parametrize(
    "variant, nat_gateways, nat_instances",
    [("dev", 0, 1), ("dev-branch", 0, 1), ("staging", 1, 0), ("prod", 2, 0), ("spendwise-dev", 0, 0), ("domain-3az", 1, 0)],
)
def test_nat_count_follows_the_egress_mode(synthesized, variant, nat_gateways, nat_instances):
    synth = synthesized[variant]
    assert len(resources(synth, "AWS::EC2::NatGateway")) == nat_gateways
    assert len(resources(synth, "AWS::EC2::Instance")) == nat_instances
    default_routes = [r for r in props(synth, "AWS::EC2::Route") if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    azs = len(synth.config.network.availability_zones)
    to_nat = [r for r in default_routes if "NatGatewayId" in r or "InstanceId" in r]
    # Every app subnet routes out through a NAT, unless there is none (endpoints only).
    assert len(to_nat) == (azs if nat_gateways or nat_instances else 0)
    assert len([r for r in default_routes if "GatewayId" in r]) == azs  # public subnets only


def test_prod_has_a_nat_gateway_per_az_each_route_stays_in_its_az(synthesized):
    template = synthesized["prod"].templates["network"]["Resources"]
    routes = [r["Properties"] for k, r in template.items() if r["Type"] == "AWS::EC2::Route" and "NatGatewayId" in r["Properties"]]
    assert len({r["NatGatewayId"]["Ref"] for r in routes}) == 2


def test_nat_instance_is_graviton_imdsv2_encrypted_and_reachable_from_the_vpc_only(synthesized):
    synth = synthesized["dev"]
    (instance,) = props(synth, "AWS::EC2::Instance")
    assert instance["InstanceType"] == "t4g.nano"
    assert instance["BlockDeviceMappings"] == [{"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": True, "Encrypted": True, "VolumeType": "gp3"}}]
    assert instance["SourceDestCheck"] is False
    assert "KeyName" not in instance
    (template,) = props(synth, "AWS::EC2::LaunchTemplate")
    assert template["LaunchTemplateData"]["MetadataOptions"]["HttpTokens"] == "required"
    nat_sg = next(r["Properties"] for k, r in resources(synth, "AWS::EC2::SecurityGroup").items() if k.startswith("NetworkVpcNatSecurityGroup"))
    assert {rule["CidrIp"] for rule in nat_sg["SecurityGroupIngress"]} == {"10.0.0.0/16"}
    assert {rule["IpProtocol"] for rule in nat_sg["SecurityGroupIngress"]} == {"tcp", "udp", "icmp"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_gateway_endpoints(synthesized, variant):
    synth = synthesized[variant]
    gateways = [p for p in props(synth, "AWS::EC2::VPCEndpoint") if p.get("VpcEndpointType", "Gateway") == "Gateway"]
    services = sorted(str(p["ServiceName"]) for p in gateways)
    expected = 2 if synth.config.network.dynamodb_gateway_endpoint else 1
    assert len(services) == expected
    assert any(".s3" in s for s in services)
    assert any(".dynamodb" in s for s in services) == synth.config.network.dynamodb_gateway_endpoint


def test_interface_endpoints_use_private_dns_and_their_own_security_group(synthesized):
    synth = synthesized["spendwise-dev"]
    interfaces = [p for p in props(synth, "AWS::EC2::VPCEndpoint") if p.get("VpcEndpointType") == "Interface"]
    names = sorted(p["ServiceName"] for p in interfaces)
    assert names == sorted(f"com.amazonaws.us-east-1.{s}" for s in ("ecr.api", "ecr.dkr", "logs", "secretsmanager", "ssm", "cognito-idp", "ssmmessages", "ec2messages"))
    endpoints_sg = next(k for k in resources(synth, "AWS::EC2::SecurityGroup") if k.startswith("SecurityGroupsEndpoints"))
    for endpoint in interfaces:
        assert endpoint["PrivateDnsEnabled"] is True
        assert endpoint["SecurityGroupIds"] == [{"Fn::GetAtt": [endpoints_sg, "GroupId"]}]
        assert len(endpoint["SubnetIds"]) == 2


def test_no_interface_endpoints_unless_configured(synthesized):
    for variant in ("dev", "staging", "prod"):
        assert not [p for p in props(synthesized[variant], "AWS::EC2::VPCEndpoint") if p.get("VpcEndpointType") == "Interface"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_flow_logs_to_an_encrypted_log_group_with_the_configured_retention(synthesized, variant):
    synth = synthesized[variant]
    (flow_log,) = props(synth, "AWS::EC2::FlowLog")
    assert flow_log["ResourceType"] == "VPC"
    assert flow_log["TrafficType"] == synth.config.network.flow_log_traffic
    assert flow_log["LogDestinationType"] == "cloud-watch-logs"
    groups = resources(synth, "AWS::Logs::LogGroup")
    # The flow logs' group, and the one of CDK's default-security-group function.
    assert set(groups) == {"NetworkFlowLogGroup4F8CEEEF", "NetworkDefaultSecurityGroupProviderLogsC75AB331"}
    assert flow_log["LogGroupName"] == {"Ref": "NetworkFlowLogGroup4F8CEEEF"}
    (key_id,) = resources(synth, "AWS::KMS::Key")
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == synth.config.network.flow_log_retention_days
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    (key,) = props(synth, "AWS::KMS::Key")
    assert key["EnableKeyRotation"] is True


def test_flow_log_role_has_no_inline_policy_and_a_scoped_trust(synthesized):
    template = synthesized["prod"].template()
    template.has_resource_properties("AWS::IAM::Role", {
        "AssumeRolePolicyDocument": {"Statement": [Match.object_like({
            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": "111111111111"}, "ArnLike": Match.any_value()},
        })]},
        "ManagedPolicyArns": [Match.any_value()],
    })
    assert not synthesized["prod"].template().find_resources("AWS::IAM::Policy")


@pytest.mark.parametrize("variant", VARIANTS)
def test_default_security_group_is_closed(synthesized, variant):
    assert len(resources(synthesized[variant], "Custom::VpcRestrictDefaultSG")) == 1


def _rules(synth):
    """(group, direction, peer, from_port, to_port) for every standalone rule."""
    out = []
    for kind, direction in (("AWS::EC2::SecurityGroupIngress", "in"), ("AWS::EC2::SecurityGroupEgress", "out")):
        for rule in props(synth, kind):
            group = rule["GroupId"]["Fn::GetAtt"][0]
            peer = rule.get("SourceSecurityGroupId") or rule.get("DestinationSecurityGroupId") or rule.get("SourcePrefixListId")
            peer = peer["Fn::GetAtt"][0] if isinstance(peer, dict) else peer
            out.append((group, direction, peer, rule.get("FromPort"), rule.get("ToPort")))
    return out


def _group(synth, name: str) -> str:
    return next(k for k in resources(synth, "AWS::EC2::SecurityGroup") if k.startswith(f"SecurityGroups{name}"))


@pytest.mark.parametrize("variant, port", [("dev", 80), ("staging", 80), ("prod", 80), ("domain-3az", 443)])
def test_load_balancer_accepts_cloudfront_only_on_one_port(synthesized, variant, port):
    synth = synthesized[variant]
    lb, app = _group(synth, "LoadBalancer"), _group(synth, "Application")
    rules = _rules(synth)
    assert [r for r in rules if r[0] == lb and r[1] == "in"] == [(lb, "in", "pl-3b927c52", port, port)]
    assert [r for r in rules if r[0] == lb and r[1] == "out"] == [(lb, "out", app, 3001, 3001)]
    assert [r for r in rules if r[0] == app and r[1] == "in"] == [(app, "in", lb, 3001, 3001)]


@pytest.mark.parametrize("variant", VARIANTS)
def test_database_and_endpoints_accept_only_the_workloads(synthesized, variant):
    synth = synthesized[variant]
    # The bastion's group exists only with a bastion (compute.bastion).
    clients = {_group(synth, n) for n in ("Application", "Functions", *(("Bastion",) if synth.config.compute.bastion else ()))}
    rules = _rules(synth)
    db, endpoints = _group(synth, "Database"), _group(synth, "Endpoints")
    assert {(r[2], r[3]) for r in rules if r[0] == db and r[1] == "in"} == {(c, 5432) for c in clients}
    assert {(r[2], r[3]) for r in rules if r[0] == endpoints and r[1] == "in"} == {(c, 443) for c in clients}
    groups = {k: r["Properties"] for k, r in resources(synth, "AWS::EC2::SecurityGroup").items()}
    for closed in (db, endpoints):
        # Only CDK's placeholder rule that stands for "no egress at all".
        assert [e["CidrIp"] for e in groups[closed]["SecurityGroupEgress"]] == ["255.255.255.255/32"]
    if synth.config.compute.bastion:
        assert not [r for r in rules if r[0] == _group(synth, "Bastion") and r[1] == "in"]
    else:
        assert not [k for k in groups if k.startswith("SecurityGroupsBastion")]


@pytest.mark.parametrize("variant", VARIANTS)
def test_nothing_is_open_to_the_internet_and_no_port_22(synthesized, variant):
    synth = synthesized[variant]
    inline = [rule for p in props(synth, "AWS::EC2::SecurityGroup") for rule in p.get("SecurityGroupIngress", [])]
    standalone = props(synth, "AWS::EC2::SecurityGroupIngress")
    for rule in inline + standalone:
        assert rule.get("CidrIp") not in ("0.0.0.0/0",) and rule.get("CidrIpv6") != "::/0"
        assert not (rule.get("FromPort", 0) <= 22 <= rule.get("ToPort", -1) and rule.get("IpProtocol") == "tcp" and "CidrIp" not in rule), rule


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_resource_is_tagged(synthesized, variant):
    synth = synthesized[variant]
    cfg = synth.config
    (vpc,) = props(synth, "AWS::EC2::VPC")
    tags = {t["Key"]: t["Value"] for t in vpc["Tags"]}
    assert tags["application"] == cfg.app_name
    assert tags["environment"] == cfg.env_name
    assert tags["branch"] == (cfg.branch or "none")
    assert tags["owner"] == "platform-team"
    assert tags["cost-center"] == cfg.cost_center == ("webapp" if cfg.profile == "reference" else cfg.app_name)
    for key, resource in synth.templates["network"]["Resources"].items():
        if resource["Type"] in ("AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::EC2::NatGateway"):
            assert {"application", "environment", "branch"} <= {t["Key"] for t in resource["Properties"]["Tags"]}, key


@pytest.mark.parametrize(
    "variant, stack_name, protected",
    [
        ("dev", "webapp-dev-network", False),
        ("staging", "webapp-staging-network", False),
        ("prod", "webapp-prod-network", True),
        ("dev-branch", "webapp-dev-feature-login-page-network", False),
    ],
)
def test_stack_names_and_termination_protection(synthesized, variant, stack_name, protected):
    assert synthesized[variant].stack_names["network"] == stack_name
    assert synthesized[variant].termination_protection["network"] is protected


@pytest.mark.parametrize(
    "variant, policy",
    [("dev", "Delete"), ("dev-branch", "Delete"), ("staging", "Retain"), ("prod", "Retain")],
)
def test_removal_policy_of_stateful_resources_follows_the_environment(synthesized, variant, policy):
    for cfn_type in ("AWS::KMS::Key", "AWS::Logs::LogGroup"):
        for key, resource in resources(synthesized[variant], cfn_type).items():
            assert resource["DeletionPolicy"] == policy, key
            assert resource["UpdateReplacePolicy"] == policy, key
