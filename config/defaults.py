"""Shared defaults: every environment of every profile starts from these.

Sizes and policies follow the BankApp seed where it gives them (docs/requirements.md: the
requirements each setting relies on, cited below as R1, R2, ...), and the cheapest safe
choice where the seed systems leave room. Per-environment files override any
key; the loader rejects keys that do not exist in ``schema.py``.
"""

# Placeholder account (documented in the README): deploying needs a real one, given
# in the profile or with ``-c account=123456789012``.
PLACEHOLDER_ACCOUNT = "111111111111"
# Placeholder GitHub owner (docs/delivery.md: Deploy identity): the delivery stack of a real account
# refuses it, since the deploy roles would trust whoever owns that name on GitHub.
PLACEHOLDER_GITHUB_OWNER = "example-org"

DEFAULTS: dict = {
    "app_name": "webapp",
    "account": PLACEHOLDER_ACCOUNT,
    "region": "us-east-1",
    "production": False,
    "allow_branches": False,
    "removal": "destroy",
    "log_retention_days": 7,
    "owner": "platform-team",
    "cost_center": "webapp",
    "network": {
        "cidr": "10.0.0.0/16",
        "availability_zones": ["us-east-1a", "us-east-1b"],
        "egress": "single-nat-gateway",
        # t4g.nano: the smallest Graviton size, ~$3/month, enough for a dev NAT.
        "nat_instance_type": "t4g.nano",
        "interface_endpoints": [],
        "dynamodb_gateway_endpoint": False,
        # BankApp's application security group allows 443 out "for external APIs" (R5).
        "workloads_need_internet": True,
        "public_subnet_mask": 24,
        # Fargate tasks take one address each: leave room for scale-out and deployments.
        "private_subnet_mask": 20,
        "isolated_subnet_mask": 24,
        "public_subnet_cidrs": [],
        "private_subnet_cidrs": [],
        "isolated_subnet_cidrs": [],
        "flow_log_retention_days": 7,
        "flow_log_traffic": "ALL",
        "cloudfront_origin_prefix_list_id": "",
    },
    "compute": {
        "kind": "fargate",
        "container_port": 3001,
        "cpu_architecture": "arm64",
        "release": "",
        # The official Node.js image from the ECR Public mirror of Docker Hub (no rate limit).
        "placeholder_image": "public.ecr.aws/docker/library/node:22-alpine",
        "health_check_path": "/api/health",
        # Long enough for quiet WebSockets; the application pings every 30-60 s.
        "idle_timeout_seconds": 300,
        "stickiness_seconds": 0,
        "deregistration_delay_seconds": 30,
        "min_count": 1,
        "max_count": 2,
        "cpu_target_percent": 70,
        "requests_per_target": 1000,
        "memory_target_percent": 0,
        "cpu_scaling": "target",
        # Used with cpu_scaling "steps": BankApp's production rules (docs/requirements.md R23).
        "cpu_scale_out_percent": 70,
        "cpu_scale_out_minutes": 2,
        "cpu_scale_in_percent": 30,
        "cpu_scale_in_minutes": 5,
        "task_cpu": 256,
        "task_memory_mib": 512,
        "fargate_spot": False,
        "ecs_exec": False,
        "read_only_root_filesystem": True,
        "container_user": "1000",
        "xray_tracing": False,
        "ecr_keep_images": 30,
        "instance_type": "t4g.small",
        "root_volume_gib": 20,
        "process_port": 3000,
        "placement": "private",
        "bastion": False,
        # The smallest Graviton size: enough for Session Manager port forwarding.
        "bastion_instance_type": "t4g.nano",
    },
    "database": {
        "engine": "postgres",
        "engine_version": "18.3",
        "database_name": "webapp",
        "instance_class": "t4g.micro",
        "serverless_min_acu": 0.0,
        "serverless_max_acu": 4.0,
        "serverless_pause_after_minutes": 15,
        "multi_az": False,
        "read_replica": False,
        "allocated_storage_gib": 20,
        "max_allocated_storage_gib": 100,
        "backup_retention_days": 1,
        "port": 5432,
        "performance_insights": False,
        "monitoring_interval_seconds": 0,
        "log_min_duration_statement_ms": 500,
        "credential_rotation_days": 30,
        "apply_migrations": True,
    },
    "storage": {
        "uploads_bucket": True,
        "noncurrent_versions_to_glacier_days": 90,
        "noncurrent_versions_expire_days": 365,
        "intelligent_tiering_days": 0,
        "access_log_retention_days": 90,
    },
    "cache": {
        "enabled": False,
        "node_type": "cache.t4g.micro",
        "engine_version": "7.1",
        "multi_az": False,
        "snapshot_retention_days": 1,
    },
    "auth": {
        "mode": "cognito",
        "mfa": "optional",
        "feature_plan": "essentials",
        "threat_protection": "off",
        # The Vite dev server, so a developer can sign in against dev from a laptop.
        "callback_urls": [],
        "logout_urls": [],
        "access_token_minutes": 60,
        "id_token_minutes": 60,
        "refresh_token_days": 30,
        "domain_prefix": "",
        "password_min_length": 12,
        # The project's users table (functions/migrations/sql), which the trigger writes.
        "user_sync": True,
        "user_table": {"table": "users", "id_column": "id", "id_type": "uuid", "email_column": "email", "name_column": "display_name"},
        "jwt_secret_rotation_days": 90,
    },
    "domain": {"name": "", "hosted_zone_id": "", "hosted_zone_name": ""},
    "edge": {
        "frontend": "spa",
        "site_directory": "frontend/placeholder",
        # Same-origin SPA: the API and WebSocket are under the site's own origin; sign-in goes
        # through the Cognito hosted UI and its token endpoint.
        "content_security_policy": (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "font-src 'self'; connect-src 'self' https://*.amazoncognito.com https://*.amazonaws.com; "
            "form-action 'self' https://*.amazoncognito.com; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
        ),
        "price_class": "100",
        "uploads_path": "",
        # The API under /api, its WebSocket endpoint at /ws.
        "api_paths": ["/api/*", "/ws", "/ws/*"],
        # No public address on the load balancer: CloudFront is its only way in.
        "api_origin": "vpc-origin",
        # CloudFront's defaults; both below the load balancer's 300 s idle timeout.
        "origin_read_timeout_seconds": 60,
        "origin_keepalive_timeout_seconds": 60,
        "amplify_repository": "",
        "amplify_token_secret": "",
        "amplify_branch": "main",
        "amplify_basic_auth": True,
    },
    "waf": {
        "mode": "block",
        # BankApp's WAF "rate limiting" (R16), per IP: 2000 requests in 5 minutes is ~7 per second, sustained.
        "rate_limit": 2000,
        "bot_control": False,
        "load_balancer_acl": False,
    },
    "recovery": {"rto_minutes": 240, "rpo_minutes": 1440},
    "observability": {
        "critical_emails": [],
        "warning_emails": [],
        "branch_emails": [],
        # BankApp's alarm list (R17): ECS CPU > 90 % and memory > 80 % for 5 minutes, RDS CPU > 85 %
        # for 5 minutes, free storage < 10 %, 5xx > 10 in a minute, p99 > 2 s, failed health checks.
        "service_cpu_percent": 90,
        "service_memory_percent": 80,
        "service_alarm_minutes": 5,
        "database_cpu_percent": 85,
        "database_free_storage_percent": 10,
        "database_connections_percent": 80,
        "database_max_connections": 0,
        "replica_lag_seconds": 60,
        "load_balancer_5xx_per_minute": 10,
        "p99_latency_ms": 2000,
        "unhealthy_host_minutes": 2,
        "cdn_5xx_rate_percent": 5,
        # Four times the rate limit's worth of one client: more than one abuser, or a rule gone wrong.
        "waf_blocked_requests_per_5_minutes": 8000,
        # custom-jwt: twenty failed sign-ins a minute for 5 minutes, far above people mistyping.
        "failed_logins_per_5_minutes": 100,
        "cdn_additional_metrics": False,
        "cost_panel": False,
        "monthly_budget_usd": 0,
        # No trail of the environment's own: the account's (delivery.account_trail) records it, the
        # account's free first copy of management events (docs/decisions.md).
        "cloudtrail": False,
        "trail_retention_days": 365,
    },
    "off_hours": {"enabled": False, "days": "MON-FRI", "start_at": "07:00", "stop_at": "20:00", "timezone": "UTC"},
    "application_topics": [],
    "accepted_risks": [],
    "app": {"settings": [], "secrets": [], "renames": []},
    # The deploy roles' trust (docs/delivery.md): placeholders, to replace with the repository's own.
    "delivery": {
        "github_owner": PLACEHOLDER_GITHUB_OWNER,
        "github_repository": "webapp",
        "github_environment": "",
        "branch_github_environment": "",
        "oidc_provider_arn": "",
        "account_trail": True,
    },
    # What the cost estimate assumes (docs/cost.md): a handful of developers and testers. Staging
    # and prod set their own; branch environments keep their parent's.
    "usage": {
        "requests_per_month": 200_000,
        "cdn_transfer_gb": 5,
        # An idle load balancer uses a small fraction of one LCU.
        "load_balancer_lcu": 0.05,
        "nat_data_gb": 5,
        "endpoint_data_gb": 1,
        "app_log_gb": 1,
        "flow_log_gb": 0.5,
        # WAF log records are ~2 KB each: 200,000 requests are ~0.4 GB.
        "waf_log_gb": 0.4,
        "other_log_gb": 0.5,
        "monthly_active_users": 50,
        "database_backup_gib": 2,
        # Aurora with a 0 ACU minimum pauses when idle: a quarter of an ACU on average.
        "aurora_average_acu": 0.25,
        "aurora_storage_gib": 2,
        "aurora_io_millions": 1,
        "s3_storage_gb": 2,
        "s3_write_requests_per_month": 20_000,
        "s3_read_requests_per_month": 50_000,
        # 30 kept images of ~100 MB.
        "image_storage_gb": 3,
        "management_events_per_month": 100_000,
        # A bastion started on demand: an hour a working day.
        "on_demand_instance_hours": 20,
        "amplify_build_minutes": 200,
        "amplify_served_gb": 2,
        "amplify_requests_per_month": 100_000,
    },
}

