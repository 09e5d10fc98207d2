"""`compute`: ports, counts, scaling, Fargate sizes and images, EC2 types and placement, the bastion.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from config.derived import INSTANCE_TYPE_RE, is_graviton
from config.parser import Problems
from config.schema import EnvironmentConfig

# Valid Fargate CPU units -> allowed memory (MiB).
FARGATE_SIZES: Mapping[int, range | tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}


# ECR image tags, and so release names (they also name the EC2 bundle in S3).
RELEASE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def check(cfg: EnvironmentConfig, problems: Problems) -> None:
    add = problems.add
    compute, net = cfg.compute, cfg.network
    if not 1024 <= compute.container_port <= 65535:
        add("compute.container_port", compute.container_port, "must be an unprivileged port (1024-65535)", "use e.g. 3001")
    for name in ("min_count", "max_count"):
        if getattr(compute, name) < 1:
            add(f"compute.{name}", getattr(compute, name), "must be at least 1 (off hours scale to zero on their own)",
                f"set compute.{name} to 1 or more")
    if problems.ok("compute.min_count", "compute.max_count") and compute.min_count > compute.max_count:
        add("compute.min_count", compute.min_count, f"is greater than compute.max_count ({compute.max_count})",
            "lower min_count or raise max_count")
    if cfg.production and compute.min_count < 2:
        add("compute.min_count", compute.min_count, "a production service needs at least 2 tasks or instances (one per AZ)",
            "set compute.min_count to 2 or more")
    if compute.release and not RELEASE_RE.match(compute.release):
        add("compute.release", compute.release, "is not a valid release name (an ECR image tag)",
            "use letters, digits, '_', '.', '-' (up to 128, e.g. a commit SHA), or pass -c release=")
    if not compute.health_check_path.startswith("/") or " " in compute.health_check_path or len(compute.health_check_path) > 1024:
        add("compute.health_check_path", compute.health_check_path, "must be a URL path starting with '/'", "use e.g. '/api/health'")
    if not 1 <= compute.idle_timeout_seconds <= 4000:
        add("compute.idle_timeout_seconds", compute.idle_timeout_seconds, "the load balancer accepts 1-4000 seconds",
            "use e.g. 300 for WebSockets")
    if not (compute.stickiness_seconds == 0 or 1 <= compute.stickiness_seconds <= 604800):
        add("compute.stickiness_seconds", compute.stickiness_seconds, "must be 0 (off) or 1-604800 seconds", "use 0 or e.g. 3600")
    if not 0 <= compute.deregistration_delay_seconds <= 3600:
        add("compute.deregistration_delay_seconds", compute.deregistration_delay_seconds, "must be 0-3600 seconds", "use e.g. 30")
    if not 10 <= compute.cpu_target_percent <= 95:
        add("compute.cpu_target_percent", compute.cpu_target_percent, "must be 10-95 percent", "use 70")
    if compute.requests_per_target < 0:
        add("compute.requests_per_target", compute.requests_per_target, "must be 0 (off) or a positive number", "use e.g. 1000")

    if compute.kind == "fargate":
        allowed = FARGATE_SIZES.get(compute.task_cpu)
        if allowed is None:
            add("compute.task_cpu", compute.task_cpu, "is not a Fargate CPU size",
                f"use one of {', '.join(map(str, FARGATE_SIZES))}")
        elif compute.task_memory_mib not in allowed:
            add("compute.task_memory_mib", compute.task_memory_mib,
                f"is not a valid memory size for {compute.task_cpu} CPU units",
                f"use one of {allowed[0]}..{allowed[-1]} in steps Fargate allows")
        if cfg.production and compute.fargate_spot:
            add("compute.fargate_spot", True, "production tasks must not be interruptible", "set compute.fargate_spot to False")
        if not 1 <= compute.ecr_keep_images <= 1000:
            add("compute.ecr_keep_images", compute.ecr_keep_images, "must be 1-1000 images", "use e.g. 30")
        if not re.fullmatch(r"[a-z0-9_.-]{1,32}(:[a-z0-9_.-]{1,32})?", compute.container_user) or compute.container_user in ("0", "root"):
            add("compute.container_user", compute.container_user, "must name a non-root user (name or UID)",
                "use '1000' (node in the Node.js images) or the user your image defines")
        if net.egress == "none" and not compute.release:
            add("compute.release", "", "with egress 'none' tasks cannot pull the placeholder image from a public registry",
                "push your image to the ECR repository and pass -c release=<tag>, or choose a NAT egress mode")
        if net.egress == "none" and compute.xray_tracing:
            add("compute.xray_tracing", True, "with egress 'none' tasks cannot pull the X-Ray daemon image from ECR Public",
                "turn X-Ray off here or choose a NAT egress mode")
        if not re.fullmatch(r"[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?", compute.placeholder_image):
            add("compute.placeholder_image", compute.placeholder_image, "is not a container image reference",
                "use e.g. 'public.ecr.aws/docker/library/node:22-alpine'")
        if net.egress == "none" and compute.ecs_exec and "ssmmessages" not in net.interface_endpoints:
            add("compute.ecs_exec", True, "ECS Exec needs the 'ssmmessages' endpoint when egress is 'none'",
                "add 'ssmmessages' to network.interface_endpoints or turn ECS Exec off")
    if compute.placement == "public-single-instance":
        if compute.kind != "ec2":
            add("compute.placement", compute.placement, "only the EC2 variant has a single-instance layout",
                "set compute.kind to 'ec2' or placement to 'private'")
        elif (compute.min_count, compute.max_count) != (1, 1):
            add("compute.placement", compute.placement,
                f"is one instance, but compute.min_count/max_count are {compute.min_count}/{compute.max_count}",
                "set compute.min_count and compute.max_count to 1, or use placement 'private'")
    if compute.kind == "ec2":
        if not INSTANCE_TYPE_RE.match(compute.instance_type):
            add("compute.instance_type", compute.instance_type, "is not an EC2 instance type", "use e.g. 't4g.small'")
        elif is_graviton(compute.instance_type) != (compute.cpu_architecture == "arm64"):
            add("compute.instance_type", compute.instance_type, f"does not match compute.cpu_architecture '{compute.cpu_architecture}'",
                "use a Graviton type (t4g, m7g, ...) for arm64 or an Intel/AMD type for x86_64")
        if not 8 <= compute.root_volume_gib <= 16384:
            add("compute.root_volume_gib", compute.root_volume_gib, "must be 8-16384 GiB (the AMI needs 8)", "use e.g. 20")
        if not 1024 <= compute.process_port <= 65535 or compute.process_port == compute.container_port:
            add("compute.process_port", compute.process_port,
                f"must be an unprivileged port other than compute.container_port ({compute.container_port}), where Nginx listens",
                "use e.g. 3000")
        if net.egress == "none" and compute.placement == "private":
            add("compute.kind", "ec2", "instances install PM2 from the npm registry at boot, but egress 'none' gives them no internet",
                "choose a NAT egress mode, or placement 'public-single-instance'")
    if compute.bastion:
        if not INSTANCE_TYPE_RE.match(compute.bastion_instance_type) or not is_graviton(compute.bastion_instance_type):
            add("compute.bastion_instance_type", compute.bastion_instance_type, "must be a Graviton (arm64) instance type",
                "use e.g. 't4g.nano'")
        missing = [e for e in ("ssm", "ssmmessages", "ec2messages") if e not in net.interface_endpoints]
        if net.egress == "none" and missing:
            add("compute.bastion", True, f"Session Manager needs the {missing} endpoints when egress is 'none'",
                f"add {missing} to network.interface_endpoints or turn the bastion off")
