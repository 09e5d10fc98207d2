"""ChronoView prod: the seed's environment as production (seeds 000, 001; docs/profiles/chronoview.md).

The production rules ask more than the seed's single instance: two t3.small instances, one per
AZ, scaling to four ("min 1-2 instances with target tracking"), and the Multi-AZ database the
seed calls optional (db.t3.small, here t4g.small). Without Redis yet ("later"), sessions stay on
one instance by the load balancer's cookie.
"""

SETTINGS: dict = {
    "production": True,
    "allow_branches": False,
    "removal": "snapshot",
    # "set retention (7-30 days)".
    "log_retention_days": 30,
    # One NAT gateway: the instances call out for market data; one AZ's fate for the way out.
    "network": {"cidr": "10.2.0.0/16", "egress": "single-nat-gateway", "flow_log_retention_days": 30},
    "compute": {"min_count": 2, "max_count": 4, "stickiness_seconds": 3600, "xray_tracing": True},
    "database": {
        "instance_class": "t4g.small",
        "multi_az": True,
        "backup_retention_days": 7,
        "monitoring_interval_seconds": 60,
    },
    "domain": {"name": "chronoview.example.com"},
    "edge": {"price_class": "100"},
    # Placeholder addresses: replace with the team's own (README: Operations).
    "observability": {
        "critical_emails": ["oncall@example.com"],
        "warning_emails": ["platform-team@example.com"],
        "monthly_budget_usd": 300,
    },
    # What the cost estimate assumes: a low-traffic launch, a few hundred users.
    "usage": {
        "requests_per_month": 1_000_000, "cdn_transfer_gb": 20, "load_balancer_lcu": 0.2,
        "nat_data_gb": 10, "app_log_gb": 3, "flow_log_gb": 2, "waf_log_gb": 2, "other_log_gb": 1,
        "monthly_active_users": 300, "database_backup_gib": 5, "s3_storage_gb": 5,
        "management_events_per_month": 200_000,
    },
}
