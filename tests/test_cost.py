"""The cost estimate (cost/, docs/cost.md): each main pricing rule on a small hand-made template
with a hand-computed price, the free tiers as separate lines, off-hours hours, the budget check;
every resource type of every variant priced or known to be free; the reference environments'
estimates as reviewed snapshots (`pytest tests/test_cost.py --snapshot-update`, then read the diff).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from config.loader import load
from config.profiles import PROFILES
from config.schema import EnvironmentConfig
from cost.estimate import FREE_TYPES, HOURS_PER_MONTH, RULES, Estimate, Stack, check_budget, estimate, is_free_type, working_hours_per_month
from cost.prices import TABLE, parse
from cost.render import as_dict, to_json, to_markdown, to_text
from scripts.cost_report import by_environment, stacks_in
from scripts.refresh_prices import on_demand_usd, query
from tests.conftest import REFERENCE_ENVIRONMENTS, VARIANTS

# A price table of its own, so the hand-computed totals below do not move when cost/prices.json
# is refreshed (its prices are us-east-1's list prices of the table's first version).
SOURCE = "https://aws.amazon.com/pricing/"
PRICES = {
    "vpc.nat_gateway.hour": (0.045, "hour"), "vpc.nat_gateway.gb": (0.045, "GB"), "vpc.public_ipv4.hour": (0.005, "hour"),
    "elb.alb.hour": (0.0225, "hour"), "elb.alb.lcu_hour": (0.008, "LCU-hour"),
    "fargate.arm64.vcpu_hour": (0.03238, "vCPU-hour"), "fargate.arm64.gb_hour": (0.00356, "GB-hour"),
    "fargate_spot.arm64.vcpu_hour": (0.009714, "vCPU-hour"), "fargate_spot.arm64.gb_hour": (0.001068, "GB-hour"),
    "rds.postgres.db.t4g.micro.hour": (0.016, "hour"), "rds.postgres.db.t4g.small.hour": (0.032, "hour"),
    "rds.storage.gp3.gb_month": (0.115, "GB-month"), "rds.backup.gb_month": (0.095, "GB-month"),
    "aurora.serverless_v2.acu_hour": (0.12, "ACU-hour"), "aurora.storage.gb_month": (0.10, "GB-month"),
    "aurora.io.million": (0.20, "1M I/O requests"), "aurora.backup.gb_month": (0.021, "GB-month"),
    "waf.web_acl.month": (5.0, "web ACL-month"), "waf.rule.month": (1.0, "rule-month"), "waf.requests.million": (0.60, "1M requests"),
    "waf.bot_control.month": (10.0, "subscription-month"), "waf.bot_control.requests.million": (1.0, "1M requests"),
    "cloudwatch.alarm.standard.month": (0.10, "alarm metric-month"), "cloudwatch.alarm.high_resolution.month": (0.30, "alarm metric-month"),
    "ec2.t4g.nano.hour": (0.0042, "hour"), "ebs.gp3.gb_month": (0.08, "GB-month"),
    "cloudtrail.management_events.100k": (2.00, "100k events"),
}
FREE = {
    "cloudwatch.alarms": {"quantity": 10, "unit": "alarm metric-month", "what": "10 alarm metrics", "source": SOURCE},
    "waf.bot_control.requests": {"quantity": 10, "unit": "1M requests", "what": "10 million Bot Control requests", "source": SOURCE},
}
HAND_TABLE = parse({
    "version": "test", "as_of": "2026-11-23", "about": "tests",
    "regions": {"us-east-1": {key: {"usd": usd, "unit": unit, "source": SOURCE} for key, (usd, unit) in PRICES.items()}},
    "free_tier": FREE,
})


@pytest.fixture(scope="module")
def dev() -> EnvironmentConfig:
    """dev's configuration: off hours MON-FRI 07:00-20:00 UTC."""
    (cfg,) = load(env="dev")
    return cfg


