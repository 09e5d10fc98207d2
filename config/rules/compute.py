"""`compute`: counts and scaling (step thresholds; memory and steps on Fargate only), Fargate
sizes and Spot, images and endpoints without egress, EC2 types and placement, the bastion. (Ports, timeouts, counts, sizes, the release name, images,
the container user and instance types are limits in ``config/schema.py``.)
"""

from __future__ import annotations

from config.limits import FARGATE_SIZES, is_graviton
from config.parser import Problems
from config.rules.registry import rule
from config.schema import EnvironmentConfig


@rule("compute.min-count-not-above-max", "compute.min_count is not above compute.max_count")
def min_count_not_above_max(cfg: EnvironmentConfig, problems: Problems) -> None:
    compute = cfg.compute
    if problems.ok("compute.min_count", "compute.max_count") and compute.min_count > compute.max_count:
        problems.add("compute.min_count", compute.min_count, f"is greater than compute.max_count ({compute.max_count})",
                     "lower min_count or raise max_count")


@rule("compute.two-tasks-in-production", "a production service runs at least 2 tasks or instances (one per AZ)", risk=True)
def two_tasks_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.production and problems.ok("compute.min_count") and cfg.compute.min_count < 2:
        problems.add("compute.min_count", cfg.compute.min_count, "a production service needs at least 2 tasks or instances (one per AZ)",
                     "set compute.min_count to 2 or more")


@rule("compute.cpu-steps-scale-in-below-scale-out", "step scaling removes tasks below a lower CPU percent than it adds them above")
def cpu_steps_scale_in_below_scale_out(cfg: EnvironmentConfig, problems: Problems) -> None:
    compute = cfg.compute
    # Equal or crossed thresholds would add and remove tasks on the same CPU: the service flaps.
    if (compute.cpu_scaling == "steps" and problems.ok("compute.cpu_scale_in_percent", "compute.cpu_scale_out_percent")
            and compute.cpu_scale_in_percent >= compute.cpu_scale_out_percent):
        problems.add("compute.cpu_scale_in_percent", compute.cpu_scale_in_percent,
                     f"is not below compute.cpu_scale_out_percent ({compute.cpu_scale_out_percent}): the service would add and remove tasks at once",
                     "lower it well below the scale-out percent, e.g. 30 for 70")


