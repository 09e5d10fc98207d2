"""Assertions on the synthesized compute stacks: load balancer, Fargate and EC2 variants, bastion."""

from __future__ import annotations

import json
from functools import partial

import pytest

from config.derived import project_setting_names
from infra_constructs.boot_script import SecretSource, render_boot_script, render_nginx_config
from infra_constructs.load_balancer import ForwardRule, forward_rules
from tests import conftest

resources = partial(conftest.resources, tier="compute")
one = partial(conftest.one, tier="compute")
# The load balancer, its listeners and the origin secret live in the edge tier.
edge_resources = partial(conftest.resources, tier="edge")
edge_one = partial(conftest.one, tier="edge")

FARGATE = ["dev", "staging", "prod", "dev-branch", "spendwise-dev", "bankapp-dev", "bankapp-prod", "domain-3az"]
# ChronoView's Auto Scaling groups (x86), StockPilot's single public instance (dev) and private pair (prod).
EC2 = ["chronoview-dev", "chronoview-prod", "stockpilot-dev", "stockpilot-prod"]


def _listener_rules(synth) -> dict[str, dict]:
    """Path patterns ("a,b") -> rule properties."""
    rules = {}
    for rule in resources(synth, "AWS::ElasticLoadBalancingV2::ListenerRule").values():
        p = rule["Properties"]
        paths = next(c["PathPatternConfig"]["Values"] for c in p["Conditions"] if c["Field"] == "path-pattern")
        rules[",".join(paths)] = p
    return rules


def _rule_ids(synth) -> dict[str, tuple[int, str]]:
    """Logical ID without its hash -> (priority, path patterns "a,b")."""
    return {logical_id[:-8]: (r["Properties"]["Priority"], next(",".join(c["PathPatternConfig"]["Values"]) for c in r["Properties"]["Conditions"]
                                                                if c["Field"] == "path-pattern"))
            for logical_id, r in resources(synth, "AWS::ElasticLoadBalancingV2::ListenerRule").items()}


# Every environment of the reference, ChronoView, SpendWise and BankApp: the default edge.api_paths.
DEFAULT_RULES = {"ApiApiRule": (10, "/api/*"), "ApiWebSocketRule": (20, "/ws,/ws/*")}
# StockPilot's Express routes at the root (docs/profiles/stockpilot.md): two rules of at most 5 patterns.
STOCKPILOT_RULES = {"ApiApiRule": (10, "/dashboard,/dashboard/*,/products,/users,/users/*"),
                    "ApiApiRule2": (110, "/expenses,/expenses/*,/notifications,/notifications/*")}


