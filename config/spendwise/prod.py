"""SpendWise prod (seed 003; docs/profiles/spendwise.md): the seed's development environment at
production's rules: two tasks, one per AZ, on regular Fargate; a Multi-AZ database; no bastion
or ECS Exec (the seed turns the bastion off when no one needs it), so no Session Manager
endpoints either.
"""

SETTINGS: dict = {
    "production": True,
    "allow_branches": False,
    "removal": "snapshot",
    "log_retention_days": 30,
    "network": {
        "cidr": "10.2.0.0/16",
        "interface_endpoints": ["ecr.api", "ecr.dkr", "logs", "cognito-idp", "secretsmanager", "ssm"],
        "flow_log_retention_days": 30,
    },
    "compute": {"task_cpu": 512, "task_memory_mib": 1024, "min_count": 2, "max_count": 4},
    "database": {"instance_class": "t4g.small", "multi_az": True, "backup_retention_days": 7, "monitoring_interval_seconds": 60},
    "domain": {"name": "spendwise.example.com"},
    "edge": {"amplify_branch": "main", "amplify_basic_auth": False},
    "auth": {"mfa": "optional"},
    # Placeholder addresses: replace with the team's own (README: Operations).
    "observability": {
        "critical_emails": ["oncall@example.com"],
        "warning_emails": ["platform-team@example.com"],
        "monthly_budget_usd": 400,
    },
    # What the cost estimate assumes: month start and end peaks, a few thousand users.
    "usage": {
        "requests_per_month": 3_000_000, "cdn_transfer_gb": 30, "load_balancer_lcu": 0.3,
        "endpoint_data_gb": 10, "app_log_gb": 5, "flow_log_gb": 3, "waf_log_gb": 5, "other_log_gb": 1,
        "monthly_active_users": 2000, "database_backup_gib": 10, "s3_storage_gb": 10,
        "amplify_served_gb": 20, "amplify_requests_per_month": 2_000_000,
    },
}