def priced(cfg: EnvironmentConfig, resources: dict, *, usage: dict | None = None, table=HAND_TABLE) -> Estimate:
    """The estimate of one hand-made stack ("test" tier, us-east-1), with ``usage`` figures set."""
    if usage:
        cfg = dataclasses.replace(cfg, usage=dataclasses.replace(cfg.usage, **usage))
    return estimate(cfg, {"test": Stack("webapp-dev-test", "us-east-1", {"Resources": resources})}, table=table)


def cents(value: float) -> float:
    return round(value, 2)


# ---------------------------------------------------------------- hand-made templates


def test_nat_gateway_hours_data_and_its_elastic_ip(dev):
    e = priced(dev, {
        "Ip": {"Type": "AWS::EC2::EIP", "Properties": {"Domain": "vpc"}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"AllocationId": {"Fn::GetAtt": ["Ip", "AllocationId"]}}},
    }, usage={"nat_data_gb": 100})
    # 730 h x $0.045 + 100 GB x $0.045 + one public IPv4 address 730 h x $0.005
    assert cents(e.total_usd) == 32.85 + 4.50 + 3.65
    assert {line.item for line in e.lines} == {"NAT gateway", "NAT gateway data processed", "public IPv4 address (Elastic IP)"}


def test_nat_data_is_split_over_the_gateways(dev):
    nat = {"Type": "AWS::EC2::NatGateway", "Properties": {}}
    e = priced(dev, {"NatA": nat, "NatB": nat}, usage={"nat_data_gb": 100})
    data = [line for line in e.lines if line.price_key == "vpc.nat_gateway.gb"]
    assert [line.quantity for line in data] == [50, 50]
    assert cents(e.total_usd) == 2 * 32.85 + 4.50


def test_application_load_balancer_hours_lcus_and_one_address_per_zone(dev):
    e = priced(dev, {"Lb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
                            "Properties": {"Scheme": "internet-facing", "Type": "application", "Subnets": ["a", "b"]}}},
               usage={"load_balancer_lcu": 0.5})
    # 730 h x $0.0225 = 16.425; 0.5 LCU x 730 h x $0.008 = 2.92; 2 addresses x 730 h x $0.005 = 7.30
    assert cents(e.total_usd) == cents(16.425 + 2.92 + 7.30)


def test_an_internal_load_balancer_has_no_public_addresses(dev):
    e = priced(dev, {"Lb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Scheme": "internal", "Subnets": ["a", "b"]}}},
               usage={"load_balancer_lcu": 0})
    assert cents(e.total_usd) == 16.43


FARGATE_SERVICE = {
    "Task": {"Type": "AWS::ECS::TaskDefinition",
             "Properties": {"Cpu": "512", "Memory": "1024", "RuntimePlatform": {"CpuArchitecture": "ARM64"}}},
    "Service": {"Type": "AWS::ECS::Service", "Properties": {
        "TaskDefinition": {"Ref": "Task"},
        "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE", "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 3}]}},
    "Target": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {
        "MinCapacity": 2, "MaxCapacity": 4, "ResourceId": {"Fn::Join": ["", ["service/x/", {"Fn::GetAtt": ["Service", "Name"]}]]}}},
}


def test_fargate_arm_on_demand_and_spot_by_the_strategy_weights(dev):
    e = priced(dev, FARGATE_SERVICE)
    # 2 tasks (the scaling minimum) of 0.5 vCPU / 1 GB, all month: a quarter on Fargate, three quarters on Spot.
    # on-demand: 2 x 0.25 x (0.5 x 0.03238 + 1 x 0.00356) x 730 = 7.2087
    # Spot:      2 x 0.75 x (0.5 x 0.009714 + 1 x 0.001068) x 730 = 6.4878
    assert cents(e.total_usd) == cents(7.2087 + 6.4878)
    assert {line.price_key for line in e.lines} == {"fargate.arm64.vcpu_hour", "fargate.arm64.gb_hour",
                                                     "fargate_spot.arm64.vcpu_hour", "fargate_spot.arm64.gb_hour"}


def test_off_hours_schedule_runs_the_service_in_working_hours_only(dev):
    resources = json.loads(json.dumps(FARGATE_SERVICE))
    resources["Target"]["Properties"]["ScheduledActions"] = [
        {"ScalableTargetAction": {"MinCapacity": 0, "MaxCapacity": 0}, "Schedule": "cron(0 20 ? * MON-FRI *)"},
        {"ScalableTargetAction": {"MinCapacity": 2, "MaxCapacity": 4}, "Schedule": "cron(0 7 ? * MON-FRI *)"},
    ]
    e = priced(dev, resources)
    # MON-FRI 07:00-20:00: 65 h a week, 65 x 730 / 168 = 282.44 h a month instead of 730.
    assert cents(e.total_usd) == cents((7.2087 + 6.4878) * 65 / 168)
    assert all("off hours" in line.driver for line in e.lines)


INSTANCE = {"Type": "AWS::EC2::Instance", "Properties": {
    "InstanceType": "t4g.nano",
    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}}],
    "NetworkInterfaces": [{"AssociatePublicIpAddress": True, "DeviceIndex": "0"}]}}


