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
}
