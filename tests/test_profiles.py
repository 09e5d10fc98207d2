"""The seed systems as profiles (config/profiles.py, docs/profiles/<name>.md).

Each seed document's own specifics are a table of claims: what the seed says, the environments
it holds for, and what the synthesized templates of those environments must hold (read from the
templates, compared with the expected value per environment). Beside the tables: every
environment each seed describes exists and branch environments derive from dev, the production
rules still refuse the seeds' production as written (the deviation the pages document), and
each page maps the seed, says what is not provided yet and states the current estimate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest

from config.errors import ConfigError
from config.loader import load
from config.profiles import PROFILES
from cost.estimate import Stack, estimate
from tests.conftest import ROOT, SEED_PROFILES, Synthesized

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CLOUDFRONT_PREFIX_LIST = "pl-3b927c52"

# ---------------------------------------------------------------- what the templates hold


def props(s: Synthesized, cfn_type: str, tier: str) -> list[dict]:
    return [r["Properties"] for r in s.templates[tier]["Resources"].values() if r["Type"] == cfn_type]


def one(s: Synthesized, cfn_type: str, tier: str) -> dict:
    (found,) = props(s, cfn_type, tier)
    return found


def everywhere(s: Synthesized, cfn_type: str) -> list[dict]:
    return [p for tier in s.templates for p in props(s, cfn_type, tier)]


def stem(logical_id: str) -> str:
    """A logical ID without CDK's hash: "SecurityGroupsDatabase03711F2A" -> "SecurityGroupsDatabase"."""
    return re.sub(r"[0-9A-F]{8}$", "", logical_id)


def launch_data(s: Synthesized) -> dict:
    (data,) = [r["Properties"]["LaunchTemplateData"] for k, r in s.templates["compute"]["Resources"].items()
               if r["Type"] == "AWS::EC2::LaunchTemplate" and k.startswith("ApiLaunchTemplate")]
    return data


def user_data(s: Synthesized) -> str:
    parts = launch_data(s)["UserData"]["Fn::Base64"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "<ref>" for p in parts)


def group_sizes(s: Synthesized) -> tuple[int, int]:
    group = one(s, "AWS::AutoScaling::AutoScalingGroup", "compute")
    return int(group["MinSize"]), int(group["MaxSize"])


def task_sizes(s: Synthesized) -> tuple[str, str, int, int]:
    """Fargate CPU units and memory of the task, and the service's scaling bounds."""
    task = one(s, "AWS::ECS::TaskDefinition", "compute")
    target = one(s, "AWS::ApplicationAutoScaling::ScalableTarget", "compute")
    return task["Cpu"], task["Memory"], target["MinCapacity"], target["MaxCapacity"]


def scaling_targets(s: Synthesized) -> dict[str, float]:
    """Target-tracking metric -> target value, for Fargate services and EC2 groups alike (step
    policies are ``scaling_steps``')."""
    found = {}
    for p in props(s, "AWS::ApplicationAutoScaling::ScalingPolicy", "compute") + props(s, "AWS::AutoScaling::ScalingPolicy", "compute"):
        config = p.get("TargetTrackingScalingPolicyConfiguration") or p.get("TargetTrackingConfiguration")
        if config is None:
            continue
        metric = config["PredefinedMetricSpecification"]["PredefinedMetricType"]
        found[metric] = config["TargetValue"]
    return found


def scaling_steps(s: Synthesized) -> set[tuple[str, str, float, int, int]]:
    """The Fargate service's step policies, each as (metric, comparison, threshold, minutes in
    a row, tasks added): read from the alarm that invokes the policy."""
    resources = s.templates["compute"]["Resources"]
    policies = {k: r["Properties"]["StepScalingPolicyConfiguration"] for k, r in resources.items()
                if r["Type"] == "AWS::ApplicationAutoScaling::ScalingPolicy" and "StepScalingPolicyConfiguration" in r["Properties"]}
    found = set()
    for alarm in props(s, "AWS::CloudWatch::Alarm", "compute"):
        invoked = [a["Ref"] for a in alarm.get("AlarmActions", []) if isinstance(a, dict) and a.get("Ref") in policies]
        for key in invoked:
            (step,) = policies[key]["StepAdjustments"]
            assert alarm["Period"] == 60 and alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"], key
            found.add((alarm["MetricName"], alarm["ComparisonOperator"], alarm["Threshold"], alarm["EvaluationPeriods"],
                       step["ScalingAdjustment"]))
    return found


