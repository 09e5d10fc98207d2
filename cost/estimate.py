"""The monthly cost of one environment, computed from its synthesized templates.

One pricing rule per CloudFormation resource type (``RULES``) turns a resource into lines: what
is priced, what drives the quantity (the template, the configuration's ``usage`` section, the
off-hours schedule), the quantity, the unit price from the price table (``cost/prices.py``)
and the monthly amount. Types that cost nothing by themselves are listed with the reason in
``FREE_TYPES``; a type in neither is reported as not priced, and a test fails on it. Free tiers
are separate lines that draw on per-account pools, never hidden in a price.

Reads template dictionaries and an ``EnvironmentConfig``; imports nothing from the CDK.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from config.schema import EnvironmentConfig
from cost.prices import TABLE, PriceTable

HOURS_PER_MONTH = 730.0
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
WEEKS_PER_MONTH = HOURS_PER_MONTH / 168
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# A budget more than this many times the estimate warns: it would only speak after costs had tripled.
BUDGET_HEADROOM = 3.0
# EC2 detailed monitoring publishes 7 metrics per instance at custom-metric rates.
DETAILED_MONITORING_METRICS = 7
# CloudFront's additional distribution metrics (cache hit rate, origin latency, six error rates).
CLOUDFRONT_ADDITIONAL_METRICS = 8
# Root volume when a template leaves the size to the AMI (Amazon Linux 2023: 8 GiB).
AMI_DEFAULT_VOLUME_GIB = 8


@dataclass(frozen=True)
class Stack:
    """One synthesized stack of the environment: its name, region and template."""

    name: str
    region: str
    template: Mapping[str, Any]


@dataclass(frozen=True)
class Line:
    """One priced quantity of one resource. ``free_pool``: the free tier it draws on."""

    tier: str
    stack: str
    resource_type: str
    logical_id: str
    item: str
    driver: str
    quantity: float
    unit: str
    unit_usd: float
    price_key: str
    note: str = ""
    free_pool: str = ""

    @property
    def monthly_usd(self) -> float:
        return self.quantity * self.unit_usd


@dataclass(frozen=True)
class FreeTierLine:
    """What a free tier takes off the lines that draw on it (``monthly_usd`` is negative)."""

    pool: str
    what: str
    quantity: float
    unit: str
    monthly_usd: float
    source: str


@dataclass(frozen=True)
class Note:
    """A resource, or a part of one, the estimate does not price, and why: ``free`` (the
    resource costs nothing by itself), ``included`` (a part of a priced resource at no charge,
    e.g. backups within the free allowance) or ``unpriced`` (a cost the estimate leaves out)."""

    kind: Literal["free", "included", "unpriced"]
    tier: str
    resource_type: str
    logical_id: str
    reason: str


@dataclass(frozen=True)
class BudgetCheck:
    budget_usd: int
    estimate_usd: float
    status: Literal["none", "ok", "below", "far-above"]
    message: str

    @property
    def warning(self) -> bool:
        return self.status in ("below", "far-above")


@dataclass(frozen=True)
class Estimate:
    environment: str
    profile: str
    region: str
    table_version: str
    stacks: Mapping[str, str]
    lines: tuple[Line, ...]
    free_tier: tuple[FreeTierLine, ...]
    notes: tuple[Note, ...]
    assumptions: tuple[str, ...]
    budget: BudgetCheck

    @property
    def gross_usd(self) -> float:
        return sum(line.monthly_usd for line in self.lines)

    @property
    def free_tier_usd(self) -> float:
        return sum(line.monthly_usd for line in self.free_tier)

    @property
    def total_usd(self) -> float:
        return self.gross_usd + self.free_tier_usd

    def subtotals(self) -> dict[str, float]:
        """Tier -> monthly USD before free tiers, in the stacks' order."""
        totals = dict.fromkeys(self.stacks, 0.0)
        for line in self.lines:
            totals[line.tier] = totals.get(line.tier, 0.0) + line.monthly_usd
        return totals

    def unpriced(self) -> list[Note]:
        return [note for note in self.notes if note.kind == "unpriced"]

    def top(self, count: int = 5) -> list[Line]:
        return sorted(self.lines, key=lambda line: -line.monthly_usd)[:count]


# ---------------------------------------------------------------- reading templates


def refs(node: Any) -> set[str]:
    """Every logical ID ``node`` points at with Ref or Fn::GetAtt."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt" and isinstance(value, list) and value:
                found.add(str(value[0]))
            else:
                found |= refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs(value)
    return found


def number(value: Any, default: float = 0.0) -> float:
    """A template number that may be written as a string ("20"); ``default`` when absent."""
    if value is None or isinstance(value, dict):
        return default
    return float(value)


def working_hours_per_month(days: str, start_at: str, stop_at: str) -> float:
    """Hours a month between ``start_at`` and ``stop_at`` on ``days`` ("MON-FRI", "MON,WED")."""
    chosen: set[str] = set()
    for part in days.split(","):
        first, _, last = part.partition("-")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        chosen.update(WEEKDAYS[i % 7] for i in range(start, end + 1 if end >= start else end + 8))
    (h1, m1), (h2, m2) = (map(int, clock.split(":")) for clock in (start_at, stop_at))
    per_day = max(0.0, (h2 * 60 + m2 - h1 * 60 - m1) / 60)
    return len(chosen) * per_day * WEEKS_PER_MONTH


# Log groups by what fills them, each category's volume from its own usage figure.
LogCategory = Literal["app", "flow", "waf", "other"]
LOG_USAGE: Mapping[LogCategory, str] = {"app": "app_log_gb", "flow": "flow_log_gb", "waf": "waf_log_gb", "other": "other_log_gb"}


def log_category(logical_id: str, resource: Mapping, resources: Mapping[str, Mapping]) -> LogCategory:
    """The API's log group (named by a task definition or a launch template), a VPC flow log's,
    a web ACL's (``aws-waf-logs-`` names), or any other."""
    name = resource.get("Properties", {}).get("LogGroupName")
    if isinstance(name, str) and name.startswith("aws-waf-logs-"):
        return "waf"
    for other in resources.values():
        kind = other.get("Type")
        if kind == "AWS::EC2::FlowLog" and logical_id in refs(other.get("Properties", {}).get("LogGroupName")):
            return "flow"
        if kind in ("AWS::ECS::TaskDefinition", "AWS::EC2::LaunchTemplate") and logical_id in refs(other.get("Properties", {})):
            return "app"
    return "other"


