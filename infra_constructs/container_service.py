"""The API on ECS Fargate: ECR repository, cluster, task definition, service, autoscaling."""

from __future__ import annotations

from collections.abc import Mapping

import jsii
from aws_cdk import Aspects, Duration, IAspect, RemovalPolicy, Size, aws_logs
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from infra_constructs.api_options import ApiScaling, ApiTraffic, CpuSteps
from infra_constructs.app_settings import ApplicationSettings
from infra_constructs.compliance import GET_STACK_OUTPUT_IN_SPLIT, acknowledge, as_cfn_resource, silence_cfn_lint
from infra_constructs.load_balancer import WebLoadBalancer
from infra_constructs.log_settings import LogSettings

CONTAINER_NAME = "api"
# X-Ray daemon from ECR Public, pinned to a major version line.
XRAY_DAEMON_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.x"
XRAY_PORT = 2000
# Logs buffered per container while CloudWatch is slow (non-blocking mode: the app never waits on logging).
LOG_BUFFER = Size.mebibytes(25)
# Where the SSM agent behind ECS Exec writes; must be writable with a read-only root filesystem.
ECS_EXEC_WRITABLE_PATHS = ("/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm")


def xray_daemon_statement() -> iam.PolicyStatement:
    """What the X-Ray daemon sends with (segments, sampling); X-Ray has no resource-level permissions."""
    return iam.PolicyStatement(
        actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                 "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
        resources=["*"],
    )


