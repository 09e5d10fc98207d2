"""staging: production's shape at a smaller size.

BankApp (docs/requirements.md R2, R7): 0.5 vCPU / 1 GB, 2 tasks, db.t3.small Multi-AZ
(here t4g.small), RTO 2 h, RPO 1 h. Backups are kept 7 days, fewer than the seed's 35 (R6).
"""

SETTINGS: dict = {
    "allow_branches": True,
    "removal": "snapshot",
    "log_retention_days": 30,
    "network": {
        "cidr": "10.1.0.0/16",
        "egress": "single-nat-gateway",
        "flow_log_retention_days": 30,
    },
    "compute": {"task_cpu": 512, "task_memory_mib": 1024, "min_count": 2, "max_count": 4},
    "database": {
        "instance_class": "t4g.small",
        "multi_az": True,
        "backup_retention_days": 7,
        "max_allocated_storage_gib": 200,
        "monitoring_interval_seconds": 60,
    },
    "recovery": {"rto_minutes": 120, "rpo_minutes": 60},
    "edge": {"amplify_branch": "staging"},
    "waf": {"rate_limit": 1000},
    # Placeholder addresses: replace with the team's own (README: Operations).
    "observability": {
        "critical_emails": ["oncall@example.com"],
        "warning_emails": ["platform-team@example.com"],
        # BankApp states ~$160 a month (R20).
        "monthly_budget_usd": 250,
        "cdn_additional_metrics": True,
    },
    # What the cost estimate assumes (docs/cost.md): test runs and reviewers, a few hundred users.
    "usage": {
        "requests_per_month": 1_000_000, "cdn_transfer_gb": 20, "load_balancer_lcu": 0.2,
        "nat_data_gb": 20, "endpoint_data_gb": 5,
        "app_log_gb": 5, "flow_log_gb": 3, "waf_log_gb": 2, "other_log_gb": 1,
        "monthly_active_users": 200, "database_backup_gib": 10,
        "aurora_average_acu": 0.75, "aurora_storage_gib": 10, "aurora_io_millions": 10,
        "s3_storage_gb": 10, "s3_write_requests_per_month": 100_000, "s3_read_requests_per_month": 200_000,
        "management_events_per_month": 200_000, "amplify_build_minutes": 100, "amplify_served_gb": 5,
        "amplify_requests_per_month": 500_000,
    },
}
