"""The delivery stack (``-c delivery=true``): GitHub's OIDC provider and the deploy roles of each
account. Each role's trust is asserted whole, its permissions statement by statement; the
stack is clean on the three cdk-nag packs, cfn-lint and checkov, and snapshotted.

Two profiles' worth of delivery stacks are synthesized once per module: the reference profile as
configured (every environment in the placeholder account: one stack) and the same with an
account per environment and an existing OIDC provider in production's (three stacks).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from aws_cdk import App, DefaultStackSynthesizer
from aws_cdk.assertions import Template
from syrupy.extensions.json import JSONSnapshotExtension

from config.derived import environments_by_account
from config.loader import load
from infra_constructs.github_deploy_identity import BOOTSTRAP_ROLES
from stacks.delivery_stack import DeliveryStack
from stacks.stage import add_compliance_checks
from tests.conftest import CDK_CONTEXT, NAG_PACKS, ROOT
from tests.template_scans import CFN_LINT, CHECKOV
from tests.test_app import run_app
from tests.test_snapshots import masked

HOST = "token.actions.githubusercontent.com"
QUALIFIER = DefaultStackSynthesizer.DEFAULT_QUALIFIER
DEV, STAGING, PROD = "222222222222", "333333333333", "444444444444"
EXISTING_PROVIDER = f"arn:aws:iam::{PROD}:oidc-provider/{HOST}"
OWNER = {"delivery": {"github_owner": "acme", "github_repository": "shop"}}
# An account per environment; production's already has GitHub's provider.
SEPARATE_ACCOUNTS = {"dev": {"account": DEV, **OWNER}, "staging": {"account": STAGING, **OWNER},
                     "prod": {"account": PROD, "delivery": {**OWNER["delivery"], "oidc_provider_arn": EXISTING_PROVIDER}}}


@dataclass
class Delivery:
    templates: dict[str, dict]  # stack name -> template
    files: dict[str, Path]
    findings: dict[str, list[str]]

    def roles(self, stack: str) -> dict[str, dict]:
        """Role name -> {"trust": ..., "statements": [...], "max_session": ...} of every role GitHub's
        tokens may assume (the account trail's log delivery role is CloudTrail's, see its test)."""
        resources = self.templates[stack]["Resources"]
        found = {}
        for role in resources.values():
            if role["Type"] != "AWS::IAM::Role" or "cloudtrail.amazonaws.com" in json.dumps(role["Properties"]["AssumeRolePolicyDocument"]):
                continue
            (attached,) = role["Properties"]["ManagedPolicyArns"]  # one managed policy, nothing inline
            assert "Policies" not in role["Properties"]
            policy = resources[attached["Ref"]]
            found[role["Properties"]["RoleName"]] = {
                "trust": role["Properties"]["AssumeRolePolicyDocument"], "max_session": role["Properties"]["MaxSessionDuration"],
                "statements": policy["Properties"]["PolicyDocument"]["Statement"], "policy": policy}
        return found


def _synthesize(outdir: Path, overrides: dict | None = None) -> Delivery:
    configs = load(delivery=True, overrides=overrides)
    app = App(outdir=str(outdir), context={**CDK_CONTEXT, "@aws-cdk/core:failSynthOnValidationErrors": False},
              builtin_cloud_formation_validation=False)
    stacks = [DeliveryStack(app, configs=in_account, qualifier=QUALIFIER) for in_account in environments_by_account(configs).values()]
    add_compliance_checks(app, [])
    assembly = app.synth()
    findings = {}
    for pack_cls in NAG_PACKS:
        pack = pack_cls()
        report = pack.validate_scope(app)
        findings[pack.read_pack_name] = [f"{v.rule_name} at {r.construct_path}" for v in report.violations for r in v.violating_resources]
    artifacts = {s.stack_name: assembly.get_stack_artifact(s.artifact_id) for s in stacks}
    return Delivery({n: a.template for n, a in artifacts.items()}, {n: Path(a.template_full_path) for n, a in artifacts.items()}, findings)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Delivery:
    return _synthesize(tmp_path_factory.mktemp("delivery-reference"))


@pytest.fixture(scope="module")
def separate(tmp_path_factory) -> Delivery:
    return _synthesize(tmp_path_factory.mktemp("delivery-separate"), SEPARATE_ACCOUNTS)


def trust(subject: str, provider: object) -> dict:
    """The one trust policy a deploy role may have: GitHub's tokens for STS with exactly ``subject``."""
    return {"Version": "2012-10-17", "Statement": [{
        "Action": "sts:AssumeRoleWithWebIdentity", "Effect": "Allow", "Principal": {"Federated": provider},
        "Condition": {"StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": subject}}}]}


