"""Profiles: whole-system configurations selected with ``-c profile=NAME``.

A profile is a set of environments, each given as overrides of ``defaults.DEFAULTS``
(``common`` first, then the environment's own). ``reference`` is this project's own
system; the others are the seed systems (docs/requirements.md) as configuration of the
same app, one folder of environment files each (``config/chronoview/dev.py``, ...), and a
page each in docs/profiles/ mapping every component of the seed's document to what
provides it, with the deliberate deviations.

An environment's settings are the ``SETTINGS`` dict of a module under ``config/``,
imported by the loader only when it is needed, so a mistake in that file (a syntax
error, a misspelled name) is reported as one line naming the file, not as a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Profile:
    name: str
    # Overrides shared by every environment of the profile.
    common: Mapping
    # Environment name -> module holding its SETTINGS ("config.dev", i.e. config/dev.py).
    environments: Mapping[str, str]
    # Environment a branch environment derives from when none is given.
    branch_parent: str = "dev"
    description: str = ""


REFERENCE = Profile(
    name="reference",
    description="This project's reference system: React SPA, Fargate API, PostgreSQL, Cognito.",
    common={},
    environments={
        "dev": "config.dev",
        "staging": "config.staging",
        "prod": "config.prod",
    },
)

# Seeds 000 and 001 (docs/profiles/chronoview.md): a charting app, React SPA on S3 + CloudFront
# on its own domain, an Express API with a WebSocket server on EC2 (Nginx + PM2) behind the load
# balancer, PostgreSQL, Cognito's hosted UI.
CHRONOVIEW = Profile(
    name="chronoview",
    description="ChronoView (seeds 000, 001): React SPA, EC2 API with Nginx + PM2 and /ws, PostgreSQL, Cognito.",
    common={
        "app_name": "chronoview",
        "cost_center": "chronoview",
        # "EC2: t3.small/t3.medium": Intel, as the seed sizes it (Graviton t4g.small would cost less).
        "compute": {"kind": "ec2", "cpu_architecture": "x86_64", "instance_type": "t3.small"},
        # Route 53 + ACM: placeholder zone, replace with the team's own (README: Configuration).
        "domain": {"hosted_zone_id": "Z0CHRONOVIEW000000001", "hosted_zone_name": "chronoview.example.com"},
    },
    environments={"dev": "config.chronoview.dev", "prod": "config.chronoview.prod"},
)

# Seed 002 (docs/profiles/stockpilot.md): an inventory dashboard on the free tier, Next.js on
# Amplify, one EC2 instance in a public subnet, PostgreSQL 15, product images in S3 behind
# CloudFront, Cognito, SNS topics.
STOCKPILOT = Profile(
    name="stockpilot",
    description="StockPilot (seed 002): Next.js on Amplify, one public EC2 instance, PostgreSQL 15, S3 images, SNS topics.",
    common={
        "app_name": "stockpilot",
        "cost_center": "stockpilot",
        # "t2.micro (1 vCPU, 1 GB RAM)": t2 is a previous generation; the Graviton micro size. One
        # instance with a public address in a public subnet, so no NAT is paid for (production
        # accepts the risk by name: config/stockpilot/prod.py); the function in the VPC
        # (the secret rotation) reaches Secrets Manager through its endpoint.
        "compute": {"kind": "ec2", "instance_type": "t4g.micro", "placement": "public-single-instance", "min_count": 1, "max_count": 1},
        "network": {"egress": "none", "workloads_need_internet": False, "interface_endpoints": ["secretsmanager"]},
        # "Engine: PostgreSQL 15 ... Storage: 20 GB SSD" (db.t2.micro is not offered for 15).
        # Prisma owns the schema (the team's migrations), and the seed has no sign-up trigger.
        "database": {"engine_version": "15.14", "database_name": "stockpilot", "allocated_storage_gib": 20, "apply_migrations": False},
        "auth": {"user_sync": False},
        "edge": {
            "frontend": "amplify",
            # Placeholders: the team's repository and the secret holding its access token.
            "amplify_repository": "https://github.com/example/stockpilot",
            "amplify_token_secret": "stockpilot/amplify-github-token",
            # The bucket's products/ prefix ("products/nike1.png") served through CloudFront.
            "uploads_path": "/products/*",
            # The Express app's routes, at the root ("Routes: /dashboard, /products, ..."), each with
            # what lies under it; /products alone, as /products/<file> is a product image above.
            # No /ws (the seed has no WebSocket) and no health check path: the load balancer asks
            # the instance itself.
            "api_paths": ["/dashboard", "/dashboard/*", "/products", "/users", "/users/*",
                          "/expenses", "/expenses/*", "/notifications", "/notifications/*"],
        },
        # "Parameter Store: DATABASE_URL, S3_BUCKET_NAME, API_SECRETS": the uploads bucket under the
        # name the app reads, and its API secrets in Secrets Manager (created; the team writes the
        # value once). DATABASE_URL is not composed (the password rotates): the app builds it from DB_*.
        "app": {"renames": [{"setting": "UPLOADS_BUCKET", "name": "S3_BUCKET_NAME"}], "secrets": [{"name": "API_SECRETS"}]},
        # stockpilot-stock-alerts (low inventory, to the admin) and -order-notifications (optional);
        # system alerts are the alarm topics (observability).
        "application_topics": [
            {"name": "stock-alerts", "emails": ["inventory-admin@example.com"]},
            {"name": "order-notifications", "emails": []},
        ],
    },
    environments={"dev": "config.stockpilot.dev", "prod": "config.stockpilot.prod"},
)

# Seed 003 (docs/profiles/spendwise.md): a personal expense app, Next.js on Amplify, a NestJS API
# on ECS Fargate from ECR, VPC endpoints instead of NAT, PostgreSQL, Cognito with a
# PostConfirmation trigger into it, an SSM bastion, CloudFront and WAF in front of the ALB.
SPENDWISE = Profile(
    name="spendwise",
    description="SpendWise (seed 003): Next.js on Amplify, NestJS on Fargate from ECR, VPC endpoints, Cognito trigger, bastion.",
    common={
        "app_name": "spendwise",
        "cost_center": "spendwise",
        # "prefer endpoint-based private access": no NAT; AWS services through endpoints only.
        "network": {"egress": "none", "workloads_need_internet": False},
        # Without NAT the tasks pull only from the environment's ECR repository, so the
        # placeholder (a public image) cannot run: this is the first tag the team pushes there
        # (docs/tiers/compute.md); CI deploys later ones with -c release=.
        "compute": {"release": "1.0.0"},
        # "run Prisma migrations": the team's schema, not the project's SQL files; the
        # PostConfirmation trigger writes its users into Prisma's User model (the conventional
        # model: a placeholder to match to the team's schema.prisma).
        "database": {"database_name": "spendwise", "apply_migrations": False},
        "auth": {"user_table": {"table": "User", "id_column": "id", "id_type": "text", "email_column": "email", "name_column": "name"}},
        "edge": {
            "frontend": "amplify",
            # Placeholders: the team's repository and the secret holding its access token.
            "amplify_repository": "https://github.com/example/spendwise",
            "amplify_token_secret": "spendwise/amplify-github-token",
        },
        # ACM on the load balancer and CloudFront: placeholder zone, replace with the team's own.
        "domain": {"hosted_zone_id": "Z0SPENDWISE0000000001", "hosted_zone_name": "spendwise.example.com"},
    },
    environments={"dev": "config.spendwise.dev", "prod": "config.spendwise.prod"},
)

# Seed 004 (docs/profiles/bankapp.md): a React/Vite SPA on S3 + CloudFront, an Express API on ECS
# Fargate, PostgreSQL, the application's own JWTs, in dev, staging and prod with the seed's sizes.
BANKAPP = Profile(
    name="bankapp",
    description="BankApp (seed 004): React SPA, Express on Fargate, PostgreSQL with replica, own JWTs, Redis; dev, staging, prod.",
    common={
        "app_name": "bankapp",
        "cost_center": "bankapp",
        # "JWT secrets" in Secrets Manager: the application signs its own tokens.
        "auth": {"mode": "custom-jwt"},
        # Dashboards: "Cost and usage metrics" (the account's charges beside the budget); the
        # failed logins of "Security metrics" come with custom-jwt.
        "observability": {"cost_panel": True},
        # "Auto-scaling based on CPU/Memory": no request-count policy; memory tracked at 70 %,
        # below the 80 % memory warning, so a task is added before the alarm speaks.
        "compute": {"requests_per_target": 0, "memory_target_percent": 70},
        # "RDS Automated Backups: Daily snapshots, 35-day retention".
        "database": {"database_name": "bankapp", "backup_retention_days": 35},
        # bankapp.example.com in Route 53: placeholder zone ID, replace with the team's own.
        "domain": {"hosted_zone_id": "Z0BANKAPP000000000001", "hosted_zone_name": "bankapp.example.com"},
        # "API keys (Yahoo Finance, CoinGecko)" in Secrets Manager: created per environment, the
        # team writes the issued keys once (docs/operations.md, Application secrets).
        "app": {"secrets": [{"name": "YAHOO_FINANCE_API_KEY"}, {"name": "COINGECKO_API_KEY"}]},
    },
    environments={"dev": "config.bankapp.dev", "staging": "config.bankapp.staging", "prod": "config.bankapp.prod"},
)


PROFILES: Mapping[str, Profile] = MappingProxyType({p.name: p for p in (REFERENCE, CHRONOVIEW, STOCKPILOT, SPENDWISE, BANKAPP)})
DEFAULT_PROFILE = REFERENCE.name
