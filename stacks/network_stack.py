"""Network tier: VPC, egress, endpoints, flow logs and the shared security groups."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from config.derived import given_subnet_ranges, name_prefix
from config.schema import EnvironmentConfig
from infra_constructs.alarm_topics import admit_alarm_publishers
from infra_constructs.endpoints import InterfaceEndpoints
from infra_constructs.log_settings import LogSettings
from infra_constructs.network import APP, DATA, PUBLIC, Network
from infra_constructs.off_hours import InstanceOffHours
from infra_constructs.security_groups import WorkloadSecurityGroups
from stacks.base import EnvironmentStack
from stacks.handoffs import NetworkHandoff
from stacks.settings import REDIS_PORT, retention, stateful_removal, working_hours


class NetworkStack(EnvironmentStack):
    """Composes ``Network``, ``WorkloadSecurityGroups``, ``InterfaceEndpoints`` and, with
    ``off_hours.enabled`` and a NAT instance, ``InstanceOffHours`` for it.

    Exposes ``network`` (vpc, subnets, flow logs), ``security_groups``, ``endpoints`` and
    ``nat_off_hours`` (or None);
    the other tiers take ``handoff`` (``NetworkHandoff``, with the environment's regional
    ``LogSettings``: ``log_retention_days`` and the network's logs key, which also encrypts
    the alarm topics).
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs) -> None:
        super().__init__(scope, construct_id, config=config, **kwargs)
        net = config.network
        ranges = given_subnet_ranges(config)
        self.network = Network(
            self,
            "Network",
            cidr=net.cidr,
            availability_zones=list(net.availability_zones),
            egress=net.egress,
            nat_instance_type=net.nat_instance_type,
            dynamodb_gateway_endpoint=net.dynamodb_gateway_endpoint,
            public_subnet_mask=net.public_subnet_mask,
            private_subnet_mask=net.private_subnet_mask,
            isolated_subnet_mask=net.isolated_subnet_mask,
            subnet_cidrs=None if ranges is None else {PUBLIC: ranges["public"], APP: ranges["private"], DATA: ranges["isolated"]},
            flow_log_retention=retention(net.flow_log_retention_days),
            flow_log_traffic=ec2.FlowLogTrafficType[net.flow_log_traffic],
            removal_policy=stateful_removal(config),
        )
        self.security_groups = WorkloadSecurityGroups(
            self,
            "SecurityGroups",
            vpc=self.network.vpc,
            app_port=config.compute.container_port,
            database_port=config.database.port,
            # One port only: the CloudFront prefix list counts as ~55 rules of the 60 a group may hold.
            # HTTPS when the load balancer has a certificate (a domain is configured), else HTTP.
            load_balancer_port=443 if config.domain.name else 80,
            redirect_http=bool(config.domain.name),
            cloudfront_origin_prefix_list_id=net.cloudfront_origin_prefix_list_id,
            cache_port=REDIS_PORT if config.cache.enabled else None,
            bastion=config.compute.bastion,
        )
        self.endpoints = InterfaceEndpoints(
            self,
            "Endpoints",
            vpc=self.network.vpc,
            services=list(net.interface_endpoints),
            subnets=self.network.app_subnets,
            security_group=self.security_groups.endpoints,
        )
        # The NAT instance forwards for the API and the database's clients only, which stop
        # outside working hours too: it stops with them and starts before them.
        self.nat_off_hours: InstanceOffHours | None = None
        hours = working_hours(config)
        if hours is not None and self.network.nat_instances:
            self.nat_off_hours = InstanceOffHours(self, "NatOffHours", hours=hours, instances=self.network.nat_instances,
                                                  what="nat", start=True, name_prefix=name_prefix(config))
        # The logs key also encrypts the observability stack's alarm topics (one key less a month,
        # docs/decisions.md): its policy admits their publishers here, in the key's own stack, so
        # no later stack edits this template.
        admit_alarm_publishers(self.network.logs_key)
        self.handoff = NetworkHandoff(
            vpc=self.network.vpc,
            app_subnets=self.network.app_subnets,
            data_subnets=self.network.data_subnets,
            public_subnets=self.network.public_subnets,
            security_groups=self.security_groups,
            logs=LogSettings(retention=retention(config.log_retention_days), key=self.network.logs_key,
                             removal_policy=stateful_removal(config)),
        )