def _instance_schedule(action: str) -> dict:
    return {"Type": "AWS::Scheduler::Schedule", "Properties": {"Target": {
        "Arn": f"arn:aws:scheduler:::aws-sdk:ec2:{action}Instances", "Input": {"Fn::Join": ["", ['{"InstanceIds":["', {"Ref": "Host"}, '"]}']]}}}}


@pytest.mark.parametrize("schedules, running_hours", [
    ((), HOURS_PER_MONTH),                             # always on
    (("stop", "start"), 65 * HOURS_PER_MONTH / 168),   # the NAT instance: working hours
    (("stop",), 20),                                   # the bastion: on demand (usage.on_demand_instance_hours)
])
def test_an_instance_runs_all_month_in_working_hours_or_on_demand(dev, schedules, running_hours):
    resources = {"Host": INSTANCE, **{f"{a.capitalize()}Schedule": _instance_schedule(a) for a in schedules}}
    e = priced(dev, resources, usage={"on_demand_instance_hours": 20})
    by_item = {line.item: line for line in e.lines}
    # The instance and its public address while it runs; its volume all month.
    assert by_item["t4g.nano instance"].quantity == pytest.approx(running_hours)
    assert by_item["public IPv4 address"].quantity == pytest.approx(running_hours)
    assert cents(e.total_usd) == cents(running_hours * (0.0042 + 0.005) + 8 * 0.08)


def test_working_hours_per_month():
    assert working_hours_per_month("MON-FRI", "07:00", "20:00") == pytest.approx(65 * HOURS_PER_MONTH / 168)
    assert working_hours_per_month("SAT-MON", "08:00", "08:30") == pytest.approx(1.5 * HOURS_PER_MONTH / 168)
    assert working_hours_per_month("MON,WED,FRI", "09:00", "17:00") == pytest.approx(24 * HOURS_PER_MONTH / 168)


def test_rds_multi_az_instance_storage_and_backups_beyond_the_free_allowance(dev):
    e = priced(dev, {"Db": {"Type": "AWS::RDS::DBInstance", "Properties": {
        "DBInstanceClass": "db.t4g.small", "MultiAZ": True, "AllocatedStorage": "50", "StorageType": "gp3"}}},
        usage={"database_backup_gib": 80})
    # 2 x 730 h x $0.032 = 46.72; 50 GiB x 2 x $0.115 = 11.50; (80 - 50) GiB x $0.095 = 2.85
    assert cents(e.total_usd) == cents(46.72 + 11.50 + 2.85)


def test_a_stopped_database_pays_for_storage_but_not_for_hours(dev):
    e = priced(dev, {
        "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.t4g.micro", "AllocatedStorage": "20", "StorageType": "gp3"}},
        "Stop": {"Type": "AWS::Scheduler::Schedule", "Properties": {"Target": {
            "Arn": "arn:aws:scheduler:::aws-sdk:rds:stopDBInstance", "Input": {"Fn::Join": ["", ['{"DbInstanceIdentifier":"', {"Ref": "Db"}, '"}']]}}}},
    }, usage={"database_backup_gib": 5})
    # 282.44 h x $0.016 = 4.52; 20 GiB x $0.115 = 2.30 all month; 5 GiB of backups within the free 20
    assert cents(e.total_usd) == cents(65 * 730 / 168 * 0.016 + 2.30)
    assert any(note.kind == "included" and "backups" in note.reason for note in e.notes)


