"""Typed configuration of one environment.

Every setting a user can change is a field here. Settings are written as plain
nested dictionaries (see ``defaults.py`` and the per-environment files) and parsed
into these frozen dataclasses by ``loader.py``, which rejects unknown keys and wrong
types by the dotted name of the setting ("database.multi_az"), so a typo never
turns silently into a default.

A limit a single value must stay within (a range, a pattern, AWS's accepted values) is
declared next to its field, ``Annotated[int, Range(16, 28, ...)]`` (``config/limits.py``), and
enforced by the parser with the problem and fix written there. What needs a second setting
is a rule (``config/rules/``).

Field comments document the setting; the README points here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Annotated, Literal

from config.limits import (
    FARGATE_SIZES,
    INSTANCE_TYPE_RE,
    LOG_RETENTION_DAYS,
    MONITORING_INTERVALS,
    OPTIONAL,
    PATH_PATTERN_RE,
    TAG_VALUE_RE,
    Check,
    Distinct,
    Items,
    NoneOf,
    OneOf,
    Pattern,
    Range,
    is_graviton,
)

EgressMode = Literal["nat-gateway-per-az", "single-nat-gateway", "nat-instance", "none"]
ComputeKind = Literal["fargate", "ec2"]
CpuArchitecture = Literal["arm64", "x86_64"]
Placement = Literal["private", "public-single-instance"]
RemovalMode = Literal["destroy", "snapshot", "retain"]
DatabaseEngine = Literal["postgres", "aurora-serverless-v2"]
AuthMode = Literal["cognito", "custom-jwt"]
MfaMode = Literal["off", "optional", "required"]
FrontendKind = Literal["spa", "amplify"]
PriceClass = Literal["100", "200", "all"]
WafMode = Literal["block", "count", "off"]
ApiOrigin = Literal["vpc-origin", "internet-facing"]
CpuScaling = Literal["target", "steps"]

# Limits several fields share.
LogRetentionDays = Annotated[int, OneOf(LOG_RETENTION_DAYS, problem="is not a CloudWatch Logs retention value",
                                        fix=f"use one of {', '.join(map(str, LOG_RETENTION_DAYS[:12]))}, ...")]
TagValue = Annotated[str, Pattern(TAG_VALUE_RE, problem="becomes a tag on every resource, and tag values are at most 256 letters, digits, "
                                  "spaces and _ . : / = + - @", fix="write it without other characters, e.g. 'R and D' instead of 'R&D'")]
SubnetMask = Annotated[int, Range(16, 28, problem="subnet prefix length must be between 16 and 28", fix="use e.g. 24")]


def _subnet_networks(values: tuple[str, ...]) -> bool:
    """Every value an IPv4 network without host bits, /16 to /28 (what a VPC subnet may be)."""
    try:
        return all(16 <= ipaddress.IPv4Network(v, strict=True).prefixlen <= 28 for v in values)
    except ValueError:
        return False


SubnetCidrs = Annotated[tuple[str, ...], Check(_subnet_networks, "IPv4 networks of /16 to /28 without host bits (`10.0.1.0/24`)",
                                              problem="are not subnet ranges (IPv4 networks of /16 to /28 without host bits)",
                                              fix="write them like '10.0.1.0/24'"),
                        Distinct(problem="lists a range twice", fix="give each zone its own range")]
EMAIL_RE = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
AlarmEmails = Annotated[tuple[str, ...], Items(EMAIL_RE, problem="are not email addresses", fix="write them like 'oncall@example.com'")]
Percent = Annotated[int, Range(1, 100)]
AlarmMinutes = Annotated[int, Range(1, 60)]
ScalingPercent = Annotated[int, Range(1, 99, problem="must be 1-99 percent", fix="use e.g. 70 to add a task and 30 to remove one")]


def _off_or_target_percent(value: int) -> bool:
    return value == 0 or 10 <= value <= 95


AlarmCount = Annotated[int, Range(1, problem="an alarm threshold must be 1 or more", fix="use a positive number")]
TokenMinutes = Annotated[int, Range(5, 1440, problem="Cognito allows 5 to 1440", fix="use a value in 5-1440")]
# CloudFront's origin timeouts: up to 60 without a quota increase, 180 with one.
OriginTimeout = Annotated[int, Range(1, 180, problem="CloudFront allows 1 to 180 seconds (above 60 with a quota increase)", fix="use e.g. 60")]
ClockTime = Annotated[str, Pattern(r"([01]\d|2[0-3]):([0-5]\d)", problem="is not a 24-hour time", fix="write it as 'HH:MM', e.g. '07:00'")]
_DAY = "(MON|TUE|WED|THU|FRI|SAT|SUN)"
Weekdays = Annotated[str, Pattern(rf"{_DAY}(-{_DAY})?(,{_DAY}(-{_DAY})?)*", problem="is not a list of weekdays", fix="use e.g. 'MON-FRI' or 'MON,WED,FRI'",
                                  what="days MON to SUN, ranges (`MON-FRI`) and lists (`MON,WED,FRI`)")]
# A monthly usage figure (docs/cost.md): zero or more.
UsageAmount = Annotated[float, Range(0, problem="a usage figure cannot be negative", fix="use 0 or the expected monthly amount")]
UsageCount = Annotated[int, Range(0, problem="a usage figure cannot be negative", fix="use 0 or the expected monthly count")]


@dataclass(frozen=True)
class NetworkConfig:
    # IPv4 CIDR of the VPC, a private (RFC 1918) range between /16 and /24.
    cidr: str
    # Availability zones, explicit so synthesis never asks AWS (2 or 3, all in the region).
    availability_zones: Annotated[tuple[str, ...], Distinct(problem="lists a zone twice", fix="list each zone once")]
    # How private workloads reach the internet:
    #   nat-gateway-per-az  one managed NAT gateway per AZ (no cross-AZ dependency)
    #   single-nat-gateway  one managed NAT gateway for the whole VPC (cheaper, one AZ's fate)
    #   nat-instance        one Graviton NAT instance (cheapest; not highly available)
    #   none                no internet route; AWS services through VPC endpoints only
    egress: EgressMode
    # EC2 instance type of the NAT instance (egress "nat-instance" only).
    nat_instance_type: Annotated[str, Pattern(r"[a-z][a-z0-9-]*\.[a-z0-9]+", problem="is not an EC2 instance type", fix="use e.g. 't4g.nano'")]
    # Interface endpoint service names (the part after "com.amazonaws.<region>.").
    interface_endpoints: Annotated[tuple[str, ...], Distinct(problem="lists an endpoint twice", fix="list each once")]
    # Gateway endpoints are free; S3 is always created, DynamoDB on request.
    dynamodb_gateway_endpoint: bool
    # Whether application workloads call the public internet (third-party APIs).
    # True with egress "none" is a contradiction and stops synthesis.
    workloads_need_internet: bool
    # Subnet sizes (prefix length) per tier, per AZ.
    public_subnet_mask: SubnetMask
    private_subnet_mask: SubnetMask
    isolated_subnet_mask: SubnetMask
    # Explicit subnet ranges instead (BankApp's 10.X.1.0/24, ...): per tier, one per zone in the
    # order of availability_zones, all three tiers or none; empty = allocated from the masks
    # above, in order from the start of the VPC's range. Changing a subnet's range replaces the
    # subnet and everything in it (database, cache, tasks, NAT): choose them before the first deploy.
    public_subnet_cidrs: SubnetCidrs
    private_subnet_cidrs: SubnetCidrs
    isolated_subnet_cidrs: SubnetCidrs
    # Retention in days of the VPC flow log group (a CloudWatch Logs retention value).
    flow_log_retention_days: LogRetentionDays
    # Which flows to log: ALL, ACCEPT or REJECT.
    flow_log_traffic: Literal["ALL", "ACCEPT", "REJECT"]
    # ID of the CloudFront origin-facing managed prefix list in this region; the load
    # balancer accepts traffic only from it. Empty: taken from the known IDs in defaults.
    cloudfront_origin_prefix_list_id: Annotated[str, Pattern(r"pl-[0-9a-f]{8,17}", problem="is not a prefix list ID", fix="use the 'pl-...' ID",
                                                             optional=True)]


@dataclass(frozen=True)
class ComputeConfig:
    # "fargate" (ECS on Fargate) or "ec2" (Auto Scaling group with Nginx + PM2).
    kind: ComputeKind
    # Port the load balancer sends traffic to: the container's port (Fargate) or Nginx's (EC2).
    # 1024 or above: the application runs as a non-root user.
    container_port: Annotated[int, Range(1024, 65535, problem="must be an unprivileged port (1024-65535)", fix="use e.g. 3001")]
    # CPU architecture of tasks and instances: "arm64" (Graviton, ~20 % cheaper) or "x86_64".
    cpu_architecture: CpuArchitecture
    # What to run. Empty: the placeholder API (placeholder/server.js on ``placeholder_image``),
    # healthy from the first deploy. Otherwise a release name: the ECR image tag (Fargate) or
    # the bundle s3://<artifacts bucket>/releases/<release>.tar.gz (EC2). CI passes -c release=.
    release: Annotated[str, Pattern(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", problem="is not a valid release name (an ECR image tag)",
                                    fix="use letters, digits, '_', '.', '-' (up to 128, e.g. a commit SHA), or pass -c release=", optional=True)]
    # Public Node.js image the placeholder runs on (multi-architecture).
    placeholder_image: Annotated[str, Pattern(r"[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?",
                                              problem="is not a container image reference", fix="use e.g. 'public.ecr.aws/docker/library/node:22-alpine'")]
    # Health check path, answered with 200 by the application (through the load balancer and CloudFront).
    health_check_path: Annotated[str, Pattern(r"/[^ ]{0,1023}", problem="must be a URL path starting with '/'", fix="use e.g. '/api/health'")]
    # Load balancer idle timeout: how long an idle WebSocket stays open (1-4000 s). The
    # application should ping well within it; the edge tier's origin timeouts follow it.
    idle_timeout_seconds: Annotated[int, Range(1, 4000, problem="the load balancer accepts 1-4000 seconds", fix="use e.g. 300 for WebSockets")]
    # Load-balancer cookie stickiness in seconds (0 = off). WebSockets do not need it (a
    # connection stays on its target); long-polling fallbacks and in-memory sessions do.
    stickiness_seconds: Annotated[int, Range(0, 604800, problem="must be 0 (off) or 1-604800 seconds", fix="use 0 or e.g. 3600")]
    # Seconds a deregistering target keeps its connections (deployments, scale-in).
    deregistration_delay_seconds: Annotated[int, Range(0, 3600, problem="must be 0-3600 seconds", fix="use e.g. 30")]
    # Task or instance counts: the service starts at min_count and autoscaling moves it
    # between the two. There is no "desired count": a deploy must not reset a scaled service.
    min_count: Annotated[int, Range(1, problem="must be at least 1 (off hours scale to zero on their own)", fix="set compute.min_count to 1 or more")]
    max_count: Annotated[int, Range(1, problem="must be at least 1 (off hours scale to zero on their own)", fix="set compute.max_count to 1 or more")]
    # Target tracking: average CPU percent, and requests per target per minute (0 = CPU only).
    cpu_target_percent: Annotated[int, Range(10, 95, problem="must be 10-95 percent", fix="use 70")]
    requests_per_target: Annotated[int, Range(0, problem="must be 0 (off) or a positive number", fix="use e.g. 1000")]
    # Fargate: target tracking on the tasks' average memory percent as well (0 = off; 10-95).
    # ECS publishes memory per service; an EC2 group has no memory metric without the agent's.
    memory_target_percent: Annotated[int, Check(_off_or_target_percent, "0 (off) or 10 to 95", problem="must be 0 (off) or 10-95 percent",
                                                fix="use 0 or e.g. 70")]
    # Fargate: how the service scales on CPU, one way only (two policies on one metric fight):
    #   target  target tracking at cpu_target_percent
    #   steps   one task more when the average CPU stays above cpu_scale_out_percent for
    #           cpu_scale_out_minutes, one less below cpu_scale_in_percent for cpu_scale_in_minutes
    #           (BankApp's production; docs/requirements.md R23)
    cpu_scaling: CpuScaling
    # steps: the thresholds (percent of the tasks' CPU) and the minutes in a row each must hold.
    cpu_scale_out_percent: ScalingPercent
    cpu_scale_out_minutes: AlarmMinutes
    cpu_scale_in_percent: ScalingPercent
    cpu_scale_in_minutes: AlarmMinutes
    # Fargate: task size in CPU units (256 = 0.25 vCPU) and memory in MiB (a valid Fargate pair).
    task_cpu: Annotated[int, OneOf(FARGATE_SIZES, problem="is not a Fargate CPU size", fix=f"use one of {', '.join(map(str, FARGATE_SIZES))}")]
    task_memory_mib: int
    # Fargate: run tasks on Fargate Spot (~70 % cheaper, may be interrupted; not in production).
    fargate_spot: bool
    # Fargate: allow `aws ecs execute-command` into running tasks (audited to CloudWatch Logs).
    ecs_exec: bool
    # Fargate: read-only root filesystem (a writable /tmp is mounted).
    read_only_root_filesystem: bool
    # Fargate: user the container runs as ("1000" is "node" in the official Node.js images).
    container_user: Annotated[str, Pattern(r"[a-z0-9_.-]{1,32}(:[a-z0-9_.-]{1,32})?", problem="must name a non-root user (name or UID)",
                                           fix="use '1000' (node in the Node.js images) or the user your image defines"),
                              NoneOf(("0", "root"), problem="must name a non-root user (name or UID)",
                                     fix="use '1000' (node in the Node.js images) or the user your image defines")]
    # AWS X-Ray: a daemon sidecar (Fargate) or the daemon on the instance (EC2), and the
    # application role may send traces.
    xray_tracing: bool
    # Fargate: images kept in the ECR repository (older ones expire).
    ecr_keep_images: Annotated[int, Range(1, 1000, problem="must be 1-1000 images", fix="use e.g. 30")]
    # EC2: instance type (Graviton types, e.g. t4g, for arm64) and root volume size (GiB).
    instance_type: Annotated[str, Pattern(INSTANCE_TYPE_RE, problem="is not an EC2 instance type", fix="use e.g. 't4g.small'")]
    root_volume_gib: Annotated[int, Range(8, 16384, problem="must be 8-16384 GiB (the AMI needs 8)", fix="use e.g. 20")]
    # EC2: port the Node.js process (PM2) listens on behind Nginx, on localhost only.
    process_port: Annotated[int, Range(1024, 65535, problem="must be an unprivileged port (1024-65535)", fix="use e.g. 3000")]
    # EC2: "private" (instances in the application subnets, egress through NAT), or
    # "public-single-instance": one instance with a public IP in a public subnet, so no NAT
    # is paid for (StockPilot's free-tier layout, docs/requirements.md R11; min_count =
    # max_count = 1). Either way only the load balancer may connect to it.
    placement: Placement
    # An SSM Session Manager bastion (no inbound rules, no key) for port-forwarding to the
    # database (SpendWise, docs/requirements.md R12); and its instance type (smallest Graviton
    # by default).
    bastion: bool
    bastion_instance_type: Annotated[str, Check(is_graviton, "a Graviton (arm64) instance type", problem="must be a Graviton (arm64) instance type",
                                                fix="use e.g. 't4g.nano'")]


@dataclass(frozen=True)
class DatabaseConfig:
    # "postgres": RDS for PostgreSQL. "aurora-serverless-v2": Aurora PostgreSQL Serverless v2,
    # which can scale to zero (cheap non-production environments).
    engine: DatabaseEngine
    # Full PostgreSQL version, pinned so every deploy gets the same engine ("18.3").
    engine_version: Annotated[str, Pattern(r"\d+\.\d+", problem="must be a full PostgreSQL version", fix="write it like '18.3'")]
    # Name of the application database created with the instance.
    database_name: Annotated[str, Pattern(r"[a-z][a-z0-9_]{0,62}", problem="must be lowercase letters, digits or _, starting with a letter",
                                          fix="use e.g. 'webapp'")]
    # RDS instance class without the "db." prefix (Graviton classes by default).
    instance_class: str
    # Aurora Serverless v2 capacity in ACUs (0 = pause when idle; engine "aurora-serverless-v2" only).
    serverless_min_acu: Annotated[float, Range(0, 256, step=0.5, problem="capacity is 0 to 256 ACU in steps of 0.5", fix="use e.g. min 0 and max 4")]
    serverless_max_acu: Annotated[float, Range(1, 256, step=0.5, problem="capacity is 1 to 256 ACU in steps of 0.5", fix="use e.g. min 0 and max 4")]
    # Minutes of inactivity before an Aurora cluster with min 0 ACU pauses.
    serverless_pause_after_minutes: Annotated[int, Range(5, 1440, problem="Aurora pauses after 5 to 1440 minutes of inactivity", fix="use e.g. 15")]
    # Standby in a second AZ (required in production).
    multi_az: bool
    # A read replica (production).
    read_replica: bool
    # gp3 storage in GiB, and the storage-autoscaling ceiling.
    allocated_storage_gib: Annotated[int, Range(20, problem="is below the PostgreSQL gp3 minimum of 20 GiB", fix="use 20 or more")]
    max_allocated_storage_gib: int
    # Automated backup retention in days (0-35); also bounds point-in-time recovery.
    backup_retention_days: Annotated[int, Range(0, 35, problem="RDS keeps backups for 0 to 35 days", fix="use 1-35")]
    # PostgreSQL port.
    port: Annotated[int, Range(1150, 65535, problem="RDS accepts ports 1150-65535", fix="use 5432")]
    # Performance Insights (free 7-day retention; not on micro/small classes) and enhanced
    # monitoring interval in seconds (0 = off; 1, 5, 10, 15, 30 or 60).
    performance_insights: bool
    monitoring_interval_seconds: Annotated[int, OneOf(MONITORING_INTERVALS, problem="is not an enhanced monitoring interval",
                                                      fix=f"use one of {', '.join(map(str, MONITORING_INTERVALS))}")]
    # Statements slower than this are logged (milliseconds; -1 = off).
    log_min_duration_statement_ms: Annotated[int, Range(-1, problem="must be -1 (off) or a duration", fix="use e.g. 500")]
    # Days between automatic rotations of the master password.
    credential_rotation_days: Annotated[int, Range(1, 365, problem="Secrets Manager rotates every 1 to 365 days", fix="use e.g. 30")]
    # Apply the project's migrations (functions/migrations/sql) on every deploy. A system that
    # owns its migrations turns this off.
    apply_migrations: bool


@dataclass(frozen=True)
class StorageConfig:
    # Private bucket for user uploads / product images (served by the edge tier).
    uploads_bucket: bool
    # Noncurrent object versions move to Glacier after this many days (BankApp: 90;
    # docs/requirements.md R8).
    noncurrent_versions_to_glacier_days: Annotated[int, Range(1, problem="must be at least 1 day", fix="use e.g. 90")]
    # ... and expire after this many days.
    noncurrent_versions_expire_days: int
    # Uploads bucket: current objects move to S3 Intelligent-Tiering this many days after they
    # are written (0 = off; BankApp's production, docs/requirements.md R24). Its frequent tier
    # costs what Standard does; objects unread for 30 days move to a cheaper tier on their own.
    intelligent_tiering_days: Annotated[int, Range(0, problem="must be 0 (off) or a number of days", fix="use 0, or e.g. 1")]
    # Server access logs (and other log buckets) expire after this many days.
    access_log_retention_days: Annotated[int, Range(1, problem="must be at least 1 day", fix="use e.g. 90")]


@dataclass(frozen=True)
class CacheConfig:
    # Redis (ElastiCache) for WebSocket fan-out once the API runs on more than one task
    # (ChronoView, docs/requirements.md R13). Off by default.
    enabled: bool
    # Node type ("cache.t4g.micro") and Redis engine version.
    node_type: Annotated[str, Pattern(r"cache\.[a-z0-9]+\.[a-z0-9]+", problem="is not an ElastiCache node type", fix="use e.g. 'cache.t4g.micro'")]
    engine_version: Annotated[str, Pattern(r"[67]\.\d+", problem="must be a Redis 6.x or 7.x version", fix="use e.g. '7.1'")]
    # A replica in a second AZ with automatic failover (required in production when enabled).
    multi_az: bool
    # Days of daily snapshots (0 = none).
    snapshot_retention_days: Annotated[int, Range(0, 35, problem="ElastiCache keeps snapshots 0 to 35 days", fix="use e.g. 1")]


# A PostgreSQL identifier as the database has it (case matters: Prisma's model User is "User").
SqlName = Annotated[str, Pattern(r"[A-Za-z_][A-Za-z0-9_]{0,62}", problem="is not a table or column name (letters, digits and _, "
                                 "starting with a letter or _, at most 63)", fix="write it as the database has it, e.g. 'User' or 'email'")]


@dataclass(frozen=True)
class UserTableConfig:
    # The table the PostConfirmation trigger writes each confirmed user into, optionally with its
    # schema ("users", "public.User"); it upserts by the id column, which must be unique.
    table: Annotated[str, Pattern(r"([A-Za-z_][A-Za-z0-9_]{0,62}\.)?[A-Za-z_][A-Za-z0-9_]{0,62}",
                                  problem="is not a table name, optionally with its schema",
                                  fix="write it as the database has it, e.g. 'users' or 'public.User'")]
    # Column of the user's Cognito ID (the token's sub), its type ("uuid", or "text" for a
    # Prisma String id), the email's column and the display name's ("" = none).
    id_column: SqlName
    id_type: Literal["uuid", "text"]
    email_column: SqlName
    name_column: Annotated[str, Pattern(r"[A-Za-z_][A-Za-z0-9_]{0,62}", problem="is not a column name",
                                        fix="write it as the database has it, e.g. 'name', or '' for none", optional=True)] = field(
        default="", metadata=OPTIONAL)


@dataclass(frozen=True)
class AuthConfig:
    # "cognito": a Cognito user pool with the hosted UI. "custom-jwt": no user pool; the
    # application signs its own tokens with a generated secret (ChronoView's simple variant,
    # BankApp; docs/requirements.md R10).
    mode: AuthMode
    # Multi-factor authentication (TOTP; no SMS cost): off, optional or required.
    mfa: MfaMode
    # Cognito feature plan: "essentials" or "plus" (threat protection needs plus).
    feature_plan: Literal["essentials", "plus"]
    # Threat protection (adaptive authentication, compromised credentials): off, audit, enforced.
    threat_protection: Literal["off", "audit", "enforced"]
    # Where the hosted UI may send users back to after sign-in / sign-out. The edge tier's
    # own origin (CloudFront or the custom domain) is added to these automatically.
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...]
    # Token lifetimes.
    access_token_minutes: TokenMinutes
    id_token_minutes: TokenMinutes
    refresh_token_days: Annotated[int, Range(1, 3650, problem="Cognito allows 1 to 3650", fix="use a value in 1-3650")]
    # Hosted UI domain prefix; empty = "<app>-<env>[-<branch>]-<account>" (unique per environment).
    domain_prefix: str
    # Minimum password length (Cognito: 6-99; 12 or more recommended).
    password_min_length: Annotated[int, Range(8, 99, problem="must be 8 to 99 characters", fix="use 12 or more")]
    # custom-jwt: days between rotations of the signing secret (documented procedure, README).
    jwt_secret_rotation_days: Annotated[int, Range(1, 365, problem="must be 1 to 365 days", fix="use e.g. 90")]
    # cognito: a PostConfirmation trigger writes each confirmed user into user_table (the
    # project's users table by default, which the project's migrations create; a team with its
    # own migrations maps its own table, or turns the trigger off).
    user_sync: bool
    user_table: UserTableConfig


@dataclass(frozen=True)
class DomainConfig:
    # Fully qualified domain the environment is served on; empty = CloudFront's own domain.
    name: Annotated[str, Pattern(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", problem="is not a lowercase DNS name",
                                 fix="write it like 'app.example.com'", optional=True, what="a lowercase DNS name (`app.example.com`)")]
    # Route 53 hosted zone that holds ``name`` (both required when ``name`` is set).
    hosted_zone_id: Annotated[str, Pattern(r"Z[0-9A-Z]{4,32}", problem="is not a Route 53 hosted zone ID", fix="use the 'Z...' ID", optional=True)]
    hosted_zone_name: str


@dataclass(frozen=True)
class EdgeConfig:
    # How the frontend is hosted:
    #   spa      a static build (React/Vite) in a private S3 bucket behind CloudFront, which also
    #            sends /api/* and /ws to the load balancer (ChronoView, BankApp;
    #            docs/requirements.md R14)
    #   amplify  Amplify Hosting runs a Next.js app with SSR; CloudFront serves the API (and the
    #            uploads) only (StockPilot, SpendWise; docs/requirements.md R15)
    frontend: FrontendKind
    # spa: folder (relative to this project) uploaded on every deploy; must hold index.html.
    # The default is a placeholder page, so a first deploy shows something.
    site_directory: str
    # Content-Security-Policy header on every response (the SPA's and the API's).
    content_security_policy: Annotated[str, Pattern(r'[^\r\n"]*[^\s"][^\r\n"]*', problem="must be one non-empty header line without quotes",
                                                    fix="write directives separated by '; ', e.g. \"default-src 'self'; frame-ancestors 'none'\"")]
    # CloudFront price class: "100" (North America, Europe, Israel), "200" (+ Asia, Middle
    # East, Africa) or "all" (every edge location, highest price).
    price_class: PriceClass
    # Path pattern at which the data tier's uploads bucket is served, e.g. "/uploads/*"
    # (objects under the key prefix "uploads/"); "" = not served (StockPilot's product images,
    # docs/requirements.md R9).
    uploads_path: Annotated[str, Pattern(r"/[a-z0-9][a-z0-9_-]*/\*", problem="must be a CloudFront path pattern of one folder",
                                         fix="write it like '/uploads/*'", optional=True)]
    # Path patterns CloudFront and the load balancer forward to the API (uncached, every
    # viewer header but Host); the load balancer refuses every other path with a 403. One cache
    # behaviour each, in this order, ahead of edge.uploads_path; listener rules of at most 5
    # patterns. Case-sensitive; "*" matches any characters ("/" included), "?" one; the query
    # string is not part of the path. The WebSocket endpoint is /ws (Nginx upgrades connections
    # there on EC2, the SPA's config.json names it): keep "/ws" and "/ws/*" for WebSockets.
    api_paths: Annotated[tuple[str, ...],
                         Check(bool, "at least one pattern", problem="forwards nothing to the API", fix="list its paths, e.g. ['/api/*']"),
                         Items(PATH_PATTERN_RE, problem="are not path patterns CloudFront and the load balancer both accept: '/' first, "
                               "at most 128 characters: letters, digits, _ . $ / ~ @ : + -, and at most 5 wildcards (* any characters, ? one)",
                               fix="write them like '/api/*' or '/products'",
                               what="each starts with `/`, at most 128 characters of letters, digits, `_ . $ / ~ @ : + -` and at most 5 wildcards `*` `?`"),
                         Distinct(problem="lists a pattern twice", fix="list each pattern once")]
    # How CloudFront reaches the load balancer:
    #   vpc-origin       an internal load balancer in the app subnets, reached through a CloudFront
    #                    VPC origin (no public address: $3.65 a month less per AZ; docs/decisions.md)
    #   internet-facing  a load balancer in the public subnets, admitted from CloudFront's prefix
    #                    list and only with a generated secret header (for an account or zone where
    #                    VPC origins are not available)
    api_origin: ApiOrigin
    # CloudFront -> load balancer: seconds to wait for a response, and to keep an idle
    # connection for reuse (1-60 without a quota increase). The keep-alive must stay below
    # compute.idle_timeout_seconds, or CloudFront reuses connections the load balancer closed.
    origin_read_timeout_seconds: OriginTimeout
    origin_keepalive_timeout_seconds: OriginTimeout
    # amplify: HTTPS URL of the frontend's Git repository, and the name of the Secrets Manager
    # secret holding the access token Amplify uses to read it (created by hand, never in code).
    amplify_repository: str
    amplify_token_secret: str
    # amplify: Git branch this environment builds (branch environments build their own branch).
    amplify_branch: str
    # amplify: password-protect the site (HTTP basic auth, generated password in Secrets
    # Manager); required outside production.
    amplify_basic_auth: bool


@dataclass(frozen=True)
class WafConfig:
    # "block" enforces the rules; "count" only counts matches (tuning against real traffic);
    # "off" leaves the environment without a web ACL (outside production only: saves $5 a month
    # for the ACL and $1 per rule, docs/decisions.md), so the edge-global stack holds only the
    # certificate, or does not exist without a domain.
    mode: WafMode
    # Requests per client IP in any 5 minutes before the rate rule applies (10 or more).
    rate_limit: Annotated[int, Range(10, 2_000_000_000, problem="AWS WAF accepts 10 to 2000000000 requests per 5 minutes", fix="use e.g. 2000")]
    # AWS Bot Control rule group (common level): paid per request, off by default.
    bot_control: bool
    # A regional WebACL on the load balancer as well (defence in depth; CloudFront's
    # WebACL already sees every request that reaches it).
    load_balancer_acl: bool


@dataclass(frozen=True)
class ObservabilityConfig:
    # Who is told about alarms: critical alarms page (someone acts now), warnings inform
    # (someone looks during working hours). Email addresses; each confirms its subscription once.
    critical_emails: AlarmEmails
    warning_emails: AlarmEmails
    # A branch environment's alarms (both severities) go to these addresses only; none by default.
    branch_emails: AlarmEmails
    # Alarm thresholds (BankApp's list, docs/requirements.md R17; "for N minutes" is N one-minute
    # periods in a row).
    service_cpu_percent: Percent
    service_memory_percent: Percent
    service_alarm_minutes: AlarmMinutes
    database_cpu_percent: Percent
    database_free_storage_percent: Annotated[int, Range(1, 99)]
    # Connections as a percentage of the database's connection limit: ``database_max_connections``,
    # or (0) PostgreSQL's default for the instance class's memory (LEAST(memory/9531392, 5000)).
    database_connections_percent: Percent
    database_max_connections: Annotated[int, Range(0, problem="cannot be negative", fix="use 0 (derived from the instance class) or the database's max_connections")]
    # Read replica lag (environments with a replica).
    replica_lag_seconds: AlarmCount
    # Load balancer 5xx responses (its own and the targets') in one minute.
    load_balancer_5xx_per_minute: AlarmCount
    # 99th percentile of the targets' response time.
    p99_latency_ms: int
    # Minutes in a row with an unhealthy target before the warning.
    unhealthy_host_minutes: AlarmMinutes
    # CloudFront 5xx error rate (percent of requests) over 5 minutes.
    cdn_5xx_rate_percent: Percent
    # Requests the web ACL blocked in 5 minutes that count as a spike (an attack or a bad rule).
    waf_blocked_requests_per_5_minutes: AlarmCount
    # auth.mode "custom-jwt": failed sign-ins in 5 minutes that count as a spike (credential
    # stuffing, or sign-in broken for everyone), counted from the lines with the term
    # LOGIN_FAILED the application writes to its log (docs/tiers/observability.md).
    failed_logins_per_5_minutes: AlarmCount
    # CloudFront's additional metrics (cache hit rate, origin latency, error codes), paid per
    # distribution; the dashboard's cache-hit widget needs them.
    cdn_additional_metrics: bool
    # A cost row on the dashboard: the account's estimated charges this month (AWS/Billing, in
    # us-east-1, once billing alerts are on in the account's billing preferences) beside this
    # environment's budget (BankApp: "Cost and usage metrics").
    cost_panel: bool
    # Monthly AWS Budgets cost budget in USD for this environment's resources (by its tags;
    # the cost allocation tags must be activated once, README); 0 = no budget.
    monthly_budget_usd: Annotated[int, Range(0, problem="cannot be negative", fix="use 0 (no budget) or the monthly amount in USD")]
    # A multi-region CloudTrail trail of this environment's own (off in branch environments). A
    # long-lived environment without one relies on its account's trail (delivery.account_trail).
    cloudtrail: bool
    # Days the trail's log files are kept in S3 (moved to Glacier after 90 days when longer): this
    # environment's own trail, and the account trail keeps the longest of the environments relying on it.
    trail_retention_days: Annotated[int, Range(1, problem="must be 1 or more", fix="use e.g. 365")]


@dataclass(frozen=True)
class OffHoursConfig:
    # Dev cost control (BankApp: "scale down during off-peak hours", docs/requirements.md R22):
    # outside working hours the service scales to zero and the database stops. Not allowed in
    # production.
    enabled: bool
    # Working days and hours in ``timezone`` (an IANA name): resources start at ``start_at`` and
    # stop at ``stop_at`` ("HH:MM") on ``days`` ("MON-FRI", or e.g. "MON,WED,FRI").
    days: Weekdays
    start_at: ClockTime
    stop_at: ClockTime
    timezone: str


@dataclass(frozen=True)
class UsageConfig:
    # What the cost estimate (`make cost`, docs/cost.md) assumes where the templates cannot
    # know: traffic, data volumes and users in a month. They change nothing deployed.

    # HTTP requests a month through CloudFront (site and API). The web ACLs and the CloudFront
    # Function are priced on all of them (an upper bound: the function runs on the site's pages).
    requests_per_month: UsageCount
    # GB a month CloudFront sends to viewers (priced at North America and Europe rates).
    cdn_transfer_gb: UsageAmount
    # Average load balancer capacity units (LCU) over the month: the highest of new connections
    # (25/s), active connections (3000/min), processed GB (1/h) and rule evaluations (1000/s) per LCU.
    load_balancer_lcu: UsageAmount
    # GB a month through the NAT gateways (image pulls, AWS and third-party APIs), split evenly
    # over them; a NAT instance charges nothing per GB.
    nat_data_gb: UsageAmount
    # GB a month through interface VPC endpoints, split evenly over them.
    endpoint_data_gb: UsageAmount
    # GB a month ingested into CloudWatch Logs: the API's log group, the VPC flow logs, the web
    # ACLs' logs (split evenly over them), and every other log group together (Lambda functions,
    # database, audit trail, ECS Exec: split evenly over them).
    app_log_gb: UsageAmount
    flow_log_gb: UsageAmount
    waf_log_gb: UsageAmount
    other_log_gb: UsageAmount
    # Users who sign in at least once in a month (Cognito bills monthly active users).
    monthly_active_users: UsageCount
    # GiB of automated backups and snapshots the database keeps; the first 100 % of its storage is free.
    database_backup_gib: UsageAmount
    # Aurora Serverless v2: average capacity while the cluster runs (kept within the template's
    # minimum and maximum), its storage in GiB and its I/O in millions of requests a month.
    aurora_average_acu: Annotated[float, Range(0, 256, problem="Aurora Serverless v2 runs 0 to 256 ACU", fix="use the expected average, e.g. 0.5")]
    aurora_storage_gib: UsageAmount
    aurora_io_millions: UsageAmount
    # S3: GB stored and requests a month over all of the environment's buckets (uploads, site,
    # access logs, audit trail), split evenly over them.
    s3_storage_gb: UsageAmount
    s3_write_requests_per_month: UsageCount
    s3_read_requests_per_month: UsageCount
    # GB of container images kept in the ECR repository (Fargate).
    image_storage_gb: UsageAmount
    # Management events a month in the account: an environment's own trail is priced as an
    # additional copy ($2 per 100,000), on the assumption that the account's free first copy is
    # another trail (the account trail of the delivery stack, an organization's, or another environment's).
    management_events_per_month: UsageCount
    # Hours a month an instance started on demand runs (the bastion with off_hours: stopped
    # every evening, started by hand when someone needs the database).
    on_demand_instance_hours: Annotated[float, Range(0, 730, problem="a month has at most 730 hours", fix="use the expected hours, e.g. 20")]
    # Amplify Hosting (edge.frontend "amplify"): build minutes, GB served and server-side
    # rendered requests a month.
    amplify_build_minutes: UsageAmount
    amplify_served_gb: UsageAmount
    amplify_requests_per_month: UsageCount


# GitHub's naming rules: an owner (user or organization) is 1-39 letters, digits and single
# hyphens, neither first nor last; a repository 1-100 letters, digits, ".", "_", "-" (not "." or
# ".."); an environment name here is kept to letters, digits, ".", "_", "-" so it reads the same in
# the token's `sub` claim (`repo:OWNER/REPO:environment:NAME`) and holds no IAM wildcard.
GITHUB_OWNER_RE = r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}"
GITHUB_REPOSITORY_RE = r"[A-Za-z0-9._-]{1,100}"
GITHUB_ENVIRONMENT_RE = r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}"
GitHubEnvironment = Annotated[str, Pattern(GITHUB_ENVIRONMENT_RE, problem="is not a GitHub environment name this project accepts",
                                           fix="use letters, digits, '.', '_', '-' (e.g. 'production'), no wildcard or ':'", optional=True)]


@dataclass(frozen=True)
class DeliveryConfig:
    # Where the workflows that deploy this environment run: GitHub's owner (organization or
    # user) and repository. The deploy roles (the delivery stack, `-c delivery=true`) trust tokens
    # of this repository only. The defaults are placeholders: replace them before deploying it.
    github_owner: Annotated[str, Pattern(GITHUB_OWNER_RE, problem="is not a GitHub owner name (1-39 letters, digits, single hyphens)",
                                         fix="use the organization or user that owns the repository, e.g. 'my-org'",
                                         what="1-39 letters, digits and single hyphens, not first or last (GitHub's owner names)")]
    # The repository's name, without its owner (placeholder by default, like the owner).
    github_repository: Annotated[str, Pattern(GITHUB_REPOSITORY_RE, problem="is not a GitHub repository name",
                                              fix="use the repository's name without its owner, e.g. 'webapp'"),
                                 NoneOf((".", ".."), problem="is not a GitHub repository name", fix="use the repository's name, e.g. 'webapp'")]
    # The GitHub environment whose jobs may deploy this environment: its deploy role trusts
    # `repo:OWNER/REPO:environment:<this>` and nothing else. Empty: "production" for a production
    # environment, else the environment's own name (promote.yml's jobs: dev, staging, production).
    github_environment: GitHubEnvironment
    # The GitHub environment whose jobs deploy and destroy branch environments of this
    # environment and run the sweeper (preview.yml, sweep.yml): "preview" in dev. Empty: none
    # (no preview role). Only in an environment with allow_branches.
    branch_github_environment: GitHubEnvironment
    # ARN of the account's existing GitHub OIDC provider (an account holds one per URL); empty:
    # the delivery stack creates it. Environments in one account give the same value.
    oidc_provider_arn: Annotated[str, Pattern(r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com",
                                              problem="is not the ARN of GitHub's OIDC provider",
                                              fix="use 'arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com', or '' to create it",
                                              optional=True)]
    # The account's own multi-region CloudTrail trail in this account's delivery stack
    # (`<app>-delivery-<account>`, docs/delivery.md): created once per account when any of its
    # environments sets this. The account's first copy of management events is free, so the
    # trail costs its key, its log group and S3 (docs/cost.md); a long-lived environment without a
    # trail of its own (observability.cloudtrail False) needs it in its account.
    account_trail: bool


@dataclass(frozen=True)
class ApplicationTopicConfig:
    # Topic name within the environment ("stock-alerts" -> SNS topic <app>-<env>-stock-alerts);
    # the application reads its ARN from the setting STOCK_ALERTS_TOPIC_ARN and may publish to it.
    name: Annotated[str, Pattern(r"[a-z][a-z0-9-]{0,39}", problem="must be 1-40 lowercase letters, digits or hyphens, starting with a letter",
                                 fix="use e.g. 'stock-alerts'")]
    # Email addresses subscribed to it (each confirms once).
    emails: Annotated[tuple[str, ...], Items(EMAIL_RE, problem="are not email addresses", fix="write them like 'admin@example.com'")]


# An environment variable the application reads: what Fargate and the EC2 settings script can set.
EnvVarName = Annotated[str, Pattern(r"(?!AWS_|ECS_)[A-Z][A-Z0-9_]{0,127}",
                                    problem="is not an environment variable name the project may set (capitals, digits and _, starting "
                                    "with a capital, at most 128; not AWS_* or ECS_*, which the SDKs and ECS read)",
                                    fix="write it as the application reads it, e.g. 'MARKET_DATA_API_KEY'"),
                       NoneOf(("APP_ENV",), problem="is the environment's name, which the project sets", fix="choose another name")]


@dataclass(frozen=True)
class AppSettingConfig:
    # The environment variable, e.g. "FEATURE_WATCHLISTS".
    name: EnvVarName
    # Its value: plain text, stored as an SSM parameter (never a secret: use app.secrets).
    value: Annotated[str, Pattern(r"[^\r\n]{1,4096}", problem="must be one line of 1 to 4096 characters",
                                  fix="write the value on one line (an SSM standard parameter holds 4 KB)")]


@dataclass(frozen=True)
class AppSecretConfig:
    # The environment variable the application reads it from, e.g. "MARKET_DATA_API_KEY".
    name: EnvVarName
    # "" = the project creates the secret (encrypted with the environment's app-secrets key; a
    # generated placeholder until someone writes the real value once: docs/operations.md);
    # else an existing Secrets Manager secret, by name or full ARN, which the project only reads.
    existing: Annotated[str, Pattern(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}|[A-Za-z0-9/_+=.@-]{1,512}",
                                     problem="is not a Secrets Manager secret name or full ARN",
                                     fix="write the secret's name (e.g. 'bankapp/prod/coingecko') or its full ARN with the 6-character suffix",
                                     optional=True)] = field(default="", metadata=OPTIONAL)
    # A JSON key of the secret's value to read; "" = the whole value.
    json_key: Annotated[str, Pattern(r"[A-Za-z0-9_.-]{1,128}", problem="is not a JSON key", fix="write the key, e.g. 'apiKey'",
                                     optional=True)] = field(default="", metadata=OPTIONAL)
    # An existing secret encrypted with a customer-managed key: that key's ARN, so the readers
    # may decrypt; "" = AWS's managed key for Secrets Manager (nothing to grant).
    kms_key_arn: Annotated[str, Pattern(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}", problem="is not a KMS key ARN",
                                        fix="write the key's full ARN (arn:aws:kms:<region>:<account>:key/<id>)", optional=True)] = field(default="", metadata=OPTIONAL)


@dataclass(frozen=True)
class AppRenameConfig:
    # A setting the project gives the application (DB_HOST, UPLOADS_BUCKET, APP_ORIGINS, ...;
    # docs/tiers/compute.md lists them) ...
    setting: str
    # ... and the name the application reads it under instead, e.g. "S3_BUCKET_NAME".
    name: EnvVarName


@dataclass(frozen=True)
class AppConfig:
    # The application's own settings (feature flags, URLs), secrets (third-party API keys) and
    # the names it already reads the project's settings under. All of them reach the API as
    # environment variables, on Fargate and through the EC2 settings script alike.
    settings: tuple[AppSettingConfig, ...]
    secrets: tuple[AppSecretConfig, ...]
    renames: tuple[AppRenameConfig, ...]


@dataclass(frozen=True)
class AcceptedRisk:
    # The id of a production guardrail that may be accepted as a risk (config/rules: the rules
    # registered with risk=True, listed in docs/configuration.md), e.g. "compute.two-tasks-in-production".
    risk: str
    # Why this environment takes the risk, in a sentence: printed on every synth, tagged, documented.
    reason: Annotated[str, Pattern(r"[^\r\n]{20,300}", problem="must say why in one line of 20 to 300 characters",
                                   fix="write the reason, e.g. 'the seed runs one instance on the free tier; an AZ outage stops the shop'")]


@dataclass(frozen=True)
class RecoveryObjectives:
    # Recovery time and point objectives in minutes (documented, and checked against backups).
    rto_minutes: Annotated[int, Range(1, problem="must be a positive number of minutes", fix="use e.g. 240")]
    rpo_minutes: Annotated[int, Range(1, problem="must be a positive number of minutes", fix="use e.g. 1440")]


@dataclass(frozen=True)
class EnvironmentConfig:
    # Short application name: first part of every stack name.
    app_name: Annotated[str, Pattern(r"[a-z][a-z0-9]{1,19}", problem="must be 2-20 lowercase letters or digits, starting with a letter",
                                     fix="choose a short name such as 'webapp'")]
    # Environment name (dev, staging, prod) as selected with ``-c env=``.
    env_name: str
    # Configuration profile (``-c profile=``) this environment comes from.
    profile: str
    # Target account (12 digits) and region. The default account is a placeholder:
    # pass ``-c account=123456789012`` or set it in the profile before deploying.
    account: Annotated[str, Pattern(r"\d{12}", problem="must be a 12-digit AWS account ID",
                                    fix="use the target account's 12 digits, e.g. -c account=123456789012")]
    region: Annotated[str, Pattern(r"[a-z]{2}(-gov)?-[a-z]+-\d", problem="is not an AWS region name", fix="use a region such as 'us-east-1'")]
    # Production rules apply: Multi-AZ database, no DESTROY removal, deletion protection.
    production: bool
    # Whether short-lived branch environments may be derived from this environment.
    allow_branches: bool
    # What happens to stateful resources when their stack is deleted.
    removal: RemovalMode
    # Default retention (days) of log groups the app creates.
    log_retention_days: LogRetentionDays
    # Tags on every resource.
    owner: TagValue
    cost_center: TagValue
    network: NetworkConfig
    compute: ComputeConfig
    database: DatabaseConfig
    domain: DomainConfig
    edge: EdgeConfig
    waf: WafConfig
    recovery: RecoveryObjectives
    storage: StorageConfig
    cache: CacheConfig
    auth: AuthConfig
    observability: ObservabilityConfig
    off_hours: OffHoursConfig
    usage: UsageConfig
    # Deploy identity: which GitHub workflows may deploy this environment (docs/delivery.md).
    delivery: DeliveryConfig
    # SNS topics the application publishes to (StockPilot: stock alerts, order notifications;
    # docs/requirements.md R19).
    application_topics: tuple[ApplicationTopicConfig, ...]
    # The application's own settings, secrets and setting names (docs/tiers/compute.md).
    app: AppConfig
    # Production guardrails this environment takes as named risks, each with its reason. Only
    # the rules marked as risks may be accepted; every accepted risk is printed on each synth,
    # tagged on the stacks ("accepted-risks") and listed on the profile's page. Nothing else relaxes.
    accepted_risks: tuple[AcceptedRisk, ...]
    # Branch of a short-lived environment: the raw name and its sanitized slug
    # ("" for the long-lived environments). Set by the loader, not in config files.
    branch: str = ""
    branch_slug: str = ""

    @property
    def is_branch(self) -> bool:
        return bool(self.branch_slug)

    @property
    def qualified_name(self) -> str:
        """``<env>`` or ``<env>-<branch>``: the part of every name that tells environments apart."""
        return f"{self.env_name}-{self.branch_slug}" if self.branch_slug else self.env_name

    @property
    def amplify_git_branch(self) -> str:
        """The Git branch Amplify builds: the branch environment's own, or ``edge.amplify_branch``."""
        return self.branch or self.edge.amplify_branch

    @property
    def host_name(self) -> str:
        """The environment's own DNS name ("" without a domain): ``domain.name``, or
        ``<branch>.<domain.name>`` for a branch environment."""
        if not self.domain.name:
            return ""
        return f"{self.branch_slug}.{self.domain.name}" if self.branch_slug else self.domain.name

    @property
    def distribution_host_name(self) -> str:
        """The CloudFront distribution's DNS name ("" without a domain): the site's own name
        for an SPA, ``api.<host>`` when Amplify serves the site and CloudFront the API only."""
        if not self.host_name:
            return ""
        return self.host_name if self.edge.frontend == "spa" else f"api.{self.host_name}"

    def alarm_emails(self, severity: str) -> tuple[str, ...]:
        """Subscribers of the ``critical`` or ``warning`` alarm topic: ``observability.branch_emails``
        in a branch environment, otherwise the severity's own list."""
        obs = self.observability
        if self.is_branch:
            return obs.branch_emails
        return obs.critical_emails if severity == "critical" else obs.warning_emails

    def stack_name(self, tier: str) -> str:
        return f"{self.app_name}-{self.qualified_name}-{tier}"
