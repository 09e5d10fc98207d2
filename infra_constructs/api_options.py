"""Options the two API variants (``FargateApi``, ``Ec2Api``) share, as typed values that
travel together: how the API scales, and how the load balancer sends it traffic."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration


@dataclass(frozen=True)
class ApiScaling:
    """Tasks or instances between ``min_count`` and ``max_count``, tracking average CPU
    (``cpu_target_percent``) and, when not 0, requests per target per minute."""

    min_count: int
    max_count: int
    cpu_target_percent: int
    requests_per_target: int


@dataclass(frozen=True)
class ApiTraffic:
    """The target group: healthy after two 200s on ``health_check_path``; cookie
    ``stickiness`` (None: off); ``deregistration_delay`` for connections to drain."""

    health_check_path: str
    stickiness: Duration | None
    deregistration_delay: Duration
