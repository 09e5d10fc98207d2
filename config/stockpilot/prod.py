"""StockPilot prod: the seed's layout, with its two availability risks accepted by name (seed 002;
docs/profiles/stockpilot.md).

One t4g.micro instance with a public address in a public subnet and a single-AZ PostgreSQL 15, as
the seed runs production on the free tier: the production rules refuse both, so the environment
accepts them (accepted_risks, printed on every synth and tagged). What does not relax: the web
ACL, MFA, backups, deletion protection, the snapshot on deletion, the audit trail.
"""

SETTINGS: dict = {
    "production": True,
    "allow_branches": False,
    "removal": "snapshot",
    "log_retention_days": 30,
    # The profile's layout (config/profiles.py): no NAT, one public instance.
    "network": {"cidr": "10.2.0.0/16", "flow_log_retention_days": 30},
    "database": {"instance_class": "t4g.micro", "multi_az": False, "backup_retention_days": 7},
    "accepted_risks": [
        {"risk": "compute.two-tasks-in-production",
         "reason": "one free-tier instance, as the seed runs the shop; an AZ outage or a failed instance stops it until the group replaces the instance"},
        {"risk": "environment.production-multi-az-database",
         "reason": "a single-AZ free-tier database, as the seed runs it; a zone outage means a point-in-time restore (RTO hours), not a failover"},
    ],
    # The production site is public (no preview password).
    "edge": {"amplify_branch": "main", "amplify_basic_auth": False},
    # Placeholder addresses: replace with the team's own (README: Operations).
    "observability": {
        "critical_emails": ["oncall@example.com"],
        "warning_emails": ["platform-team@example.com"],
        "monthly_budget_usd": 250,
    },
    # The seed's usage table (50 users, 5 GB through CloudFront) with room.
    "usage": {"cdn_transfer_gb": 5, "monthly_active_users": 50, "s3_storage_gb": 1, "app_log_gb": 1},
}