@rule("compute.memory-scaling-is-fargate", "memory target tracking is the Fargate service's (ECS publishes its memory)")
def memory_scaling_is_fargate(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.compute.kind == "ec2" and problems.ok("compute.memory_target_percent") and cfg.compute.memory_target_percent:
        problems.add("compute.memory_target_percent", cfg.compute.memory_target_percent,
                     "the EC2 group has no memory metric to track (EC2 publishes none without the CloudWatch agent's)",
                     "set it to 0 on EC2, or use compute.kind 'fargate'")


@rule("compute.cpu-steps-are-fargate", "step scaling on CPU is the Fargate service's")
def cpu_steps_are_fargate(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.compute.kind == "ec2" and cfg.compute.cpu_scaling == "steps":
        problems.add("compute.cpu_scaling", "steps", "the EC2 group scales by target tracking on CPU only",
                     "use 'target' on EC2, or compute.kind 'fargate'")


@rule("compute.fargate-memory-fits-the-cpu", "Fargate offers the task's memory size with its CPU size")
def fargate_memory_fits_the_cpu(cfg: EnvironmentConfig, problems: Problems) -> None:
    compute = cfg.compute
    allowed = FARGATE_SIZES.get(compute.task_cpu)
    if compute.kind == "fargate" and allowed and compute.task_memory_mib not in allowed:
        problems.add("compute.task_memory_mib", compute.task_memory_mib, f"is not a valid memory size for {compute.task_cpu} CPU units",
                     f"use one of {allowed[0]}..{allowed[-1]} in steps Fargate allows")


@rule("compute.no-spot-in-production", "production tasks do not run on interruptible Fargate Spot")
def no_spot_in_production(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.compute.kind == "fargate" and cfg.production and cfg.compute.fargate_spot:
        problems.add("compute.fargate_spot", True, "production tasks must not be interruptible", "set compute.fargate_spot to False")


@rule("compute.no-egress-needs-a-release", "without egress, Fargate tasks run a release from ECR (the placeholder image is public)")
def no_egress_needs_a_release(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.compute.kind == "fargate" and cfg.network.egress == "none" and not cfg.compute.release:
        problems.add("compute.release", "", "with egress 'none' tasks cannot pull the placeholder image from a public registry",
                     "push your image to the ECR repository and pass -c release=<tag>, or choose a NAT egress mode")


@rule("compute.no-egress-no-xray", "without egress, Fargate tasks cannot pull the X-Ray daemon image")
def no_egress_no_xray(cfg: EnvironmentConfig, problems: Problems) -> None:
    if cfg.compute.kind == "fargate" and cfg.network.egress == "none" and cfg.compute.xray_tracing:
        problems.add("compute.xray_tracing", True, "with egress 'none' tasks cannot pull the X-Ray daemon image from ECR Public",
                     "turn X-Ray off here or choose a NAT egress mode")


@rule("compute.ecs-exec-endpoint-without-egress", "ECS Exec without egress has the 'ssmmessages' endpoint")
def ecs_exec_endpoint_without_egress(cfg: EnvironmentConfig, problems: Problems) -> None:
    net = cfg.network
    if cfg.compute.kind == "fargate" and net.egress == "none" and cfg.compute.ecs_exec and "ssmmessages" not in net.interface_endpoints:
        problems.add("compute.ecs_exec", True, "ECS Exec needs the 'ssmmessages' endpoint when egress is 'none'",
                     "add 'ssmmessages' to network.interface_endpoints or turn ECS Exec off")


@rule("compute.single-instance-is-ec2", "the single-instance layout is the EC2 variant's")
def single_instance_is_ec2(cfg: EnvironmentConfig, problems: Problems) -> None:
    compute = cfg.compute
    if compute.placement == "public-single-instance" and compute.kind != "ec2":
        problems.add("compute.placement", compute.placement, "only the EC2 variant has a single-instance layout",
                     "set compute.kind to 'ec2' or placement to 'private'")


@rule("compute.single-instance-is-one-instance", "the single-instance layout has compute.min_count = max_count = 1")
def single_instance_is_one_instance(cfg: EnvironmentConfig, problems: Problems) -> None:
    compute = cfg.compute
    if (compute.placement == "public-single-instance" and compute.kind == "ec2" and problems.ok("compute.min_count", "compute.max_count")
            and (compute.min_count, compute.max_count) != (1, 1)):
        problems.add("compute.placement", compute.placement,
                     f"is one instance, but compute.min_count/max_count are {compute.min_count}/{compute.max_count}",
                     "set compute.min_count and compute.max_count to 1, or use placement 'private'")


@rule("compute.instance-type-matches-the-architecture", "the EC2 instance type is Graviton for arm64 and Intel/AMD for x86_64")
def instance_type_matches_the_architecture(cfg: EnvironmentConfig, problems: Problems) -> None:
    compute = cfg.compute
    if (compute.kind == "ec2" and problems.ok("compute.instance_type")
            and is_graviton(compute.instance_type) != (compute.cpu_architecture == "arm64")):
        problems.add("compute.instance_type", compute.instance_type, f"does not match compute.cpu_architecture '{compute.cpu_architecture}'",
                     "use a Graviton type (t4g, m7g, ...) for arm64 or an Intel/AMD type for x86_64")


@rule("compute.process-port-is-not-nginx-port", "on EC2, the Node.js process listens on another port than Nginx")
def process_port_is_not_nginx_port(cfg: EnvironmentConfig, problems: Problems) -> None:
    compute = cfg.compute
    if compute.kind == "ec2" and problems.ok("compute.process_port", "compute.container_port") and compute.process_port == compute.container_port:
        problems.add("compute.process_port", compute.process_port,
                     f"must be an unprivileged port other than compute.container_port ({compute.container_port}), where Nginx listens",
                     "use e.g. 3000")


@rule("compute.private-instances-need-egress", "private EC2 instances have egress (they install PM2 from npm at boot)")
def private_instances_need_egress(cfg: EnvironmentConfig, problems: Problems) -> None:
    compute = cfg.compute
    if compute.kind == "ec2" and cfg.network.egress == "none" and compute.placement == "private":
        problems.add("compute.kind", "ec2", "instances install PM2 from the npm registry at boot, but egress 'none' gives them no internet",
                     "choose a NAT egress mode, or placement 'public-single-instance'")


@rule("compute.bastion-endpoints-without-egress", "a bastion without egress has the Session Manager endpoints")
def bastion_endpoints_without_egress(cfg: EnvironmentConfig, problems: Problems) -> None:
    net = cfg.network
    missing = [e for e in ("ssm", "ssmmessages", "ec2messages") if e not in net.interface_endpoints]
    if cfg.compute.bastion and net.egress == "none" and missing:
        problems.add("compute.bastion", True, f"Session Manager needs the {missing} endpoints when egress is 'none'",
                     f"add {missing} to network.interface_endpoints or turn the bastion off")
