"""BankApp staging (seed 004, Staging Environment; docs/profiles/bankapp.md).

"ECS Fargate: 0.5 vCPU, 1 GB RAM (2 tasks)", 2-4 tasks at 70 % CPU, on Fargate Spot ("Consider
Fargate Spot for dev/staging"); "RDS: db.t3.small (Multi-AZ)" (here t4g.small); RTO 2 h, RPO 1 h.
"""

SETTINGS: dict = {
    "allow_branches": True,
    "removal": "snapshot",
    "log_retention_days": 30,
    "network": {
        "cidr": "10.1.0.0/16", "egress": "single-nat-gateway", "flow_log_retention_days": 30,
        # The seed's ranges (Network Architecture), zone A then B: public 10.1.1-2.0/24, private
        # 10.1.11-12.0/24; the database's isolated subnets, which the seed has none of, 10.1.21-22.0/24.
        "public_subnet_cidrs": ["10.1.1.0/24", "10.1.2.0/24"],
        "private_subnet_cidrs": ["10.1.11.0/24", "10.1.12.0/24"],
        "isolated_subnet_cidrs": ["10.1.21.0/24", "10.1.22.0/24"],
    },
    "compute": {"task_cpu": 512, "task_memory_mib": 1024, "min_count": 2, "max_count": 4, "fargate_spot": True},
    "database": {
        "instance_class": "t4g.small",
        "multi_az": True,
        "max_allocated_storage_gib": 200,
        "monitoring_interval_seconds": 60,
    },
    "recovery": {"rto_minutes": 120, "rpo_minutes": 60},
    "domain": {"name": "staging.bankapp.example.com"},
    "waf": {"rate_limit": 1000},
    # Placeholder addresses: replace with the team's own (README: Operations).
    "observability": {
        "critical_emails": ["oncall@example.com"],
        "warning_emails": ["platform-team@example.com"],
        # "~$160" a month, with room.
        "monthly_budget_usd": 250,
        "cdn_additional_metrics": True,
    },
    # What the cost estimate assumes: as the reference's staging (docs/cost.md).
    "usage": {
        "requests_per_month": 1_000_000, "cdn_transfer_gb": 20, "load_balancer_lcu": 0.2,
        "nat_data_gb": 20, "app_log_gb": 5, "flow_log_gb": 3, "waf_log_gb": 2, "other_log_gb": 1,
        "database_backup_gib": 10, "s3_storage_gb": 10, "s3_write_requests_per_month": 100_000,
        "s3_read_requests_per_month": 200_000, "management_events_per_month": 200_000,
    },
}
