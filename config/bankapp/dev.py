"""BankApp dev (seed 004, Development Environment; docs/profiles/bankapp.md).

"ECS Fargate: 0.25 vCPU, 512 MB RAM (1 task)", 1-2 tasks at 80 % CPU, "RDS: db.t3.micro
(single AZ)" (here the Graviton t4g.micro), RTO 4 h, RPO 24 h; Fargate Spot and scaling down
off-peak, as the seed's cost strategies suggest. A NAT instance instead of the seed's NAT
gateway, a tenth of the price.
"""

SETTINGS: dict = {
    "allow_branches": True,
    # Branch environments are deployed, destroyed and swept by jobs of the GitHub environment "preview".
    "delivery": {"branch_github_environment": "preview"},
    "removal": "destroy",
    "log_retention_days": 7,
    "network": {
        "cidr": "10.0.0.0/16", "egress": "nat-instance", "flow_log_retention_days": 7,
        # The seed's ranges (Network Architecture), zone A then B: public 10.0.1-2.0/24, private
        # 10.0.11-12.0/24; the database's isolated subnets, which the seed has none of, 10.0.21-22.0/24.
        "public_subnet_cidrs": ["10.0.1.0/24", "10.0.2.0/24"],
        "private_subnet_cidrs": ["10.0.11.0/24", "10.0.12.0/24"],
        "isolated_subnet_cidrs": ["10.0.21.0/24", "10.0.22.0/24"],
    },
    "compute": {
        "task_cpu": 256, "task_memory_mib": 512, "min_count": 1, "max_count": 2, "cpu_target_percent": 80,
        "fargate_spot": True, "ecs_exec": True,
    },
    "database": {"instance_class": "t4g.micro", "multi_az": False},
    "recovery": {"rto_minutes": 240, "rpo_minutes": 1440},
    "domain": {"name": "dev.bankapp.example.com"},
    "waf": {"rate_limit": 500},
    # "~$90" a month (Estimated Monthly Costs), with room.
    "observability": {"monthly_budget_usd": 150, "trail_retention_days": 90},
    # "Auto-Scaling: Scale down during off-peak hours".
    "off_hours": {"enabled": True},
}
