"""StockPilot dev: the seed's free-tier layout as written (seed 002; docs/profiles/stockpilot.md).

One t2.micro-sized instance (here t4g.micro) with a public address in a public subnet, so no NAT
is paid for; only the load balancer may connect to it. PostgreSQL 15 on db.t4g.micro, 20 GB,
single-AZ. The functions in the VPC (migrations, secret rotation) reach Secrets Manager through
its endpoint.
"""

SETTINGS: dict = {
    "allow_branches": True,
    # Branch environments are deployed, destroyed and swept by jobs of the GitHub environment "preview".
    "delivery": {"branch_github_environment": "preview"},
    "removal": "destroy",
    "log_retention_days": 7,
    # The profile's layout (config/profiles.py): no NAT, one public instance.
    "network": {"cidr": "10.0.0.0/16", "flow_log_retention_days": 7},
    "database": {"instance_class": "t4g.micro", "multi_az": False, "backup_retention_days": 1},
    # Amplify builds the integration branch.
    "edge": {"amplify_branch": "develop"},
    # No web ACL, as the seed runs ($10 a month less; production keeps one: docs/profiles/stockpilot.md).
    "waf": {"mode": "off"},
    # Outside the free tier the instance and the database are the largest lines: they stop
    # outside working hours (branch environments inherit it).
    "off_hours": {"enabled": True},
    "observability": {"monthly_budget_usd": 100, "trail_retention_days": 90},
    # The seed's own usage table: 50 users, 5 GB through CloudFront, 1 GB of images and logs.
    "usage": {"cdn_transfer_gb": 5, "monthly_active_users": 50, "s3_storage_gb": 1, "app_log_gb": 1},
    # The Next.js dev server, so developers can sign in to dev from their laptop.
    "auth": {"callback_urls": ["http://localhost:3000/"], "logout_urls": ["http://localhost:3000/"], "refresh_token_days": 7},
}
