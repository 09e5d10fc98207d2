"""Synthesize each environment and configuration variant once per test session, on first use.

Each variant is its own App (the cdk.json feature flags as context, as the CLI would
pass them), synthesized into a temporary folder. Tests read the resulting templates
and the cdk-nag reports computed over the synthesized tree; none synthesizes again.
When the chosen tests read several variants, a second process synthesizes some of
them meanwhile, and app.py's and the CLI's subprocesses start early (tests/background.py).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

# The project's Node 22 and CDK CLI first on PATH, as the Makefile does, also when pytest is run
# directly (`.venv/bin/pytest --snapshot-update`): jsii starts its Node when aws_cdk is imported
# (below), and the CLI tests and subprocesses inherit it.
_NODE_BIN = str(Path(__file__).resolve().parent.parent / "node_modules" / ".bin")
if not os.environ.get("PATH", "").startswith(_NODE_BIN):
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

# AWS and CDK variables pointing elsewhere, as on a laptop logged in to another account:
# synthesis must not read them (README: deterministic, credential-free). jsii starts its Node
# when aws_cdk is first imported, so every in-process synthesis runs in a Node that has them,
# and the prefetch worker (tests/background.py) gets them in Python too; the snapshots and
# tests/test_app.py compare with runs that have none. Python's own environment is restored
# at once, so boto3 in the function tests never sees a profile that does not exist.
HOSTILE_AWS_VARIABLES = {
    "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_PROFILE": "someone-else",
    "CDK_DEFAULT_ACCOUNT": "999999999999", "CDK_DEFAULT_REGION": "eu-west-1",
}
_saved = {key: os.environ.get(key) for key in HOSTILE_AWS_VARIABLES}
os.environ.update(HOSTILE_AWS_VARIABLES)
import pytest  # noqa: E402
from aws_cdk import App  # noqa: E402

for _key, _value in _saved.items():
    if _value is None:
        os.environ.pop(_key)
    else:
        os.environ[_key] = _value
from aws_cdk.assertions import Template  # noqa: E402
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks  # noqa: E402

from config.loader import load  # noqa: E402
from config.profiles import DEFAULT_PROFILE, PROFILES  # noqa: E402
from config.schema import EnvironmentConfig  # noqa: E402
from stacks.edge_global_stack import needs_edge_global  # noqa: E402
from stacks.stage import add_compliance_checks, build  # noqa: E402
from tests.background import Claims, Jobs, Prefetch  # noqa: E402
from tests.template_scans import TemplateScans, distinct_templates  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CDK_CONTEXT = json.loads((ROOT / "cdk.json").read_text())["context"]

# Every environment of every seed system's profile (config/profiles.py, docs/profiles/), as
# `-c profile=<name> -c env=<env>` builds it: "<profile>-<env>" (chronoview-dev, bankapp-prod, ...).
SEED_PROFILES = tuple(name for name in PROFILES if name != DEFAULT_PROFILE)
PROFILE_VARIANTS: dict[str, dict] = {f"{profile}-{env}": {"profile": profile, "env": env}
                                     for profile in SEED_PROFILES for env in PROFILES[profile].environments}

# Variant name -> arguments of config.loader.load. The reference environments, the
# configurations of the reference a user can choose that change what a stack holds, and the
# seed systems' environments.
VARIANTS: dict[str, dict] = {
    "dev": {"env": "dev"},
    "staging": {"env": "staging"},
    "prod": {"env": "prod"},
    # A branch environment whose alarms go to the branch's owner.
    "dev-branch": {"env": "dev", "branch": "feature/login-page",
                   "overrides": {"dev": {"observability": {"branch_emails": ["login-page-owner@example.com"]}}}},
    # Aurora Serverless v2 that pauses at 0 ACU (cheap non-production), without migrations and so
    # without the PostConfirmation trigger (the team's own tables).
    "dev-aurora": {
        "env": "dev",
        "overrides": {"dev": {"database": {"engine": "aurora-serverless-v2", "apply_migrations": False},
                              "auth": {"user_sync": False}}},
    },
    # Aurora with a reader in a second AZ (staging shape), uploads bucket off, no budget
    # (an account that keeps its budgets elsewhere), a trail of the environment's own instead of
    # relying on the account's (the one variant with one: infra_constructs/audit_trail.py in an environment).
    "staging-aurora": {
        "env": "staging",
        "overrides": {"staging": {"database": {"engine": "aurora-serverless-v2", "serverless_min_acu": 0.5},
                                  "storage": {"uploads_bucket": False},
                                  "observability": {"monthly_budget_usd": 0, "cloudtrail": True}}},
    },
    # A domain (load balancer gets a certificate: HTTPS from CloudFront), three AZs, DynamoDB endpoint.
    "domain-3az": {
        "env": "staging",
        "overrides": {"staging": {
            "domain": {"name": "staging.example.com", "hosted_zone_id": "Z0123456789ABCDEFGHIJ", "hosted_zone_name": "example.com"},
            "network": {"availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"], "dynamodb_gateway_endpoint": True},
        }},
    },
    # The application outside us-east-1 (CloudFront's certificate and web ACL still there),
    # on a domain; WAF counting only, on the load balancer too, with Bot Control; an
    # internet-facing load balancer with the origin secret instead of a VPC origin.
    "eu-domain": {
        "env": "staging",
        "overrides": {"staging": {
            "region": "eu-west-1",
            "network": {"availability_zones": ["eu-west-1a", "eu-west-1b"]},
            "domain": {"name": "app.example.eu", "hosted_zone_id": "Z0EU3456789ABCDEFGHIJ", "hosted_zone_name": "example.eu"},
            "waf": {"mode": "count", "load_balancer_acl": True, "bot_control": True},
            "edge": {"api_origin": "internet-facing"},
        }},
    },
    # ChronoView: EC2 (x86, Nginx + PM2) with /ws, Cognito, a domain; prod with stickiness and X-Ray.
    # StockPilot: dev the single public instance without NAT, Amplify, served product images, SNS
    # topics, off hours; prod two private instances. SpendWise: Fargate from ECR with endpoints
    # instead of NAT, Amplify on a domain, the bastion. BankApp: own JWTs, the seed's sizes, a
    # replica and Redis in prod.
    **PROFILE_VARIANTS,
}


@functools.cache
def config_of(variant: str) -> EnvironmentConfig:
    """The variant's configuration, without synthesizing it (to choose a test's variants by setting)."""
    (config,) = load(**VARIANTS[variant])
    return config


def variants_where(predicate: Callable[[EnvironmentConfig], bool]) -> list[str]:
    """The variants whose configuration meets ``predicate`` (e.g. ``lambda c: c.compute.kind == "ec2"``)."""
    return [name for name in VARIANTS if predicate(config_of(name))]


NAG_PACKS = (AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks)

# Every environment's stacks, in deployment order; outside us-east-1 also "edge-alarms".
TIERS = ("network", "data", "edge-global", "edge", "auth", "compute", "frontend", "observability")
OUTSIDE_US_EAST_1 = ("eu-domain",)


def tiers(variant: str) -> tuple[str, ...]:
    """The variant's stacks in deployment order: no edge-global without a web ACL or a domain
    (``waf.mode`` "off"), edge-alarms outside us-east-1."""
    chosen = TIERS if needs_edge_global(config_of(variant)) else tuple(t for t in TIERS if t != "edge-global")
    return chosen + (("edge-alarms",) if variant in OUTSIDE_US_EAST_1 else ())


# (variant, tier) for every stack of every variant.
VARIANT_TIERS = [(variant, tier) for variant in VARIANTS for tier in tiers(variant)]

REFERENCE_ENVIRONMENTS = ("dev", "staging", "prod")
# The tiers each variant changes against the reference environment it derives from: only these
# are snapshotted (tests/test_snapshots.py checks that every other tier equals its base's).
SNAPSHOT_TIERS: dict[str, tuple[str, ...]] = {
    "dev-branch": tiers("dev-branch"),
    "dev-aurora": ("data", "auth", "compute", "observability"),
    "staging-aurora": ("data", "auth", "compute", "observability"),
    "domain-3az": ("network", "data", "edge-global", "edge", "auth", "compute"),
    "eu-domain": (*TIERS, "edge-alarms"),
    # A seed system's environment has no base in the reference: every stack.
    **{variant: tiers(variant) for variant in PROFILE_VARIANTS},
}
SNAPSHOT_CASES = [(env, tier) for env in REFERENCE_ENVIRONMENTS for tier in tiers(env)] + [
    (variant, tier) for variant, changed in SNAPSHOT_TIERS.items() for tier in changed
]
UNCHANGED_CASES = [(variant, tier) for variant, tier in VARIANT_TIERS
                   if variant not in REFERENCE_ENVIRONMENTS and tier not in SNAPSHOT_TIERS[variant]]


@dataclass
class Synthesized:
    config: EnvironmentConfig
    # Tier ("network") -> template dict, and -> template file on disk.
    templates: dict[str, dict]
    template_files: dict[str, Path]
    stack_names: dict[str, str]
    regions: dict[str, str]
    termination_protection: dict[str, bool]
    # Pack name -> list of "rule at path" findings not acknowledged.
    nag_findings: dict[str, list[str]]

    def template(self, tier: str = "network") -> Template:
        return Template.from_json(self.templates[tier])

    @property
    def assembly(self) -> Path:
        """The cloud assembly folder the templates were written to (with manifest.json)."""
        return self.template_files["network"].parent

    def to_record(self) -> dict:
        """What another process needs to rebuild this (tests/synth_worker.py); templates stay on disk."""
        return {"template_files": {tier: str(path) for tier, path in self.template_files.items()},
                "stack_names": self.stack_names, "regions": self.regions,
                "termination_protection": self.termination_protection, "nag_findings": self.nag_findings}

    @classmethod
    def from_record(cls, config: EnvironmentConfig, record: dict) -> Synthesized:
        files = {tier: Path(path) for tier, path in record["template_files"].items()}
        return cls(config, {tier: json.loads(path.read_text()) for tier, path in files.items()}, files,
                   record["stack_names"], record["regions"], record["termination_protection"], record["nag_findings"])


def stack_artifacts(assembly: Path) -> dict[str, dict]:
    """Artifact ID -> manifest entry of every stack in the cloud assembly at ``assembly``."""
    artifacts = json.loads((assembly / "manifest.json").read_text())["artifacts"]
    return {artifact_id: a for artifact_id, a in artifacts.items() if a["type"] == "aws:cloudformation:stack"}


def closure(edges: Mapping[str, Iterable[str]], start: Iterable[str]) -> set[str]:
    """``start`` and everything reachable from it through ``edges`` (e.g. stack dependencies)."""
    seen, todo = set(), list(start)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges[node])
    return seen


def resources(synth: Synthesized, cfn_type: str, *, tier: str) -> dict[str, dict]:
    """Logical ID -> resource, for every resource of ``cfn_type`` in the tier's template."""
    return {k: r for k, r in synth.templates[tier]["Resources"].items() if r["Type"] == cfn_type}


