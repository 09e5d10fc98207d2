"""BankApp prod (seed 004, Production Environment; docs/profiles/bankapp.md).

"ECS Fargate: 1 vCPU, 2 GB RAM (3-10 tasks with auto-scaling)", "RDS: db.t3.medium (Multi-AZ
with read replica)" (here t4g.medium), "CloudWatch: Enhanced monitoring", X-Ray, a NAT gateway
per AZ, RTO 30 min, RPO 5 min; step scaling on CPU and a memory target; uploads in S3 Intelligent-Tiering; Redis (ElastiCache, the seed's "session storage") with a replica
in the second AZ.
"""

SETTINGS: dict = {
    "production": True,
    "allow_branches": False,
    "removal": "snapshot",
    "log_retention_days": 90,
    "network": {
        "cidr": "10.2.0.0/16", "egress": "nat-gateway-per-az", "flow_log_retention_days": 90,
        # The seed's ranges (Network Architecture), zone A then B: public 10.2.1-2.0/24, private
        # 10.2.11-12.0/24; the database's isolated subnets, which the seed has none of, 10.2.21-22.0/24.
        "public_subnet_cidrs": ["10.2.1.0/24", "10.2.2.0/24"],
        "private_subnet_cidrs": ["10.2.11.0/24", "10.2.12.0/24"],
        "isolated_subnet_cidrs": ["10.2.21.0/24", "10.2.22.0/24"],
    },
    "compute": {
        "task_cpu": 1024, "task_memory_mib": 2048, "min_count": 3, "max_count": 10, "xray_tracing": True,
        # "Scale-up: Add 1 task when CPU > 70% for 2 minutes; Scale-down: Remove 1 task when CPU <
        # 30% for 5 minutes": step scaling instead of the CPU target (never both on one metric).
        "cpu_scaling": "steps", "cpu_scale_out_percent": 70, "cpu_scale_out_minutes": 2,
        "cpu_scale_in_percent": 30, "cpu_scale_in_minutes": 5,
    },
    "database": {
        "instance_class": "t4g.medium",
        "multi_az": True,
        "read_replica": True,
        "max_allocated_storage_gib": 500,
        "performance_insights": True,
        "monitoring_interval_seconds": 60,
    },
    "cache": {"enabled": True, "multi_az": True, "snapshot_retention_days": 7},
    # "S3: Standard + Intelligent-Tiering": uploads move the day after they are written (the
    # frequent tier costs what Standard does, so waiting longer only delays the cheaper tiers);
    # objects under 128 KB stay in Standard.
    "storage": {"intelligent_tiering_days": 1},
    "recovery": {"rto_minutes": 30, "rpo_minutes": 5},
    "domain": {"name": "bankapp.example.com"},
    # A global CDN: every edge location.
    "edge": {"price_class": "all"},
    # Placeholder addresses: replace with the team's own (README: Operations).
    "observability": {
        "critical_emails": ["oncall@example.com"],
        "warning_emails": ["platform-team@example.com"],
        # "~$580" a month, with room.
        "monthly_budget_usd": 800,
        "cdn_additional_metrics": True,
    },
    # What the cost estimate assumes: as the reference's prod (docs/cost.md).
    "usage": {
        "requests_per_month": 10_000_000, "cdn_transfer_gb": 200, "load_balancer_lcu": 1,
        "nat_data_gb": 100, "endpoint_data_gb": 20,
        "app_log_gb": 30, "flow_log_gb": 20, "waf_log_gb": 20, "other_log_gb": 3,
        "monthly_active_users": 5000, "database_backup_gib": 40,
        "s3_storage_gb": 100, "s3_write_requests_per_month": 1_000_000, "s3_read_requests_per_month": 2_000_000,
        "management_events_per_month": 500_000,
    },
}
