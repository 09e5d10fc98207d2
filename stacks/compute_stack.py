"""Compute tier: the load balancer, the API on Fargate or EC2, and the bastion."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from config.derived import name_prefix
from config.schema import EnvironmentConfig
from infra_constructs.api_options import ApiScaling, ApiTraffic, CpuSteps
from infra_constructs.app_secrets import ApplicationSecrets, ExistingSecret
from infra_constructs.app_settings import ApplicationSettings
from infra_constructs.buckets import PrivateBucket
from infra_constructs.container_service import FargateApi
from infra_constructs.instances import Ec2Api, SsmBastion
from infra_constructs.off_hours import InstanceOffHours, scale_group_off_hours, scale_service_off_hours
from infra_constructs.security_groups import immutable_view
from stacks.base import EnvironmentStack
from stacks.handoffs import AuthHandoff, ComputeHandoff, DataHandoff, EdgeHandoff, NetworkHandoff
from stacks.settings import renamed, stateful_removal, working_hours

PLACEHOLDER_SCRIPT = (Path(__file__).resolve().parent.parent / "placeholder" / "server.js").read_text()


class ComputeStack(EnvironmentStack):
    """Composes ``ApplicationSettings`` and either ``FargateApi`` or ``Ec2Api``
    (``compute.kind``) behind the edge tier's load balancer, plus ``SsmBastion`` when
    ``compute.bastion`` is set, and off-hours scaling with ``off_hours.enabled``. The API's target group and listener rules live here, with
    the service they send traffic to.

    Exposes ``settings``, ``api`` (FargateApi or Ec2Api), ``releases`` (EC2 only, else
    None), ``bastion`` and ``bastion_off_hours`` (each or None); the observability tier takes ``handoff`` (``ComputeHandoff``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        network: NetworkHandoff,
        data: DataHandoff,
        auth: AuthHandoff,
        edge: EdgeHandoff,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        compute = config.compute
        load_balancer = edge.load_balancer
        groups = network.security_groups
        removal = stateful_removal(config)
        idle_timeout = Duration.seconds(compute.idle_timeout_seconds)
        stickiness = Duration.seconds(compute.stickiness_seconds) if compute.stickiness_seconds else None
        deregistration_delay = Duration.seconds(compute.deregistration_delay_seconds)

        app = config.app
        # The application's own secrets (third-party API keys): created here, or referenced.
        self.app_secrets: ApplicationSecrets | None = None
        if app.secrets:
            self.app_secrets = ApplicationSecrets(
                self,
                "AppSecrets",
                created=[s.name for s in app.secrets if not s.existing],
                existing=[ExistingSecret(name=s.name, secret=s.existing, json_key=s.json_key, kms_key_arn=s.kms_key_arn)
                          for s in app.secrets if s.existing],
                description_prefix=f"{config.app_name} {config.qualified_name}",
                removal_policy=removal,
            )
            for name, secret in self.app_secrets.created.items():
                CfnOutput(self, f"AppSecret{name.title().replace('_', '')}", value=secret.secret_arn,
                          description=f"Write {name}'s real value here once (docs/operations.md)")
        # The names the application reads them under: the project's (docs/tiers/compute.md),
        # as app.renames moves them, and the application's own.
        renames = {r.setting: r.name for r in app.renames}
        self.settings = ApplicationSettings(
            self,
            "Settings",
            parameter_path=f"/{config.app_name}/{config.qualified_name}/app",
            # Where the frontend is served from: for CORS and for checking a WebSocket's Origin.
            values=renamed({"APP_ORIGINS": ",".join(edge.app_origins), **data.application.settings, **auth.application.settings}, renames)
            | {s.name: s.value for s in app.settings},
            secrets=renamed({**data.application.secrets, **auth.application.secrets}, renames)
            | (self.app_secrets.fields if self.app_secrets is not None else {}),
        )
        # What the application itself may do: the data tier's policies (the uploads, the
        # application topics), nothing else.
        app_policies = list(data.application.policies + auth.application.policies)
        environment = {"APP_ENV": config.qualified_name}
        app_group = immutable_view(self, "ApplicationSecurityGroup", groups.application)
        cpu_steps = CpuSteps(scale_out_percent=compute.cpu_scale_out_percent, scale_out_minutes=compute.cpu_scale_out_minutes,
                             scale_in_percent=compute.cpu_scale_in_percent, scale_in_minutes=compute.cpu_scale_in_minutes)
        scaling = ApiScaling(min_count=compute.min_count, max_count=compute.max_count,
                             cpu_target_percent=compute.cpu_target_percent, requests_per_target=compute.requests_per_target,
                             memory_target_percent=compute.memory_target_percent,
                             cpu_steps=cpu_steps if compute.cpu_scaling == "steps" else None)
        traffic = ApiTraffic(health_check_path=compute.health_check_path, stickiness=stickiness,
                             deregistration_delay=deregistration_delay)
        self.releases: PrivateBucket | None = None
        self.api: FargateApi | Ec2Api
        if compute.kind == "fargate":
            self.api = FargateApi(
                self,
                "Api",
                subnets=network.app_subnets,
                repository_name=f"{name_prefix(config)}/api",
                keep_images=compute.ecr_keep_images,
                release=compute.release,
                placeholder_image=compute.placeholder_image,
                container_port=compute.container_port,
                task_policies=app_policies,
                architecture=ecs.CpuArchitecture.ARM64 if compute.cpu_architecture == "arm64" else ecs.CpuArchitecture.X86_64,
                cpu=compute.task_cpu,
                memory_mib=compute.task_memory_mib,
                user=compute.container_user,
                read_only_root_filesystem=compute.read_only_root_filesystem,
                fargate_spot=compute.fargate_spot,
                ecs_exec=compute.ecs_exec,
                vpc=network.vpc, security_group=app_group, load_balancer=load_balancer,
                environment=environment, settings=self.settings, xray_tracing=compute.xray_tracing,
                scaling=scaling, traffic=traffic, placeholder_script=PLACEHOLDER_SCRIPT,
                logs=network.logs, removal_policy=removal,
            )
            CfnOutput(self, "RepositoryUri", value=self.api.repository.repository_uri,
                      description="Push images here; deploy one with -c release=<tag>")
            CfnOutput(self, "ClusterName", value=self.api.cluster.cluster_name)
            CfnOutput(self, "ServiceName", value=self.api.service.service_name)
        else:
            self.releases = PrivateBucket(
                self,
                "Releases",
                purpose="release bundles of the API (releases/<release>.tar.gz)",
                access_logs=data.access_logs,
                noncurrent_to_glacier_days=config.storage.noncurrent_versions_to_glacier_days,
                noncurrent_expire_days=config.storage.noncurrent_versions_expire_days,
                # Small bundles, read at every instance start: Standard.
                intelligent_tiering_days=0,
                removal_policy=removal,
            )
            public = compute.placement == "public-single-instance"
            self.api = Ec2Api(
                self,
                "Api",
                subnets=network.public_subnets if public else network.app_subnets,
                public_ip=public,
                instance_type=compute.instance_type,
                architecture=compute.cpu_architecture,
                root_volume_gib=compute.root_volume_gib,
                listen_port=compute.container_port,
                process_port=compute.process_port,
                idle_timeout=idle_timeout,
                app_policies=app_policies,
                releases=self.releases.bucket,
                release=compute.release,
                vpc=network.vpc, security_group=app_group, load_balancer=load_balancer,
                environment=environment, settings=self.settings, xray_tracing=compute.xray_tracing,
                scaling=scaling, traffic=traffic, placeholder_script=PLACEHOLDER_SCRIPT,
                logs=network.logs,
            )
            CfnOutput(self, "ReleasesBucket", value=self.releases.bucket.bucket_name,
                      description="Upload releases/<release>.tar.gz here; deploy one with -c release=<release>")
            CfnOutput(self, "AutoScalingGroupName", value=self.api.group.auto_scaling_group_name)

        # Dev cost control: no tasks or instances outside working hours (the data tier stops the database).
        hours = working_hours(config)
        if hours is not None:
            if isinstance(self.api, FargateApi):
                scale_service_off_hours(self.api.scaling, hours=hours, min_count=scaling.min_count, max_count=scaling.max_count)
            else:
                scale_group_off_hours(self.api.group, hours=hours, min_count=scaling.min_count, max_count=scaling.max_count)

        self.handoff = ComputeHandoff(
            load_balancer=load_balancer.load_balancer,
            target_group=self.api.target_group,
            service=self.api.service if isinstance(self.api, FargateApi) else None,
            group=self.api.group if isinstance(self.api, Ec2Api) else None,
            log_group=self.api.log_group,
        )

        self.bastion: SsmBastion | None = None
        self.bastion_off_hours: InstanceOffHours | None = None
        if compute.bastion:
            assert groups.bastion is not None  # the network tier creates it with compute.bastion
            self.bastion = SsmBastion(
                self,
                "Bastion",
                vpc=network.vpc,
                subnets=network.app_subnets,
                security_group=immutable_view(self, "BastionSecurityGroup", groups.bastion),
                instance_type=compute.bastion_instance_type,
            )
            CfnOutput(self, "BastionInstanceId", value=self.bastion.instance.instance_id,
                      description="aws ssm start-session --target <id> (README: Compute)")
            if hours is not None:
                # On demand: stopped every evening, started by whoever needs it (docs/operations.md).
                self.bastion_off_hours = InstanceOffHours(self, "BastionOffHours", hours=hours, instances=[self.bastion.instance],
                                                          what="bastion", start=False, name_prefix=name_prefix(config))
