"""prod: highly available, nothing destroyable.

BankApp (docs/requirements.md R3, R4, R6, R7): 1 vCPU / 2 GB, 3-10 tasks, db.t3.medium
Multi-AZ with a read replica (here t4g.medium), 35-day backups with point-in-time recovery,
NAT gateway per AZ, RTO 30 min, RPO 5 min.
"""

SETTINGS: dict = {
    "production": True,
    "allow_branches": False,
    "removal": "snapshot",
    "log_retention_days": 90,
    "network": {
        "cidr": "10.2.0.0/16",
        "egress": "nat-gateway-per-az",
        "flow_log_retention_days": 90,
    },
    "compute": {"task_cpu": 1024, "task_memory_mib": 2048, "min_count": 3, "max_count": 10, "xray_tracing": True},
    "database": {
        "instance_class": "t4g.medium",
        "multi_az": True,
        "read_replica": True,
        "backup_retention_days": 35,
        "max_allocated_storage_gib": 500,
        "performance_insights": True,
        "monitoring_interval_seconds": 60,
    },
    "auth": {"mfa": "required", "refresh_token_days": 30},
    # Only used when the cache is enabled (cache.enabled): then with a replica in a second AZ.
    "cache": {"multi_az": True, "snapshot_retention_days": 7},
    "recovery": {"rto_minutes": 30, "rpo_minutes": 5},
    # Every edge location (users are not only in North America and Europe); the site is public.
    "edge": {"price_class": "all", "amplify_branch": "main", "amplify_basic_auth": False},
    "waf": {"rate_limit": 2000},
    # The account's trail (delivery stack) records production, a year of it (trail_retention_days):
    # beside dev's and staging's in one account, a trail of its own would be a second, paid copy of
    # the same events. Asked for here, not only by default, so prod in an account of its own always
    # gets one there (docs/decisions.md).
    "delivery": {"account_trail": True},
    # Placeholder addresses: replace with the team's own (README: Operations).
    "observability": {
        "critical_emails": ["oncall@example.com"],
        "warning_emails": ["platform-team@example.com"],
        # BankApp states ~$580 a month (R20).
        "monthly_budget_usd": 800,
        "cdn_additional_metrics": True,
        "cloudtrail": False,
    },
    # What the cost estimate assumes (docs/cost.md): ~5,000 active users, ~10 million requests
    # (about 4 a second on average), 35 days of backups.
    "usage": {
        "requests_per_month": 10_000_000, "cdn_transfer_gb": 200, "load_balancer_lcu": 1,
        "nat_data_gb": 100, "endpoint_data_gb": 20,
        "app_log_gb": 30, "flow_log_gb": 20, "waf_log_gb": 20, "other_log_gb": 3,
        "monthly_active_users": 5000, "database_backup_gib": 40,
        "aurora_average_acu": 2, "aurora_storage_gib": 50, "aurora_io_millions": 100,
        "s3_storage_gb": 100, "s3_write_requests_per_month": 1_000_000, "s3_read_requests_per_month": 2_000_000,
        "management_events_per_month": 500_000, "amplify_build_minutes": 100, "amplify_served_gb": 50,
        "amplify_requests_per_month": 5_000_000,
    },
}
