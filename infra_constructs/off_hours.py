"""Dev cost control: stop what costs money outside working hours (BankApp: "scale down
during off-peak hours"; docs/requirements.md R22)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack, TimeZone
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra_constructs.names import bounded_name

# EventBridge Scheduler's limit on a schedule's name.
SCHEDULE_NAME_LIMIT = 64

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass(frozen=True)
class WorkingHours:
    """``days`` ("MON-FRI", "MON,WED,FRI"), ``start_at``/``stop_at`` ("HH:MM") in ``timezone``."""

    days: str
    start_at: str
    stop_at: str
    timezone: str

    def weekdays(self) -> list[str]:
        """The working days in week order: "MON-WED,FRI" -> ["MON", "TUE", "WED", "FRI"]."""
        chosen: set[str] = set()
        for part in self.days.split(","):
            first, _, last = part.partition("-")
            start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
            chosen.update(WEEKDAYS[i % 7] for i in range(start, end + 1 if end >= start else end + 8))
        return [day for day in WEEKDAYS if day in chosen]

    def aws_cron(self, clock: str) -> str:
        """EventBridge Scheduler / Application Auto Scaling form: cron(M H ? * DAYS *)."""
        hour, minute = _hour_minute(clock)
        return f"cron({minute} {hour} ? * {','.join(self.weekdays())} *)"

    def unix_cron(self, clock: str) -> autoscaling.Schedule:
        """EC2 Auto Scaling form (Unix cron, Sunday = 0)."""
        hour, minute = _hour_minute(clock)
        days = ",".join(str((WEEKDAYS.index(day) + 1) % 7) for day in self.weekdays())
        return autoscaling.Schedule.cron(minute=str(minute), hour=str(hour), week_day=days)

    @property
    def time_zone(self) -> TimeZone:
        return TimeZone.of(self.timezone)

    def capacity_windows(self, *, min_count: int, max_count: int) -> list[tuple[str, str, int, int]]:
        """(scheduled action name, clock, min, max): nothing at ``stop_at``, the configured
        range again at ``start_at``."""
        return [("StopOffHours", self.stop_at, 0, 0), ("StartWorkingHours", self.start_at, min_count, max_count)]


def _hour_minute(clock: str) -> tuple[int, int]:
    hour, minute = clock.split(":")
    return int(hour), int(minute)


def scale_service_off_hours(target: ecs.ScalableTaskCount, *, hours: WorkingHours, min_count: int, max_count: int) -> None:
    """Scheduled actions on an ECS service's scalable target: 0 tasks at ``stop_at``, back to
    ``min_count``..``max_count`` at ``start_at``."""
    for name, clock, low, high in hours.capacity_windows(min_count=min_count, max_count=max_count):
        target.scale_on_schedule(name, schedule=appscaling.Schedule.expression(hours.aws_cron(clock)),
                                 min_capacity=low, max_capacity=high, time_zone=hours.time_zone)


def scale_group_off_hours(group: autoscaling.AutoScalingGroup, *, hours: WorkingHours, min_count: int, max_count: int) -> None:
    """Scheduled actions on an Auto Scaling group: no instances at ``stop_at``, ``min_count``
    (up to ``max_count``) at ``start_at``."""
    for name, clock, low, high in hours.capacity_windows(min_count=min_count, max_count=max_count):
        group.scale_on_schedule(name, schedule=hours.unix_cron(clock), min_capacity=low, max_capacity=high,
                                desired_capacity=low, time_zone=hours.timezone)


def scheduler_role(scope: Construct, *, description: str) -> iam.Role:
    """The role (construct ID ``Role``) EventBridge Scheduler assumes for this account's
    schedules only (aws:SourceAccount); the caller attaches what it may do."""
    return iam.Role(scope, "Role", assumed_by=iam.ServicePrincipal(
        "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Stack.of(scope).account}}),
        description=description)

def working_hours_schedule(scope: Construct, *, action: str, what: str, hours: WorkingHours, name_prefix: str,
                           api: str, payload: dict, role: iam.IRole, after: Construct) -> scheduler.CfnSchedule:
    """An EventBridge Scheduler schedule (``<name_prefix>-<what>-<action>``, construct ID
    ``Stop``/``Start``) that calls ``api`` ("rds:stopDBInstance") with ``payload`` as ``role``
    at ``stop_at`` ("stop") or ``start_at`` ("start") on the working days, once: no retries
    (the next working day's run tries again). Created after ``after`` (the role's policy)."""
    stack = Stack.of(scope)
    clock = hours.stop_at if action == "stop" else hours.start_at
    schedule = scheduler.CfnSchedule(
        scope,
        action.capitalize(),
        name=bounded_name(f"{name_prefix}-{what}-{action}", SCHEDULE_NAME_LIMIT),
        description=f"{action.capitalize()} the {what} at {clock} {hours.timezone} on {hours.days}",
        schedule_expression=hours.aws_cron(clock),
        schedule_expression_timezone=hours.timezone,
        flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
        target=scheduler.CfnSchedule.TargetProperty(
            arn=f"arn:{stack.partition}:scheduler:::aws-sdk:{api}",
            role_arn=role.role_arn,
            input=stack.to_json_string(payload),
            retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(maximum_retry_attempts=0),
        ),
    )
    schedule.node.add_dependency(after)
    return schedule


class DatabaseOffHours(Construct):
    """Two EventBridge Scheduler schedules that stop the database at ``hours.stop_at`` and
    start it at ``hours.start_at``: an RDS instance (``instance_id``) or an Aurora cluster
    (``cluster_id``). They call RDS directly (universal targets), with a role that may stop
    and start this database only. Exposes ``role`` and ``schedules`` ("stop", "start")."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hours: WorkingHours,
        instance_id: str | None,
        cluster_id: str | None,
        name_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        if (instance_id is None) == (cluster_id is None):
            raise ValueError("DatabaseOffHours stops either an RDS instance or an Aurora cluster")
        stack = Stack.of(self)
        if instance_id:
            kind, parameter, resource = "DBInstance", "DbInstanceIdentifier", stack.format_arn(
                service="rds", resource="db", resource_name=instance_id, arn_format=ArnFormat.COLON_RESOURCE_NAME)
        else:
            kind, parameter, resource = "DBCluster", "DbClusterIdentifier", stack.format_arn(
                service="rds", resource="cluster", resource_name=cluster_id, arn_format=ArnFormat.COLON_RESOURCE_NAME)
        self.role = scheduler_role(self, description=f"EventBridge Scheduler stops and starts the {name_prefix} database outside working hours")
        policy = iam.ManagedPolicy(self, "Policy", description="Stop and start this database, nothing else",
                                   statements=[iam.PolicyStatement(actions=[f"rds:Stop{kind}", f"rds:Start{kind}"], resources=[resource])],
                                   roles=[self.role])
        # A stopped database cannot be stopped again (and a running one started): one try is
        # enough, the next working day tries again.
        self.schedules = {action: working_hours_schedule(self, action=action, what="database", hours=hours, name_prefix=name_prefix,
                                                         api=f"rds:{action}{kind}", payload={parameter: instance_id or cluster_id},
                                                         role=self.role, after=policy)
                          for action in ("stop", "start")}