@dataclass
class Environment:
    """What the rules need across the environment's stacks: counts to split usage over."""

    cfg: EnvironmentConfig
    stacks: Mapping[str, Stack]
    log_categories: dict[tuple[str, str], LogCategory] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for tier, stack in self.stacks.items():
            resources = stack.template.get("Resources", {})
            for logical_id, resource in resources.items():
                kind = resource.get("Type", "")
                self.counts[kind] = self.counts.get(kind, 0) + 1
                if kind == "AWS::Logs::LogGroup":
                    category = log_category(logical_id, resource, resources)
                    self.log_categories[(tier, logical_id)] = category
                    self.counts[f"log:{category}"] = self.counts.get(f"log:{category}", 0) + 1
                if kind == "AWS::EC2::VPCEndpoint" and resource.get("Properties", {}).get("VpcEndpointType") == "Interface":
                    self.counts["interface-endpoint"] = self.counts.get("interface-endpoint", 0) + 1

    @property
    def off_hours(self) -> str:
        hours = self.cfg.off_hours
        return f"{hours.days} {hours.start_at}-{hours.stop_at} {hours.timezone}"

    @property
    def working_hours(self) -> float:
        hours = self.cfg.off_hours
        return working_hours_per_month(hours.days, hours.start_at, hours.stop_at)


class Context:
    """One resource being priced: adds its lines and notes to the estimate under way."""

    def __init__(self, env: Environment, tier: str, stack: Stack, logical_id: str, resource: Mapping, table: PriceTable,
                 lines: list[Line], notes: list[Note]) -> None:
        self.env, self.tier, self.stack, self.logical_id, self.table = env, tier, stack, logical_id, table
        self.resource = resource
        self.properties: Mapping[str, Any] = resource.get("Properties", {})
        self.resources: Mapping[str, Mapping] = stack.template.get("Resources", {})
        self._lines, self._notes = lines, notes

    @property
    def cfg(self) -> EnvironmentConfig:
        return self.env.cfg

    @property
    def kind(self) -> str:
        return str(self.resource.get("Type"))

    def add(self, item: str, driver: str, quantity: float, key: str, *, free_pool: str = "", note: str = "") -> None:
        """A line of ``quantity`` at the table's price of ``key`` in the stack's region; a note
        when the table has no such price. Nothing for a zero quantity."""
        if quantity <= 0:
            return
        price = self.table.price(self.stack.region, key)
        if price is None:
            self.unpriced(f"{item}: no price for `{key}` in {self.stack.region} in the price table (version {self.table.version})")
            return
        self._lines.append(Line(self.tier, self.stack.name, self.kind, self.logical_id, item, driver, quantity, price.unit,
                                price.usd, key, "; ".join(n for n in (price.note, note) if n), free_pool))

    def free(self, reason: str) -> None:
        """The resource costs nothing (a gateway endpoint, a standard parameter)."""
        self._notes.append(Note("free", self.tier, self.kind, self.logical_id, reason))

    def included(self, reason: str) -> None:
        """A part of this priced resource comes at no charge."""
        self._notes.append(Note("included", self.tier, self.kind, self.logical_id, reason))

    def unpriced(self, reason: str) -> None:
        self._notes.append(Note("unpriced", self.tier, self.kind, self.logical_id, reason))

    def resource_of(self, node: Any, kind: str) -> tuple[str, Mapping] | None:
        """The resource of ``kind`` in this template that ``node`` points at."""
        for logical_id in sorted(refs(node)):
            other = self.resources.get(logical_id)
            if other is not None and other.get("Type") == kind:
                return logical_id, other
        return None

    def pointing_here(self, kind: str) -> Iterator[tuple[str, Mapping]]:
        """Resources of ``kind`` in this template that point at this resource."""
        for logical_id, other in self.resources.items():
            if other.get("Type") == kind and self.logical_id in refs(other.get("Properties", {})):
                yield logical_id, other

    def usage(self, name: str) -> float:
        return float(getattr(self.cfg.usage, name))

    def hours(self, scheduled: bool) -> tuple[float, str]:
        """Running hours a month and their reason: working hours when an off-hours schedule stops it."""
        if scheduled:
            return self.env.working_hours, f"off hours: runs {self.env.off_hours}"
        return HOURS_PER_MONTH, "always on"


Rule = Callable[[Context], None]
RULES: dict[str, Rule] = {}