def tiering_transitions(s: Synthesized) -> dict[str, list[tuple[str, int]]]:
    """Bucket (logical ID without its hash) -> (storage class, days) of its current-version
    lifecycle transitions, over every tier."""
    return {stem(key): [(t["StorageClass"], t["TransitionInDays"]) for rule in r["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])
                        for t in rule.get("Transitions", [])]
            for tier in s.templates for key, r in s.templates[tier]["Resources"].items() if r["Type"] == "AWS::S3::Bucket"}


def dashboard_panels(s: Synthesized) -> tuple[list[str], list[str]]:
    """The dashboard's row titles, and the graphs that read a given metric: failed sign-ins
    (the API's LOGIN_FAILED lines), WAF blocks, the account's estimated charges."""
    body = "".join(p if isinstance(p, str) else "<ref>" for p in one(s, "AWS::CloudWatch::Dashboard", "observability")["DashboardBody"]["Fn::Join"][1])
    rows = re.findall(r'"markdown":"## ([^"]+)"', body)
    metrics = [name for name, needle in (("failed sign-ins", '"FailedLogins"'), ("WAF blocks", '"BlockedRequests"'),
                                         ("estimated charges", '"AWS/Billing","EstimatedCharges"')) if needle in body]
    return rows, metrics


def capacity_provider(s: Synthesized) -> str:
    (strategy,) = one(s, "AWS::ECS::Service", "compute")["CapacityProviderStrategy"]
    return strategy["CapacityProvider"]


def listener_paths(s: Synthesized) -> set[str]:
    """Path patterns the load balancer forwards to the API."""
    return {v for rule in props(s, "AWS::ElasticLoadBalancingV2::ListenerRule", "compute")
            for c in rule["Conditions"] if c["Field"] == "path-pattern" for v in c["PathPatternConfig"]["Values"]}


def target_type(s: Synthesized) -> tuple[str, int]:
    group = one(s, "AWS::ElasticLoadBalancingV2::TargetGroup", "compute")
    return group["TargetType"], group["Port"]


def listeners(s: Synthesized) -> set[tuple[int, str]]:
    """(port, forwarding protocol or "redirect") of the load balancer's listeners."""
    return {(p["Port"], "redirect" if p["DefaultActions"][0]["Type"] == "redirect" else p["Protocol"])
            for p in props(s, "AWS::ElasticLoadBalancingV2::Listener", "edge")}


def behaviours(s: Synthesized) -> dict[str, str]:
    """CloudFront path pattern ("default") -> what serves it: "site bucket", "uploads bucket" or
    "load balancer" (uncached)."""
    config = one(s, "AWS::CloudFront::Distribution", "edge")["DistributionConfig"]
    origins = {}
    for origin in config["Origins"]:
        if "VpcOriginConfig" in origin or "CustomOriginConfig" in origin:
            origins[origin["Id"]] = "load balancer"
        else:
            origins[origin["Id"]] = "site bucket" if "SiteBucket" in json.dumps(origin["DomainName"]) else "uploads bucket"
    found = {}
    for pattern, behaviour in [("default", config["DefaultCacheBehavior"]), *((b["PathPattern"], b) for b in config.get("CacheBehaviors", []))]:
        kind = origins[behaviour["TargetOriginId"]]
        if kind == "load balancer":
            assert behaviour["CachePolicyId"] == CACHING_DISABLED, pattern
        found[pattern] = kind
    return found


def aliases(s: Synthesized) -> list[str]:
    return one(s, "AWS::CloudFront::Distribution", "edge")["DistributionConfig"].get("Aliases", [])


def certificates(s: Synthesized) -> set[str]:
    """Domain names of the ACM certificates: CloudFront's (us-east-1) and the load balancer's."""
    return {p["DomainName"] for tier in ("edge-global", "edge") for p in props(s, "AWS::CertificateManager::Certificate", tier)}


def web_acl(s: Synthesized) -> tuple[set[str], int]:
    """CloudFront's web ACL: its managed rule groups and the rate limit per IP."""
    acl = one(s, "AWS::WAFv2::WebACL", "edge-global")
    assert acl["Scope"] == "CLOUDFRONT"
    groups = {r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in acl["Rules"] if "ManagedRuleGroupStatement" in r["Statement"]}
    (limit,) = [r["Statement"]["RateBasedStatement"]["Limit"] for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    return groups, limit


def database(s: Synthesized) -> dict:
    (primary,) = [p for p in props(s, "AWS::RDS::DBInstance", "data") if "SourceDBInstanceIdentifier" not in p]
    return primary


def database_shape(s: Synthesized) -> tuple[str, str, bool, int]:
    """Engine major version, class, Multi-AZ, backup days."""
    db = database(s)
    assert db["Engine"] == "postgres" and db["StorageEncrypted"] is True and db["PubliclyAccessible"] is False
    return db["EngineVersion"].split(".")[0], db["DBInstanceClass"], db["MultiAZ"], db["BackupRetentionPeriod"]


def replicas(s: Synthesized) -> int:
    return sum("SourceDBInstanceIdentifier" in p for p in props(s, "AWS::RDS::DBInstance", "data"))


def subnet_kind(s: Synthesized, refs) -> set[str]:
    """The subnet groups ("public", "app", "data") that a list of subnet references points into."""
    text = json.dumps(refs)
    return {name for name in ("public", "app", "data") if f"Vpc{name}Subnet" in text}


def database_subnets(s: Synthesized) -> set[str]:
    (group,) = props(s, "AWS::RDS::DBSubnetGroup", "data")
    return subnet_kind(s, group["SubnetIds"])


def egress(s: Synthesized) -> tuple[int, int]:
    """(NAT gateways, NAT instances) of the VPC."""
    return len(props(s, "AWS::EC2::NatGateway", "network")), len(props(s, "AWS::EC2::Instance", "network"))


def interface_endpoints(s: Synthesized) -> set[str]:
    prefix = f"com.amazonaws.{s.config.region}."
    return {p["ServiceName"].removeprefix(prefix) for p in props(s, "AWS::EC2::VPCEndpoint", "network") if p.get("VpcEndpointType") == "Interface"}


def gateway_endpoints(s: Synthesized) -> set[str]:
    return {service for p in props(s, "AWS::EC2::VPCEndpoint", "network") if p.get("VpcEndpointType", "Gateway") == "Gateway"
            for service in ("s3", "dynamodb") if f'.{service}"' in json.dumps(p["ServiceName"])}


def ingress_to(s: Synthesized, group: str) -> set[tuple[int, str]]:
    """(port, source) of every rule admitting traffic into the network tier's group ``group``
    ("Database"): the source group's stem, a prefix list or a CIDR."""
    found = set()
    for logical_id, r in s.templates["network"]["Resources"].items():
        if r["Type"] == "AWS::EC2::SecurityGroup" and stem(logical_id) == f"SecurityGroups{group}":
            found |= {(rule["FromPort"], rule.get("CidrIp") or rule.get("SourcePrefixListId", "?"))
                      for rule in r["Properties"].get("SecurityGroupIngress", [])}
        if r["Type"] == "AWS::EC2::SecurityGroupIngress" and stem(r["Properties"]["GroupId"]["Fn::GetAtt"][0]) == f"SecurityGroups{group}":
            p = r["Properties"]
            source = p.get("SourceSecurityGroupId", {}).get("Fn::GetAtt", [None])[0]
            found.add((p["FromPort"], stem(source).removeprefix("SecurityGroups") if source else p.get("SourcePrefixListId") or p["CidrIp"]))
    return found


def any_port_22(s: Synthesized) -> bool:
    rules = [rule for p in everywhere(s, "AWS::EC2::SecurityGroup") for rule in p.get("SecurityGroupIngress", [])]
    rules += everywhere(s, "AWS::EC2::SecurityGroupIngress")
    # The NAT instance forwards every port from inside the VPC (its sshd is off): not an SSH door.
    return any(r["IpProtocol"] in ("tcp", "-1") and r.get("FromPort", 0) <= 22 <= r.get("ToPort", 65535) and r.get("CidrIp") != s.config.network.cidr
               for r in rules)


def key_pairs(s: Synthesized) -> int:
    data = [launch_data(s)] if s.config.compute.kind == "ec2" else []
    return sum("KeyName" in d for d in data + everywhere(s, "AWS::EC2::Instance"))


def alarm_metrics(s: Synthesized) -> dict[str, tuple[str, float]]:
    """Alarm name (without the environment's prefix) -> (metric, threshold)."""
    prefix = f"{s.config.app_name}-{s.config.qualified_name}-"
    found = {}
    for p in props(s, "AWS::CloudWatch::Alarm", "observability"):
        metric = p.get("MetricName") or next(m["Expression"] for m in p["Metrics"] if "Expression" in m)
        found[p["AlarmName"].removeprefix(prefix)] = (metric, p["Threshold"])
    return found


def topics(s: Synthesized) -> dict[str, list[str]]:
    """Application topic name -> its email subscribers."""
    names = {k: r["Properties"]["TopicName"] for k, r in s.templates["data"]["Resources"].items() if r["Type"] == "AWS::SNS::Topic"}
    found: dict[str, list[str]] = {name: [] for name in names.values()}
    for p in props(s, "AWS::SNS::Subscription", "data"):
        found[names[p["TopicArn"]["Ref"]]].append(p["Endpoint"])
    return found


def amplify(s: Synthesized) -> tuple[str, str, str]:
    """Amplify's platform, framework and the Git branch it builds."""
    app, branch = one(s, "AWS::Amplify::App", "edge"), one(s, "AWS::Amplify::Branch", "frontend")
    return app["Platform"], branch["Framework"], branch["BranchName"]


def stems(s: Synthesized, cfn_type: str, tier: str) -> set[str]:
    return {stem(k) for k, r in s.templates[tier]["Resources"].items() if r["Type"] == cfn_type}


def log_retention(s: Synthesized) -> int:
    """Days the API's log group keeps its logs."""
    (days,) = [r["Properties"]["RetentionInDays"] for k, r in s.templates["compute"]["Resources"].items() if k.startswith("ApiLogGroup")]
    return days


def injected(s: Synthesized) -> set[str]:
    """Names of the secrets and settings the Fargate task receives."""
    (api,) = [c for c in one(s, "AWS::ECS::TaskDefinition", "compute")["ContainerDefinitions"] if c["Name"] == "api"]
    return {e["Name"] for e in api.get("Secrets", [])}


def off_hours(s: Synthesized) -> int:
    """Scheduled actions that stop and start the API (Fargate or EC2)."""
    fargate = [a for t in props(s, "AWS::ApplicationAutoScaling::ScalableTarget", "compute") for a in t.get("ScheduledActions", [])]
    return len(fargate) + len(props(s, "AWS::AutoScaling::ScheduledAction", "compute"))


# ---------------------------------------------------------------- the tables of claims


@dataclass(frozen=True)
class Claim:
    # Where the seed says it ("000 §2"), and what it says (quoted or paraphrased).
    where: str
    says: str
    # What the templates hold, and what each environment must hold.
    read: Callable[[Synthesized], object]
    expected: Mapping[str, object]


def each(value: object, *variants: str) -> dict[str, object]:
    return dict.fromkeys(variants, value)


CV, CV_ALL = "chronoview", ("chronoview-dev", "chronoview-prod")
CHRONOVIEW = [
    Claim("000 §1, 001 §1", "static SPA on S3 + CloudFront; CloudFront forwards /api/* to the ALB, not cached",
          behaviours, each({"default": "site bucket", "/api/*": "load balancer", "/ws": "load balancer", "/ws/*": "load balancer"}, *CV_ALL)),
    Claim("000 §1, 001 §1", "Route 53 + ACM for HTTPS, on CloudFront and the ALB",
          lambda s: (aliases(s), certificates(s)),
          {"chronoview-dev": (["dev.chronoview.example.com"], {"dev.chronoview.example.com", "origin.dev.chronoview.example.com"}),
           "chronoview-prod": (["chronoview.example.com"], {"chronoview.example.com", "origin.chronoview.example.com"})}),
    Claim("000 §2", "ALB routes /api/* (HTTP) and /ws (WebSocket) to the EC2 target group",
          lambda s: (listener_paths(s), target_type(s)), each(({"/api/*", "/ws", "/ws/*"}, ("instance", 3001)), *CV_ALL)),
    Claim("000 §2", "EC2 t3.small (Intel) with Nginx as reverse proxy and PM2 for the app",
          lambda s: (launch_data(s)["InstanceType"], "x8664" in json.dumps(s.templates["compute"]["Parameters"]),
                     "nginx" in user_data(s) and "pm2-runtime" in user_data(s)), each(("t3.small", True, True), *CV_ALL)),
    Claim("000 §4, §8", "WebSocket /ws on the instances: Nginx upgrades the connection, the ALB keeps it 300 s",
          lambda s: ("location /ws" in user_data(s) and "proxy_set_header Upgrade $http_upgrade;" in user_data(s),
                     {a["Key"]: a["Value"] for a in one(s, "AWS::ElasticLoadBalancingV2::LoadBalancer", "edge")["LoadBalancerAttributes"]}
                     ["idle_timeout.timeout_seconds"]), each((True, "300"), *CV_ALL)),
    Claim("000 §8", "Auto Scaling group (min 1-2 instances) with target tracking on CPU and requests",
          lambda s: (group_sizes(s), set(scaling_targets(s))),
          {"chronoview-dev": ((1, 2), {"ASGAverageCPUUtilization", "ALBRequestCountPerTarget"}),
           "chronoview-prod": ((2, 4), {"ASGAverageCPUUtilization", "ALBRequestCountPerTarget"})}),
    # Deviation (docs/profiles/chronoview.md): the ALB is internal, in the private app subnets behind a VPC origin.
    Claim("000 §6, 001 §6", "public subnets: ALB; private subnets: EC2 + RDS; at least 2 AZs",
          lambda s: (subnet_kind(s, one(s, "AWS::ElasticLoadBalancingV2::LoadBalancer", "edge")["Subnets"]),
                     subnet_kind(s, one(s, "AWS::AutoScaling::AutoScalingGroup", "compute")["VPCZoneIdentifier"]),
                     database_subnets(s), len(s.config.network.availability_zones)),
          each(({"app"}, {"app"}, {"data"}, 2), *CV_ALL)),
    Claim("000 §6", "EC2: only from the ALB; SSH disabled (Session Manager), no key pair",
          lambda s: (ingress_to(s, "Application"), any_port_22(s), key_pairs(s)), each(({(3001, "LoadBalancer")}, False, 0), *CV_ALL)),
    Claim("000 §6, 001 §6", "RDS: 5432 from the app's security group only (and the project's in-VPC functions)",
          lambda s: ingress_to(s, "Database"), each({(5432, "Application"), (5432, "Functions")}, *CV_ALL)),
    Claim("000 §2", "RDS PostgreSQL db.t3.micro/t3.small (Graviton here), Multi-AZ optional (production: on)",
          database_shape, {"chronoview-dev": ("18", "db.t4g.micro", False, 1), "chronoview-prod": ("18", "db.t4g.small", True, 7)}),
    Claim("000 §2, §5", "Cognito user pool + hosted UI; the SPA gets JWTs by the code flow",
          lambda s: (len(props(s, "AWS::Cognito::UserPool", "auth")), len(props(s, "AWS::Cognito::UserPoolDomain", "auth")),
                     one(s, "AWS::Cognito::UserPoolClient", "auth")["AllowedOAuthFlows"]), each((1, 1, ["code"]), *CV_ALL)),
    Claim("000 §6, 001 §6", "WAF on CloudFront: rate limiting, common rules",
          lambda s: ("AWSManagedRulesCommonRuleSet" in web_acl(s)[0], web_acl(s)[1]), each((True, 2000), *CV_ALL)),
    Claim("000 §2, §7", "DB credentials in Secrets Manager, settings from SSM, never in the image",
          lambda s: ("GenerateSecretString" in json.dumps(props(s, "AWS::SecretsManager::Secret", "data")),
                     {p["Name"].rsplit("/", 1)[0] for p in props(s, "AWS::SSM::Parameter", "compute")}),
          {"chronoview-dev": (True, {"/chronoview/dev/app"}), "chronoview-prod": (True, {"/chronoview/prod/app"})}),
    Claim("000 §2, §10", "CloudWatch alarms: CPU, memory (agent), 5xx, latency, RDS connections",
          lambda s: {name: metric for name, (metric, _) in alarm_metrics(s).items()
                     if name in ("critical-api-cpu", "warning-api-memory", "warning-api-latency-p99", "warning-database-connections")}
          | {"5xx": "critical-api-5xx" in alarm_metrics(s)},
          each({"critical-api-cpu": "CPUUtilization", "warning-api-memory": "mem_used_percent", "warning-api-latency-p99": "TargetResponseTime",
                "warning-database-connections": "DatabaseConnections", "5xx": True}, *CV_ALL)),
    Claim("000 §7, 001 §7", "app logs to CloudWatch, retention 7-30 days", log_retention, {"chronoview-dev": 7, "chronoview-prod": 30}),
    Claim("000 §8", "Redis (ElastiCache) later, for fan-out once scaled out: not yet; the cookie keeps sessions on one instance",
          lambda s: (len(props(s, "AWS::ElastiCache::ReplicationGroup", "data")),
                     {a["Key"]: a["Value"] for a in one(s, "AWS::ElasticLoadBalancingV2::TargetGroup", "compute")["TargetGroupAttributes"]}
                     .get("stickiness.enabled", "false")),
          {"chronoview-dev": (0, "false"), "chronoview-prod": (0, "true")}),
]

SP = ("stockpilot-dev", "stockpilot-prod")
# The seed's Express routes at the root, with what lies under each; /products alone, as
# /products/<file> is a product image from the uploads bucket.
SP_ROUTES = ("/dashboard", "/dashboard/*", "/products", "/users", "/users/*", "/expenses", "/expenses/*", "/notifications", "/notifications/*")
STOCKPILOT = [
    Claim("002 (1) Amplify", "Next.js with server-side rendering on Amplify, built from Git",
          amplify, {"stockpilot-dev": ("WEB_COMPUTE", "Next.js - SSR", "develop"), "stockpilot-prod": ("WEB_COMPUTE", "Next.js - SSR", "main")}),
    Claim("002 (2) EC2", "one t2.micro-sized instance (here t4g.micro) in the public subnet, so no NAT",
          lambda s: (launch_data(s)["InstanceType"], group_sizes(s), subnet_kind(s, one(s, "AWS::AutoScaling::AutoScalingGroup", "compute")["VPCZoneIdentifier"]),
                     "NetworkInterfaces" in launch_data(s) and launch_data(s)["NetworkInterfaces"][0]["AssociatePublicIpAddress"], egress(s)),
          # Production too: one instance is an accepted risk there (compute.two-tasks-in-production).
          each(("t4g.micro", (1, 1), {"public"}, True, (0, 0)), *SP)),
    Claim("002 security", "EC2 inbound 22, 80, 443, 8000 from anywhere: here only the load balancer, no SSH",
          lambda s: (ingress_to(s, "Application"), any_port_22(s), key_pairs(s)), each(({(3001, "LoadBalancer")}, False, 0), *SP)),
    Claim("002 (3) RDS", "PostgreSQL 15, 20 GB, in the private subnet; db.t2.micro is not offered for 15 (t4g.micro)",
          lambda s: (database_shape(s), database(s)["AllocatedStorage"], database_subnets(s)),
          # Single-AZ in production: an accepted risk (environment.production-multi-az-database).
          {"stockpilot-dev": (("15", "db.t4g.micro", False, 1), "20", {"data"}),
           "stockpilot-prod": (("15", "db.t4g.micro", False, 7), "20", {"data"})}),
    Claim("002 (2), (3)", "production as the seed runs it, the two availability risks accepted by name and tagged",
          lambda s: (s.config.production, [a.risk for a in s.config.accepted_risks],
                     {t["Value"] for r in everywhere(s, "AWS::RDS::DBInstance") for t in r.get("Tags", []) if t["Key"] == "accepted-risks"}),
          {"stockpilot-dev": (False, [], set()),
           "stockpilot-prod": (True, ["compute.two-tasks-in-production", "environment.production-multi-az-database"],
                               {"compute.two-tasks-in-production environment.production-multi-az-database"})}),
    Claim("002 security", "RDS: inbound 5432 from the EC2 security group only (and the project's in-VPC functions); outbound none",
          lambda s: (ingress_to(s, "Database"), [rule["Description"] for k, r in s.templates["network"]["Resources"].items()
                                                 if stem(k) == "SecurityGroupsDatabase" for rule in r["Properties"]["SecurityGroupEgress"]]),
          each(({(5432, "Application"), (5432, "Functions")}, ["Disallow all traffic"]), *SP)),
    Claim("002 (4) S3, (5) CloudFront", "product images (products/...) in S3, served through CloudFront; the API behind it",
          behaviours, each({"default": "load balancer", **dict.fromkeys(SP_ROUTES, "load balancer"), "/products/*": "uploads bucket"}, *SP)),
    Claim("002 (2) Express routes", "routes /dashboard, /products, /users, /expenses, /notifications at the root, reaching the instance "
          "through CloudFront and the load balancer; nothing else is forwarded",
          lambda s: (listener_paths(s), [p for p, kind in behaviours(s).items() if kind == "load balancer" and p != "default"]),
          each((set(SP_ROUTES), list(SP_ROUTES)), *SP)),
    Claim("002 (6) Cognito", "user pool: sign-up and sign-in, password reset by email, JWTs",
          lambda s: (one(s, "AWS::Cognito::UserPool", "auth")["AccountRecoverySetting"]["RecoveryMechanisms"][0]["Name"],
                     one(s, "AWS::Cognito::UserPool", "auth")["UsernameAttributes"]), each(("verified_email", ["email"]), *SP)),
    Claim("002 (9) SNS", "stock-alerts to the admin's email, order-notifications (optional); system alerts through CloudWatch",
          lambda s: (topics(s), {p["TopicName"].rsplit("-", 2)[-2] + "-" + p["TopicName"].rsplit("-", 1)[-1]
                                 for p in props(s, "AWS::SNS::Topic", "observability")}),
          {v: ({f"stockpilot-{v.split('-')[1]}-stock-alerts": ["inventory-admin@example.com"], f"stockpilot-{v.split('-')[1]}-order-notifications": []},
               {"alarms-critical", "alarms-warning"}) for v in SP}),
    Claim("002 data flow 3", "the backend publishes to its topics: the instance role may, and learns their ARNs",
          lambda s: ("STOCK_ALERTS_TOPIC_ARN" in json.dumps(s.templates["compute"]), "ApplicationTopicsPublishPolicy" in json.dumps(s.templates["compute"])),
          each((True, True), *SP)),
    Claim("002 (8) Parameter Store", "settings in Parameter Store, S3_BUCKET_NAME among them (secrets in Secrets Manager instead of SecureString)",
          lambda s: sorted(p["Name"].rsplit("/", 1)[-1] for p in props(s, "AWS::SSM::Parameter", "compute")),
          each(["APP_ORIGINS", "COGNITO_CLIENT_ID", "COGNITO_USER_POOL_ID", "ORDER_NOTIFICATIONS_TOPIC_ARN", "S3_BUCKET_NAME",
                "STOCK_ALERTS_TOPIC_ARN"], *SP)),
    Claim("002 (8) Parameter Store", "API_SECRETS: created in Secrets Manager, read by the settings script into the app's environment",
          lambda s: (sorted(k for k in s.templates["compute"]["Resources"] if k.startswith("AppSecretsAPISECRETS")),
                     "API_SECRETS" in json.dumps(launch_data(s)["UserData"])),
          each((["AppSecretsAPISECRETSE211D28E"], True), *SP)),
    Claim("002 data encryption", "RDS and S3 encrypted at rest, HTTPS everywhere",
          lambda s: (database(s)["StorageEncrypted"], all("BucketEncryption" in b for b in everywhere(s, "AWS::S3::Bucket")),
                     {b["ViewerProtocolPolicy"] for b in [one(s, "AWS::CloudFront::Distribution", "edge")["DistributionConfig"]["DefaultCacheBehavior"],
                                                          *one(s, "AWS::CloudFront::Distribution", "edge")["DistributionConfig"]["CacheBehaviors"]]}
                     <= {"redirect-to-https", "https-only"}),
          each((True, True, True), *SP)),
    Claim("002 diagram", "us-east-1, VPC 10.0.0.0/16 (dev)", lambda s: (s.regions["network"], one(s, "AWS::EC2::VPC", "network")["CidrBlock"]),
          {"stockpilot-dev": ("us-east-1", "10.0.0.0/16"), "stockpilot-prod": ("us-east-1", "10.2.0.0/16")}),
    Claim("002 (7) CloudWatch", "EC2 and RDS metrics, application logs, alarms",
          lambda s: {"critical-instance-status-checks", "critical-api-cpu", "critical-database-cpu"} <= set(alarm_metrics(s)) and log_retention(s) > 0,
          each(True, *SP)),
]

SW = ("spendwise-dev", "spendwise-prod")
SPENDWISE = [
    Claim("003 §3 VPC, NAT", "public/private subnets across AZs; NAT optional: none, endpoint-based private access",
          lambda s: (len(s.config.network.availability_zones), egress(s),
                     [r for r in props(s, "AWS::EC2::Route", "network") if r.get("DestinationCidrBlock") == "0.0.0.0/0" and "GatewayId" not in r]),
          each((2, (0, 0), []), *SW)),
    Claim("003 §3 VPC endpoints", "interface endpoints for ECR API, ECR DKR, CloudWatch Logs and Cognito IDP; the S3 gateway endpoint",
          lambda s: ({"ecr.api", "ecr.dkr", "logs", "cognito-idp"} <= interface_endpoints(s), "s3" in gateway_endpoints(s)), each((True, True), *SW)),
    Claim("003 §3 VPC endpoints", "... and Secrets Manager, SSM (the tasks' secrets and settings), Session Manager's for the bastion (dev)",
          interface_endpoints,
          {"spendwise-dev": {"ecr.api", "ecr.dkr", "logs", "cognito-idp", "secretsmanager", "ssm", "ssmmessages", "ec2messages"},
           "spendwise-prod": {"ecr.api", "ecr.dkr", "logs", "cognito-idp", "secretsmanager", "ssm"}}),
    Claim("003 §3 Security Group", "security groups for ALB, ECS, RDS, bastion and the VPC endpoints",
          lambda s: (stems(s, "AWS::EC2::SecurityGroup", "network") >= {"SecurityGroupsLoadBalancer", "SecurityGroupsApplication", "SecurityGroupsDatabase",
                                                                        "SecurityGroupsEndpoints"},
                     "SecurityGroupsBastion" in stems(s, "AWS::EC2::SecurityGroup", "network")),
          {"spendwise-dev": (True, True), "spendwise-prod": (True, False)}),
    Claim("003 §3 ECS, ECR", "the NestJS backend on ECS Fargate, its image from the environment's ECR repository (scanned)",
          lambda s: (capacity_provider(s), one(s, "AWS::ECR::Repository", "compute")["RepositoryName"],
                     one(s, "AWS::ECR::Repository", "compute")["ImageScanningConfiguration"]["ScanOnPush"],
                     ":1.0.0" in json.dumps(one(s, "AWS::ECS::TaskDefinition", "compute")["ContainerDefinitions"][0]["Image"])),
          {"spendwise-dev": ("FARGATE_SPOT", "spendwise-dev/api", True, True), "spendwise-prod": ("FARGATE", "spendwise-prod/api", True, True)}),
    Claim("003 §5 Fargate", "small tasks, scaled between their bounds", task_sizes,
          {"spendwise-dev": ("256", "512", 1, 2), "spendwise-prod": ("512", "1024", 2, 4)}),
    Claim("003 §3 ALB, §4 week 6", "the ALB routes to the ECS backend, HTTPS on the ALB (ACM)",
          lambda s: (listeners(s), target_type(s), certificates(s)),
          {"spendwise-dev": ({(443, "HTTPS"), (80, "redirect")}, ("ip", 3001), {"api.dev.spendwise.example.com", "origin.dev.spendwise.example.com"}),
           "spendwise-prod": ({(443, "HTTPS"), (80, "redirect")}, ("ip", 3001), {"api.spendwise.example.com", "origin.spendwise.example.com"})}),
    Claim("003 §3 CloudFront", "CloudFront in front of the ALB terminates HTTPS; the ALB admits CloudFront only",
          lambda s: (behaviours(s)["default"], aliases(s), ingress_to(s, "LoadBalancer")),
          {"spendwise-dev": ("load balancer", ["api.dev.spendwise.example.com"], {(443, CLOUDFRONT_PREFIX_LIST)}),
           "spendwise-prod": ("load balancer", ["api.spendwise.example.com"], {(443, CLOUDFRONT_PREFIX_LIST)})}),
    Claim("003 §3 WAF", "web protection against SQLi, XSS (common rules) and bot traffic (IP reputation)",
          lambda s: web_acl(s)[0] >= {"AWSManagedRulesSQLiRuleSet", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesAmazonIpReputationList"},
          each(True, *SW)),
    Claim("003 §3 Cognito, Lambda", "user pool and app client; the PostConfirmation trigger writes the user into RDS from the VPC",
          lambda s: (set(one(s, "AWS::Cognito::UserPool", "auth")["LambdaConfig"]), "VpcConfig" in one(s, "AWS::Lambda::Function", "auth"),
                     len(props(s, "AWS::Cognito::UserPoolClient", "auth"))), each(({"PostConfirmation"}, True, 1), *SW)),
    Claim("003 §3 RDS, §5", "PostgreSQL in the private network; one small single-AZ instance during development",
          lambda s: (database_shape(s), database_subnets(s)),
          {"spendwise-dev": (("18", "db.t4g.micro", False, 1), {"data"}), "spendwise-prod": (("18", "db.t4g.small", True, 7), {"data"})}),
    Claim("003 §3 Amplify", "the Next.js frontend built and hosted by Amplify from Git, on the domain",
          lambda s: (amplify(s), one(s, "AWS::Amplify::Domain", "frontend")["DomainName"]),
          {"spendwise-dev": (("WEB_COMPUTE", "Next.js - SSR", "develop"), "dev.spendwise.example.com"),
           "spendwise-prod": (("WEB_COMPUTE", "Next.js - SSR", "main"), "spendwise.example.com")}),
    Claim("003 §3 Secrets Manager", "DB credentials and the Amplify token in Secrets Manager; the app's secrets injected, never written",
          lambda s: (injected(s) >= {"DB_PASSWORD", "DB_HOST"}, "{{resolve:secretsmanager:spendwise/amplify-github-token" in json.dumps(s.templates["edge"])),
          each((True, True), *SW)),
    Claim("003 §3 Bastion, §5", "an EC2 bastion for DB operations through Session Manager (dev); off where no one needs it (prod)",
          lambda s: [(p["InstanceType"], "KeyName" in p) for p in props(s, "AWS::EC2::Instance", "compute")],
          {"spendwise-dev": [("t4g.nano", False)], "spendwise-prod": []}),
    Claim("003 §3 CloudWatch, §6", "logs, metrics and alarms on ECS, ALB and RDS; budget alarms",
          lambda s: ({"critical-api-cpu", "critical-api-5xx", "critical-database-cpu"} <= set(alarm_metrics(s)),
                     len(props(s, "AWS::Budgets::Budget", "observability"))), each((True, 1), *SW)),
    Claim("003 §5", "reduce CloudWatch retention for low-value logs", log_retention, {"spendwise-dev": 7, "spendwise-prod": 30}),
]

BA = ("bankapp-dev", "bankapp-staging", "bankapp-prod")
BANKAPP = [
    Claim("004 Security & Compliance", "Secrets Manager: API keys (Yahoo Finance, CoinGecko), given to the API",
          lambda s: sorted(x["Name"] for x in one(s, "AWS::ECS::TaskDefinition", "compute")["ContainerDefinitions"][0]["Secrets"]
                           if x["Name"].endswith("_API_KEY")),
          each(["COINGECKO_API_KEY", "YAHOO_FINANCE_API_KEY"], *BA)),
    Claim("004 Environment Specifications, Scaling Strategy", "Fargate 0.25 vCPU/512 MB 1-2, 0.5 vCPU/1 GB 2-4, 1 vCPU/2 GB 3-10",
          task_sizes, {"bankapp-dev": ("256", "512", 1, 2), "bankapp-staging": ("512", "1024", 2, 4), "bankapp-prod": ("1024", "2048", 3, 10)}),
    Claim("004 Scaling Strategy, Compute Layer", "target CPU 80 % (dev), 70 % (staging); auto-scaling based on CPU/memory (70 %)",
          scaling_targets,
          {"bankapp-dev": {"ECSServiceAverageCPUUtilization": 80, "ECSServiceAverageMemoryUtilization": 70},
           "bankapp-staging": {"ECSServiceAverageCPUUtilization": 70, "ECSServiceAverageMemoryUtilization": 70},
           "bankapp-prod": {"ECSServiceAverageMemoryUtilization": 70}}),
    Claim("004 Scaling Strategy", "prod: add 1 task when CPU > 70 % for 2 minutes, remove 1 when CPU < 30 % for 5 minutes",
          scaling_steps,
          {"bankapp-dev": set(), "bankapp-staging": set(),
           "bankapp-prod": {("CPUUtilization", "GreaterThanThreshold", 70, 2, 1), ("CPUUtilization", "LessThanThreshold", 30, 5, -1)}}),
    Claim("004 Cost Optimization 5", "Fargate Spot for dev and staging", capacity_provider,
          {"bankapp-dev": "FARGATE_SPOT", "bankapp-staging": "FARGATE_SPOT", "bankapp-prod": "FARGATE"}),
    Claim("004 Environment Specifications", "RDS db.t3.micro single AZ, db.t3.small Multi-AZ, db.t3.medium Multi-AZ (Graviton here); 35-day backups",
          database_shape, {"bankapp-dev": ("18", "db.t4g.micro", False, 35), "bankapp-staging": ("18", "db.t4g.small", True, 35),
                           "bankapp-prod": ("18", "db.t4g.medium", True, 35)}),
    Claim("004 Storage Layer", "read replicas for production; automated minor version upgrades",
          lambda s: (replicas(s), database(s)["AutoMinorVersionUpgrade"]), {"bankapp-dev": (0, True), "bankapp-staging": (0, True), "bankapp-prod": (1, True)}),
    Claim("004 Production", "CloudWatch enhanced monitoring (and Performance Insights) in production",
          lambda s: (database(s).get("MonitoringInterval", 0), database(s).get("EnablePerformanceInsights", False)),
          {"bankapp-dev": (0, False), "bankapp-staging": (60, False), "bankapp-prod": (60, True)}),
    Claim("004 Network Architecture", "a VPC per environment: 10.0/10.1/10.2.0.0/16, public and private subnets in 2 AZs",
          lambda s: (one(s, "AWS::EC2::VPC", "network")["CidrBlock"], len(s.config.network.availability_zones)),
          {"bankapp-dev": ("10.0.0.0/16", 2), "bankapp-staging": ("10.1.0.0/16", 2), "bankapp-prod": ("10.2.0.0/16", 2)}),
    Claim("004 Network Architecture", "subnets 10.X.1.0/24, 10.X.2.0/24 (public), 10.X.11.0/24, 10.X.12.0/24 (private) in AZ A and B",
          lambda s: sorted((p["AvailabilityZone"][-1], p["CidrBlock"]) for p in props(s, "AWS::EC2::Subnet", "network")),
          {f"bankapp-{env}": sorted([("a", f"10.{x}.1.0/24"), ("b", f"10.{x}.2.0/24"), ("a", f"10.{x}.11.0/24"), ("b", f"10.{x}.12.0/24"),
                                     ("a", f"10.{x}.21.0/24"), ("b", f"10.{x}.22.0/24")])
           for env, x in (("dev", 0), ("staging", 1), ("prod", 2))}),
    Claim("004 Network Architecture, costs", "NAT gateways ($30/$30/$60: one, one, one per AZ); dev a NAT instance instead",
          egress, {"bankapp-dev": (0, 1), "bankapp-staging": (1, 0), "bankapp-prod": (2, 0)}),
    Claim("004 Security & Compliance", "JWT secrets in Secrets Manager, encrypted, given to the API; no user pool",
          lambda s: (len(props(s, "AWS::Cognito::UserPool", "auth")), "JWT_SECRET" in injected(s),
                     "KmsKeyId" in one(s, "AWS::SecretsManager::Secret", "auth")), each((0, True, True), *BA)),
    Claim("004 Database Scaling", "ElastiCache Redis for session storage (the seed's future step; prod)",
          lambda s: [(p["NumCacheClusters"], p["MultiAZEnabled"], p["TransitEncryptionEnabled"]) for p in props(s, "AWS::ElastiCache::ReplicationGroup", "data")],
          {"bankapp-dev": [], "bankapp-staging": [], "bankapp-prod": [(2, True, True)]}),
    Claim("004 High-Level Architecture, Security Groups", "CloudFront + WAF (SQL injection, XSS, rate limiting) in front of the ALB",
          lambda s: (web_acl(s)[0] >= {"AWSManagedRulesSQLiRuleSet", "AWSManagedRulesCommonRuleSet"}, web_acl(s)[1], behaviours(s)["/api/*"]),
          {"bankapp-dev": (True, 500, "load balancer"), "bankapp-staging": (True, 1000, "load balancer"), "bankapp-prod": (True, 2000, "load balancer")}),
    Claim("004 Route 53, ACM", "bankapp.example.com in Route 53; ACM certificates on CloudFront and on the ALB (SSL termination)",
          lambda s: (aliases(s), certificates(s), listeners(s)),
          {f"bankapp-{env}": ([host], {host, f"origin.{host}"}, {(443, "HTTPS"), (80, "redirect")})
           for env, host in (("dev", "dev.bankapp.example.com"), ("staging", "staging.bankapp.example.com"), ("prod", "bankapp.example.com"))}),
    Claim("004 Security Groups, Load Balancer", "the ALB reaches the tasks on 3001; health checks every 30 s",
          lambda s: (target_type(s), one(s, "AWS::ElasticLoadBalancingV2::TargetGroup", "compute")["HealthCheckIntervalSeconds"],
                     ingress_to(s, "Application")), each((("ip", 3001), 30, {(3001, "LoadBalancer")}), *BA)),
    Claim("004 CI/CD", "ECR: a private repository per environment, image scanning, lifecycle policy",
          lambda s: (one(s, "AWS::ECR::Repository", "compute")["RepositoryName"], one(s, "AWS::ECR::Repository", "compute")["ImageScanningConfiguration"],
                     "LifecyclePolicy" in one(s, "AWS::ECR::Repository", "compute")),
          {v: (f"{v}/api", {"ScanOnPush": True}, True) for v in BA}),
    Claim("004 Backup Strategy, Storage Layer", "S3 versioning on every bucket; old versions to Glacier after 90 days",
          lambda s: (all(b.get("VersioningConfiguration") == {"Status": "Enabled"} for b in everywhere(s, "AWS::S3::Bucket")),
                     any(t.get("StorageClass") == "GLACIER" and t.get("TransitionInDays") == 90
                         for b in everywhere(s, "AWS::S3::Bucket") for r in b.get("LifecycleConfiguration", {}).get("Rules", [])
                         for t in r.get("NoncurrentVersionTransitions", []))), each((True, True), *BA)),
    Claim("004 Production", "S3: Standard + Intelligent-Tiering (prod; the uploads, from the day after they are written)",
          lambda s: {k: v for k, v in tiering_transitions(s).items() if v},
          {"bankapp-dev": {}, "bankapp-staging": {}, "bankapp-prod": {"UploadsBucket": [("INTELLIGENT_TIERING", 1)]}}),
    Claim("004 Monitoring & Alerting", "ECS CPU > 90 %, RDS CPU > 85 %, 5xx > 10 a minute, storage < 10 %, memory > 80 %, p99 > 2 s",
          lambda s: {k: v[1] for k, v in alarm_metrics(s).items() if k in ("critical-api-cpu", "critical-database-cpu", "critical-api-5xx",
                                                                          "warning-api-memory", "warning-api-latency-p99")},
          each({"critical-api-cpu": 90, "critical-database-cpu": 85, "critical-api-5xx": 10, "warning-api-memory": 80, "warning-api-latency-p99": 2},
               *BA)),
    # CloudTrail: the account's trail, in the delivery stack (asserted for every profile in
    # tests/test_delivery_stack.py), not one per environment.
    Claim("004 Dashboards", "dashboards: real-time application and database metrics, cost and usage, security (WAF blocks, failed logins)",
          lambda s: (dashboard_panels(s), "warning-failed-logins" in alarm_metrics(s)),
          each(((["Edge (CloudFront, WAF)", "Load balancer", "Compute", "Database", "Auth", "Cost"],
                 ["failed sign-ins", "WAF blocks", "estimated charges"]), True), *BA)),
    Claim("004 Monitoring & Logging", "X-Ray tracing (optional; prod); CloudTrail audit logging",
          lambda s: ({c["Name"] for c in one(s, "AWS::ECS::TaskDefinition", "compute")["ContainerDefinitions"]},
                     len(props(s, "AWS::CloudTrail::Trail", "observability")), s.config.delivery.account_trail),
          {"bankapp-dev": ({"api"}, 0, True), "bankapp-staging": ({"api"}, 0, True), "bankapp-prod": ({"api", "xray-daemon"}, 0, True)}),
    Claim("004 Cost Optimization 1", "scale down during off-peak hours (dev)", off_hours, {"bankapp-dev": 2, "bankapp-staging": 0, "bankapp-prod": 0}),
    Claim("004 Static Frontend", "React/Vite build in a private S3 bucket behind CloudFront", behaviours,
          each({"default": "site bucket", "/api/*": "load balancer", "/ws": "load balancer", "/ws/*": "load balancer"}, *BA)),
]

SEEDS = {"chronoview": CHRONOVIEW, "stockpilot": STOCKPILOT, "spendwise": SPENDWISE, "bankapp": BANKAPP}
CASES = [pytest.param(claim, variant, id=f"{variant}: {claim.says[:60]}")
         for claims in SEEDS.values() for claim in claims for variant in claim.expected]


@pytest.mark.parametrize(("claim", "variant"), CASES)
def test_the_seed_says(synthesized, claim: Claim, variant: str):
    assert claim.read(synthesized[variant]) == claim.expected[variant], f"{claim.where}: {claim.says}"


def test_every_seed_has_a_table_and_every_environment_is_claimed():
    assert set(SEEDS) == set(SEED_PROFILES)
    for profile, claims in SEEDS.items():
        claimed = {variant for claim in claims for variant in claim.expected}
        assert claimed == {f"{profile}-{env}" for env in PROFILES[profile].environments}, profile


# ---------------------------------------------------------------- environments and guardrails


def test_each_profile_has_the_environments_its_seed_describes():
    """BankApp's dev, staging and prod; the others one environment, here dev and prod."""
    assert {name: list(p.environments) for name, p in PROFILES.items() if name in SEED_PROFILES} == {
        "chronoview": ["dev", "prod"], "stockpilot": ["dev", "prod"], "spendwise": ["dev", "prod"], "bankapp": ["dev", "staging", "prod"]}
    for profile in SEED_PROFILES:
        configs = load(profile=profile)
        assert {c.app_name for c in configs} == {profile} and sum(c.production for c in configs) == 1, profile


@pytest.mark.parametrize("profile", SEED_PROFILES)
def test_branch_environments_derive_from_dev_only(profile):
    (branch,) = load(profile=profile, branch="feature/x")
    assert (branch.env_name, branch.qualified_name, branch.removal, branch.database.multi_az) == ("dev", "dev-feature-x", "destroy", False)
    assert branch.stack_name("network") == f"{profile}-dev-feature-x-network"
    with pytest.raises(ConfigError, match="allow_branches = False"):
        load(profile=profile, env="prod", branch="feature/x")


def _rules_refusing(profile: str, overrides: dict) -> set[str]:
    with pytest.raises(ConfigError) as caught:
        load(profile=profile, env="prod", overrides={"prod": overrides})
    return {getattr(p, "rule", "") for p in caught.value.problems}


def test_production_rules_refuse_the_seeds_production_as_written():
    """Without their acceptance, the seeds' production as written is refused: StockPilot's single
    public instance and single-AZ database (its prod accepts both by name), ChronoView's one
    instance, SpendWise's single-AZ database (their pages document the deviation)."""
    assert _rules_refusing("stockpilot", {"accepted_risks": []}) == {"compute.two-tasks-in-production", "environment.production-multi-az-database"}
    assert _rules_refusing("chronoview", {"compute": {"min_count": 1, "max_count": 1}}) == {"compute.two-tasks-in-production"}
    assert _rules_refusing("spendwise", {"database": {"multi_az": False}}) == {"environment.production-multi-az-database"}


# ---------------------------------------------------------------- the pages


def _page(profile: str) -> str:
    return (ROOT / "docs" / "profiles" / f"{profile}.md").read_text()


@pytest.mark.parametrize("profile", SEED_PROFILES)
def test_each_page_maps_the_seed_and_says_what_is_not_provided_yet(profile):
    page = _page(profile)
    for heading in ("## Environments", "## Component by component", "## Not provided yet", "## Deviations", "## Monthly cost"):
        assert heading in page, heading
    # The mapping table: component | stack | resource | setting, and "not yet" rows for what the
    # configuration cannot express.
    assert "| component | stack | resource | setting |" in page
    assert "| not yet |" in page
    assert f"config/{profile}/" in page and f"make synth PROFILE={profile}" in page


def test_the_profiles_are_listed_and_linked_from_the_readme():
    index = (ROOT / "docs" / "profiles" / "README.md").read_text()
    assert all(f"({profile}.md)" in index for profile in SEED_PROFILES)
    assert "(docs/profiles/README.md)" in (ROOT / "README.md").read_text()


def _stacks(synth: Synthesized) -> dict[str, Stack]:
    return {tier: Stack(synth.stack_names[tier], synth.regions[tier], synth.templates[tier]) for tier in synth.templates}


@pytest.mark.parametrize("profile", SEED_PROFILES)
def test_each_page_states_the_current_estimate(synthesized, profile):
    """The page's cost table is the estimate's (as docs/cost.md is for the reference)."""
    page = _page(profile)
    for env in PROFILES[profile].environments:
        e = estimate(synthesized[f"{profile}-{env}"].config, _stacks(synthesized[f"{profile}-{env}"]))
        assert f"| {env} | ${e.total_usd:,.2f} | ${e.gross_usd:,.2f} |" in page, f"update docs/profiles/{profile}.md: {env} is ${e.total_usd:,.2f}"


@pytest.mark.parametrize("profile", SEED_PROFILES)
def test_each_page_lists_the_risks_its_production_accepts(profile):
    """An accepted risk is visible where the system is described, not only in its file."""
    page = _page(profile)
    for env in PROFILES[profile].environments:
        (config,) = load(profile=profile, env=env)
        for accepted in config.accepted_risks:
            assert f"`{accepted.risk}`" in page, f"docs/profiles/{profile}.md: say that {env} accepts {accepted.risk}, and why"
