"""The stacks of one environment, top-level when one environment is chosen, staged otherwise.

The CDK CLI selects stacks by their hierarchical ID and refuses ``--all`` when every
stack sits inside a Stage ("No stack found in the main cloud assembly"); ``cdk diff``
then silently compares nothing. So:

- ``-c env=NAME`` (and ``-c branch=``): the one environment's stacks sit in a plain
  construct named after the environment, so they are the assembly's top-level stacks:
  ``cdk deploy --all``, ``cdk diff``, ``cdk destroy --all`` and ``'dev/*'``,
  ``'dev/Compute'`` select exactly that environment.
- no ``-c env``: every environment of the profile, each in a Stage of its own, for
  ``make synth`` and review. The CLI refuses ``--all`` there, so no command deploys every
  environment at once by accident.

Both give every construct the same path (``dev/Compute/...``), so the templates are
identical: names CDK derives from the path (the database secret's logical ID, launch
template and web ACL names, the rotation function's name) never change between the two,
nor from the layout the environments were first deployed with.
"""

from __future__ import annotations

import itertools

from aws_cdk import App, Aspects, Environment, Stage, Tags, Validations
from cdk_nag import (
    AwsSolutionsChecks,
    NIST80053R5Checks,
    PCIDSS321Checks,
    WriteNagSuppressionsToCloudFormationAspect,
)
from constructs import Construct

from config.derived import environment_tags
from config.schema import EnvironmentConfig
from infra_constructs.cdk_providers import AUTO_DELETE_OBJECTS_PROVIDER, adopt_provider, tag_providers
from infra_constructs.compliance import write_checkov_skips
from stacks.auth_stack import AuthStack
from stacks.compute_stack import ComputeStack
from stacks.data_stack import DataStack
from stacks.edge_global_stack import CLOUDFRONT_REGION, EdgeGlobalStack, needs_edge_global
from stacks.edge_stack import EdgeStack
from stacks.frontend_stack import FrontendStack
from stacks.handoffs import EdgeGlobalHandoff
from stacks.network_stack import NetworkStack
from stacks.observability_stack import EdgeAlarmsStack, ObservabilityStack

# Tiers deployed to us-east-1 whatever the environment's region: CloudFront reads its
# certificate and web ACL there only, and its metrics exist there only.
GLOBAL_TIERS = ("edge-global", "edge-alarms")
# Tiers whose stacks hold what a deletion would lose: the database, its secret and buckets;
# the user pool. Protected from deletion in every environment that is not a branch's.
STATEFUL_TIERS = ("data", "auth")
# Construct ID of each tier's stack, under the environment's scope: "dev/Compute".
CONSTRUCT_IDS = {
    "network": "Network", "data": "Data", "edge-global": "EdgeGlobal", "edge": "Edge", "auth": "Auth",
    "compute": "Compute", "frontend": "Frontend", "observability": "Observability", "edge-alarms": "EdgeAlarms",
}

