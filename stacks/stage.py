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
from stacks.network_stack import NetworkStack

# Tag values allow letters, digits, spaces and _ . : / = + - @
_TAG_VALUE_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/=+-@")


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
        self.auth = AuthStack(
            self,
            "Auth",
            network=self.network,
            data=self.data,
            # The edge tier hands over the SPA's origin here; until then, a configured domain.
            app_origins=[f"https://{config.domain.name}"] if config.domain.name else [],
            **self._stack_props("auth", "Cognito user pool or JWT signing secret"),
        )
        self.compute = ComputeStack(
            self,
            "Compute",
            network=self.network,
            data=self.data,
            auth=self.auth,
            **self._stack_props("compute", f"load balancer, API on {config.compute.kind}, bastion"),
        )
        branch_tag = config.branch if config.branch and set(config.branch) <= _TAG_VALUE_OK else config.branch_slug
        for key, value in {
            "application": config.app_name,
            "environment": config.env_name,
            "branch": branch_tag or "none",
            "owner": config.owner,
            "cost-center": config.cost_center,
        }.items():
            Tags.of(self).add(key, value)


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