def rule(*kinds: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        for kind in kinds:
            assert kind not in RULES, f"two price rules for {kind}"
            RULES[kind] = function
        return function
    return register


def _hours_text(hours: float) -> str:
    return f"{hours:,.1f} h/month"


# ---------------------------------------------------------------- compute and network


def _volumes(ctx: Context, mappings: Any, *, count: float, hours: float, why: str) -> None:
    for mapping in mappings or []:
        ebs = mapping.get("Ebs")
        if not isinstance(ebs, dict):
            continue
        size = number(ebs.get("VolumeSize"), AMI_DEFAULT_VOLUME_GIB)
        kind = ebs.get("VolumeType", "gp3")
        assumed = "" if "VolumeSize" in ebs else " (the AMI's default size)"
        share = hours / HOURS_PER_MONTH
        ctx.add(f"EBS {kind} volume {mapping.get('DeviceName', '')}".strip(),
                f"{count:g} × {size:g} GiB{assumed}" + ("" if share == 1 else f" × {share:.0%} of the month ({why})"),
                count * size * share, f"ebs.{kind}.gb_month")


def _public_ipv4(ctx: Context, interfaces: Any, *, count: float, hours: float, why: str) -> None:
    if any(isinstance(i, dict) and i.get("AssociatePublicIpAddress") in (True, "true") for i in interfaces or []):
        ctx.add("public IPv4 address", f"{count:g} × {_hours_text(hours)} ({why})", count * hours, "vpc.public_ipv4.hour")


def _scheduled_calls(ctx: Context, service: str, logical_id: str) -> set[str]:
    """The ``service`` API actions EventBridge Scheduler schedules in the stack call on
    ``logical_id`` ("stopInstances", "stopDBInstance", ...)."""
    found = set()
    for other in ctx.resources.values():
        if other.get("Type") != "AWS::Scheduler::Schedule":
            continue
        target = other.get("Properties", {}).get("Target", {})
        prefix, _, action = str(target.get("Arn", "")).rpartition(":")
        if prefix.endswith(f":aws-sdk:{service}") and logical_id in refs(target.get("Input")):
            found.add(action)
    return found


@rule("AWS::EC2::Instance")
def ec2_instance(ctx: Context) -> None:
    """Always on; working hours when schedules stop and start it; on demand
    (``usage.on_demand_instance_hours``) when one only stops it. Its volumes bill all month,
    its public address only while it runs."""
    instance_type = ctx.properties.get("InstanceType", "")
    calls = _scheduled_calls(ctx, "ec2", ctx.logical_id)
    if "stopInstances" in calls and "startInstances" not in calls:
        hours, why = ctx.usage("on_demand_instance_hours"), "on demand: stopped every evening, started by hand (usage.on_demand_instance_hours)"
    else:
        hours, why = ctx.hours("stopInstances" in calls)
    ctx.add(f"{instance_type} instance", f"1 × {_hours_text(hours)} ({why})", hours, f"ec2.{instance_type}.hour")
    _volumes(ctx, ctx.properties.get("BlockDeviceMappings"), count=1, hours=HOURS_PER_MONTH, why="all month, stopped or not")
    _public_ipv4(ctx, ctx.properties.get("NetworkInterfaces"), count=1, hours=hours, why=why)


@rule("AWS::AutoScaling::AutoScalingGroup")
def auto_scaling_group(ctx: Context) -> None:
    found = ctx.resource_of(ctx.properties.get("LaunchTemplate"), "AWS::EC2::LaunchTemplate")
    if found is None:
        ctx.unpriced("no launch template in the stack to read the instance type from")
        return
    data = found[1].get("Properties", {}).get("LaunchTemplateData", {})
    instance_type = data.get("InstanceType", "")
    count = number(ctx.properties.get("MinSize"), 1)
    scheduled = any(number(action.get("Properties", {}).get("MaxSize"), 1) == 0
                    for _, action in ctx.pointing_here("AWS::AutoScaling::ScheduledAction"))
    hours, why = ctx.hours(scheduled)
    ctx.add(f"{instance_type} instances", f"{count:g} (the group's minimum) × {_hours_text(hours)} ({why})", count * hours,
            f"ec2.{instance_type}.hour")
    _volumes(ctx, data.get("BlockDeviceMappings"), count=count, hours=hours, why=why)
    _public_ipv4(ctx, data.get("NetworkInterfaces"), count=count, hours=hours, why=why)
    if (data.get("Monitoring") or {}).get("Enabled") in (True, "true"):
        ctx.add("EC2 detailed monitoring", f"{DETAILED_MONITORING_METRICS} metrics × {count:g} instances × {hours / HOURS_PER_MONTH:.0%} of the month",
                DETAILED_MONITORING_METRICS * count * hours / HOURS_PER_MONTH, "cloudwatch.custom_metric.month",
                free_pool="cloudwatch.custom_metrics", note="detailed monitoring is billed as custom metrics, prorated by the hour")
    if ctx.properties.get("MetricsCollection"):
        ctx.included("the group's own metrics (1-minute) are free")


@rule("AWS::EC2::NatGateway")
def nat_gateway(ctx: Context) -> None:
    ctx.add("NAT gateway", f"1 × {_hours_text(HOURS_PER_MONTH)} (always on)", HOURS_PER_MONTH, "vpc.nat_gateway.hour")
    gateways = ctx.env.counts.get("AWS::EC2::NatGateway", 1)
    ctx.add("NAT gateway data processed", f"usage.nat_data_gb = {ctx.usage('nat_data_gb'):g} GB / {gateways} gateway(s)",
            ctx.usage("nat_data_gb") / gateways, "vpc.nat_gateway.gb")


@rule("AWS::EC2::EIP")
def elastic_ip(ctx: Context) -> None:
    ctx.add("public IPv4 address (Elastic IP)", f"1 × {_hours_text(HOURS_PER_MONTH)}", HOURS_PER_MONTH, "vpc.public_ipv4.hour")


@rule("AWS::EC2::VPCEndpoint")
def vpc_endpoint(ctx: Context) -> None:
    if ctx.properties.get("VpcEndpointType", "Gateway") != "Interface":
        ctx.free("gateway endpoints (S3, DynamoDB) are free")
        return
    zones = len(ctx.properties.get("SubnetIds") or []) or 1
    service = ctx.properties.get("ServiceName", "")
    service = service.rsplit(".", 1)[-1] if isinstance(service, str) else "endpoint"
    ctx.add(f"interface endpoint {service}", f"{zones} AZ(s) × {_hours_text(HOURS_PER_MONTH)}", zones * HOURS_PER_MONTH,
            "vpc.interface_endpoint.hour")
    endpoints = ctx.env.counts.get("interface-endpoint", 1)
    ctx.add(f"interface endpoint {service} data", f"usage.endpoint_data_gb = {ctx.usage('endpoint_data_gb'):g} GB / {endpoints} endpoint(s)",
            ctx.usage("endpoint_data_gb") / endpoints, "vpc.interface_endpoint.gb")


@rule("AWS::ElasticLoadBalancingV2::LoadBalancer")
def load_balancer(ctx: Context) -> None:
    if ctx.properties.get("Type", "application") != "application":
        ctx.unpriced(f"a {ctx.properties.get('Type')} load balancer: the table prices application load balancers only")
        return
    ctx.add("application load balancer", f"1 × {_hours_text(HOURS_PER_MONTH)} (always on)", HOURS_PER_MONTH, "elb.alb.hour")
    lcu = ctx.usage("load_balancer_lcu")
    ctx.add("load balancer capacity units", f"usage.load_balancer_lcu = {lcu:g} × {_hours_text(HOURS_PER_MONTH)}", lcu * HOURS_PER_MONTH,
            "elb.alb.lcu_hour")
    if ctx.properties.get("Scheme", "internet-facing") == "internet-facing":
        zones = len(ctx.properties.get("Subnets") or ctx.properties.get("SubnetMappings") or []) or 2
        ctx.add("public IPv4 addresses", f"{zones} (one per AZ) × {_hours_text(HOURS_PER_MONTH)}", zones * HOURS_PER_MONTH,
                "vpc.public_ipv4.hour")


@rule("AWS::ECS::Cluster")
def ecs_cluster(ctx: Context) -> None:
    settings = {s.get("Name"): s.get("Value") for s in ctx.properties.get("ClusterSettings") or []}
    insights = settings.get("containerInsights", "disabled")
    if insights in ("enabled", "enhanced"):
        ctx.unpriced(f"Container Insights ({insights}): billed per observation (enhanced) or as custom metrics and "
                     "performance logs, which the table does not hold yet (check the CloudWatch pricing page)")
    else:
        ctx.free("an ECS cluster costs nothing; its tasks are priced on the service")


@rule("AWS::ECS::Service")
def ecs_service(ctx: Context) -> None:
    found = ctx.resource_of(ctx.properties.get("TaskDefinition"), "AWS::ECS::TaskDefinition")
    if found is None:
        ctx.unpriced("no task definition in the stack to read the task size from")
        return
    task = found[1].get("Properties", {})
    strategy = ctx.properties.get("CapacityProviderStrategy") or []
    weights = {item.get("CapacityProvider"): number(item.get("Weight"), 0) for item in strategy}
    if not strategy and ctx.properties.get("LaunchType", "FARGATE") == "FARGATE":
        weights = {"FARGATE": 1.0}
    total = sum(w for p, w in weights.items() if p in ("FARGATE", "FARGATE_SPOT"))
    if not total or set(weights) - {"FARGATE", "FARGATE_SPOT"}:
        ctx.unpriced("a service on EC2 capacity: priced through its instances")
        return
    vcpu, memory_gb = number(task.get("Cpu")) / 1024, number(task.get("Memory")) / 1024
    arch = "arm64" if (task.get("RuntimePlatform") or {}).get("CpuArchitecture") == "ARM64" else "x86_64"
    target = next(iter(ctx.pointing_here("AWS::ApplicationAutoScaling::ScalableTarget")), None)
    if target is not None:
        target_properties = target[1].get("Properties", {})
        tasks = number(target_properties.get("MinCapacity"), 1)
        scheduled = any(number((a.get("ScalableTargetAction") or {}).get("MaxCapacity"), 1) == 0
                        for a in target_properties.get("ScheduledActions") or [])
        counted = f"{tasks:g} task(s) (the scaling minimum)"
    else:
        tasks, scheduled = number(ctx.properties.get("DesiredCount"), 1), False
        counted = f"{tasks:g} task(s)"
    hours, why = ctx.hours(scheduled)
    for provider, key, label in (("FARGATE", "fargate", "Fargate"), ("FARGATE_SPOT", "fargate_spot", "Fargate Spot")):
        share = weights.get(provider, 0) / total
        if not share:
            continue
        portion = "" if share == 1 else f" × {share:.0%} on {label}"
        ctx.add(f"{label} {arch} vCPU", f"{counted} × {vcpu:g} vCPU{portion} × {_hours_text(hours)} ({why})",
                tasks * share * vcpu * hours, f"{key}.{arch}.vcpu_hour")
        ctx.add(f"{label} {arch} memory", f"{counted} × {memory_gb:g} GB{portion} × {_hours_text(hours)} ({why})",
                tasks * share * memory_gb * hours, f"{key}.{arch}.gb_hour")
    images = [str(c.get("Image", "")) for c in task.get("ContainerDefinitions") or []]
    if any("xray" in image for image in images):
        ctx.unpriced("X-Ray traces: the first 100,000 recorded a month are free, then $5.00 per million; "
                     "how many are recorded depends on the sampling rules, so they are not priced")


@rule("AWS::ECR::Repository")
def ecr_repository(ctx: Context) -> None:
    gb = ctx.usage("image_storage_gb")
    ctx.add("image storage", f"usage.image_storage_gb = {gb:g} GB", gb, "ecr.storage.gb_month")


# ---------------------------------------------------------------- data


@rule("AWS::RDS::DBInstance")
def rds_instance(ctx: Context) -> None:
    props = ctx.properties
    instance_class = str(props.get("DBInstanceClass", ""))
    if "DBClusterIdentifier" in props:
        _aurora_instance(ctx, instance_class)
        return
    multi_az = props.get("MultiAZ") in (True, "true")
    copies = 2 if multi_az else 1
    hours, why = ctx.hours("stopDBInstance" in _scheduled_calls(ctx, "rds", ctx.logical_id))
    replica = "SourceDBInstanceIdentifier" in props
    role = "read replica" if replica else "database"
    ctx.add(f"{instance_class} {role}" + (" (Multi-AZ)" if multi_az else ""),
            f"{copies} instance(s){' (primary and standby)' if multi_az else ''} × {_hours_text(hours)} ({why})",
            copies * hours, f"rds.postgres.{instance_class}.hour")
    storage, source = number(props.get("AllocatedStorage")), "AllocatedStorage"
    if replica:
        primary = ctx.resource_of(props.get("SourceDBInstanceIdentifier"), "AWS::RDS::DBInstance")
        storage, source = (number(primary[1].get("Properties", {}).get("AllocatedStorage")), "the primary's storage") if primary else (0.0, "")
    storage_type = str(props.get("StorageType", "gp2"))
    ctx.add(f"{storage_type} storage", f"{storage:g} GiB ({source}){' × 2 (Multi-AZ)' if multi_az else ''}, billed while stopped too",
            storage * copies, f"rds.storage.{storage_type}.gb_month")
    if not replica:
        backup = ctx.usage("database_backup_gib")
        billable = max(0.0, backup - storage)
        if billable:
            ctx.add("backup storage beyond the free allowance", f"usage.database_backup_gib = {backup:g} GiB - {storage:g} GiB free (100 % of storage)",
                    billable, "rds.backup.gb_month")
        else:
            ctx.included(f"backups: usage.database_backup_gib = {backup:g} GiB, within the free {storage:g} GiB (100 % of storage)")
    if number(props.get("PerformanceInsightsRetentionPeriod"), 7) > 7:
        ctx.unpriced("Performance Insights retention beyond the free 7 days")
    if number(props.get("MonitoringInterval")) > 0:
        ctx.unpriced("enhanced monitoring: its RDSOSMetrics log stream is CloudWatch Logs ingestion (cents a month), not priced")


def _aurora_instance(ctx: Context, instance_class: str) -> None:
    cluster = ctx.resource_of(ctx.properties.get("DBClusterIdentifier"), "AWS::RDS::DBCluster")
    if instance_class != "db.serverless" or cluster is None:
        ctx.unpriced(f"Aurora {instance_class} instances: the table prices Serverless v2 only")
        return
    scaling = cluster[1].get("Properties", {}).get("ServerlessV2ScalingConfiguration") or {}
    low, high = number(scaling.get("MinCapacity"), 0), number(scaling.get("MaxCapacity"), 256)
    wanted = ctx.usage("aurora_average_acu")
    average = min(max(wanted, low), high)
    bounded = "" if average == wanted else f", kept within the template's {low:g}-{high:g} ACU"
    hours, why = ctx.hours("stopDBCluster" in _scheduled_calls(ctx, "rds", cluster[0]))
    ctx.add("Aurora Serverless v2 capacity", f"usage.aurora_average_acu = {average:g} ACU{bounded} × {_hours_text(hours)} ({why})",
            average * hours, "aurora.serverless_v2.acu_hour")


@rule("AWS::RDS::DBCluster")
def aurora_cluster(ctx: Context) -> None:
    if ctx.properties.get("StorageType") == "aurora-iopt1":
        ctx.unpriced("Aurora I/O-Optimized storage: the table prices Aurora Standard only")
        return
    storage = ctx.usage("aurora_storage_gib")
    ctx.add("Aurora storage", f"usage.aurora_storage_gib = {storage:g} GiB", storage, "aurora.storage.gb_month")
    ctx.add("Aurora I/O", f"usage.aurora_io_millions = {ctx.usage('aurora_io_millions'):g} million requests",
            ctx.usage("aurora_io_millions"), "aurora.io.million")
    backup = ctx.usage("database_backup_gib")
    if backup > storage:
        ctx.add("backup storage beyond the free allowance", f"usage.database_backup_gib = {backup:g} GiB - {storage:g} GiB free (100 % of storage)",
                backup - storage, "aurora.backup.gb_month")
    else:
        ctx.included(f"backups: usage.database_backup_gib = {backup:g} GiB, within the free {storage:g} GiB (100 % of storage)")


@rule("AWS::ElastiCache::ReplicationGroup")
def cache_replication_group(ctx: Context) -> None:
    props = ctx.properties
    node_type = str(props.get("CacheNodeType", ""))
    if "NumCacheClusters" in props:
        nodes = number(props.get("NumCacheClusters"), 1)
    else:
        nodes = number(props.get("NumNodeGroups"), 1) * (1 + number(props.get("ReplicasPerNodeGroup"), 0))
    ctx.add(f"{node_type} nodes", f"{nodes:g} node(s) × {_hours_text(HOURS_PER_MONTH)} (always on)", nodes * HOURS_PER_MONTH,
            f"elasticache.{node_type}.hour")
    if number(props.get("SnapshotRetentionLimit")) > 1:
        ctx.unpriced("snapshots beyond the first (free) one: $0.085 per GB-month; a cache for fan-out holds little, not priced")


@rule("AWS::S3::Bucket")
def s3_bucket(ctx: Context) -> None:
    buckets = ctx.env.counts.get("AWS::S3::Bucket", 1)
    split = f" / {buckets} bucket(s), split evenly"
    ctx.add("S3 Standard storage", f"usage.s3_storage_gb = {ctx.usage('s3_storage_gb'):g} GB{split}", ctx.usage("s3_storage_gb") / buckets,
            "s3.standard.gb_month")
    ctx.add("S3 write requests (PUT, COPY, POST, LIST)", f"usage.s3_write_requests_per_month = {ctx.usage('s3_write_requests_per_month'):,.0f}{split}",
            ctx.usage("s3_write_requests_per_month") / 1000 / buckets, "s3.write_requests.1k")
    ctx.add("S3 read requests (GET)", f"usage.s3_read_requests_per_month = {ctx.usage('s3_read_requests_per_month'):,.0f}{split}",
            ctx.usage("s3_read_requests_per_month") / 1000 / buckets, "s3.read_requests.1k")
    tiering = [t for r in ctx.properties.get("LifecycleConfiguration", {}).get("Rules", []) for t in r.get("Transitions", [])
               if t.get("StorageClass") == "INTELLIGENT_TIERING"]
    if tiering:
        # What tier an object ends in depends on how often it is read, which no usage figure says.
        ctx.unpriced("Intelligent-Tiering: its storage is priced as S3 Standard (the frequent tier's price, an upper bound: objects "
                     "unread for 30 days cost 46 % less, for 90 days 83 % less); its monitoring ($0.0025 per 1,000 objects of "
                     "128 KB or more a month) and the lifecycle transitions ($0.01 per 1,000) are not: the usage holds no object count")


# ---------------------------------------------------------------- edge


@rule("AWS::CloudFront::Distribution")
def cloudfront_distribution(ctx: Context) -> None:
    distributions = ctx.env.counts.get(ctx.kind, 1)
    split = f" / {distributions} distributions" if distributions > 1 else ""
    price_class = (ctx.properties.get("DistributionConfig") or {}).get("PriceClass", "PriceClass_All")
    note = "" if price_class == "PriceClass_100" else f"{price_class}: viewers outside North America and Europe cost more per GB and request"
    transfer = ctx.usage("cdn_transfer_gb") / distributions
    ctx.add("data transfer out to viewers", f"usage.cdn_transfer_gb = {ctx.usage('cdn_transfer_gb'):g} GB{split}", transfer,
            "cloudfront.transfer.gb", free_pool="cloudfront.transfer", note=note)
    requests = ctx.usage("requests_per_month") / distributions
    ctx.add("HTTPS requests", f"usage.requests_per_month = {ctx.usage('requests_per_month'):,.0f}{split}", requests / 10_000,
            "cloudfront.https_requests.10k", free_pool="cloudfront.requests", note=note)


@rule("AWS::CloudFront::Function")
def cloudfront_function(ctx: Context) -> None:
    requests = ctx.usage("requests_per_month")
    ctx.add("function invocations", f"usage.requests_per_month = {requests:,.0f} (upper bound: it runs on the site's pages only)",
            requests / 1e6, "cloudfront.functions.million", free_pool="cloudfront.functions")


@rule("AWS::CloudFront::MonitoringSubscription")
def cloudfront_monitoring(ctx: Context) -> None:
    ctx.add("additional distribution metrics", f"{CLOUDFRONT_ADDITIONAL_METRICS} metrics at custom-metric rates", CLOUDFRONT_ADDITIONAL_METRICS,
            "cloudwatch.custom_metric.month", free_pool="cloudwatch.custom_metrics")


BOT_CONTROL = "AWSManagedRulesBotControlRuleSet"


@rule("AWS::WAFv2::WebACL")
def web_acl(ctx: Context) -> None:
    rules = ctx.properties.get("Rules") or []
    ctx.add("web ACL", "1 web ACL", 1, "waf.web_acl.month")
    ctx.add("web ACL rules", f"{len(rules)} rules (a managed rule group counts as one)", len(rules), "waf.rule.month")
    regional = ctx.properties.get("Scope") == "REGIONAL"
    bound = " (upper bound: only the requests CloudFront forwards reach it)" if regional else ""
    requests = ctx.usage("requests_per_month") / 1e6
    ctx.add("web ACL requests", f"usage.requests_per_month = {ctx.usage('requests_per_month'):,.0f}{bound}", requests, "waf.requests.million")
    if BOT_CONTROL in json.dumps(rules):
        ctx.add("Bot Control subscription", "1 rule group", 1, "waf.bot_control.month")
        ctx.add("Bot Control requests", f"usage.requests_per_month = {ctx.usage('requests_per_month'):,.0f}{bound}", requests,
                "waf.bot_control.requests.million", free_pool="waf.bot_control.requests")


# ---------------------------------------------------------------- auth and secrets


@rule("AWS::Cognito::UserPool")
def user_pool(ctx: Context) -> None:
    plan = str(ctx.properties.get("UserPoolTier", "ESSENTIALS")).lower()
    users = ctx.usage("monthly_active_users")
    ctx.add(f"monthly active users ({plan} plan)", f"usage.monthly_active_users = {users:,.0f}", users, f"cognito.{plan}.mau",
            free_pool="cognito.mau" if plan in ("lite", "essentials") else "")


@rule("AWS::KMS::Key")
def kms_key(ctx: Context) -> None:
    rotation = ctx.properties.get("EnableKeyRotation") in (True, "true")
    ctx.add("customer managed key", "1 key" + (" (the first year: each yearly rotation adds $1 a month, up to $3)" if rotation else ""),
            1, "kms.key.month")


@rule("AWS::SecretsManager::Secret")
def secret(ctx: Context) -> None:
    ctx.add("secret", "1 secret (API calls: $0.05 per 10,000, not priced)", 1, "secretsmanager.secret.month")


@rule("AWS::SSM::Parameter")
def ssm_parameter(ctx: Context) -> None:
    if ctx.properties.get("Tier") == "Advanced":
        ctx.add("advanced parameter", "1 parameter", 1, "ssm.advanced_parameter.month")
    else:
        ctx.free("standard parameters are free")


# ---------------------------------------------------------------- frontend


@rule("AWS::Amplify::Branch")
def amplify_branch(ctx: Context) -> None:
    ctx.add("build minutes", f"usage.amplify_build_minutes = {ctx.usage('amplify_build_minutes'):g}", ctx.usage("amplify_build_minutes"),
            "amplify.build.minute")
    ctx.add("data served", f"usage.amplify_served_gb = {ctx.usage('amplify_served_gb'):g} GB", ctx.usage("amplify_served_gb"), "amplify.served.gb")
    ctx.add("server-side rendered requests", f"usage.amplify_requests_per_month = {ctx.usage('amplify_requests_per_month'):,.0f}",
            ctx.usage("amplify_requests_per_month") / 1e6, "amplify.ssr_requests.million",
            note="SSR duration ($0.20 per GB-hour) is not priced")


# ---------------------------------------------------------------- observability


@rule("AWS::CloudWatch::Alarm")
def alarm(ctx: Context) -> None:
    metrics = ctx.properties.get("Metrics")
    count = sum(1 for m in metrics if "MetricStat" in m) if metrics else 1
    period = number(ctx.properties.get("Period"), 60)
    if metrics:
        period = min((number((m.get("MetricStat") or {}).get("Period"), 60) for m in metrics if "MetricStat" in m), default=60)
    resolution = "high_resolution" if period < 60 else "standard"
    what = f"{count} metrics (metric math)" if metrics else "1 metric"
    ctx.add(f"alarm ({resolution.replace('_', ' ')})", what, count, f"cloudwatch.alarm.{resolution}.month", free_pool="cloudwatch.alarms")


@rule("AWS::CloudWatch::Dashboard")
def dashboard(ctx: Context) -> None:
    ctx.add("dashboard", "1 dashboard", 1, "cloudwatch.dashboard.month", free_pool="cloudwatch.dashboards")


@rule("AWS::Logs::LogGroup")
def log_group(ctx: Context) -> None:
    category = ctx.env.log_categories[(ctx.tier, ctx.logical_id)]
    setting = LOG_USAGE[category]
    groups = ctx.env.counts.get(f"log:{category}", 1)
    ingested = ctx.usage(setting) / groups
    split = f" / {groups} log groups" if groups > 1 else ""
    ctx.add("log ingestion", f"usage.{setting} = {ctx.usage(setting):g} GB{split}", ingested, "logs.ingestion.gb", free_pool="logs.ingestion")
    retention = ctx.properties.get("RetentionInDays")
    days = number(retention, 365)
    kept = "never expires: priced as a year kept" if retention is None else f"kept {days:g} days"
    ctx.add("log storage", f"{ingested:.3g} GB a month, {kept} (uncompressed: an upper bound)", ingested * days / DAYS_PER_MONTH,
            "logs.storage.gb_month")


@rule("AWS::Logs::MetricFilter")
def metric_filter(ctx: Context) -> None:
    count = len(ctx.properties.get("MetricTransformations") or []) or 1
    ctx.add("custom metric from a log filter", f"{count} metric(s)", count, "cloudwatch.custom_metric.month", free_pool="cloudwatch.custom_metrics")


@rule("AWS::CloudTrail::Trail")
def trail(ctx: Context) -> None:
    selectors = ctx.properties.get("EventSelectors") or [{"IncludeManagementEvents": True}]
    if any(s.get("IncludeManagementEvents", True) in (True, "true") for s in selectors):
        events = ctx.usage("management_events_per_month")
        ctx.add("management events (an additional copy)",
                f"usage.management_events_per_month = {events:,.0f}; assumes the account's free first copy is another trail "
                "(its account trail, in the delivery stack, or an organization's)",
                events / 100_000, "cloudtrail.management_events.100k")
    if any(s.get("DataResources") for s in selectors) or ctx.properties.get("AdvancedEventSelectors"):
        ctx.unpriced("data events ($0.10 per 100,000): not priced")
    if ctx.properties.get("InsightSelectors"):
        ctx.unpriced("CloudTrail Insights: not priced")


@rule("AWS::Budgets::Budget")
def budget(ctx: Context) -> None:
    ctx.add("budget", "1 budget", 1, "budgets.budget.month", free_pool="budgets")


# ---------------------------------------------------------------- free by themselves

_NO_CHARGE = "no charge"
FREE_TYPES: Mapping[str, str] = {
    "AWS::Amplify::App": "priced through its branches (builds, hosting)",
    "AWS::Amplify::Domain": "a custom domain and its managed certificate cost nothing",
    "AWS::ApplicationAutoScaling::ScalableTarget": _NO_CHARGE,
    "AWS::ApplicationAutoScaling::ScalingPolicy": _NO_CHARGE,
    "AWS::AutoScaling::ScalingPolicy": _NO_CHARGE,
    "AWS::AutoScaling::ScheduledAction": "no charge (the hours it saves are in the group's line)",
    "AWS::CDK::Metadata": "CDK's version reporting: not a billed resource",
    "AWS::CertificateManager::Certificate": "public ACM certificates are free",
    "AWS::CloudFront::CachePolicy": _NO_CHARGE,
    "AWS::CloudFront::OriginAccessControl": _NO_CHARGE,
    "AWS::CloudFront::OriginRequestPolicy": _NO_CHARGE,
    "AWS::CloudFront::ResponseHeadersPolicy": _NO_CHARGE,
    "AWS::CloudFront::VpcOrigin": "no additional charge: requests and transfer are the distribution's (its network interfaces use the VPC's private addresses)",
    "AWS::Cognito::UserPoolClient": "priced through the user pool's monthly active users",
    "AWS::Cognito::UserPoolDomain": "priced through the user pool's monthly active users",
    "AWS::Cognito::UserPoolGroup": "priced through the user pool's monthly active users",
    "AWS::EC2::FlowLog": "the delivered logs are priced on their log group",
    "AWS::EC2::InternetGateway": _NO_CHARGE,
    "AWS::EC2::LaunchTemplate": "priced through the instances launched from it",
    "AWS::EC2::Route": _NO_CHARGE,
    "AWS::EC2::RouteTable": _NO_CHARGE,
    "AWS::EC2::SecurityGroup": _NO_CHARGE,
    "AWS::EC2::SecurityGroupEgress": _NO_CHARGE,
    "AWS::EC2::SecurityGroupIngress": _NO_CHARGE,
    "AWS::EC2::Subnet": _NO_CHARGE,
    "AWS::EC2::SubnetRouteTableAssociation": _NO_CHARGE,
    "AWS::EC2::VPC": _NO_CHARGE,
    "AWS::EC2::VPCGatewayAttachment": _NO_CHARGE,
    "AWS::ECS::ClusterCapacityProviderAssociations": _NO_CHARGE,
    "AWS::ECS::TaskDefinition": "priced through the service that runs it",
    "AWS::ElastiCache::SubnetGroup": _NO_CHARGE,
    "AWS::ElasticLoadBalancingV2::Listener": "part of the load balancer's capacity units",
    "AWS::ElasticLoadBalancingV2::ListenerRule": "part of the load balancer's capacity units",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "part of the load balancer's capacity units",
    "AWS::Events::Rule": "rules on AWS service events on the default event bus are free",
    "AWS::IAM::InstanceProfile": "IAM is free",
    "AWS::IAM::ManagedPolicy": "IAM is free",
    "AWS::IAM::Policy": "IAM is free",
    "AWS::IAM::Role": "IAM is free",
    "AWS::Lambda::Function": "within Lambda's always-free tier (1 million requests and 400,000 GB-seconds a month per account): "
                             "these run on deploys, sign-ups and rotations",
    "AWS::Lambda::LayerVersion": "stored with the function's code: free",
    "AWS::Lambda::Permission": _NO_CHARGE,
    "AWS::RDS::DBClusterParameterGroup": _NO_CHARGE,
    "AWS::RDS::DBParameterGroup": _NO_CHARGE,
    "AWS::RDS::DBSubnetGroup": _NO_CHARGE,
    "AWS::Route53::RecordSet": "alias records to CloudFront or a load balancer: their queries are free (the hosted zone is imported, not created)",
    "AWS::S3::BucketPolicy": _NO_CHARGE,
    "AWS::SNS::Subscription": "priced through the topic",
    "AWS::SNS::Topic": "within SNS's free tier (1 million publishes and 1,000 email deliveries a month per account)",
    "AWS::SNS::TopicPolicy": _NO_CHARGE,
    "AWS::Scheduler::Schedule": "within EventBridge Scheduler's free tier (14 million invocations a month)",
    "AWS::SecretsManager::ResourcePolicy": "priced through the secret",
    "AWS::SecretsManager::RotationSchedule": "priced through the secret (the rotation function is a Lambda function)",
    "AWS::SecretsManager::SecretTargetAttachment": "priced through the secret",
    "AWS::Serverless::Application": "the Serverless Application Repository's rotation function: a Lambda function within the free tier",
    "AWS::WAFv2::LoggingConfiguration": "the logs are priced on their log group",
    "AWS::WAFv2::WebACLAssociation": _NO_CHARGE,
}
# Custom resources run a Lambda function on deploys only: within the free tier.
CUSTOM_RESOURCE_REASON = "a custom resource: a Lambda invocation per deploy, within the free tier"


def is_free_type(kind: str) -> bool:
    return kind in FREE_TYPES or kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource"


# ---------------------------------------------------------------- the estimate


def _apply_free_tier(lines: list[Line], table: PriceTable) -> list[FreeTierLine]:
    """Each pool's allowance taken off its lines in order, as one negative line per pool."""
    out = []
    for pool, allowance in table.free_tier.items():
        left, quantity, usd = allowance.quantity, 0.0, 0.0
        for line in lines:
            if line.free_pool != pool or left <= 0:
                continue
            assert line.unit == allowance.unit, f"{line.price_key} is in {line.unit}, the {pool} free tier in {allowance.unit}"
            taken = min(left, line.quantity)
            left -= taken
            quantity += taken
            usd -= taken * line.unit_usd
        if quantity:
            out.append(FreeTierLine(pool, allowance.what, quantity, allowance.unit, usd, allowance.source))
    return out


def check_budget(budget_usd: int, estimate_usd: float) -> BudgetCheck:
    """``observability.monthly_budget_usd`` against the estimate: below it, or more than
    ``BUDGET_HEADROOM`` times above it, is a warning with both numbers."""
    if not budget_usd:
        return BudgetCheck(budget_usd, estimate_usd, "none", "no budget (observability.monthly_budget_usd = 0)")
    if budget_usd < estimate_usd:
        return BudgetCheck(budget_usd, estimate_usd, "below",
                           f"WARNING: the budget ${budget_usd:,} is below the estimate ${estimate_usd:,.2f}: it will alert every month "
                           "(raise observability.monthly_budget_usd, or cut the cost)")
    if budget_usd > BUDGET_HEADROOM * estimate_usd:
        return BudgetCheck(budget_usd, estimate_usd, "far-above",
                           f"WARNING: the budget ${budget_usd:,} is more than {BUDGET_HEADROOM:g}x the estimate ${estimate_usd:,.2f}: "
                           "it would alert only after costs had more than tripled (lower observability.monthly_budget_usd)")
    return BudgetCheck(budget_usd, estimate_usd, "ok",
                       f"the budget ${budget_usd:,} covers the estimate ${estimate_usd:,.2f} ({budget_usd / estimate_usd:.1f}x)")


def _assumptions(env: Environment, table: PriceTable) -> tuple[str, ...]:
    cfg = env.cfg
    usage = ", ".join(f"{f} = {getattr(cfg.usage, f):,g}" for f in cfg.usage.__dataclass_fields__)
    hours = (f"off hours: the API and the database run {env.off_hours}, {env.working_hours:,.1f} h of {HOURS_PER_MONTH:g}; "
             "a NAT instance follows them and a bastion runs on demand where the template holds their schedules; storage, volumes, the load balancer and NAT gateways bill all month") if cfg.off_hours.enabled else f"{HOURS_PER_MONTH:g} hours a month, always on"
    return (
        f"prices: table {table.version} (as of {table.as_of}), AWS on-demand list prices in USD: no tax, support plan, "
        "Savings Plans, reserved capacity or credits",
        hours,
        "the API runs at its scaling minimum (scale-out is not priced)",
        f"usage (the configuration's usage section): {usage}",
        "free tiers are per account: each environment is shown as if it had the account to itself",
        "not priced: data transfer out of the VPC to the internet (other than CloudFront) and between AZs, API calls to KMS, "
        "Secrets Manager and CloudWatch",
    )


def estimate(cfg: EnvironmentConfig, stacks: Mapping[str, Stack], *, table: PriceTable = TABLE) -> Estimate:
    """The monthly estimate of the environment ``cfg`` from its stacks (tier -> ``Stack``)."""
    env = Environment(cfg, stacks)
    lines: list[Line] = []
    notes: list[Note] = []
    for tier, stack in stacks.items():
        for logical_id, resource in stack.template.get("Resources", {}).items():
            kind = resource.get("Type", "")
            ctx = Context(env, tier, stack, logical_id, resource, table, lines, notes)
            if kind in RULES:
                RULES[kind](ctx)
            elif kind in FREE_TYPES:
                ctx.free(FREE_TYPES[kind])
            elif is_free_type(kind):
                ctx.free(CUSTOM_RESOURCE_REASON)
            else:
                ctx.unpriced(f"no price rule for {kind} (cost/estimate.py)")
    free = _apply_free_tier(lines, table)
    total = sum(line.monthly_usd for line in lines) + sum(line.monthly_usd for line in free)
    return Estimate(
        environment=cfg.qualified_name,
        profile=cfg.profile,
        region=cfg.region,
        table_version=table.version,
        stacks={tier: stack.name for tier, stack in stacks.items()},
        lines=tuple(lines),
        free_tier=tuple(free),
        notes=tuple(notes),
        assumptions=_assumptions(env, table),
        budget=check_budget(cfg.observability.monthly_budget_usd, total),
    )
