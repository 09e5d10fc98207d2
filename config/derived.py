"""Values derived from an environment's configuration: one home for what stacks and rules read.

Branch slugs, hosted UI prefixes, the SPA folder, the database's connection limit, name
prefixes and tags. Each is a pure function of a validated ``EnvironmentConfig`` (or of a
raw value), so the rules that check a setting and the stacks that use it agree.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from config.limits import TAG_VALUE_RE
from config.limits import is_graviton as is_graviton  # re-exported: a derived value of an instance type, defined beside its limit
from config.schema import EnvironmentConfig

# Branch slugs are kept short: they end up in resource names with tight limits
# (Cognito domain prefixes, load balancer names) once later tiers use them.
MAX_BRANCH_SLUG = 24


def sanitize_branch(branch: str) -> str:
    """A git branch name as a short, lowercase, hyphenated slug usable in every name.

    A name of lowercase letters, digits, "-" and "/" maps to its readable slug
    ("feature/login-page" -> "feature-login-page"). A name the mapping loses information of
    (capitals, "_", ".", other characters) or a long one (cut to fit) is suffixed with a hash
    of the full name, so "Feature/Login" and "feature/login", or two long branches with the
    same beginning, still get different environments. ("feature/x" and "feature-x" share one.)
    """
    branch = branch.strip()
    slug = re.sub(r"[^a-z0-9]+", "-", branch.lower()).strip("-")
    lossy = not re.fullmatch(r"[a-z0-9/-]+", branch)
    if lossy or len(slug) > MAX_BRANCH_SLUG:
        digest = hashlib.sha256(branch.encode()).hexdigest()[:6]
        head = slug if len(slug) <= MAX_BRANCH_SLUG - 7 else slug[: MAX_BRANCH_SLUG - 7].rstrip("-")
        slug = f"{head}-{digest}" if slug else ""
    return slug


PROJECT_ROOT = Path(__file__).resolve().parent.parent


def site_path(cfg: EnvironmentConfig) -> Path:
    """The SPA folder uploaded on deploy: ``edge.site_directory`` relative to this project."""
    return PROJECT_ROOT / cfg.edge.site_directory


RESERVED_DOMAIN_WORDS = ("aws", "amazon", "cognito")
# Length of the hash a branch environment's hosted UI prefix may carry (plus its hyphen).
BRANCH_PREFIX_HASH = 10
COGNITO_PREFIX_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def valid_domain_prefix(prefix: str, *, room: int = 0) -> bool:
    """A Cognito hosted UI prefix: <= 63 (less ``room``) lowercase letters, digits, hyphens, no reserved word."""
    return (bool(COGNITO_PREFIX_RE.match(prefix)) and len(prefix) + room <= 63
            and not any(w in prefix for w in RESERVED_DOMAIN_WORDS))


def domain_prefix(cfg: EnvironmentConfig) -> str:
    """Hosted UI prefix, unique per region: ``auth.domain_prefix``, or ``<app>-<env>-<account>``;
    a branch environment appends its branch (it must not take its parent's prefix).

    Prefixes may not contain "aws", "amazon" or "cognito" nor exceed 63 characters. Where a
    derived prefix would break that (a branch ``feature/aws-sdk-v3``, a long branch name), a
    hash of it stands in for the part that does not fit, so it stays unique and valid.
    """
    configured = cfg.auth.domain_prefix
    if configured and not cfg.is_branch:
        return configured
    readable = f"{configured}-{cfg.branch_slug}" if configured else f"{cfg.app_name}-{cfg.qualified_name}-{cfg.account}"
    if valid_domain_prefix(readable):
        return readable
    return f"{configured or cfg.env_name}-{hashlib.sha256(readable.encode()).hexdigest()[:BRANCH_PREFIX_HASH]}"


# Memory (GiB) of burstable RDS classes by size; m classes have 4 GiB per vCPU, r classes 8.
_BURSTABLE_MEMORY_GIB = {"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
_MEMORY_PER_VCPU_GIB = {"m": 4, "r": 8}
# RDS for PostgreSQL's default: max_connections = LEAST({DBInstanceClassMemory/9531392}, 5000).
_BYTES_PER_CONNECTION = 9531392


def _vcpus(size: str) -> int | None:
    if size == "large":
        return 2
    if size == "xlarge":
        return 4
    match = re.fullmatch(r"(\d+)xlarge", size)
    return 4 * int(match[1]) if match else None


def database_max_connections(cfg: EnvironmentConfig) -> int | None:
    """The connection limit the alarm compares against: ``observability.database_max_connections``,
    or PostgreSQL's default for the class's memory (Aurora Serverless v2: 2 GiB per ACU at the
    maximum capacity); None when the class is not known offline."""
    if cfg.observability.database_max_connections:
        return cfg.observability.database_max_connections
    db = cfg.database
    if db.engine == "aurora-serverless-v2":
        memory_gib: float | None = db.serverless_max_acu * 2
    else:
        family, _, size = db.instance_class.partition(".")
        if family.startswith("t"):
            memory_gib = _BURSTABLE_MEMORY_GIB.get(size)
        else:
            per_vcpu, vcpus = _MEMORY_PER_VCPU_GIB.get(family[:1]), _vcpus(size)
            memory_gib = per_vcpu * vcpus if per_vcpu and vcpus else None
    if not memory_gib:
        return None
    return min(int(memory_gib * 2**30 / _BYTES_PER_CONNECTION), 5000)


def name_prefix(cfg: EnvironmentConfig) -> str:
    """``<app>-<env>[-<branch>]``: the start of the names of this environment's alarms, topics, trail."""
    return f"{cfg.app_name}-{cfg.qualified_name}"


def project_setting_names(cfg: EnvironmentConfig) -> tuple[str, ...]:
    """The settings the project gives the application under its own names (before
    ``app.renames``): where the frontend is served from, the database, the uploads bucket, the
    topics, the cache, the user pool or the JWT secret. tests/test_compute.py holds this list to
    what the templates set, for every variant."""
    names = ["APP_ORIGINS", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD"]
    if cfg.database.read_replica or cfg.database.engine == "aurora-serverless-v2":
        names.append("DB_READER_HOST")
    if cfg.storage.uploads_bucket:
        names.append("UPLOADS_BUCKET")
    names += [f"{topic.name.upper().replace('-', '_')}_TOPIC_ARN" for topic in cfg.application_topics]
    if cfg.cache.enabled:
        names += ["REDIS_HOST", "REDIS_PORT", "REDIS_AUTH_TOKEN"]
    names += ["COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID"] if cfg.auth.mode == "cognito" else ["JWT_SECRET"]
    return tuple(names)


def environment_tags(cfg: EnvironmentConfig) -> dict[str, str]:
    """Tags on every resource of the environment; together they single out its costs."""
    # The branch's own name where a tag can hold it (<= 256 tag characters), else its slug.
    branch = cfg.branch if cfg.branch and TAG_VALUE_RE.match(cfg.branch) else cfg.branch_slug
    tags = {
        "application": cfg.app_name,
        "environment": cfg.env_name,
        "branch": branch or "none",
        "owner": cfg.owner,
        "cost-center": cfg.cost_center,
    }
    if cfg.accepted_risks:
        # Whoever looks at a resource sees which guardrails its environment waived (ids are
        # tag-safe; the reasons are on every synth and in the profile's page).
        tags["accepted-risks"] = " ".join(a.risk for a in cfg.accepted_risks)
    return tags


# --------------------------------------------------------------------------------------------
# Deploy identity (the delivery stack, docs/delivery.md)


def github_environment(cfg: EnvironmentConfig) -> str:
    """The GitHub environment whose jobs deploy ``cfg``: ``delivery.github_environment``, or
    "production" for a production environment and the environment's own name otherwise."""
    return cfg.delivery.github_environment or ("production" if cfg.production else cfg.env_name)


def github_repository(cfg: EnvironmentConfig) -> str:
    """``OWNER/REPO`` of the workflows that deploy ``cfg``."""
    return f"{cfg.delivery.github_owner}/{cfg.delivery.github_repository}"


def github_subject(cfg: EnvironmentConfig, environment: str) -> str:
    """The ``sub`` claim of a job of ``cfg``'s repository that runs in GitHub environment
    ``environment`` (GitHub's default subject format for such a job)."""
    return f"repo:{github_repository(cfg)}:environment:{environment}"


def deploy_role_name(cfg: EnvironmentConfig) -> str:
    """The deploy role of a long-lived environment, stable so its ARN can sit in a GitHub variable."""
    return f"{cfg.app_name}-github-deploy-{cfg.env_name}"


def branch_role_name(cfg: EnvironmentConfig) -> str:
    """The role that deploys, destroys and sweeps the branch environments derived from ``cfg``."""
    return f"{cfg.app_name}-github-branches-{cfg.env_name}"


def delivery_stack_name(app_name: str, account: str) -> str:
    """``<app>-delivery-<account>``: one delivery stack per account."""
    return f"{app_name}-delivery-{account}"


def environments_by_account(configs: list[EnvironmentConfig]) -> dict[str, list[EnvironmentConfig]]:
    """Account -> its environments, both in the profile's order: one delivery stack each."""
    accounts: dict[str, list[EnvironmentConfig]] = {}
    for cfg in configs:
        accounts.setdefault(cfg.account, []).append(cfg)
    return accounts


@dataclass(frozen=True)
class AccountTrail:
    """The account's audit trail in its delivery stack: its name, and how long it keeps its log
    files (S3) and its log group, the longest of the environments that ask for it or rely on it."""

    name: str
    retention_days: int
    log_retention_days: int


def audited_by_account_trail(cfg: EnvironmentConfig) -> bool:
    """Whether the account trail records ``cfg``: it asks for it, or has no trail of its own."""
    return cfg.delivery.account_trail or not cfg.observability.cloudtrail


def account_trail(configs: list[EnvironmentConfig]) -> AccountTrail | None:
    """The trail of the account whose environments are ``configs``, or None when none asks for one."""
    if not any(c.delivery.account_trail for c in configs):
        return None
    audited = [c for c in configs if audited_by_account_trail(c)]
    return AccountTrail(
        # One per application and account (an environment's own trail is <app>-<env>).
        name=f"{configs[0].app_name}-account",
        retention_days=max(c.observability.trail_retention_days for c in audited),
        log_retention_days=max(c.log_retention_days for c in audited),
    )


def given_subnet_ranges(cfg: EnvironmentConfig) -> dict[str, tuple[str, ...]] | None:
    """The explicit subnet ranges by tier ("public", "private", "isolated"; one per zone), or
    None when they are allocated from the masks (``network.*_subnet_cidrs`` all empty)."""
    net = cfg.network
    ranges = {"public": net.public_subnet_cidrs, "private": net.private_subnet_cidrs, "isolated": net.isolated_subnet_cidrs}
    return ranges if any(ranges.values()) else None

