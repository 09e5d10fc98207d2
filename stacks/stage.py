"""One Stage per environment, holding that environment's stacks."""

from __future__ import annotations

from aws_cdk import App, Aspects, Environment, Stage, Tags, Validations
from cdk_nag import (
    AwsSolutionsChecks,
    NIST80053R5Checks,
    PCIDSS321Checks,
    WriteNagSuppressionsToCloudFormationAspect,
)
from constructs import Construct

from config.schema import EnvironmentConfig
from stacks.auth_stack import AuthStack
from stacks.compute_stack import ComputeStack
from stacks.data_stack import DataStack
from stacks.edge_global_stack import CLOUDFRONT_REGION, EdgeGlobalStack
from stacks.edge_stack import EdgeStack
from stacks.frontend_stack import FrontendStack
from stacks.network_stack import NetworkStack
from stacks.observability_stack import EdgeAlarmsStack, ObservabilityStack
from stacks.settings import environment_tags



class EnvironmentStage(Stage):
    """All stacks of one environment (or branch environment), named
    ``<app>-<env>[-<branch>]-<tier>`` and tagged for ownership and cost."""

    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        super().__init__(
            scope,
            config.qualified_name,
            env=Environment(account=config.account, region=config.region),
        )
        self.config = config
        self.network = NetworkStack(
            self, "Network", **self._stack_props("network", "VPC, egress, endpoints, flow logs, security groups")
        )
        self.data = DataStack(
            self, "Data", network=self.network, **self._stack_props("data", "PostgreSQL, schema migrations, buckets")
        )
        # CloudFront reads its certificate and web ACL from us-east-1 only.
        self.edge_global = EdgeGlobalStack(
            self,
            "EdgeGlobal",
            env=Environment(account=config.account, region=CLOUDFRONT_REGION),
            **self._stack_props("edge-global", "CloudFront web ACL and certificate (us-east-1)"),
        )
        self.edge = EdgeStack(
            self,
            "Edge",
            network=self.network,
            data=self.data,
            edge_global=self.edge_global,
            **self._stack_props("edge", f"load balancer, CloudFront, {'SPA bucket' if config.edge.frontend == 'spa' else 'Amplify app'}"),
        )
        self.auth = AuthStack(
            self,
            "Auth",
            network=self.network,
            data=self.data,
            # The edge tier's hand-off: the origins the frontend is served from.
            app_origins=self.edge.app_origins,
            **self._stack_props("auth", "Cognito user pool or JWT signing secret"),
        )
        self.compute = ComputeStack(
            self,
            "Compute",
            network=self.network,
            data=self.data,
            auth=self.auth,
            edge=self.edge,
            **self._stack_props("compute", f"API on {config.compute.kind}, bastion"),
        )
        self.frontend = FrontendStack(
            self,
            "Frontend",
            edge=self.edge,
            auth=self.auth,
            **self._stack_props("frontend", "SPA deployment" if config.edge.frontend == "spa" else "Amplify branch"),
        )
        self.observability = ObservabilityStack(
            self,
            "Observability",
            network=self.network,
            data=self.data,
            edge_global=self.edge_global,
            edge=self.edge,
            auth=self.auth,
            compute=self.compute,
            **self._stack_props("observability", "alarms, dashboard, audit trail, budget"),
        )
        # CloudFront's and its web ACL's metrics exist in us-east-1 only, and an alarm must be
        # in its metric's region: outside us-east-1 their alarms get a stack (and topics) there.
        self.edge_alarms: EdgeAlarmsStack | None = None
        if config.region != CLOUDFRONT_REGION:
            self.edge_alarms = EdgeAlarmsStack(
                self,
                "EdgeAlarms",
                edge_global=self.edge_global,
                edge=self.edge,
                env=Environment(account=config.account, region=CLOUDFRONT_REGION),
                **self._stack_props("edge-alarms", "CloudFront and WAF alarms (us-east-1)"),
            )
        for key, value in environment_tags(config).items():
            Tags.of(self).add(key, value)


    @property
    def stacks(self) -> dict:
        """Tier name -> stack, in deployment order."""
        return {
            "network": self.network, "data": self.data, "edge-global": self.edge_global, "edge": self.edge,
            "auth": self.auth, "compute": self.compute, "frontend": self.frontend,
            "observability": self.observability,
            **({"edge-alarms": self.edge_alarms} if self.edge_alarms is not None else {}),
        }

    def _stack_props(self, tier: str, holds: str) -> dict:
        """What every stack of the environment gets: its config, name, description and protection."""
        cfg = self.config
        return {
            "config": cfg,
            "stack_name": cfg.stack_name(tier),
            "description": f"{cfg.app_name} {cfg.qualified_name}: {holds}",
            "termination_protection": cfg.production,
        }


def add_compliance_checks(app: App, stages: list[EnvironmentStage]) -> None:
    """cdk-nag packs the project is measured against, run on every synth.

    Acknowledgments are written into the templates so auditors and outside scanners
    see each one with its reason.
    """
    for pack in (AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks):
        Validations.of(app).add_plugins(pack(app, write_suppressions_to_cloud_formation=True))
    # The packs register that aspect on the app, but a Stage synthesizes its stacks
    # before the app's aspects reach into it: register it on every stage as well.
    for stage in stages:
        Aspects.of(stage).add(WriteNagSuppressionsToCloudFormationAspect())


def build(app: App, configs: list[EnvironmentConfig]) -> list[EnvironmentStage]:
    return [EnvironmentStage(app, config=cfg) for cfg in configs]