class EnvironmentStacks:
    """All stacks of one environment (or branch environment), named
    ``<app>-<env>[-<branch>]-<tier>`` and tagged for ownership and cost.

    ``scope`` is the environment's plain construct (its stacks are top-level) or its Stage,
    named ``<env>[-<branch>]``; each stack's construct ID is its tier's (``Compute``).
    Exposes every stack by tier and ``stacks``.
    """

    def __init__(self, scope: Construct, *, config: EnvironmentConfig) -> None:
        self.config = config
        self.scope = scope
        self.network = NetworkStack(
            scope, **self._stack_props("network", "VPC, egress, endpoints, flow logs, security groups")
        )
        self.data = DataStack(
            scope, network=self.network.handoff, **self._stack_props("data", "PostgreSQL, schema migrations, buckets")
        )
        # CloudFront reads its certificate and web ACL from us-east-1 only; an environment with
        # neither (waf.mode "off", no domain) has no stack there.
        self.edge_global: EdgeGlobalStack | None = None
        edge_global = EdgeGlobalHandoff(web_acl_arn=None, web_acl_metric_name=None, certificate=None)
        if needs_edge_global(config):
            self.edge_global = EdgeGlobalStack(
                scope,
                **self._stack_props("edge-global", "CloudFront web ACL and certificate (us-east-1)"),
            )
            edge_global = self.edge_global.handoff
        self.edge = EdgeStack(
            scope,
            network=self.network.handoff,
            data=self.data.handoff,
            edge_global=edge_global,
            **self._stack_props("edge", f"load balancer, CloudFront, {'SPA bucket' if config.edge.frontend == 'spa' else 'Amplify app'}"),
        )
        self.auth = AuthStack(
            scope,
            network=self.network.handoff,
            database=self.data.handoff.database,
            # The origins the frontend is served from, for the client's callback URLs.
            app_origins=self.edge.handoff.app_origins,
            **self._stack_props("auth", "Cognito user pool or JWT signing secret"),
        )
        self.compute = ComputeStack(
            scope,
            network=self.network.handoff,
            data=self.data.handoff,
            auth=self.auth.handoff,
            edge=self.edge.handoff,
            **self._stack_props("compute", f"API on {config.compute.kind}, bastion"),
        )
        self.frontend = FrontendStack(
            scope,
            edge=self.edge.handoff,
            auth=self.auth.handoff,
            **self._stack_props("frontend", "SPA deployment" if config.edge.frontend == "spa" else "Amplify branch"),
        )
        self.observability = ObservabilityStack(
            scope,
            network=self.network.handoff,
            data=self.data.handoff,
            edge_global=edge_global,
            edge=self.edge.handoff,
            auth=self.auth.handoff,
            compute=self.compute.handoff,
            **self._stack_props("observability", "alarms, dashboard, audit trail, budget"),
        )
        # CloudFront's and its web ACL's metrics exist in us-east-1 only, and an alarm must be
        # in its metric's region: outside us-east-1 their alarms get a stack (and topics) there.
        self.edge_alarms: EdgeAlarmsStack | None = None
        if config.region != CLOUDFRONT_REGION:
            self.edge_alarms = EdgeAlarmsStack(
                scope,
                edge_global=edge_global,
                edge=self.edge.handoff,
                **self._stack_props("edge-alarms", "CloudFront and WAF alarms (us-east-1)"),
            )
        # The README's deployment order, made explicit: the references alone leave some stacks
        # free (edge-global references nothing; auth without Cognito references no edge), and
        # the CLI would then order those by name. Each tier waits for the one before it.
        ordered = list(self.stacks.values())
        for earlier, later in itertools.pairwise(ordered):
            later.add_stack_dependency(earlier, "deployment order (README: Deploying and destroying)")
        tags = environment_tags(config)
        for stack in ordered:
            for key, value in tags.items():
                Tags.of(stack).add(key, value)
            # Buckets of a destroyable environment are emptied on deletion by CDK's provider:
            # its handler logs to a group of ours, and the templates explain it to scanners.
            if stack.region == config.region:
                adopt_provider(stack, AUTO_DELETE_OBJECTS_PROVIDER, log_group_id="AutoDeleteObjectsProviderLogs",
                               logs=self.network.handoff.logs)
            tag_providers(stack, tags)

    @property
    def stacks(self) -> dict:
        """Tier name -> stack, in deployment order."""
        return {
            "network": self.network, "data": self.data,
            **({"edge-global": self.edge_global} if self.edge_global is not None else {}),
            "edge": self.edge,
            "auth": self.auth, "compute": self.compute, "frontend": self.frontend,
            "observability": self.observability,
            **({"edge-alarms": self.edge_alarms} if self.edge_alarms is not None else {}),
        }

    def _stack_props(self, tier: str, holds: str) -> dict:
        """What every stack of the environment gets: its config, ID and name, account and
        region (us-east-1 for the CloudFront tiers), description and protection."""
        cfg = self.config
        region = CLOUDFRONT_REGION if tier in GLOBAL_TIERS else cfg.region
        return {
            "config": cfg,
            "construct_id": CONSTRUCT_IDS[tier],
            "stack_name": cfg.stack_name(tier),
            "env": Environment(account=cfg.account, region=region),
            "description": f"{cfg.app_name} {cfg.qualified_name}: {holds}",
            # Every stack of production; the stacks that hold data in every long-lived environment.
            "termination_protection": cfg.production or (tier in STATEFUL_TIERS and not cfg.is_branch),
        }


def add_compliance_checks(app: App, environments: list[EnvironmentStacks]) -> None:
    """cdk-nag packs the project is measured against, run on every synth.

    Acknowledgments are written into the templates so auditors and outside scanners
    see each one with its reason.
    """
    for pack in (AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks):
        Validations.of(app).add_plugins(pack(app, write_suppressions_to_cloud_formation=True))
    # The packs register that aspect on the app, but a Stage synthesizes its stacks
    # before the app's aspects reach into it: register it on every stage as well.
    for environment in environments:
        if isinstance(environment.scope, Stage):
            Aspects.of(environment.scope).add(WriteNagSuppressionsToCloudFormationAspect())
    # The same acknowledgments for checkov, which auditors run over the written templates.
    write_checkov_skips(app)


def build(app: App, configs: list[EnvironmentConfig], *, staged: bool) -> list[EnvironmentStacks]:
    """The stacks of each environment: in a Stage per environment when ``staged`` (every
    environment of a profile at once), otherwise top-level (one environment, deployable)."""
    return [
        EnvironmentStacks(Stage(app, cfg.qualified_name, env=Environment(account=cfg.account, region=cfg.region))
                          if staged else Construct(app, cfg.qualified_name), config=cfg)
        for cfg in configs
    ]