def bootstrap(account: str, *regions: str) -> list[str]:
    return [f"arn:aws:iam::{account}:role/cdk-{QUALIFIER}-{role}-role-{account}-{region}" for region in regions for role in BOOTSTRAP_ROLES]


def _provider_ref(template: dict) -> dict:
    (logical_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::OIDCProvider"]
    return {"Ref": logical_id}


# ------------------------------------------------------------------------------------ trust


def test_one_stack_per_account_named_after_it(reference, separate):
    assert list(reference.templates) == ["webapp-delivery-111111111111"]
    assert list(separate.templates) == [f"webapp-delivery-{DEV}", f"webapp-delivery-{STAGING}", f"webapp-delivery-{PROD}"]


def test_the_provider_is_githubs_for_sts_without_a_custom_resource(reference):
    template = reference.templates["webapp-delivery-111111111111"]
    (provider,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::OIDCProvider"]
    assert provider["Properties"]["Url"] == f"https://{HOST}" and provider["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]
    assert not [r for r in template["Resources"].values() if r["Type"] in ("AWS::Lambda::Function", "Custom::AWSCDKOpenIdConnectProvider")]


def test_each_role_trusts_exactly_its_github_environment(reference):
    stack = "webapp-delivery-111111111111"
    provider = _provider_ref(reference.templates[stack])
    roles = reference.roles(stack)
    assert {name: role["trust"] for name, role in roles.items()} == {
        "webapp-github-deploy-dev": trust("repo:example-org/webapp:environment:dev", provider),
        "webapp-github-branches-dev": trust("repo:example-org/webapp:environment:preview", provider),
        "webapp-github-deploy-staging": trust("repo:example-org/webapp:environment:staging", provider),
        # production: only jobs of the "production" environment (required reviewers), never a branch or pull request
        "webapp-github-deploy-prod": trust("repo:example-org/webapp:environment:production", provider),
    }
    assert {role["max_session"] for role in roles.values()} == {7200}


def test_separate_accounts_hold_only_their_environments_roles_and_reuse_an_existing_provider(separate):
    subjects = {stack: {name: role["trust"]["Statement"][0]["Condition"]["StringEquals"][f"{HOST}:sub"]
                        for name, role in separate.roles(stack).items()} for stack in separate.templates}
    assert subjects == {
        f"webapp-delivery-{DEV}": {"webapp-github-deploy-dev": "repo:acme/shop:environment:dev",
                                   "webapp-github-branches-dev": "repo:acme/shop:environment:preview"},
        f"webapp-delivery-{STAGING}": {"webapp-github-deploy-staging": "repo:acme/shop:environment:staging"},
        f"webapp-delivery-{PROD}": {"webapp-github-deploy-prod": "repo:acme/shop:environment:production"},
    }
    prod = separate.templates[f"webapp-delivery-{PROD}"]
    assert not [r for r in prod["Resources"].values() if r["Type"] == "AWS::IAM::OIDCProvider"]
    assert separate.roles(f"webapp-delivery-{PROD}")["webapp-github-deploy-prod"]["trust"] == trust(
        "repo:acme/shop:environment:production", EXISTING_PROVIDER)


def test_the_outputs_name_the_github_variable_of_each_role(reference):
    outputs = reference.templates["webapp-delivery-111111111111"]["Outputs"]
    described = {key: o["Description"] for key, o in outputs.items()}
    assert described == {
        "DeployRoleArnDev": "GitHub environment 'dev': variable DEPLOY_ROLE_ARN",
        "BranchRoleArnDev": "GitHub environment 'preview': variable PREVIEW_DEPLOY_ROLE_ARN",
        "DeployRoleArnStaging": "GitHub environment 'staging': variable DEPLOY_ROLE_ARN",
        "DeployRoleArnProd": "GitHub environment 'production': variable DEPLOY_ROLE_ARN",
    }


def test_the_workflows_use_the_github_environments_and_variables_the_roles_trust():
    def jobs(name: str) -> dict:
        return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())["jobs"]

    def role_variable(job: dict) -> str:
        (step,) = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials")]
        return step["with"]["role-to-assume"]

    promote = jobs("promote.yml")
    for job, environment in (("dev", "dev"), ("staging", "staging"), ("production", "production")):
        assert promote[job]["environment"] == environment and role_variable(promote[job]) == "${{ vars.DEPLOY_ROLE_ARN }}"
    for job in (*jobs("preview.yml").values(), *jobs("sweep.yml").values()):
        assert job["environment"] == "preview" and role_variable(job) == "${{ vars.PREVIEW_DEPLOY_ROLE_ARN }}"


# ------------------------------------------------------------------------------------ permissions


def _by_action(statements: list[dict]) -> dict[str, tuple[list[str], dict]]:
    found = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            assert action not in found, f"{action} granted twice"
            found[action] = (sorted(resources), statement.get("Condition", {}))
    return found


def norm(expected: dict[str, tuple[list[str], dict]]) -> dict[str, tuple[list[str], dict]]:
    """``expected`` with each resource list sorted, as ``_by_action`` gives them (CDK sorts some)."""
    return {action: (sorted(resources), condition) for action, (resources, condition) in expected.items()}


BRANCH_TAGS = {"StringEquals": {"aws:ResourceTag/application": "webapp", "aws:ResourceTag/environment": "dev"},
               "StringNotEquals": {"aws:ResourceTag/branch": "none"}, "Null": {"aws:ResourceTag/branch": "false"}}


def test_deploy_roles_may_only_assume_the_bootstrap_roles(reference):
    roles = reference.roles("webapp-delivery-111111111111")
    for name in ("webapp-github-deploy-dev", "webapp-github-deploy-staging"):
        assert _by_action(roles[name]["statements"]) == norm({"sts:AssumeRole": (bootstrap("111111111111", "us-east-1"), {})}), name


def test_roles_reach_the_bootstrap_roles_of_the_region_and_us_east_1_with_the_apps_qualifier():
    # The application outside us-east-1 (edge-global stays there), and a custom bootstrap qualifier.
    overrides = {"dev": {"region": "eu-west-1", "network": {"availability_zones": ["eu-west-1a", "eu-west-1b"]}}}
    (dev,) = [c for c in load(delivery=True, overrides=overrides) if c.env_name == "dev"]
    stack = DeliveryStack(App(), configs=[dev], qualifier="custom1")
    template = Template.from_stack(stack).to_json()
    policies = {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::ManagedPolicy"}
    expected = [f"arn:aws:iam::111111111111:role/cdk-custom1-{role}-role-111111111111-{region}"
                for region in ("eu-west-1", "us-east-1") for role in BOOTSTRAP_ROLES]
    for policy in policies.values():
        assert _by_action(policy["Properties"]["PolicyDocument"]["Statement"])["sts:AssumeRole"] == (sorted(expected), {})
    branch = _by_action(next(p for p in policies.values() if "branches" in p["Properties"]["Description"])["Properties"]["PolicyDocument"]["Statement"])
    assert branch["logs:DeleteLogGroup"][0] == ["arn:aws:logs:eu-west-1:111111111111:log-group:*", "arn:aws:logs:us-east-1:111111111111:log-group:*"]


def test_production_may_also_snapshot_its_own_databases_only(reference):
    granted = _by_action(reference.roles("webapp-delivery-111111111111")["webapp-github-deploy-prod"]["statements"])
    arn = "arn:aws:{}:us-east-1:111111111111:{}"
    snapshots = [arn.format("rds", "snapshot:predeploy-webapp-prod-*"), arn.format("rds", "cluster-snapshot:predeploy-webapp-prod-*")]
    assert granted == norm({
        "sts:AssumeRole": (bootstrap("111111111111", "us-east-1"), {}),
        "cloudformation:GetTemplate": ([arn.format("cloudformation", "stack/webapp-prod-*/*")], {}),
        "cloudformation:DescribeStackResource": ([arn.format("cloudformation", "stack/webapp-prod-*/*")], {}),
        "rds:CreateDBSnapshot": ([arn.format("rds", "db:webapp-prod"), arn.format("rds", "db:webapp-prod-replica"), snapshots[0]], {}),
        "rds:CreateDBClusterSnapshot": ([arn.format("rds", "cluster:webapp-prod"), snapshots[1]], {}),
        "rds:AddTagsToResource": (snapshots, {}),
        "rds:DescribeDBSnapshots": (snapshots, {}),
        "rds:DescribeDBClusterSnapshots": (snapshots, {}),
    })


def test_the_branch_role_may_deploy_and_sweep_devs_branch_environments_only(reference):
    granted = _by_action(reference.roles("webapp-delivery-111111111111")["webapp-github-branches-dev"]["statements"])
    arn = "arn:aws:{}:us-east-1:111111111111:{}"
    assert granted == norm({
        "sts:AssumeRole": (bootstrap("111111111111", "us-east-1"), {}),
        # Listing needs "*" (read-only): the sweeper's discovery.
        "cloudformation:DescribeStacks": (["*"], {}), "cloudformation:ListStacks": (["*"], {}), "tag:GetResources": (["*"], {}),
        "cloudformation:DescribeStackEvents": ([arn.format("cloudformation", "stack/webapp-dev-*/*")], {}),
        "cloudformation:DeleteStack": ([arn.format("cloudformation", "stack/webapp-dev-*/*")], BRANCH_TAGS),
        "s3:ListBucketVersions": (["arn:aws:s3:::webapp-dev-*"], {}), "s3:DeleteBucket": (["arn:aws:s3:::webapp-dev-*"], {}),
        "s3:DeleteObject": (["arn:aws:s3:::webapp-dev-*/*"], {}), "s3:DeleteObjectVersion": (["arn:aws:s3:::webapp-dev-*/*"], {}),
        "logs:DeleteLogGroup": ([arn.format("logs", "log-group:*")], BRANCH_TAGS),
        "rds:DeleteDBSnapshot": ([arn.format("rds", "snapshot:*"), arn.format("rds", "cluster-snapshot:*")], BRANCH_TAGS),
        "rds:DeleteDBClusterSnapshot": ([arn.format("rds", "snapshot:*"), arn.format("rds", "cluster-snapshot:*")], BRANCH_TAGS),
        "kms:DescribeKey": ([arn.format("kms", "key/*")], BRANCH_TAGS),
        "kms:ScheduleKeyDeletion": ([arn.format("kms", "key/*")], BRANCH_TAGS),
    })


def test_every_write_on_a_wildcard_is_held_by_tags_or_a_name_prefix(reference, separate):
    for delivery in (reference, separate):
        for stack in delivery.templates:
            for name, role in delivery.roles(stack).items():
                for action, (resources, _condition) in _by_action(role["statements"]).items():
                    if "*" in resources:
                        assert action in ("cloudformation:DescribeStacks", "cloudformation:ListStacks", "tag:GetResources"), (name, action)


# ------------------------------------------------------------------------------------ the account's trail


def _account_trail(template: dict) -> tuple[dict, dict]:
    """The account trail's properties and the stack's resources."""
    resources = template["Resources"]
    (trail,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudTrail::Trail"]
    return trail, resources


def test_one_account_trail_records_every_environment_of_the_account(reference):
    trail, resources = _account_trail(reference.templates["webapp-delivery-111111111111"])
    assert trail["TrailName"] == "webapp-account"
    assert trail["IsMultiRegionTrail"] and trail["IncludeGlobalServiceEvents"] and trail["EnableLogFileValidation"] and trail["IsLogging"]
    # One retained, rotating key for the log files and the log group: $1 a month for the account.
    (key_id,) = [k for k, r in resources.items() if r["Type"] == "AWS::KMS::Key"]
    key = resources[key_id]
    assert trail["KMSKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain" and key["Properties"]["EnableKeyRotation"]
    group = resources[trail["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0]]
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]} and group["DeletionPolicy"] == "Retain"
    assert group["Properties"]["RetentionInDays"] == 90  # the longest log_retention_days: prod's
    # Audit evidence outlives the stack: the bucket (a year: production's history) and its access logs are retained.
    bucket = resources[trail["S3BucketName"]["Ref"]]
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 365 and rule["Transitions"] == [{"StorageClass": "GLACIER", "TransitionInDays": 90}]
    access_logs = resources[bucket["Properties"]["LoggingConfiguration"]["DestinationBucketName"]["Ref"]]
    assert bucket["DeletionPolicy"] == access_logs["DeletionPolicy"] == "Retain"
    assert not [r for r in resources.values() if r["Type"] == "Custom::S3AutoDeleteObjects"]
    # The one role besides the deploy roles: CloudTrail's, writing to this trail's log group only.
    (delivery_role,) = [r["Properties"] for r in resources.values()
                        if r["Type"] == "AWS::IAM::Role" and "cloudtrail.amazonaws.com" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])]
    assert "RoleName" not in delivery_role and len(reference.roles("webapp-delivery-111111111111")) == 4


def test_separate_accounts_each_get_a_trail_kept_as_long_as_their_environments_ask(separate):
    kept = {}
    for stack, template in separate.templates.items():
        trail, resources = _account_trail(template)
        (rule,) = resources[trail["S3BucketName"]["Ref"]]["Properties"]["LifecycleConfiguration"]["Rules"]
        kept[stack] = (trail["TrailName"], rule["ExpirationInDays"])
    assert kept == {f"webapp-delivery-{DEV}": ("webapp-account", 90), f"webapp-delivery-{STAGING}": ("webapp-account", 365),
                    f"webapp-delivery-{PROD}": ("webapp-account", 365)}


def test_the_account_trails_stateful_resources_keep_their_logical_ids(reference, separate):
    # As tests/test_logical_ids.py does for the environments: a new ID would replace the key (old
    # log files unreadable) or the buckets (a new, empty one; the old retained).
    pinned = {"AuditTrailKey24F580F8": "AWS::KMS::Key", "AuditTrailAccessLogsBucket63564032": "AWS::S3::Bucket",
              "AuditTrailBucketA91FD435": "AWS::S3::Bucket", "AuditTrailLogGroup28BB9333": "AWS::Logs::LogGroup"}
    for delivery in (reference, separate):
        for template in delivery.templates.values():
            stateful = {k: r["Type"] for k, r in template["Resources"].items()
                        if r["Type"] in ("AWS::KMS::Key", "AWS::S3::Bucket", "AWS::Logs::LogGroup")}
            assert stateful == pinned


@pytest.mark.parametrize("profile", ["chronoview", "stockpilot", "spendwise", "bankapp"])
def test_each_seed_systems_account_has_its_trail(profile):
    # Their environments share the placeholder account, like the reference's: one trail for all.
    configs = load(profile=profile, delivery=True)
    (in_account,) = environments_by_account(configs).values()
    stack = DeliveryStack(App(), configs=in_account, qualifier=QUALIFIER)
    assert stack.trail is not None
    Template.from_stack(stack).has_resource_properties("AWS::CloudTrail::Trail", {
        "TrailName": f"{profile}-account", "IsMultiRegionTrail": True, "EnableLogFileValidation": True})


def test_no_account_trail_where_every_environment_keeps_its_own():
    own = {"delivery": {"account_trail": False}, "observability": {"cloudtrail": True}}
    configs = load(delivery=True, overrides={"dev": own, "staging": own, "prod": own})
    stack = DeliveryStack(App(), configs=configs, qualifier=QUALIFIER)
    assert stack.trail is None
    Template.from_stack(stack).resource_count_is("AWS::CloudTrail::Trail", 0)


# ------------------------------------------------------------------------------------ checks


def test_no_unacknowledged_nag_findings(reference, separate):
    for delivery in (reference, separate):
        assert delivery.findings == {"AwsSolutions": [], "NIST.800.53.R5": [], "PCI.DSS.321": []}


def test_each_wildcard_is_acknowledged_next_to_its_policy_with_its_reason(reference):
    roles = reference.roles("webapp-delivery-111111111111")
    acknowledged = {rule["id"]: rule["reason"] for rule in
                    roles["webapp-github-branches-dev"]["policy"]["Metadata"]["cdk_nag"]["rules_to_suppress"]}
    assert set(acknowledged) == {
        "AwsSolutions-IAM5[Resource::*]",
        *(f"AwsSolutions-IAM5[Resource::arn:aws:{r}]" for r in (
            "cloudformation:us-east-1:111111111111:stack/webapp-dev-*/*", "s3:::webapp-dev-*", "s3:::webapp-dev-*/*",
            "logs:us-east-1:111111111111:log-group:*", "rds:us-east-1:111111111111:snapshot:*",
            "rds:us-east-1:111111111111:cluster-snapshot:*", "kms:us-east-1:111111111111:key/*")),
    }
    assert all(len(reason) >= 60 for reason in acknowledged.values())
    # Deploy roles of dev and staging hold no wildcard, so they acknowledge nothing.
    assert "Metadata" not in roles["webapp-github-deploy-dev"]["policy"]


def test_cfn_lint_and_checkov_find_nothing(reference, separate, tmp_path):
    files = [*reference.files.values(), *separate.files.values()]
    lint = subprocess.run([str(CFN_LINT), "--config-file", str(ROOT / ".cfnlintrc.yaml"), "--format", "parseable", "--", *map(str, files)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr
    folder = tmp_path / "templates"
    folder.mkdir()
    for path in files:
        (folder / path.name).write_text(path.read_text())
    run = subprocess.run([str(CHECKOV), "-d", str(folder), "--framework", "cloudformation", "--compact", "--skip-download", "--output", "json"],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(run.stdout)
    (report,) = report if isinstance(report, list) else [report]
    assert [f"{f['check_id']} on {f['resource']}" for f in report["results"]["failed_checks"]] == []
    assert report["summary"]["resource_count"] > 0


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_template(reference, snapshot_json):
    assert masked(reference.templates["webapp-delivery-111111111111"]) == snapshot_json


# ------------------------------------------------------------------------------------ the app


@pytest.mark.parametrize(("context", "expected"), [
    ({"delivery": "true", "branch": "feature/x"}, "-c branch=feature/x: -c delivery=true builds the deploy identity"),
    ({"delivery": "yes"}, "-c delivery=yes: must be true or false"),
    ({"delivery": "true", "account": "123456789012"}, "delivery.github_owner = 'example-org' is the placeholder"),
])
def test_bad_delivery_context_stops_with_one_clear_message(tmp_path, context, expected):
    result = run_app(tmp_path, context)
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.startswith("Invalid configuration, synthesis stopped:")
    assert expected in result.stderr and "Fix:" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
