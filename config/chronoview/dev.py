"""ChronoView dev: the seed's layout as written (seeds 000, 001; docs/profiles/chronoview.md).

One EC2 instance (t3.small, Nginx + PM2) behind the load balancer, an Auto Scaling group that
may add a second; db.t3.micro single-AZ (here the Graviton t4g.micro); "logs 7-30 days". A NAT
instance for the instances' way out (npm at boot, market data), the cheapest egress.
"""

SETTINGS: dict = {
    "allow_branches": True,
    # Branch environments are deployed, destroyed and swept by jobs of the GitHub environment "preview".
    "delivery": {"branch_github_environment": "preview"},
    "removal": "destroy",
    "log_retention_days": 7,
    "network": {"cidr": "10.0.0.0/16", "egress": "nat-instance", "flow_log_retention_days": 7},
    # "If traffic grows: put EC2 behind Auto Scaling Group (min 1-2 instances)".
    "compute": {"min_count": 1, "max_count": 2},
    "database": {"instance_class": "t4g.micro", "multi_az": False, "backup_retention_days": 1},
    "domain": {"name": "dev.chronoview.example.com"},
    # "Cost-aware start": the instance and the database stop outside working hours.
    "off_hours": {"enabled": True},
    "auth": {
        # The Vite dev server, so developers can sign in to dev from their laptop.
        "callback_urls": ["http://localhost:5173/"],
        "logout_urls": ["http://localhost:5173/"],
        "refresh_token_days": 7,
    },
    # The seed's "~$30-45/mo at low traffic", with room (docs/profiles/chronoview.md: estimate).
    "observability": {"monthly_budget_usd": 100, "trail_retention_days": 90},
}
