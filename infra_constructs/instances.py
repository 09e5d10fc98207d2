"""EC2 for the API (Auto Scaling group) and the SSM-only bastion."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, Stack
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra_constructs.api_options import ApiScaling, ApiTraffic
from infra_constructs.app_settings import ApplicationSettings
from infra_constructs.boot_script import SecretSource, render_boot_script
from infra_constructs.compliance import GET_STACK_OUTPUT_IN_SPLIT, acknowledge, cfn_resource, silence_cfn_lint
from infra_constructs.container_service import xray_daemon_statement
from infra_constructs.load_balancer import WebLoadBalancer
from infra_constructs.log_settings import LogSettings


def session_manager_statements() -> list[iam.PolicyStatement]:
    """What the SSM agent needs for Session Manager and Run Command, and nothing more
    (AmazonSSMManagedInstanceCore also grants reading every parameter and document)."""
    return [
        iam.PolicyStatement(
            actions=[
                "ssm:UpdateInstanceInformation",
                "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
                "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
                "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
            ],
            resources=["*"],
        )
    ]


SESSION_MANAGER_WILDCARD = (
    "The SSM agent's registration (ssm:UpdateInstanceInformation) and its ssmmessages/ec2messages channels do not "
    "support resource-level permissions; this replaces the broader AmazonSSMManagedInstanceCore."
)


def _root_volume(size_gib: int) -> ec2.BlockDevice:
    return ec2.BlockDevice(
        device_name="/dev/xvda",
        volume=ec2.BlockDeviceVolume.ebs(size_gib, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3,
                                         delete_on_termination=True),
    )


def _amazon_linux(architecture: str) -> ec2.IMachineImage:
    """Latest Amazon Linux 2023, resolved by CloudFormation from AWS's public SSM parameter
    at deploy time (no lookup at synth time; a new AMI rolls the instances)."""
    cpu = ec2.AmazonLinuxCpuType.ARM_64 if architecture == "arm64" else ec2.AmazonLinuxCpuType.X86_64
    return ec2.MachineImage.latest_amazon_linux2023(cpu_type=cpu)


class Ec2Api(Construct):
    """The API on an Auto Scaling group of Amazon Linux 2023 instances behind ``load_balancer``.

    Launch template: Graviton by default, IMDSv2 only (hop limit 1), encrypted gp3 root
    volume, no key pair, detailed monitoring; the security group admits the load balancer
    only (network tier), so no port 22 anywhere - access is Session Manager. User data
    (``boot_script``) installs Nginx (WebSocket upgrade on /ws) and Node.js with PM2 under
    systemd, fetches settings and secrets at every service start, and signals CloudFormation
    once the health check answers: rolling updates replace one instance at a time and roll
    back on failure. With ``public_ip`` the instances get a public address (single-instance
    layout without NAT).

    Instance role (one customer-managed policy): Session Manager, the CloudWatch agent on
    its own log group (the environment's ``logs`` settings) and namespace, reading the
    settings and the release bundles; plus ``app_policies`` (what the application may do).
    Exposes ``group``, ``role``, ``target_group``, ``log_group`` and ``user_data_text``
    (the rendered script, tokens included).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        public_ip: bool,
        security_group: ec2.ISecurityGroup,
        load_balancer: WebLoadBalancer,
        instance_type: str,
        architecture: str,
        root_volume_gib: int,
        listen_port: int,
        process_port: int,
        idle_timeout: Duration,
        environment: Mapping[str, str],
        settings: ApplicationSettings,
        app_policies: list[iam.IManagedPolicy],
        releases: s3.IBucket,
        release: str,
        placeholder_script: str,
        xray_tracing: bool,
        scaling: ApiScaling,
        traffic: ApiTraffic,
        logs: LogSettings,
    ) -> None:
        super().__init__(scope, construct_id)
        # The group tracks CPU (and requests): without the agent's metrics there is no memory to
        # track, and steps on CPU are the Fargate service's only.
        if scaling.memory_target_percent or scaling.cpu_steps is not None:
            raise ValueError("Ec2Api scales by target tracking on CPU and requests: no memory target, no CPU steps")
        stack = Stack.of(self)
        self.log_group = logs.log_group(self, "LogGroup")
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
                             description="API instances: Session Manager, CloudWatch agent, settings, releases")
        statements = [
            *session_manager_statements(),
            iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                                resources=[self.log_group.log_group_arn]),
            # The agent's metrics go to its own namespace only; DescribeTags resolves the group name.
            iam.PolicyStatement(actions=["cloudwatch:PutMetricData"], resources=["*"],
                                conditions={"StringEquals": {"cloudwatch:namespace": "CWAgent"}}),
            iam.PolicyStatement(actions=["ec2:DescribeTags"], resources=["*"]),
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[releases.arn_for_objects("releases/*")]),
            # The boot script's exit trap reports success or failure to the rolling update.
            iam.PolicyStatement(actions=["cloudformation:SignalResource"], resources=[stack.stack_id]),
            *settings.read_statements(),
        ]
        if xray_tracing:
            statements.append(xray_daemon_statement())
        policy = iam.ManagedPolicy(self, "Policy", description="Least privilege of the API instances",
                                   statements=statements, roles=[self.role])
        for app_policy in app_policies:
            self.role.add_managed_policy(app_policy)
        acknowledge(policy, {
            "AwsSolutions-IAM5[Resource::*]": SESSION_MANAGER_WILDCARD + " CloudWatch PutMetricData is limited to the CWAgent namespace by condition; ec2:DescribeTags and X-Ray have no resource-level permissions.",
            "CKV_AWS_111": "The writes on '*' are the Session Manager agent's channel actions, X-Ray's segment uploads (no resource-level permissions) and CloudWatch PutMetricData, limited to the CWAgent namespace by condition.",
            f"AwsSolutions-IAM5[Resource::<{stack.get_logical_id(cfn_resource(releases))}.Arn>/releases/*]": "Instances read release bundles only, under the releases/ prefix of the releases bucket.",
        })

        secrets = {
            name: SecretSource(secret_arn=field.secret.secret_arn, field=field.field) for name, field in settings.secrets.items()
        }
        user_data = ec2.UserData.for_linux(shebang="#!/bin/bash")
        self.user_data_text = render_boot_script(
            region=stack.region,
            architecture=architecture,
            listen_port=listen_port,
            process_port=process_port,
            health_check_path=traffic.health_check_path,
            idle_timeout_seconds=int(idle_timeout.to_seconds()),
            environment=environment,
            parameter_path=settings.parameter_path,
            secrets=secrets,
            placeholder_script=placeholder_script,
            release_bundle_uri=f"s3://{releases.bucket_name}/releases/{release}.tar.gz" if release else None,
            log_group_name=self.log_group.log_group_name,
            xray_tracing=xray_tracing,
        )
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            machine_image=_amazon_linux(architecture),
            instance_type=ec2.InstanceType(instance_type),
            # Immutable: every permission is in the managed policy above, none added inline.
            role=self.role.without_policy_updates(),
            security_group=security_group,
            require_imdsv2=True,
            http_put_response_hop_limit=1,
            associate_public_ip_address=public_ip,
            block_devices=[_root_volume(root_volume_gib)],
            detailed_monitoring=True,
            user_data=user_data,
        )
        if public_ip:
            acknowledge(self.launch_template, {
                "CKV_AWS_88": "Single public instance (compute.placement 'public-single-instance'): no NAT, so the "
                              "instance needs its own address to reach the internet; its security group admits the "
                              "load balancer only, and there is no SSH (Session Manager).",
            })
        self.group = autoscaling.AutoScalingGroup(
            self,
            "Group",
            vpc=vpc,
            vpc_subnets=subnets,
            launch_template=self.launch_template,
            min_capacity=scaling.min_count,
            max_capacity=scaling.max_count,
            # No desired capacity: a deploy must not reset what scaling chose (starts at min).
            health_checks=autoscaling.HealthChecks.with_additional_checks(
                additional_types=[autoscaling.AdditionalHealthCheckType.ELB], grace_period=Duration.minutes(10)
            ),
            signals=autoscaling.Signals.wait_for_min_capacity(timeout=Duration.minutes(15)),
            update_policy=autoscaling.UpdatePolicy.rolling_update(
                max_batch_size=1,
                # One at a time, keeping the others serving; a single instance is replaced in place.
                min_instances_in_service=max(scaling.min_count - 1, 0),
                pause_time=Duration.minutes(15),
                wait_on_resource_signals=True,
            ),
            default_instance_warmup=Duration.minutes(3),
            # Desired and in-service counts for the capacity alarm (group metrics are free).
            group_metrics=[autoscaling.GroupMetrics(autoscaling.GroupMetric.DESIRED_CAPACITY,
                                                    autoscaling.GroupMetric.IN_SERVICE_INSTANCES)],
        )
        # Instances call AWS at boot: the role's policy must be attached before the first launch.
        self.group.node.add_dependency(policy)
        acknowledge(self.group, {
            "AwsSolutions-AS3": "Launches and terminations are in the group's activity history and EventBridge; paging is on capacity and health alarms (in-service count, unhealthy hosts), not per-instance notifications.",
        })
        # On exit the script signals the group (cfn-signal with its exit code): the rolling
        # update waits for it and rolls back on failure.
        user_data.add_commands(self.user_data_text)
        user_data.add_signal_on_exit_command(self.group)

        self.target_group = load_balancer.api_target_group(
            self, vpc=vpc, port=listen_port, target_type=elbv2.TargetType.INSTANCE, health_check_path=traffic.health_check_path,
            stickiness=traffic.stickiness, deregistration_delay=traffic.deregistration_delay,
        )
        self.group.attach_to_application_target_group(self.target_group)
        if scaling.max_count > scaling.min_count:
            self.group.scale_on_cpu_utilization("Cpu", target_utilization_percent=scaling.cpu_target_percent)
            if scaling.requests_per_target:
                requests = self.group.scale_on_request_count("Requests", target_requests_per_minute=scaling.requests_per_target)
                # Its resource label is split out of the load balancer's ARN, read from the edge tier.
                silence_cfn_lint(requests, GET_STACK_OUTPUT_IN_SPLIT)