def one(synth: Synthesized, cfn_type: str, *, tier: str) -> tuple[str, dict]:
    """The single resource of ``cfn_type`` in the tier's template (fails if not exactly one)."""
    (item,) = resources(synth, cfn_type, tier=tier).items()
    return item


def synthesize(spec: dict, outdir: Path) -> Synthesized:
    (config,) = load(**spec)
    outdir.mkdir(parents=True, exist_ok=True)
    # As app.py does, with one difference: findings are collected below and reported
    # per rule instead of failing the synthesis.
    # CDK's built-in CloudFormation validation is left to cfn-lint, which lints every template
    # of every variant (tests/test_cfn_lint.py); app.py's own runs keep it (tests/test_app.py).
    app = App(outdir=str(outdir), context={**CDK_CONTEXT, "@aws-cdk/core:failSynthOnValidationErrors": False},
              builtin_cloud_formation_validation=False)
    # As `-c env=` builds it: the environment's stacks at the top level.
    environments = build(app, [config], staged=False)
    add_compliance_checks(app, environments)
    (environment,) = environments
    assembly = app.synth()
    templates, files, names, protection, regions = {}, {}, {}, {}, {}
    for tier, stack in environment.stacks.items():
        artifact = assembly.get_stack_artifact(stack.artifact_id)
        templates[tier] = artifact.template
        files[tier] = Path(artifact.template_full_path)
        names[tier] = artifact.stack_name
        regions[tier] = artifact.environment.region
        protection[tier] = bool(artifact.termination_protection)
    findings = {}
    for pack_cls in NAG_PACKS:
        pack = pack_cls()
        report = pack.validate_scope(app)
        findings[pack.read_pack_name] = [
            f"{v.rule_name} at {r.construct_path}" for v in report.violations for r in v.violating_resources
        ]
    return Synthesized(config, templates, files, names, regions, protection, findings)


