"""SpendWise dev: the seed's environment as written (seed 003; docs/profiles/spendwise.md).

The NestJS API on one small Fargate task (Spot), its image from ECR; no NAT: ECR, CloudWatch
Logs, Cognito, Secrets Manager and Systems Manager through interface endpoints, S3 through the
gateway endpoint; "one small Single-AZ RDS instance during development"; the SSM bastion for
database work, and ECS Exec.
"""

SETTINGS: dict = {
    "allow_branches": True,
    # Branch environments are deployed, destroyed and swept by jobs of the GitHub environment "preview".
    "delivery": {"branch_github_environment": "preview"},
    "removal": "destroy",
    "log_retention_days": 7,
    "network": {
        "cidr": "10.0.0.0/16",
        # The seed's "ECR API, ECR DKR, CloudWatch Logs, and Cognito IDP", Secrets Manager and SSM
        # for the tasks' secrets and settings, and Session Manager's for the bastion and ECS Exec.
        "interface_endpoints": ["ecr.api", "ecr.dkr", "logs", "cognito-idp", "secretsmanager", "ssm", "ssmmessages", "ec2messages"],
        "flow_log_retention_days": 7,
    },
    "compute": {"task_cpu": 256, "task_memory_mib": 512, "min_count": 1, "max_count": 2,
                "fargate_spot": True, "ecs_exec": True, "bastion": True},
    "database": {"instance_class": "t4g.micro", "multi_az": False, "backup_retention_days": 1},
    "domain": {"name": "dev.spendwise.example.com"},
    "edge": {"amplify_branch": "develop"},
    # "budget alarms, weekly cost review": the low end of the seed's $74-361, with room.
    "observability": {"monthly_budget_usd": 250, "trail_retention_days": 90},
    # The Next.js dev server, so developers can sign in to dev from their laptop.
    "auth": {"callback_urls": ["http://localhost:3000/"], "logout_urls": ["http://localhost:3000/"], "refresh_token_days": 7},
}
