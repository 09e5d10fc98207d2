"""Options the two API variants (``FargateApi``, ``Ec2Api``) share, as typed values that
travel together: how the API scales, and how the load balancer sends it traffic."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration


@dataclass(frozen=True)
class CpuSteps:
    """Step scaling on the average CPU: one task more once it has stayed above
    ``scale_out_percent`` for ``scale_out_minutes``, one less below ``scale_in_percent`` for
    ``scale_in_minutes``."""

    scale_out_percent: int
    scale_out_minutes: int
    scale_in_percent: int
    scale_in_minutes: int


@dataclass(frozen=True)
class ApiScaling:
    """Tasks or instances between ``min_count`` and ``max_count``, tracking average CPU
    (``cpu_target_percent``) or, with ``cpu_steps``, stepping on it instead (never both: two
    policies on one metric work against each other); and, when not 0, requests per target per
    minute and (Fargate) average memory percent (``memory_target_percent``)."""

    min_count: int
    max_count: int
    cpu_target_percent: int
    requests_per_target: int
    memory_target_percent: int
    cpu_steps: CpuSteps | None


@dataclass(frozen=True)
class ApiTraffic:
    """The target group: healthy after two 200s on ``health_check_path``; cookie
    ``stickiness`` (None: off); ``deregistration_delay`` for connections to drain."""

    health_check_path: str
    stickiness: Duration | None
    deregistration_delay: Duration