# Applied on top of the parent environment for a short-lived branch environment
# (``-c branch=...``): everything destroyable, nothing that needs a cleanup by hand.
BRANCH_OVERRIDES: dict = {
    "production": False,
    "allow_branches": False,
    "removal": "destroy",
    "database": {"multi_az": False, "read_replica": False, "backup_retention_days": 1},
    "cache": {"multi_az": False},
    "network": {"flow_log_retention_days": 3},
    "log_retention_days": 3,
    # Interruptible capacity is fine for a preview; one task is enough (the ceiling stays the
    # parent's, so a single-instance layout keeps its 1/1).
    "compute": {"fargate_spot": True, "min_count": 1},
    # The account's trail (or the parent environment's own) already records the account; a preview's budget is its
    # own, above what a preview left running for a whole month costs (`make cost`: about $60),
    # so its alerts mean "forgotten", not "running".
    "observability": {"cloudtrail": False, "cdn_additional_metrics": False, "monthly_budget_usd": 75},
    # A preview promises no recovery: its single-AZ database could not meet the parent's objectives.
    "recovery": {"rto_minutes": 1440, "rpo_minutes": 1440},
    # Branch environments are not a parent of others: the branch role is the parent's.
    "delivery": {"branch_github_environment": ""},
}

# CloudFront origin-facing managed prefix lists (com.amazonaws.global.cloudfront.origin-facing)
# by region. Their IDs differ per region and cannot be looked up offline; a region not
# listed here needs ``network.cloudfront_origin_prefix_list_id`` set in its profile.
CLOUDFRONT_ORIGIN_PREFIX_LISTS: dict[str, str] = {
    "us-east-1": "pl-3b927c52",
    "us-west-2": "pl-82a045eb",
    "eu-west-1": "pl-4fa04526",
    "eu-central-1": "pl-a3a144ca",
    "ap-northeast-1": "pl-58a04531",
    "ap-southeast-2": "pl-b8a742d1",
}
