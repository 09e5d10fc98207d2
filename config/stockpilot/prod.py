"""StockPilot prod (seed 002; docs/profiles/stockpilot.md).

The seed's single public instance and single-AZ database are refused in production (one
instance is one AZ's fate, and a restore takes longer than a failover): two t4g.micro
instances in the private subnets, one per AZ, with one NAT gateway for their way out (npm at
boot, SNS, Cognito's keys), and a Multi-AZ PostgreSQL 15.
"""

SETTINGS: dict = {
    "production": True,
    "allow_branches": False,
    "removal": "snapshot",
    "log_retention_days": 30,
    "network": {"cidr": "10.2.0.0/16", "egress": "single-nat-gateway", "flow_log_retention_days": 30},
    "compute": {"placement": "private", "min_count": 2, "max_count": 2},
    "database": {"instance_class": "t4g.micro", "multi_az": True, "backup_retention_days": 7},
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