class LazyVariants(Mapping[str, Synthesized]):
    """Variant name -> ``Synthesized``, synthesized on first use and kept for the session: a
    focused run (``pytest tests/test_network.py -k dev``) synthesizes only what it reads.
    A variant the prefetch worker has claimed is read from its record instead."""

    def __init__(self, claims: Claims, prefetch: Prefetch | None) -> None:
        self._claims, self._prefetch = claims, prefetch
        self._done: dict[str, Synthesized] = {}

    def __getitem__(self, name: str) -> Synthesized:
        if name not in self._done:
            spec = VARIANTS[name]
            if self._claims.claim(name):
                self._done[name] = synthesize(spec, self._claims.folder(name))
            else:
                assert self._prefetch is not None, f"{name!r} claimed, but no prefetch worker runs"
                (config,) = load(**spec)
                self._done[name] = Synthesized.from_record(config, self._prefetch.wait_for(name))
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(VARIANTS)

    def __len__(self) -> int:
        return len(VARIANTS)


PREFETCH = pytest.StashKey[Prefetch | None]()
CLAIMS = pytest.StashKey[Claims]()
JOBS = pytest.StashKey[Jobs]()


def _variants_read_by(items: list[pytest.Item]) -> list[str]:
    """The variants the chosen tests read, as far as their parameters and markers say."""
    wanted: set[str] = set()
    for item in items:
        if not {"synthesized", "reference"} & set(getattr(item, "fixturenames", ())):
            continue
        if item.get_closest_marker("every_variant"):
            return list(VARIANTS)
        if "reference" in item.fixturenames:
            wanted.update(REFERENCE_ENVIRONMENTS)
        callspec = getattr(item, "callspec", None)
        for value in (callspec.params.values() if callspec else ()):
            values = value if isinstance(value, (tuple, list)) else (value,)
            wanted.update(v for v in values if isinstance(v, str) and v in VARIANTS)
    return [name for name in VARIANTS if name in wanted]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that wait for background work, and tests that read every variant, run last
    (in their own order): meanwhile the rest of the suite keeps this process busy."""
    def waits(item: pytest.Item) -> int:
        return 1 if item.get_closest_marker("background") or item.get_closest_marker("every_variant") else 0
    items.sort(key=waits)  # stable: the order within each group is kept


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    # The tmp_path_factory fixture is this object; fixtures do not exist yet at collection.
    factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]
    claims = Claims(factory.mktemp("variants"))
    variants = _variants_read_by(session.items)
    config.stash[CLAIMS] = claims
    # One variant is synthesized in-process when first read; a second process pays off from two.
    config.stash[PREFETCH] = (Prefetch(claims, variants, hostile_variables=HOSTILE_AWS_VARIABLES)
                              if len(variants) >= 2 else None)
    jobs = [mark.args[0] for item in session.items for mark in item.iter_markers("background")]
    config.stash[JOBS] = Jobs(list(dict.fromkeys(jobs)), scratch=factory.mktemp)


def pytest_sessionfinish(session: pytest.Session) -> None:
    prefetch = session.config.stash.get(PREFETCH, None)
    if prefetch is not None:
        prefetch.stop()


@pytest.fixture(scope="session")
def synthesized(pytestconfig) -> Mapping[str, Synthesized]:
    return LazyVariants(pytestconfig.stash[CLAIMS], pytestconfig.stash[PREFETCH])


@pytest.fixture(scope="session")
def template_scans(synthesized, tmp_path_factory) -> TemplateScans:
    """cfn-lint and checkov started together over every distinct template of every variant."""
    folder = tmp_path_factory.mktemp("distinct-templates")
    files = [(f"{variant}-{tier}", path) for variant, synth in synthesized.items() for tier, path in synth.template_files.items()]
    return TemplateScans(distinct_templates(files, folder), folder)


@pytest.fixture(scope="session")
def background(pytestconfig) -> Jobs:
    """Registered commands (tests/background.py) run early; ``background.result(name)``."""
    return pytestconfig.stash[JOBS]


@pytest.fixture(scope="session")
def reference(synthesized) -> dict[str, Synthesized]:
    return {name: synthesized[name] for name in ("dev", "staging", "prod")}


def pytest_configure(config):
    os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    config.addinivalue_line("markers", "every_variant: the test reads every variant (the prefetch worker starts)")
    config.addinivalue_line("markers", "background(name): the test reads the registered background command `name`")