class SsmBastion(Construct):
    """A Session Manager-only host for port-forwarding to the database.

    No inbound rules (its security group is the network tier's bastion group), no key
    pair, IMDSv2 only, encrypted root volume, private subnet. Its role can do Session
    Manager and nothing else. Connect with
    ``aws ssm start-session --target <id> --document-name AWS-StartPortForwardingSessionToRemoteHost``
    (README: Compute). Exposes ``instance``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        instance_type: str,
    ) -> None:
        super().__init__(scope, construct_id)
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
                        description="Bastion: Session Manager only")
        policy = iam.ManagedPolicy(self, "Policy", description="Session Manager for the bastion",
                                   statements=session_manager_statements(), roles=[role])
        acknowledge(policy, {
            "AwsSolutions-IAM5[Resource::*]": SESSION_MANAGER_WILDCARD,
            "CKV_AWS_111": "The bastion's only writes are the Session Manager agent's (ssm, ssmmessages, ec2messages), which do not support resource-level permissions.",
        })
        self.instance = ec2.Instance(
            self,
            "Instance",
            vpc=vpc,
            vpc_subnets=subnets,
            instance_type=ec2.InstanceType(instance_type),
            machine_image=_amazon_linux("arm64"),
            security_group=security_group,
            role=role,
            require_imdsv2=True,
            block_devices=[_root_volume(8)],
            detailed_monitoring=True,
            # A new AMI would replace the bastion on every deploy; it has no state to lose, but
            # it is patched in place by `dnf upgrade` through Session Manager instead.
            user_data_causes_replacement=False,
        )
        acknowledge(self.instance, {
            "AwsSolutions-EC29": "The bastion holds no state and is recreated from the template at will; termination protection would only block a teardown.",
            "NIST.800.53.R5-EC2InstanceProfileAttached": "The instance profile with the Session Manager role is attached by the construct (CDK's instance profile).",
            # CDK writes the subnet's zone on the instance; the zones are explicit in config on purpose.
            "CloudFormation-Validate::W3010": "The bastion's zone is its subnet's, and the zones are explicit in the configuration so synthesis never asks AWS for them.",
        })