def test_a_read_replica_is_an_instance_of_its_own_with_the_primarys_storage(dev):
    e = priced(dev, {
        "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.t4g.micro", "AllocatedStorage": "20", "StorageType": "gp3"}},
        "Replica": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.t4g.micro", "StorageType": "gp3",
                                                                   "SourceDBInstanceIdentifier": {"Ref": "Db"}}},
    }, usage={"database_backup_gib": 0})
    assert cents(e.total_usd) == cents(2 * (730 * 0.016 + 2.30))


def test_aurora_serverless_v2_capacity_within_the_templates_bounds_storage_and_io(dev):
    e = priced(dev, {
        "Cluster": {"Type": "AWS::RDS::DBCluster", "Properties": {"ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4}}},
        "Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.serverless", "DBClusterIdentifier": {"Ref": "Cluster"}}},
        "Reader": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.serverless", "DBClusterIdentifier": {"Ref": "Cluster"}}},
    }, usage={"aurora_average_acu": 0.25, "aurora_storage_gib": 10, "aurora_io_millions": 5, "database_backup_gib": 4})
    # 0.25 ACU is below the template's minimum: 0.5 ACU x 730 h x $0.12 x 2 instances = 87.60;
    # 10 GiB x $0.10 = 1.00; 5 million I/O x $0.20 = 1.00; 4 GiB of backups within the free 10.
    assert cents(e.total_usd) == 89.60
    assert all("kept within" in line.driver for line in e.lines if line.price_key == "aurora.serverless_v2.acu_hour")


def test_waf_acl_rules_requests_and_bot_control_with_its_free_requests(dev):
    rules = [{"Name": n, "Statement": {"ManagedRuleGroupStatement": {"Name": n, "VendorName": "AWS"}}}
             for n in ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesBotControlRuleSet")]
    rules.append({"Name": "Rate", "Statement": {"RateBasedStatement": {"Limit": 2000, "AggregateKeyType": "IP"}}})
    e = priced(dev, {"Acl": {"Type": "AWS::WAFv2::WebACL", "Properties": {"Scope": "CLOUDFRONT", "Rules": rules}}},
               usage={"requests_per_month": 20_000_000})
    # $5 + 4 rules x $1 + 20 M x $0.60 = 21; Bot Control $10 + 20 M x $1 = 30; 10 M Bot Control requests free.
    assert cents(e.gross_usd) == 51.00
    assert [(f.pool, cents(f.monthly_usd)) for f in e.free_tier] == [("waf.bot_control.requests", -10.00)]
    assert cents(e.total_usd) == 41.00


def test_alarms_count_metrics_and_the_first_ten_are_a_free_tier_line(dev):
    resources = {f"Alarm{i}": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "CPUUtilization", "Period": 60}}
                 for i in range(12)}
    resources["MathAlarm"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": [
        {"Id": "e", "Expression": "a + b + c"},
        *({"Id": m, "MetricStat": {"Metric": {"MetricName": m}, "Period": 60, "Stat": "Sum"}, "ReturnData": False} for m in "abc"),
    ]}}
    e = priced(dev, resources)
    # 12 + 3 alarm metrics x $0.10 = 1.50, of which 10 are free: -1.00 on a line of its own.
    assert cents(e.gross_usd) == 1.50
    assert [(f.pool, f.quantity, cents(f.monthly_usd)) for f in e.free_tier] == [("cloudwatch.alarms", 10, -1.00)]
    assert cents(e.total_usd) == 0.50


def test_an_environments_own_trail_is_priced_as_an_additional_copy_of_management_events(dev):
    # The account's free first copy is its account trail (the delivery stack, not priced here) or an
    # organization's, so a trail in an environment's stacks pays for every event it records.
    e = priced(dev, {"Trail": {"Type": "AWS::CloudTrail::Trail", "Properties": {"IsMultiRegionTrail": True}}},
               usage={"management_events_per_month": 250_000})
    (line,) = e.lines
    assert "additional copy" in line.item and "free first copy" in line.driver and cents(e.total_usd) == 5.00