class FargateApi(Construct):
    """The API as an ECS service on Fargate behind ``load_balancer``.

    - ECR repository ``repository_name``: scan on push, immutable tags, the last
      ``keep_images`` images kept, removed by ``removal_policy`` (emptied first when
      destroyed). With ``release`` the task runs ``<repository>:<release>``; without, ``placeholder_image`` running ``placeholder_script`` (health check + WebSocket
      echo), so the first deploy is healthy before any image is pushed.
    - Cluster with Container Insights (enhanced), and ECS Exec logged to CloudWatch when enabled
      (its sessions encrypted with the logs key, ``logs.key``).
    - Task: ``architecture``, ``cpu``/``memory_mib``, non-root ``user``, read-only root filesystem
      with a writable /tmp, settings and secrets injected from ``settings``, logs to a log
      group with the environment's ``logs`` settings, an X-Ray daemon sidecar with ``xray_tracing``.
    - Service in ``subnets`` with ``security_group``: circuit breaker with rollback, no
      desired count in the template (a deploy never resets what autoscaling chose), Fargate
      Spot with ``fargate_spot``; target tracking on CPU or (``scaling.cpu_steps``) step scaling
      on it, and target tracking on requests per target and memory when they are set.

    Exposes ``repository``, ``cluster``, ``task_definition``, ``service``, ``target_group``,
    ``task_role``, ``execution_role``, ``log_group``, ``exec_log_group`` (None without ECS
    Exec) and ``scaling``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        load_balancer: WebLoadBalancer,
        repository_name: str,
        keep_images: int,
        release: str,
        placeholder_image: str,
        placeholder_script: str,
        container_port: int,
        environment: Mapping[str, str],
        settings: ApplicationSettings,
        task_policies: list[iam.IManagedPolicy],
        architecture: ecs.CpuArchitecture,
        cpu: int,
        memory_mib: int,
        user: str,
        read_only_root_filesystem: bool,
        xray_tracing: bool,
        fargate_spot: bool,
        ecs_exec: bool,
        scaling: ApiScaling,
        traffic: ApiTraffic,
        logs: LogSettings,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.repository = ecr.Repository(
            self,
            "Repository",
            repository_name=repository_name,
            image_scan_on_push=True,
            image_tag_mutability=ecr.TagMutability.IMMUTABLE,
            lifecycle_rules=[ecr.LifecycleRule(description=f"Keep the last {keep_images} images", max_image_count=keep_images)],
            removal_policy=removal_policy,
            empty_on_delete=removal_policy == RemovalPolicy.DESTROY,
        )
        acknowledge(self.repository, {
            "CKV_AWS_136": "Images are encrypted at rest by ECR (AES-256); they hold the application's code, no secret (secrets come from Secrets Manager at run time). A KMS key would add a cost per pull and change nothing a reader of the repository sees; changing it later replaces the repository.",
        })
        self.log_group = logs.log_group(self, "LogGroup")

        exec_configuration = None
        self.exec_log_group: aws_logs.LogGroup | None = None
        if ecs_exec:
            self.exec_log_group = logs.log_group(self, "ExecLogGroup")
            exec_configuration = ecs.ExecuteCommandConfiguration(
                kms_key=logs.key,
                logging=ecs.ExecuteCommandLogging.OVERRIDE,
                log_configuration=ecs.ExecuteCommandLogConfiguration(
                    cloud_watch_log_group=self.exec_log_group, cloud_watch_encryption_enabled=True
                ),
            )
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENHANCED,
            enable_fargate_capacity_providers=True,
            execute_command_configuration=exec_configuration,
        )

        # Both roles get exactly the statements below, in customer-managed policies; the
        # grants CDK would add on its own (inline policies) are dropped by passing them as
        # immutable roles to the task definition.
        self.task_role = iam.Role(self, "TaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
                                  description="The API's own permissions (uploads, tracing, ECS Exec)")
        self.execution_role = iam.Role(self, "ExecutionRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
                                       description="ECS starts the API task: pulls the image, reads its settings, writes its logs")
        for policy in task_policies:
            self.task_role.add_managed_policy(policy)
        wildcard_reasons: list[str] = []
        task_statements: list[iam.PolicyStatement] = []
        if xray_tracing:
            task_statements.append(xray_daemon_statement())
            wildcard_reasons.append("X-Ray's segment and sampling actions do not support resource-level permissions.")
        if self.exec_log_group is not None:  # ECS Exec
            task_statements += [
                iam.PolicyStatement(actions=["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                                             "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
                                             "logs:DescribeLogGroups"], resources=["*"]),
                iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                                    resources=[self.exec_log_group.log_group_arn]),
                iam.PolicyStatement(actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[logs.key.key_arn]),
            ]
            wildcard_reasons.append("ECS Exec's ssmmessages channels and logs:DescribeLogGroups do not support resource-level permissions.")
        self.task_policy: iam.ManagedPolicy | None = None
        if task_statements:
            self.task_policy = iam.ManagedPolicy(self, "TaskPolicy", description="Least privilege of the API tasks",
                                                 statements=task_statements, roles=[self.task_role])
            if wildcard_reasons:
                acknowledge(self.task_policy, {
                    "AwsSolutions-IAM5[Resource::*]": " ".join(wildcard_reasons),
                    "CKV_AWS_111": "The writes on '*' are only those without resource-level permissions: " + " ".join(wildcard_reasons),
                })
        execution_statements = [
            iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[self.log_group.log_group_arn]),
            *settings.read_statements(),
        ]
        if release:
            execution_statements += [
                iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
                iam.PolicyStatement(actions=["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                                    resources=[self.repository.repository_arn]),
            ]
        execution_policy = iam.ManagedPolicy(self, "ExecutionPolicy", description="What ECS needs to start the API task",
                                             statements=execution_statements, roles=[self.execution_role])
        if release:
            acknowledge(execution_policy, {
                "AwsSolutions-IAM5[Resource::*]": "ecr:GetAuthorizationToken is account-wide by design (no resource-level permission); image pulls are limited to this repository.",
            })

        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=cpu,
            memory_limit_mib=memory_mib,
            runtime_platform=ecs.RuntimePlatform(cpu_architecture=architecture,
                                                 operating_system_family=ecs.OperatingSystemFamily.LINUX),
            task_role=self.task_role.without_policy_updates(),
            execution_role=self.execution_role.without_policy_updates(),
        )
        image: ecs.ContainerImage
        if release:
            image = ecs.ContainerImage.from_ecr_repository(self.repository, tag=release)
            command = None
        else:
            image = ecs.ContainerImage.from_registry(placeholder_image)
            command = ["node", "-e", placeholder_script]
        container_environment = {
            "PORT": str(container_port),
            "HEALTH_CHECK_PATH": traffic.health_check_path,
            **environment,
        }
        if xray_tracing:
            container_environment["AWS_XRAY_DAEMON_ADDRESS"] = f"127.0.0.1:{XRAY_PORT}"
        container_secrets = {
            **{name: ecs.Secret.from_ssm_parameter(p) for name, p in settings.parameters.items()},
            **{name: ecs.Secret.from_secrets_manager(f.secret, f.field) for name, f in settings.secrets.items()},
        }
        self.container = self.task_definition.add_container(
            CONTAINER_NAME,
            image=image,
            command=command,
            port_mappings=[ecs.PortMapping(container_port=container_port, name="http")],
            environment=container_environment,
            secrets=container_secrets,
            user=user,
            readonly_root_filesystem=read_only_root_filesystem,
            logging=ecs.LogDrivers.aws_logs(stream_prefix="api", log_group=self.log_group,
                                            mode=ecs.AwsLogDriverMode.NON_BLOCKING, max_buffer_size=LOG_BUFFER),
            stop_timeout=Duration.seconds(30),
        )
        if read_only_root_filesystem:
            writable = ["/tmp", *(ECS_EXEC_WRITABLE_PATHS if ecs_exec else ())]
            for index, path in enumerate(writable):
                volume = f"writable-{index}"
                self.task_definition.add_volume(name=volume)
                self.container.add_mount_points(ecs.MountPoint(container_path=path, source_volume=volume, read_only=False))
        if xray_tracing:
            self.task_definition.add_container(
                "xray-daemon",
                image=ecs.ContainerImage.from_registry(XRAY_DAEMON_IMAGE),
                essential=False,
                cpu=32,
                memory_reservation_mib=64,
                user="1337",
                readonly_root_filesystem=True,
                port_mappings=[ecs.PortMapping(container_port=XRAY_PORT, protocol=ecs.Protocol.UDP)],
                logging=ecs.LogDrivers.aws_logs(stream_prefix="xray", log_group=self.log_group,
                                                mode=ecs.AwsLogDriverMode.NON_BLOCKING, max_buffer_size=LOG_BUFFER),
            )
        acknowledge(self.task_definition, {
            "AwsSolutions-ECS2": "Only non-secret wiring (port, health-check path, environment name) is set as plain environment variables; every setting and secret is injected from SSM Parameter Store and Secrets Manager.",
        })

        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            vpc_subnets=subnets,
            security_groups=[security_group],
            assign_public_ip=False,
            # No desired_count: CloudFormation would reset the running count on every deploy.
            # The service starts at min_count, set by the scalable target below.
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            min_healthy_percent=100,
            max_healthy_percent=200,
            health_check_grace_period=Duration.seconds(60),
            enable_execute_command=ecs_exec,
            capacity_provider_strategies=[
                ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT" if fargate_spot else "FARGATE", weight=1)
            ],
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            availability_zone_rebalancing=ecs.AvailabilityZoneRebalancing.ENABLED,
        )

        # The service's first tasks need the capacity providers on the cluster and the roles'
        # policies in place (the roles are immutable here, so CDK does not order these itself).
        Aspects.of(self.cluster).add(_AfterCapacityProviders(self.service))
        self.service.node.add_dependency(execution_policy)
        if self.task_policy is not None:
            self.service.node.add_dependency(self.task_policy)
        self.target_group = load_balancer.api_target_group(
            self, vpc=vpc, port=container_port, target_type=elbv2.TargetType.IP, health_check_path=traffic.health_check_path,
            stickiness=traffic.stickiness, deregistration_delay=traffic.deregistration_delay,
        )
        self.service.attach_to_application_target_group(self.target_group)

        self.scaling = self.service.auto_scale_task_count(min_capacity=scaling.min_count, max_capacity=scaling.max_count)
        if scaling.cpu_steps is None:
            self.scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=scaling.cpu_target_percent,
                                                  scale_in_cooldown=Duration.seconds(300), scale_out_cooldown=Duration.seconds(60))
        else:
            self._scale_on_cpu_steps(scaling.cpu_steps)
        if scaling.memory_target_percent:
            self.scaling.scale_on_memory_utilization("Memory", target_utilization_percent=scaling.memory_target_percent,
                                                     scale_in_cooldown=Duration.seconds(300), scale_out_cooldown=Duration.seconds(60))
        if scaling.requests_per_target:
            self.scaling.scale_on_request_count(
                "Requests", requests_per_target=scaling.requests_per_target, target_group=self.target_group,
                scale_in_cooldown=Duration.seconds(300), scale_out_cooldown=Duration.seconds(60))
            # Its resource label is split out of the load balancer's ARN, read from the edge tier.
            silence_cfn_lint(self.scaling.node.find_child("Target").node.find_child("Requests"), GET_STACK_OUTPUT_IN_SPLIT)

    def _scale_on_cpu_steps(self, steps: CpuSteps) -> None:
        """One task more after ``scale_out_minutes`` above the threshold, one less after
        ``scale_in_minutes`` below the other. Each direction has an alarm and a policy of its
        own: CDK's ``scale_on_metric`` gives both alarms one evaluation period, and the two
        directions hold for different minutes."""
        cpu = self.service.metric_cpu_utilization(period=Duration.minutes(1), statistic="Average")
        directions = (
            ("CpuScaleOut", 1, steps.scale_out_percent, steps.scale_out_minutes, cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
             Duration.seconds(60), f"above {steps.scale_out_percent} % for {steps.scale_out_minutes} min: one task more"),
            ("CpuScaleIn", -1, steps.scale_in_percent, steps.scale_in_minutes, cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
             Duration.seconds(300), f"below {steps.scale_in_percent} % for {steps.scale_in_minutes} min: one task less"),
        )
        for name, change, threshold, minutes, comparison, cooldown, description in directions:
            action = appscaling.StepScalingAction(self, name, scaling_target=self._scalable_target(),
                                                  adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY, cooldown=cooldown,
                                                  metric_aggregation_type=appscaling.MetricAggregationType.AVERAGE)
            # Bounds are relative to the alarm's threshold: everything past it takes the one step.
            if change > 0:
                action.add_adjustment(adjustment=change, lower_bound=0)
            else:
                action.add_adjustment(adjustment=change, upper_bound=0)
            # No data (off hours with no task running) is neither: the alarm waits.
            alarm = cloudwatch.Alarm(self, f"{name}Alarm", metric=cpu, threshold=threshold, evaluation_periods=minutes,
                                     datapoints_to_alarm=minutes, comparison_operator=comparison,
                                     treat_missing_data=cloudwatch.TreatMissingData.MISSING,
                                     alarm_description=f"The API's average CPU {description} (step scaling)")
            alarm.add_alarm_action(cloudwatch_actions.ApplicationScalingAction(action))

    def _scalable_target(self) -> appscaling.ScalableTarget:
        target = self.scaling.node.find_child("Target")
        assert isinstance(target, appscaling.ScalableTarget)
        return target


@jsii.implements(IAspect)
class _AfterCapacityProviders:
    """Makes the service wait for the cluster's capacity-provider association, which CDK
    creates only at synthesis (an aspect of its own) and does not order before services:
    without it CloudFormation may create the service first and ECS rejects its strategy."""

    def __init__(self, service: ecs.FargateService) -> None:
        self._service = service

    def visit(self, node: IConstruct) -> None:
        resource = as_cfn_resource(node)
        if resource is not None and resource.cfn_resource_type == "AWS::ECS::ClusterCapacityProviderAssociations":
            self._service.node.add_dependency(resource)