class InstanceOffHours(Construct):
    """EventBridge Scheduler schedules for EC2 instances (``what``: "nat", "bastion"): stop
    them at ``hours.stop_at`` and, with ``start``, start them again at ``hours.start_at``.
    Without ``start`` the instances are started by hand when needed (the bastion: on demand)
    and stopped every evening whoever started them. Universal targets calling EC2 directly,
    with a role that may stop (and start) these instances only.

    A stopped instance keeps its volume (billed) and loses its public IPv4 address (not
    billed while stopped); the NAT instance's route follows its network interface, so egress
    works again as soon as it has started. Exposes ``role`` and ``schedules`` ("stop", "start")."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hours: WorkingHours,
        instances: Sequence[ec2.Instance],
        what: str,
        start: bool,
        name_prefix: str,
    ) -> None:
        super().__init__(scope, construct_id)
        if not instances:
            raise ValueError("InstanceOffHours needs at least one instance")
        stack = Stack.of(self)
        ids = [instance.instance_id for instance in instances]
        actions = ["stop", "start"] if start else ["stop"]
        self.role = scheduler_role(self, description=f"EventBridge Scheduler {' and '.join(f'{a}s' for a in actions)} the {name_prefix} {what} outside working hours")
        policy = iam.ManagedPolicy(self, "Policy", description=f"{' and '.join(a.capitalize() for a in actions)} the {what} instances, nothing else",
                                   statements=[iam.PolicyStatement(
                                       actions=[f"ec2:{a.capitalize()}Instances" for a in actions],
                                       resources=[stack.format_arn(service="ec2", resource="instance", resource_name=i) for i in ids])],
                                   roles=[self.role])
        # Stopping a stopped instance succeeds; a failed start is retried by the next day's.
        self.schedules = {action: working_hours_schedule(self, action=action, what=what, hours=hours, name_prefix=name_prefix,
                                                         api=f"ec2:{action}Instances", payload={"InstanceIds": ids},
                                                         role=self.role, after=policy)
                          for action in actions}
