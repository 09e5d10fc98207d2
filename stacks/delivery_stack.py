"""The delivery stack of one account: the deploy identity of every environment the profile puts there.

Deployed once per account by an administrator (``make deploy-delivery``, docs/delivery.md), not
by the workflows it serves. ``-c delivery=true`` makes these stacks the app's only ones, named
``<app>-delivery-<account>``. Each holds GitHub's OIDC provider (or names the existing one) and:

- per environment, a deploy role trusted by that environment's GitHub environment only
  (``promote.yml``'s ``dev``, ``staging``, ``production`` jobs), allowed to assume the CDK
  bootstrap roles of its region and us-east-1; production's may also snapshot its databases
  before a deploy (``make db-snapshot``);
- for the environment branch environments derive from, a role trusted by its branch GitHub
  environment (``preview``: ``preview.yml`` and ``sweep.yml``), allowed the same bootstrap roles
  and what the sweeper does outside CloudFormation, limited to that environment's branch
  environments by name prefix and tags.

The permissions are read off the scripts: delivery/sweep.py and delivery/snapshot.py.

And, when any environment of the account sets ``delivery.account_trail``, the account's audit
trail: one multi-region CloudTrail trail for every environment there, instead of one per
environment (docs/decisions.md: the account's first copy of management events is free, every
further trail pays for its copy).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, Environment, RemovalPolicy, Stack, Tags
from constructs import Construct

from config.derived import (
    AccountTrail,
    account_trail,
    branch_role_name,
    delivery_stack_name,
    deploy_role_name,
    github_environment,
    github_subject,
    name_prefix,
)
from config.schema import EnvironmentConfig
from infra_constructs.audit_trail import AuditTrail
from infra_constructs.buckets import AccessLogBucket
from infra_constructs.github_deploy_identity import (
    GitHubDeployRole,
    GitHubOidcProvider,
    Permission,
    bootstrap_roles,
    partition,
)
from infra_constructs.log_keys import logs_key
from infra_constructs.log_settings import LogSettings
from stacks.settings import retention

# CloudFront's tiers (edge-global, edge-alarms) deploy to us-east-1 whatever the region.
GLOBAL_REGION = "us-east-1"
# As long as the longest job that holds the credentials (promote.yml's production job: 120
# minutes; a branch environment's deploy or destroy: 90; the sweeper: 120). The CLI re-assumes
# the bootstrap roles with them while a deploy waits for CloudFormation.
MAX_SESSION = Duration.hours(2)


def _tag_conditions(cfg: EnvironmentConfig) -> dict[str, dict[str, str]]:
    """Resources of a branch environment of ``cfg``: tagged with its application and environment
    and a branch tag that exists and is not "none" (stacks/stage.py tags every resource)."""
    return {
        "StringEquals": {"aws:ResourceTag/application": cfg.app_name, "aws:ResourceTag/environment": cfg.env_name},
        "StringNotEquals": {"aws:ResourceTag/branch": "none"},
        "Null": {"aws:ResourceTag/branch": "false"},
    }


def sweeper_permissions(cfg: EnvironmentConfig, regions: list[str]) -> list[Permission]:
    """What delivery/sweep.py calls outside CloudFormation's own deploys, for the branch
    environments of ``cfg`` in ``regions``, each as narrow as the API allows."""
    account, prefix = cfg.account, name_prefix(cfg)
    arns = [(partition(r), r) for r in regions]
    tags = _tag_conditions(cfg)
    return [
        Permission(("cloudformation:DescribeStacks", "cloudformation:ListStacks", "tag:GetResources"), ("*",),
                   "The sweeper finds branch environments by listing every stack (DescribeStacks without a name needs "
                   "ListStacks and Resource '*') and their leftovers by tag (tag:GetResources has no resource-level permission); read-only."),
        Permission(("cloudformation:DescribeStackEvents",), tuple(f"arn:{p}:cloudformation:{r}:{account}:stack/{prefix}-*/*" for p, r in arns),
                   f"The sweeper reads why a stack failed to delete; stacks of {prefix} and its branch environments only (stack IDs end in a generated suffix)."),
        Permission(("cloudformation:DeleteStack",), tuple(f"arn:{p}:cloudformation:{r}:{account}:stack/{prefix}-*/*" for p, r in arns),
                   f"The sweeper deletes stacks of {prefix}'s branch environments: named {prefix}-<branch>-<tier> and tagged with a branch "
                   "other than 'none' (the condition), so never the environment's own stacks.", tags),
        Permission(("s3:ListBucketVersions", "s3:DeleteBucket"), (f"arn:{arns[0][0]}:s3:::{prefix}-*",),
                   f"The sweeper empties and deletes buckets a destroy left; CloudFormation names them after the stack, {prefix}-..., "
                   "and S3 offers no tag condition on these actions."),
        Permission(("s3:DeleteObject", "s3:DeleteObjectVersion"), (f"arn:{arns[0][0]}:s3:::{prefix}-*/*",),
                   f"Emptying a left-over bucket deletes every object version in it; buckets named {prefix}-... only."),
        Permission(("logs:DeleteLogGroup",), tuple(f"arn:{p}:logs:{r}:{account}:log-group:*" for p, r in arns),
                   "The sweeper deletes retained log groups of a branch environment; their names vary by service (/aws/rds/..., "
                   "/aws/lambda/..., generated), so the condition requires the environment's tags and a branch tag other than 'none'.", tags),
        Permission(("rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot"),
                   tuple(f"arn:{p}:rds:{r}:{account}:{kind}:*" for p, r in arns for kind in ("snapshot", "cluster-snapshot")),
                   "The sweeper deletes final snapshots of a branch environment's database; RDS generates their names, so the condition "
                   "requires the environment's tags (a final snapshot copies the instance's) and a branch tag other than 'none'.", tags),
        Permission(("kms:DescribeKey", "kms:ScheduleKeyDeletion"), tuple(f"arn:{p}:kms:{r}:{account}:key/*" for p, r in arns),
                   "The sweeper schedules the deletion of retained keys of a branch environment; key IDs are generated, so the condition "
                   "requires the environment's tags and a branch tag other than 'none'.", tags),
    ]


def db_snapshot_permissions(cfg: EnvironmentConfig) -> list[Permission]:
    """What delivery/snapshot.py (``make db-snapshot``) calls before production's deploy: the
    deployed template and physical ID of each database, and a manual snapshot of it."""
    p, r, account, prefix = partition(cfg.region), cfg.region, cfg.account, name_prefix(cfg)
    snapshots = (f"arn:{p}:rds:{r}:{account}:snapshot:predeploy-{prefix}-*", f"arn:{p}:rds:{r}:{account}:cluster-snapshot:predeploy-{prefix}-*")
    return [
        Permission(("cloudformation:GetTemplate", "cloudformation:DescribeStackResource"), (f"arn:{p}:cloudformation:{r}:{account}:stack/{prefix}-*/*",),
                   f"make db-snapshot reads the deployed template and the database's physical ID of {prefix}'s stacks only."),
        Permission(("rds:CreateDBSnapshot",), (f"arn:{p}:rds:{r}:{account}:db:{prefix}", f"arn:{p}:rds:{r}:{account}:db:{prefix}-replica", snapshots[0]),
                   "make db-snapshot snapshots the environment's instances (named by data_stack.py) into snapshots named predeploy-<stack>-..."),
        Permission(("rds:CreateDBClusterSnapshot",), (f"arn:{p}:rds:{r}:{account}:cluster:{prefix}", snapshots[1]),
                   "make db-snapshot snapshots the environment's Aurora cluster into snapshots named predeploy-<stack>-..."),
        Permission(("rds:AddTagsToResource", "rds:DescribeDBSnapshots", "rds:DescribeDBClusterSnapshots"), snapshots,
                   "make db-snapshot tags its snapshots as it creates them and waits until they are available; its own snapshots "
                   "only (named predeploy-<stack>-<logical id>-<time>, so the name ends in a wildcard)."),
    ]


def account_audit_trail(scope: Construct, trail: AccountTrail) -> AuditTrail:
    """The account's trail, with everything it keeps retained: audit evidence outlives the stack
    and every environment. One key encrypts its log files and its log group; its bucket's access
    logs go to a bucket of its own (an environment's may be destroyed with the environment)."""
    key = logs_key(scope, "AuditTrailKey", removal_policy=RemovalPolicy.RETAIN,
                   description=f"Encrypts the {trail.name} CloudTrail log files and log group")
    access_logs = AccessLogBucket(scope, "AuditTrailAccessLogs", retention_days=trail.retention_days,
                                  removal_policy=RemovalPolicy.RETAIN)
    return AuditTrail(scope, "AuditTrail", trail_name=trail.name, access_logs=access_logs.bucket,
                      retention_days=trail.retention_days, key=key,
                      logs=LogSettings(retention=retention(trail.log_retention_days), key=key, removal_policy=RemovalPolicy.RETAIN))


class DeliveryStack(Stack):
    """The deploy identity of ``configs`` (the profile's environments in one account), see the
    module's docstring. ``qualifier``: the CDK bootstrap qualifier the environments deploy with.
    Exposes ``provider``, ``deploy_roles`` (environment -> role), ``branch_roles`` and ``trail``
    (the account's ``AuditTrail``, or None)."""

    def __init__(self, scope: Construct, *, configs: list[EnvironmentConfig], qualifier: str) -> None:
        first = configs[0]
        account = first.account
        name = delivery_stack_name(first.app_name, account)
        trail = account_trail(configs)
        super().__init__(scope, name, stack_name=name, env=Environment(account=account, region=first.region),
                         description=f"{first.app_name}: GitHub Actions' deploy identity in account {account} "
                                     f"(OIDC, roles of {', '.join(c.env_name for c in configs)})"
                                     + ("; the account's audit trail" if trail is not None else ""),
                         # Deleting it cuts every workflow off from the account: a decision made by hand.
                         termination_protection=True)
        for key, value in {"application": first.app_name, "owner": first.owner, "cost-center": first.cost_center}.items():
            Tags.of(self).add(key, value)
        self.provider = GitHubOidcProvider(self, "GitHubOidc", existing_arn=first.delivery.oidc_provider_arn)
        self.deploy_roles: dict[str, GitHubDeployRole] = {}
        self.branch_roles: dict[str, GitHubDeployRole] = {}
        for cfg in configs:
            regions = list(dict.fromkeys((cfg.region, GLOBAL_REGION)))
            assume_bootstrap = bootstrap_roles(account=account, regions=regions, qualifier=qualifier)
            deploy = [assume_bootstrap]
            if cfg.production:
                deploy += db_snapshot_permissions(cfg)
            environment = github_environment(cfg)
            role = self.deploy_roles[cfg.env_name] = GitHubDeployRole(
                self, f"Deploy-{cfg.env_name}", provider_arn=self.provider.arn,
                subject=github_subject(cfg, environment), role_name=deploy_role_name(cfg),
                description=f"GitHub environment '{environment}' deploys {cfg.env_name}",
                permissions=deploy, max_session=MAX_SESSION)
            CfnOutput(self, f"DeployRoleArn{cfg.env_name.capitalize()}", value=role.role.role_arn,
                      description=f"GitHub environment '{environment}': variable DEPLOY_ROLE_ARN")
            branch_environment = cfg.delivery.branch_github_environment
            if branch_environment:
                branch = self.branch_roles[cfg.env_name] = GitHubDeployRole(
                    self, f"Branches-{cfg.env_name}", provider_arn=self.provider.arn,
                    subject=github_subject(cfg, branch_environment), role_name=branch_role_name(cfg),
                    description=f"GitHub environment '{branch_environment}' deploys, destroys and sweeps {cfg.env_name}'s branch environments",
                    permissions=[assume_bootstrap, *sweeper_permissions(cfg, regions)],
                    max_session=MAX_SESSION)
                CfnOutput(self, f"BranchRoleArn{cfg.env_name.capitalize()}", value=branch.role.role_arn,
                          description=f"GitHub environment '{branch_environment}': variable PREVIEW_DEPLOY_ROLE_ARN")

        self.trail = account_audit_trail(self, trail) if trail is not None else None