@pytest.mark.parametrize("variant", FARGATE + EC2)
def test_only_the_api_paths_are_forwarded(synthesized, variant):
    """edge.api_paths, behind a VPC origin on the path alone (the load balancer is internal);
    anything else is refused. The default's rules keep the ids and priorities they had before
    the paths were configurable, so no environment's rule is replaced."""
    synth = synthesized[variant]
    assert synth.config.edge.api_origin == "vpc-origin"
    rules = _listener_rules(synth)
    assert sorted(p for r in rules for p in r.split(",")) == sorted(synth.config.edge.api_paths)
    assert _rule_ids(synth) == (STOCKPILOT_RULES if variant.startswith("stockpilot") else DEFAULT_RULES)
    (target_group_id, _), = resources(synth, "AWS::ElasticLoadBalancingV2::TargetGroup").items()
    for rule in rules.values():
        assert [c["Field"] for c in rule["Conditions"]] == ["path-pattern"]
        assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": target_group_id}}]
    assert not edge_resources(synth, "AWS::SecretsManager::Secret")
    listeners = [r["Properties"] for r in edge_resources(synth, "AWS::ElasticLoadBalancingV2::Listener").values()]
    forwarding = [listener for listener in listeners if listener["DefaultActions"][0]["Type"] != "redirect"]
    assert [listener["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] for listener in forwarding] == ["403"]


def test_an_internet_facing_load_balancer_forwards_only_with_the_origin_secret(synthesized):
    synth = synthesized["eu-domain"]
    assert synth.config.edge.api_origin == "internet-facing"
    rules = _listener_rules(synth)
    assert set(rules) == {"/api/*", "/ws,/ws/*"}
    assert _rule_ids(synth) == DEFAULT_RULES
    (target_group_id, _), = resources(synth, "AWS::ElasticLoadBalancingV2::TargetGroup").items()
    secret_id, _ = edge_one(synth, "AWS::SecretsManager::Secret")
    for rule in rules.values():
        header = next(c["HttpHeaderConfig"] for c in rule["Conditions"] if c["Field"] == "http-header")
        assert header["HttpHeaderName"] == "X-Origin-Verify"
        # The value is a dynamic reference to the edge tier's generated secret, never a literal.
        (value,) = header["Values"]
        assert value["Fn::Join"][1][0] == "{{resolve:secretsmanager:" and value["Fn::Join"][1][2] == ":SecretString:::}}"
        assert value["Fn::Join"][1][1]["Fn::GetStackOutput"]["StackName"] == synth.stack_names["edge"]
        assert f"Ref{secret_id}" in value["Fn::Join"][1][1]["Fn::GetStackOutput"]["OutputName"]
        assert rule["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": target_group_id}}]
    # Anything else is refused.
    listeners = [r["Properties"] for r in edge_resources(synth, "AWS::ElasticLoadBalancingV2::Listener").values()]
    forwarding = [listener for listener in listeners if listener["DefaultActions"][0]["Type"] != "redirect"]
    assert [listener["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] for listener in forwarding] == ["403"]


def test_https_with_a_domain_and_http_only_without(synthesized):
    plain = [r["Properties"] for r in edge_resources(synthesized["dev"], "AWS::ElasticLoadBalancingV2::Listener").values()]
    assert [(listener["Port"], listener["Protocol"]) for listener in plain] == [(80, "HTTP")]
    domain = synthesized["domain-3az"]
    listeners = {r["Properties"]["Port"]: r["Properties"] for r in edge_resources(domain, "AWS::ElasticLoadBalancingV2::Listener").values()}
    assert listeners[443]["Protocol"] == "HTTPS"
    assert listeners[443]["SslPolicy"].startswith("ELBSecurityPolicy-TLS13-1-2")
    cert_id, cert = edge_one(domain, "AWS::CertificateManager::Certificate")
    assert listeners[443]["Certificates"] == [{"CertificateArn": {"Ref": cert_id}}]
    assert cert["Properties"]["DomainName"] == "origin.staging.example.com"
    assert cert["Properties"]["ValidationMethod"] == "DNS"
    assert cert["Properties"]["DomainValidationOptions"][0]["HostedZoneId"] == "Z0123456789ABCDEFGHIJ"
    assert listeners[80]["DefaultActions"][0]["RedirectConfig"] == {"Port": "443", "Protocol": "HTTPS", "StatusCode": "HTTP_301"}
    records = {(r["Properties"]["Name"], r["Properties"]["Type"]) for r in edge_resources(domain, "AWS::Route53::RecordSet").values()}
    assert ("origin.staging.example.com.", "A") in records
    # The load balancer sits behind both CloudFront-only groups (443, and 80 to redirect).
    _, alb = edge_one(domain, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert len(alb["Properties"]["SecurityGroups"]) == 2
    redirect_group = synthesized["domain-3az"].templates["network"]["Resources"]
    (group_id,) = [k for k, g in redirect_group.items() if k.startswith("SecurityGroupsLoadBalancerRedirect") and g["Type"] == "AWS::EC2::SecurityGroup"]
    ingress = [r["Properties"] for r in redirect_group.values() if r["Type"] == "AWS::EC2::SecurityGroupIngress"
               and r["Properties"]["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]}]
    assert [(i["FromPort"], i["ToPort"], i["SourcePrefixListId"]) for i in ingress] == [(80, 80, "pl-3b927c52")]


@pytest.mark.parametrize("variant, deletion_protection", [("dev", "false"), ("staging", "false"), ("prod", "true"), ("chronoview-prod", "true")])
def test_load_balancer_attributes(synthesized, variant, deletion_protection):
    synth = synthesized[variant]
    _, alb = edge_one(synth, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    p = alb["Properties"]
    assert p["Scheme"] == "internal"  # behind a VPC origin (eu-domain: internet-facing, tests/test_claims.py)
    attributes = {a["Key"]: a["Value"] for a in p["LoadBalancerAttributes"]}
    assert attributes["idle_timeout.timeout_seconds"] == "300"
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["routing.http.desync_mitigation_mode"] == "strictest"
    assert attributes["deletion_protection.enabled"] == deletion_protection
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.prefix"] == "load-balancer"
    # Into the data tier's access-log bucket.
    assert "AccessLogsBucket" in json.dumps(attributes["access_logs.s3.bucket"])


@pytest.mark.parametrize("variant", ["dev", "chronoview-prod"])
def test_target_group_health_check_and_stickiness(synthesized, variant):
    synth = synthesized[variant]
    _, group = one(synth, "AWS::ElasticLoadBalancingV2::TargetGroup")
    p = group["Properties"]
    assert p["HealthCheckPath"] == "/api/health" and p["Matcher"] == {"HttpCode": "200"}
    assert p["Port"] == 3001
    attributes = {a["Key"]: a["Value"] for a in p["TargetGroupAttributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == "30"
    if variant == "chronoview-prod":  # configured
        assert p["TargetType"] == "instance"
        assert (attributes["stickiness.enabled"], attributes["stickiness.lb_cookie.duration_seconds"]) == ("true", "3600")
    else:  # WebSockets need none
        assert p["TargetType"] == "ip"
        assert attributes.get("stickiness.enabled", "false") == "false"


@pytest.mark.parametrize(
    "variant, minimum, maximum, capacity_provider",
    [("dev", 1, 2, "FARGATE_SPOT"), ("dev-branch", 1, 2, "FARGATE_SPOT"), ("staging", 2, 4, "FARGATE"), ("prod", 3, 10, "FARGATE")],
)
def test_fargate_service_per_environment(synthesized, variant, minimum, maximum, capacity_provider):
    synth = synthesized[variant]
    _, service = one(synth, "AWS::ECS::Service")
    p = service["Properties"]
    # A deploy never resets the count autoscaling chose.
    assert "DesiredCount" not in p
    assert p["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert (p["DeploymentConfiguration"]["MinimumHealthyPercent"], p["DeploymentConfiguration"]["MaximumPercent"]) == (100, 200)
    assert p["CapacityProviderStrategy"] == [{"CapacityProvider": capacity_provider, "Weight": 1}]
    assert p["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
    assert p["EnableExecuteCommand"] is (variant.startswith("dev"))
    # Created only after the capacity providers are on the cluster and the roles have their policies.
    association_id, _ = one(synth, "AWS::ECS::ClusterCapacityProviderAssociations")
    execution_policy = next(k for k in resources(synth, "AWS::IAM::ManagedPolicy") if k.startswith("ApiExecutionPolicy"))
    assert {association_id, execution_policy} <= set(service["DependsOn"])
    _, target = one(synth, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["Properties"]["MinCapacity"], target["Properties"]["MaxCapacity"]) == (minimum, maximum)
    policies = {
        r["Properties"]["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"]:
            r["Properties"]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]
        for r in resources(synth, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }
    assert policies == {"ECSServiceAverageCPUUtilization": 70, "ALBRequestCountPerTarget": 1000}


def test_fargate_steps_on_cpu_instead_of_its_target_and_a_memory_target(synthesized):
    """compute.cpu_scaling "steps" (BankApp's production): one policy and one alarm per direction
    on the service's average CPU, no CPU target beside them; the memory target beside both."""
    synth = synthesized["bankapp-prod"]
    policies = resources(synth, "AWS::ApplicationAutoScaling::ScalingPolicy")
    (target_key,) = resources(synth, "AWS::ApplicationAutoScaling::ScalableTarget")
    tracked = {p["Properties"]["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"]["PredefinedMetricType"]
               for p in policies.values() if "TargetTrackingScalingPolicyConfiguration" in p["Properties"]}
    assert tracked == {"ECSServiceAverageMemoryUtilization"}
    steps = {k: p["Properties"] for k, p in policies.items() if p["Properties"]["PolicyType"] == "StepScaling"}
    assert len(steps) == 2 and all(p["ScalingTargetId"] == {"Ref": target_key} for p in steps.values())
    (service_key, _) = one(synth, "AWS::ECS::Service")
    seen = {}
    for alarm in resources(synth, "AWS::CloudWatch::Alarm").values():
        a = alarm["Properties"]
        (action,) = [x["Ref"] for x in a.get("AlarmActions", []) if isinstance(x, dict) and x.get("Ref") in steps] or [None]
        if action is None:
            continue
        config = steps[action]["StepScalingPolicyConfiguration"]
        assert (a["Namespace"], a["Statistic"], a["Period"]) == ("AWS/ECS", "Average", 60)
        assert {"Name": "ServiceName", "Value": {"Fn::GetAtt": [service_key, "Name"]}} in a["Dimensions"]
        # Scaling alarms page no one: their only action is the policy.
        assert len(a["AlarmActions"]) == 1 and a["TreatMissingData"] == "missing"
        assert (config["AdjustmentType"], config["MetricAggregationType"]) == ("ChangeInCapacity", "Average")
        seen[a["ComparisonOperator"]] = (a["Threshold"], a["EvaluationPeriods"], config["Cooldown"], config["StepAdjustments"])
    assert seen == {
        "GreaterThanThreshold": (70, 2, 60, [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]),
        "LessThanThreshold": (30, 5, 300, [{"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}]),
    }


@pytest.mark.parametrize("variant, cpu, memory", [("dev", "256", "512"), ("staging", "512", "1024"), ("prod", "1024", "2048")])
def test_task_definition_per_environment(synthesized, variant, cpu, memory):
    synth = synthesized[variant]
    _, task = one(synth, "AWS::ECS::TaskDefinition")
    p = task["Properties"]
    assert (p["Cpu"], p["Memory"]) == (cpu, memory)
    assert p["RuntimePlatform"] == {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"}
    api = next(c for c in p["ContainerDefinitions"] if c["Name"] == "api")
    assert api["User"] == "1000"
    assert api["ReadonlyRootFilesystem"] is True
    assert {"ContainerPath": "/tmp", "ReadOnly": False, "SourceVolume": "writable-0"} in api["MountPoints"]
    assert api["LogConfiguration"]["LogDriver"] == "awslogs"
    assert api["LogConfiguration"]["Options"]["mode"] == "non-blocking"
    # The placeholder runs until a release is deployed.
    assert api["Image"] == "public.ecr.aws/docker/library/node:22-alpine"
    assert api["Command"][:2] == ["node", "-e"] and "/ws" in api["Command"][2]
    names = {c["Name"] for c in p["ContainerDefinitions"]}
    assert names == ({"api", "xray-daemon"} if variant == "prod" else {"api"})


def test_release_runs_the_image_from_the_repository(synthesized):
    synth = synthesized["spendwise-dev"]
    _, task = one(synth, "AWS::ECS::TaskDefinition")
    api = task["Properties"]["ContainerDefinitions"][0]
    repository_id, repository = one(synth, "AWS::ECR::Repository")
    assert "Command" not in api
    assert ":1.0.0" in json.dumps(api["Image"]) and repository_id in json.dumps(api["Image"])
    p = repository["Properties"]
    assert p["RepositoryName"] == "spendwise-dev/api"
    assert p["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert p["ImageTagMutability"] == "IMMUTABLE"
    rule = json.loads(p["LifecyclePolicy"]["LifecyclePolicyText"])["rules"][0]
    assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30}


@pytest.mark.parametrize(
    "variant, secret_names",
    [
        ("dev", {"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "UPLOADS_BUCKET", "APP_ORIGINS"}),
        ("bankapp-dev", {"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "JWT_SECRET", "UPLOADS_BUCKET", "APP_ORIGINS",
                         "YAHOO_FINANCE_API_KEY", "COINGECKO_API_KEY"}),
        ("bankapp-prod", {"APP_ORIGINS", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_READER_HOST", "JWT_SECRET",
                          "UPLOADS_BUCKET", "REDIS_HOST", "REDIS_PORT", "REDIS_AUTH_TOKEN", "YAHOO_FINANCE_API_KEY", "COINGECKO_API_KEY"}),
    ],
)
def test_settings_and_secrets_are_injected_not_written(synthesized, variant, secret_names):
    synth = synthesized[variant]
    _, task = one(synth, "AWS::ECS::TaskDefinition")
    api = task["Properties"]["ContainerDefinitions"][0]
    injected = {s["Name"]: s["ValueFrom"] for s in api["Secrets"]}
    assert set(injected) == secret_names
    assert ":password::" in json.dumps(injected["DB_PASSWORD"])
    # Plain environment: wiring only, nothing secret.
    assert set(e["Name"] for e in api["Environment"]) <= {"PORT", "HEALTH_CHECK_PATH", "APP_ENV", "AWS_XRAY_DAEMON_ADDRESS"}
    parameters = {r["Properties"]["Name"] for r in resources(synth, "AWS::SSM::Parameter").values()}
    assert all(name.startswith(f"/{synth.config.app_name}/{synth.config.qualified_name}/app/") for name in parameters)


@pytest.mark.parametrize("variant", FARGATE)
def test_the_application_gets_the_project_settings_and_its_own_under_their_names(synthesized, variant):
    """config.derived.project_setting_names (what app.renames and app.names-distinct check
    against) is what the templates give, renamed, plus the application's own settings and secrets."""
    synth = synthesized[variant]
    app = synth.config.app
    renames = {r.setting: r.name for r in app.renames}
    _, task = one(synth, "AWS::ECS::TaskDefinition")
    injected = {s["Name"] for s in task["Properties"]["ContainerDefinitions"][0]["Secrets"]}
    expected = {renames.get(n, n) for n in project_setting_names(synth.config)} | {s.name for s in (*app.settings, *app.secrets)}
    assert injected == expected


def test_the_application_secrets_the_project_creates(synthesized):
    """BankApp's market-data API keys: one rotating key for both, a generated placeholder, the
    rotation rules acknowledged with who rotates them, an output each, readable by the task only."""
    synth = synthesized["bankapp-dev"]
    key_id, key = one(synth, "AWS::KMS::Key")
    assert key_id.startswith("AppSecretsKey") and key["Properties"]["EnableKeyRotation"] is True
    secrets = {k: r for k, r in resources(synth, "AWS::SecretsManager::Secret").items() if k.startswith("AppSecrets")}
    assert len(secrets) == 2
    for secret in secrets.values():
        p = secret["Properties"]
        assert p["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]} and p["GenerateSecretString"]["ExcludePunctuation"] is True
        reasons = {r["id"]: r["reason"] for r in secret["Metadata"]["cdk_nag"]["rules_to_suppress"]}
        assert "issued by a third party" in reasons["AwsSolutions-SMG4"]
    outputs = synth.templates["compute"]["Outputs"]
    assert {o["Value"]["Ref"] for k, o in outputs.items() if k.startswith("AppSecret")} == set(secrets)
    _, task = one(synth, "AWS::ECS::TaskDefinition")
    execution_role = task["Properties"]["ExecutionRoleArn"]["Fn::GetAtt"][0]
    granted = json.dumps([p["Properties"]["PolicyDocument"] for p in resources(synth, "AWS::IAM::ManagedPolicy").values()
                          if {"Ref": execution_role} in p["Properties"].get("Roles", [])])
    assert all(secret_id in granted for secret_id in secrets) and key_id in granted


def _policy_actions(synth, role_id: str) -> set[str]:
    """Every action the role gets from the customer-managed policies of this stack."""
    actions = set()
    for policy in resources(synth, "AWS::IAM::ManagedPolicy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                actions |= set([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    return actions


@pytest.mark.parametrize("variant", FARGATE + EC2)
def test_no_inline_policies_and_least_privilege_roles(synthesized, variant):
    synth = synthesized[variant]
    assert resources(synth, "AWS::IAM::Policy") == {}
    roles = resources(synth, "AWS::IAM::Role")
    for role_id, role in roles.items():
        assert "Policies" not in role["Properties"], role_id
        # Only customer-managed policies: this stack's, and the data tier's uploads policy.
        for arn in role["Properties"].get("ManagedPolicyArns", []):
            assert "arn:aws:iam::aws:policy" not in json.dumps(arn), role_id
    if variant in EC2:
        return
    task_role = next(k for k in roles if k.startswith("ApiTaskRole"))
    expected = set()
    if synth.config.compute.ecs_exec:
        expected |= {"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
                     "ssmmessages:OpenDataChannel", "logs:DescribeLogGroups", "logs:CreateLogStream",
                     "logs:DescribeLogStreams", "logs:PutLogEvents", "kms:Decrypt", "kms:GenerateDataKey"}
    if synth.config.compute.xray_tracing:
        expected |= {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                     "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"}
    assert _policy_actions(synth, task_role) == expected
    # Uploads through the data tier's policy; no secret or parameter access for the app itself.
    arns = json.dumps(roles[task_role]["Properties"].get("ManagedPolicyArns", []))
    assert ("UploadsAccess" in arns) is synth.config.storage.uploads_bucket
    execution_role = next(k for k in roles if k.startswith("ApiExecutionRole"))
    execution = _policy_actions(synth, execution_role)
    assert {"secretsmanager:GetSecretValue", "ssm:GetParameters", "logs:PutLogEvents"} <= execution
    assert ("ecr:BatchGetImage" in execution) is bool(synth.config.compute.release)
    assert not any(a.endswith(":*") or a == "*" for a in execution)


def _ingress_by_group(synth) -> list[tuple[str, dict]]:
    """(security group logical ID, ingress rule) for every ingress rule of the environment."""
    rules = []
    for template in synth.templates.values():
        for logical_id, r in template["Resources"].items():
            if r["Type"] == "AWS::EC2::SecurityGroupIngress":
                rules.append((json.dumps(r["Properties"]["GroupId"]), r["Properties"]))
            elif r["Type"] == "AWS::EC2::SecurityGroup":
                rules.extend((logical_id, rule) for rule in r["Properties"].get("SecurityGroupIngress", []))
    return rules


@pytest.mark.parametrize("variant", FARGATE + EC2)
def test_no_port_22_and_no_key_pairs_anywhere(synthesized, variant):
    synth = synthesized[variant]
    for group, rule in _ingress_by_group(synth):
        assert rule["IpProtocol"] != "-1", (group, rule)
        if rule["IpProtocol"] == "tcp" and rule["FromPort"] <= 22 <= rule["ToPort"]:
            # Only the NAT instance forwards every TCP port from the VPC; its sshd is off.
            assert "NatSecurityGroup" in group and rule["CidrIp"] == synth.config.network.cidr, (group, rule)
            user_data = json.dumps(synth.templates["network"])
            assert "systemctl disable --now sshd.service sshd.socket" in user_data
    for template in synth.templates.values():
        for r in template["Resources"].values():
            if r["Type"] == "AWS::EC2::LaunchTemplate":
                assert "KeyName" not in r["Properties"]["LaunchTemplateData"]
            if r["Type"] == "AWS::EC2::Instance":
                assert "KeyName" not in r["Properties"]


@pytest.mark.parametrize("variant, instance_type, minimum, maximum, public", [
    ("chronoview-dev", "t3.small", 1, 2, False), ("chronoview-prod", "t3.small", 2, 4, False),
    ("stockpilot-dev", "t4g.micro", 1, 1, True), ("stockpilot-prod", "t4g.micro", 1, 1, True),
])
def test_ec2_fleet(synthesized, variant, instance_type, minimum, maximum, public):
    synth = synthesized[variant]
    _, template = one(synth, "AWS::EC2::LaunchTemplate")
    data = template["Properties"]["LaunchTemplateData"]
    assert data["InstanceType"] == instance_type
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1
    (device,) = data["BlockDeviceMappings"]
    assert device["Ebs"] == {"DeleteOnTermination": True, "Encrypted": True, "VolumeSize": 20, "VolumeType": "gp3"}
    assert data["Monitoring"] == {"Enabled": True}
    assert ("NetworkInterfaces" in data and data["NetworkInterfaces"][0]["AssociatePublicIpAddress"]) is public
    architecture = "arm64" if synth.config.compute.cpu_architecture == "arm64" else "x8664"
    assert f"al2023amikernel61{architecture}" in json.dumps(synth.templates["compute"]["Parameters"])
    _, group = one(synth, "AWS::AutoScaling::AutoScalingGroup")
    p = group["Properties"]
    assert (p["MinSize"], p["MaxSize"]) == (str(minimum), str(maximum))
    assert "DesiredCapacity" not in p
    assert p["HealthCheckType"] == "ELB"
    subnets = json.dumps(p["VPCZoneIdentifier"])
    assert ("VpcpublicSubnet" in subnets) is public and ("VpcappSubnet" in subnets) is not public
    update = group["UpdatePolicy"]["AutoScalingRollingUpdate"]
    assert (update["MaxBatchSize"], update["MinInstancesInService"], update["WaitOnResourceSignals"]) == (1, minimum - 1, True)
    assert group["CreationPolicy"]["ResourceSignal"]["Count"] == minimum
    instance_policy = next(k for k in resources(synth, "AWS::IAM::ManagedPolicy") if k.startswith("ApiPolicy"))
    assert instance_policy in group["DependsOn"]
    scaling = resources(synth, "AWS::AutoScaling::ScalingPolicy")
    assert len(scaling) == (0 if minimum == maximum else 2)


def _user_data(synth) -> str:
    """The EC2 user data as text, CloudFormation references shown as <Ref>."""
    _, template = one(synth, "AWS::EC2::LaunchTemplate")
    parts = template["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else f"<{json.dumps(p)}>" for p in parts)


def test_user_data_installs_nginx_with_websocket_upgrade_and_pm2_under_systemd(synthesized):
    text = _user_data(synthesized["chronoview-prod"])
    assert text.startswith("#!/bin/bash\n")
    assert "dnf install -y aws-cfn-bootstrap nginx nodejs22 nodejs22-npm" in text
    assert "pm2@7.0.4" in text
    nginx = text[text.index("/etc/nginx/conf.d/webapp.conf"):]
    ws = nginx[nginx.index("location /ws"):nginx.index("location / {")]
    for line in ("proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
                 "proxy_set_header Connection $connection_upgrade;", "proxy_read_timeout 300s;"):
        assert line in ws
    assert "listen 3001 default_server;" in nginx and "server 127.0.0.1:3000;" in nginx
    assert "ExecStart=/opt/pm2/node_modules/.bin/pm2-runtime start /opt/webapp/current/ecosystem.config.js" in text
    assert "Requires=webapp-settings.service" in text and "User=webapp" in text
    assert "aws ssm get-parameters-by-path" in text and "'/chronoview/prod/app'" in text
    assert "secret_value 'DB_PASSWORD'" in text and "'password'" in text
    # The exit code goes to the rolling update; X-Ray's daemon for the instances' architecture (x86).
    assert "cfn-signal" in text and "--resource ApiGroupASG" in text
    assert "aws-xray-daemon-3.x.rpm" in text
    assert len(text.encode()) < 16 * 1024  # EC2's user data limit


def test_placeholder_user_data_embeds_the_placeholder(synthesized):
    text = _user_data(synthesized["stockpilot-dev"])
    assert "WEBAPP_PLACEHOLDER" in text and "Sec-WebSocket-Accept" in text
    assert "aws s3 cp" not in text


def test_a_release_bundle_replaces_the_placeholder():
    """-c release= on EC2 (docs/tiers/compute.md): the bundle from the releases bucket, not the placeholder."""
    text = render_boot_script(
        region="us-east-1", architecture="arm64", listen_port=3001, process_port=3000, health_check_path="/api/health",
        idle_timeout_seconds=300, environment={"APP_ENV": "staging"}, parameter_path="/webapp/staging/app",
        secrets={"DB_PASSWORD": SecretSource(secret_arn="arn:aws:secretsmanager:us-east-1:111111111111:secret:db", field="password")},
        placeholder_script="// placeholder", release_bundle_uri="s3://releases-bucket/releases/2026.11.1.tar.gz",
        log_group_name="api", xray_tracing=True)
    assert "aws s3 cp --region us-east-1 's3://releases-bucket/releases/2026.11.1.tar.gz' /tmp/release.tar.gz" in text
    assert "WEBAPP_PLACEHOLDER" not in text and "// placeholder" not in text
    assert "aws-xray-daemon-arm64-3.x.rpm" in text


def test_listener_rules_hold_at_most_five_condition_values_with_stable_ids_and_priorities():
    """The ALB's quotas: 5 condition values and 5 wildcards per rule; the origin secret's header
    takes one value. The WebSocket endpoint's patterns keep rules of their own."""
    paths = [f"/r{i}" for i in range(11)] + ["/ws", "/ws/*"]
    assert forward_rules(paths, header_values=0) == (
        ForwardRule("ApiRule", 10, ("/r0", "/r1", "/r2", "/r3", "/r4")),
        ForwardRule("ApiRule2", 110, ("/r5", "/r6", "/r7", "/r8", "/r9")),
        ForwardRule("ApiRule3", 210, ("/r10",)),
        ForwardRule("WebSocketRule", 20, ("/ws", "/ws/*")),
    )
    with_header = forward_rules(paths, header_values=1)
    assert [len(r.paths) for r in with_header] == [4, 4, 3, 2]
    # A longer list adds rules at the end: every earlier rule keeps its id and priority.
    longer = forward_rules([*paths, "/r11", "/r12"], header_values=0)
    assert [(r.name, r.priority) for r in longer[:2]] == [(r.name, r.priority) for r in forward_rules(paths, header_values=0)[:2]]
    # Wildcards count too: at most 5 in one rule.
    wild = forward_rules(["/a/*/b/*", "/c/*/d/*", "/e/*"], header_values=0)
    assert [r.paths for r in wild] == [("/a/*/b/*", "/c/*/d/*", "/e/*")]
    assert [r.paths for r in forward_rules(["/a/*/b/*", "/c/*/d/*", "/e/*?"], header_values=0)] == [("/a/*/b/*", "/c/*/d/*"), ("/e/*?",)]
    assert [r.name for r in forward_rules(["/ws"], header_values=0)] == ["WebSocketRule"]
    with pytest.raises(ValueError, match="at most 5"):
        forward_rules(["/a*b*c*d*e*f*"], header_values=0)


def test_nginx_config_renders_websocket_upgrade():
    config = render_nginx_config(listen_port=8080, process_port=3000, idle_timeout_seconds=120)
    assert "map $http_upgrade $connection_upgrade" in config
    assert "listen 8080 default_server;" in config
    assert "proxy_read_timeout 120s;" in config and "keepalive_timeout 125s;" in config


@pytest.mark.parametrize("variant, present", [("dev", True), ("staging", False), ("prod", False), ("stockpilot-dev", False), ("spendwise-dev", True)])
def test_bastion_only_where_configured(synthesized, variant, present):
    synth = synthesized[variant]
    instances = resources(synth, "AWS::EC2::Instance")
    assert bool(instances) is present
    if present:
        ((_, instance),) = instances.items()
        p = instance["Properties"]
        assert p["InstanceType"] == "t4g.nano"
        assert "KeyName" not in p
        assert all(d["Ebs"]["Encrypted"] for d in p["BlockDeviceMappings"])
        _, template = one(synth, "AWS::EC2::LaunchTemplate")  # CDK's IMDSv2 template for the instance
        assert template["Properties"]["LaunchTemplateData"]["MetadataOptions"]["HttpTokens"] == "required"
        bastion_group = [g for k, g in synth.templates["network"]["Resources"].items() if k.startswith("SecurityGroupsBastion")]
        assert all("SecurityGroupIngress" not in g["Properties"] for g in bastion_group)