def test_a_type_without_a_rule_is_reported_not_priced(dev):
    e = priced(dev, {"Thing": {"Type": "AWS::Made::Up", "Properties": {}}, "Role": {"Type": "AWS::IAM::Role", "Properties": {}}})
    assert [(n.kind, n.resource_type) for n in e.notes] == [("unpriced", "AWS::Made::Up"), ("free", "AWS::IAM::Role")]
    assert e.total_usd == 0


def test_a_price_missing_from_the_table_is_reported_not_priced(dev):
    e = priced(dev, {"Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.x9.huge", "AllocatedStorage": "20"}}},
               usage={"database_backup_gib": 0})
    assert any("rds.postgres.db.x9.huge.hour" in n.reason for n in e.unpriced())


# ---------------------------------------------------------------- budget check


def test_the_budget_check():
    assert check_budget(0, 62.5).status == "none"
    below = check_budget(50, 62.54)
    assert below.status == "below" and below.warning and "$50" in below.message and "$62.54" in below.message
    far = check_budget(800, 200)
    assert far.status == "far-above" and far.warning and "$800" in far.message and "$200.00" in far.message
    assert check_budget(600, 200).status == "ok" and not check_budget(600, 200).warning


# ---------------------------------------------------------------- the price table


def test_the_price_table_has_a_date_a_source_and_a_unit_for_every_price():
    assert TABLE.version and TABLE.as_of and "transcribed" in TABLE.about
    for region, prices in TABLE.regions.items():
        for key, price in prices.items():
            assert price.usd > 0 and price.unit, (region, key)
            assert price.source.startswith("https://aws.amazon.com/"), (region, key)
    for pool in TABLE.free_tier.values():
        assert pool.quantity > 0 and pool.source.startswith("https://aws.amazon.com/")


def test_the_price_table_covers_the_regions_the_configuration_uses():
    """Every profile's regions, the variants' and us-east-1 (CloudFront's certificate and web ACL)."""
    regions = {cfg.region for profile in PROFILES for cfg in load(profile=profile)} | {"us-east-1"}
    regions |= {overrides.get("region") for spec in VARIANTS.values() for overrides in spec.get("overrides", {}).values()} - {None}
    assert regions <= set(TABLE.regions), regions - set(TABLE.regions)


def test_no_type_is_both_priced_and_free():
    assert not set(RULES) & set(FREE_TYPES)


def test_the_refresh_script_reads_an_on_demand_price_and_knows_which_keys_it_refreshes():
    """The parts of scripts/refresh_prices.py that need no AWS call (it never runs in tests)."""
    product = {"terms": {"OnDemand": {"X.JRTCKXETXF": {"priceDimensions": {
        "X.JRTCKXETXF.6YS6EN2CT7": {"unit": "Hrs", "pricePerUnit": {"USD": "0.0042000000"}}}}}}}
    assert on_demand_usd(product) == 0.0042
    assert on_demand_usd({"terms": {}}) is None
    assert query("ec2.t4g.nano.hour", "eu-west-1") == ("AmazonEC2", {
        "regionCode": "eu-west-1", "instanceType": "t4g.nano", "operatingSystem": "Linux", "tenancy": "Shared",
        "preInstalledSw": "NA", "capacitystatus": "Used", "licenseModel": "No License required"})
    assert query("rds.postgres.db.t4g.micro.hour", "us-east-1") == ("AmazonRDS", {
        "regionCode": "us-east-1", "instanceType": "db.t4g.micro", "databaseEngine": "PostgreSQL", "deploymentOption": "Single-AZ"})
    cache = query("elasticache.cache.t4g.micro.hour", "us-east-1")
    assert cache is not None and cache[1]["instanceType"] == "cache.t4g.micro"
    assert query("vpc.nat_gateway.hour", "us-east-1") is None


# ---------------------------------------------------------------- renderers and make cost


