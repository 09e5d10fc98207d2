"""dev: one small task, single-AZ database, a NAT instance, everything destroyable.

BankApp (docs/requirements.md R1, R7): 0.25 vCPU / 512 MB, 1 task, db.t3.micro single AZ
(here the Graviton t4g.micro), RTO 4 h, RPO 24 h. Backups are kept 1 day, fewer than
the seed's 35 (R6).
"""

SETTINGS: dict = {
    "allow_branches": True,
    # Branch environments are deployed, destroyed and swept by jobs of the GitHub environment "preview".
    "delivery": {"branch_github_environment": "preview"},
    "removal": "destroy",
    "log_retention_days": 7,
    "network": {
        "cidr": "10.0.0.0/16",
        # A NAT instance costs a tenth of a NAT gateway; dev can live with one AZ's fate.
        "egress": "nat-instance",
        "flow_log_retention_days": 7,
    },
    "compute": {
        "task_cpu": 256, "task_memory_mib": 512, "min_count": 1, "max_count": 2,
        # Interruptible capacity at ~70 % off; ECS Exec for debugging; a bastion to reach the database.
        "fargate_spot": True, "ecs_exec": True, "bastion": True,
    },
    "database": {"instance_class": "t4g.micro", "multi_az": False, "backup_retention_days": 1},
    "recovery": {"rto_minutes": 240, "rpo_minutes": 1440},
    # Amplify builds the integration branch; a handful of developers stay far below 500 per 5 min.
    "edge": {"amplify_branch": "develop"},
    # No web ACL in dev ($5 a month plus $1 per rule, docs/decisions.md): developers behind
    # Cognito, CloudFront's Shield Standard in front. Staging keeps one, to tune rules on.
    "waf": {"mode": "off", "rate_limit": 500},
    # No one is paged for dev (the dashboard shows its alarms); the budget is the estimate (make cost) with room.
    "observability": {"monthly_budget_usd": 60, "trail_retention_days": 90},
    # BankApp: "scale down during off-peak hours" (R22). Branch environments inherit it.
    "off_hours": {"enabled": True, "days": "MON-FRI", "start_at": "07:00", "stop_at": "20:00", "timezone": "UTC"},
    "auth": {
        # The Vite dev server, so developers can sign in to dev from their laptop.
        "callback_urls": ["http://localhost:5173/"],
        "logout_urls": ["http://localhost:5173/"],
        "refresh_token_days": 7,
    },
}