def test_text_markdown_and_json_carry_the_lines_the_free_tier_and_the_total(dev):
    e = priced(dev, {f"Alarm{i}": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 60}} for i in range(12)})
    text, markdown, document = to_text([e], HAND_TABLE), to_markdown([e], HAND_TABLE), json.loads(to_json([e], HAND_TABLE))
    for rendered in (text, markdown):
        assert "Alarm11" in rendered and "10 alarm metrics" in rendered and "$0.20" in rendered
    (environment,) = document["environments"]
    assert environment["total_usd"] == 0.2 and environment["free_tier"][0]["monthly_usd"] == -1.0
    assert document["price_table"]["version"] == "test"


def _artifact(name: str, region: str) -> dict:
    return {"type": "aws:cloudformation:stack", "environment": f"aws://111111111111/{region}",
            "properties": {"templateFile": f"{name}.template.json", "stackName": name}}


def test_make_cost_finds_every_stack_of_a_staged_assembly_and_keeps_branches_apart(tmp_path: Path):
    stage = tmp_path / "assembly-dev"
    stage.mkdir()
    for folder, names in ((stage, ["webapp-dev-network", "webapp-dev-edge-global"]), (tmp_path, ["webapp-dev-feature-x-network"])):
        manifest = {"artifacts": {name: _artifact(name, "us-east-1") for name in names}}
        if folder is tmp_path:
            manifest["artifacts"]["dev"] = {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-dev"}}
        (folder / "manifest.json").write_text(json.dumps(manifest))
        for name in names:
            (folder / f"{name}.template.json").write_text(json.dumps({"Resources": {}}))
    (dev_cfg,) = load(env="dev")
    (branch_cfg,) = load(env="dev", branch="feature/x")
    grouped = by_environment([dev_cfg, branch_cfg], stacks_in(tmp_path))
    assert {env: sorted(stacks) for env, stacks in grouped.items()} == {"dev": ["edge-global", "network"], "dev-feature-x": ["network"]}


# ---------------------------------------------------------------- the synthesized variants


def stacks_of(synth) -> dict[str, Stack]:
    return {tier: Stack(synth.stack_names[tier], synth.regions[tier], synth.templates[tier]) for tier in synth.templates}


@pytest.mark.every_variant
def test_every_resource_of_every_variant_is_priced_or_known_to_be_free(synthesized):
    """Done when a resource type that costs money cannot appear without a price rule, and every
    price a rule asks for is in the table for the variant's regions."""
    unknown, missing = set(), set()
    for variant in VARIANTS:
        synth = synthesized[variant]
        for template in synth.templates.values():
            unknown |= {r["Type"] for r in template["Resources"].values() if r["Type"] not in RULES and not is_free_type(r["Type"])}
        e = estimate(synth.config, stacks_of(synth))
        missing |= {f"{variant}: {n.reason}" for n in e.unpriced() if "no price for `" in n.reason}
    assert sorted(unknown) == [], "give each a rule in cost/estimate.py RULES, or a reason in FREE_TYPES"
    assert sorted(missing) == [], "add the price to cost/prices.json"


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def reviewed(e: Estimate) -> dict:
    """What a reviewer reads in the snapshot: every priced line, free tier, note, subtotal, the
    total and the budget; not the count of resources that are free by themselves (a new security
    group rule changes nothing a month costs)."""
    return {key: value for key, value in as_dict(e).items() if key != "free_resources"}


@pytest.mark.parametrize("environment", REFERENCE_ENVIRONMENTS)
def test_reference_estimate(synthesized, environment, snapshot_json):
    synth = synthesized[environment]
    assert reviewed(estimate(synth.config, stacks_of(synth))) == snapshot_json


def test_docs_cost_states_the_current_totals(synthesized):
    """docs/cost.md's table of totals is the estimate's, so the page cannot drift from it."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "cost.md").read_text()
    for environment in REFERENCE_ENVIRONMENTS:
        synth = synthesized[environment]
        e = estimate(synth.config, stacks_of(synth))
        assert f"| {environment} | ${e.total_usd:,.2f} | ${e.gross_usd:,.2f} |" in page, f"update docs/cost.md: {environment} is ${e.total_usd:,.2f}"
