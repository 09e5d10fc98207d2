"""One check per gap of the emulator extension, run in-process with moto's mock.

    .venv-rehearsal/bin/python -m rehearsal.selfcheck [GAP ...]

Prints one JSON line per gap: {"gap": name, "ok": bool, "detail": str}. Each check shows
the behaviour the fix gives (tests/test_rehearsal.py asserts every line; a gap without
a check fails there). Runs in the rehearsal's virtualenv, where moto is.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

os.environ.setdefault("AWS_ACCESS_KEY_ID", "rehearsal")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "rehearsal")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_name, None)

REGION = "us-east-1"
CHECKS: dict[str, Callable[[], str]] = {}


def check(name: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def register(function: Callable[[], str]) -> Callable[[], str]:
        CHECKS[name] = function
        return function
    return register


def cfn() -> Any:
    import boto3

    return boto3.client("cloudformation", region_name=REGION)


def deploy(name: str, resources: dict, outputs: dict | None = None, parameters: dict | None = None,
           kind: str = "CREATE") -> dict:
    """Create and execute a change set, as the CDK CLI does; the stack afterwards."""
    template = {"Resources": resources, **({"Outputs": outputs} if outputs else {}),
                **({"Parameters": parameters} if parameters else {})}
    client = cfn()
    client.create_change_set(StackName=name, ChangeSetName="cdk-deploy-change-set", ChangeSetType=kind,
                             TemplateBody=json.dumps(template))
    client.execute_change_set(StackName=name, ChangeSetName="cdk-deploy-change-set")
    return client.describe_stacks(StackName=name)["Stacks"][0]


def failure(stack: dict) -> str:
    events = cfn().describe_stack_events(StackName=stack["StackName"])["StackEvents"]
    return next((e.get("ResourceStatusReason", "") for e in events if e["ResourceStatus"].endswith("_FAILED")), "")


TOPIC = {"Type": "AWS::SNS::Topic"}


@check("template-url")
def _template_url() -> str:
    import boto3

    boto3.client("s3", region_name=REGION).create_bucket(Bucket="assets")
    boto3.client("s3", region_name=REGION).put_object(Bucket="assets", Key="t.json",
                                                      Body=json.dumps({"Resources": {"T": TOPIC}}))
    cfn().create_change_set(StackName="url", ChangeSetName="c", ChangeSetType="CREATE",
                            TemplateURL="http://127.0.0.1:4566/assets/t.json")
    cfn().execute_change_set(StackName="url", ChangeSetName="c")
    assert cfn().describe_stacks(StackName="url")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    return "a path-style TemplateURL on 127.0.0.1 is read from the emulated bucket"


@check("resource-failures")
def _resource_failures() -> str:
    stack = deploy("fails", {"Key": {"Type": "AWS::KMS::Key", "Properties": {}}})
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE", stack["StackStatus"]
    reason = failure(stack)
    assert "KeyPolicy" in reason, reason
    return f"ROLLBACK_COMPLETE, the resource named: {reason[:80]}"


@check("change-sets")
def _change_sets() -> str:
    stack = deploy("outputs", {"T": TOPIC}, {"Arn": {"Value": {"Ref": "T"}, "Export": {"Name": "topic-arn"}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert stack["Outputs"][0]["OutputValue"].startswith("arn:aws:sns:"), stack.get("Outputs")
    assert [e["Name"] for e in cfn().list_exports()["Exports"]] == ["topic-arn"]
    return "a CREATE change set gives outputs and exports"


@check("change-set-lifecycle")
def _change_set_lifecycle() -> str:
    deploy("lifecycle", {"T": TOPIC})
    client = cfn()
    client.delete_change_set(StackName="lifecycle", ChangeSetName="cdk-deploy-change-set")  # gone: no error
    try:
        client.describe_change_set(StackName="lifecycle", ChangeSetName="cdk-deploy-change-set")
    except client.exceptions.ChangeSetNotFoundException:
        return "executed change sets are removed; a missing one is ChangeSetNotFound; delete is idempotent"
    raise AssertionError("the executed change set is still there")


@check("previous-ssm-parameters")
def _previous_ssm_parameters() -> str:
    import boto3

    boto3.client("ssm", region_name=REGION).put_parameter(Name="/rehearsal/version", Value="33", Type="String")
    parameters = {"Version": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/rehearsal/version"}}
    deploy("ssm", {"T": TOPIC}, parameters=parameters)
    template = {"Parameters": parameters, "Resources": {"T": TOPIC, "U": TOPIC}}
    cfn().create_change_set(StackName="ssm", ChangeSetName="u", ChangeSetType="UPDATE", TemplateBody=json.dumps(template),
                            Parameters=[{"ParameterKey": "Version", "UsePreviousValue": True}])
    cfn().execute_change_set(StackName="ssm", ChangeSetName="u")
    stack = cfn().describe_stacks(StackName="ssm")["Stacks"][0]
    assert stack["StackStatus"] == "UPDATE_COMPLETE", (stack["StackStatus"], stack.get("StackStatusReason"))
    return "an update keeps an SSM-typed parameter's name (UsePreviousValue)"


@check("termination-protection")
def _termination_protection() -> str:
    deploy("protected", {"T": TOPIC})
    client = cfn()
    client.update_termination_protection(StackName="protected", EnableTerminationProtection=True)
    try:
        client.delete_stack(StackName="protected")
    except client.exceptions.ClientError as error:
        assert "TerminationProtection" in str(error), error
    else:
        raise AssertionError("a protected stack was deleted")
    client.update_termination_protection(StackName="protected", EnableTerminationProtection=False)
    client.delete_stack(StackName="protected")
    return "UpdateTerminationProtection exists; DeleteStack refuses a protected stack"


@check("stack-deletion")
def _stack_deletion() -> str:
    import boto3

    deploy("kept", {"B": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "Properties": {"BucketName": "kept"}},
                    "C": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "full"}}})
    boto3.client("s3", region_name=REGION).put_object(Bucket="full", Key="k", Body=b"x")
    client = cfn()
    client.delete_stack(StackName="kept")
    stack = client.describe_stacks(StackName="kept")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED" and "[C]" in stack["StackStatusReason"], stack
    from rehearsal.emulator.cloudformation import RETAINED

    assert [r["logical_id"] for r in RETAINED] == ["B"], RETAINED
    return "DELETE_FAILED names the resource; Retain is recorded"


@check("intrinsics")
def _intrinsics() -> str:
    import boto3

    deploy("producer", {"T": TOPIC}, {"Arn": {"Value": {"Ref": "T"}}})
    secret = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="origin", SecretString=json.dumps({"header": "s3cr3t"}))
    stack = deploy("consumer", {"P": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": "/rehearsal/joined", "Type": "String", "Value": {
        "Fn::Join": [",", [{"Fn::GetStackOutput": {"StackName": "producer", "OutputName": "Arn", "Region": REGION}},
                           f"{{{{resolve:secretsmanager:{secret['ARN']}:SecretString:header}}}}"]]}}}},
        {"V": {"Value": {"Fn::GetAtt": ["P", "Value"]}}})
    value = boto3.client("ssm", region_name=REGION).get_parameters_by_path(Path="/", Recursive=True)
    values = [p["Value"] for p in value["Parameters"] if p["Value"].endswith(",s3cr3t")]
    assert values and values[0].startswith("arn:aws:sns:"), (stack, value)
    bad = deploy("unresolved", {"P": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Name": "/rehearsal/bad", "Type": "String",
        "Value": {"Fn::GetStackOutput": {"StackName": "producer", "OutputName": "Nope", "Region": REGION}}}}})
    assert bad["StackStatus"] == "ROLLBACK_COMPLETE" and "has no output Nope" in failure(bad), failure(bad)
    return "Fn::GetStackOutput and {{resolve:secretsmanager:…}} resolve; a missing output fails its resource"


@check("unsupported-updates")
def _unsupported_updates() -> str:
    stack = deploy("upd", {"G": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}}},
                   {"Name": {"Value": {"Ref": "G"}}})
    before = stack["Outputs"]
    template = {"Resources": {"G": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 14}}},
                "Outputs": {"Name": {"Value": {"Ref": "G"}}}}
    cfn().create_change_set(StackName="upd", ChangeSetName="u", ChangeSetType="UPDATE", TemplateBody=json.dumps(template))
    cfn().execute_change_set(StackName="upd", ChangeSetName="u")
    after = cfn().describe_stacks(StackName="upd")["Stacks"][0].get("Outputs")
    assert after == before, (before, after)
    return "a type moto cannot update keeps its resource and outputs"


@check("ebs-volume-size")
def _ebs_volume_size() -> str:
    import boto3

    image = boto3.client("ec2", region_name=REGION).describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    stack = deploy("ebs", {"I": {"Type": "AWS::EC2::Instance", "Properties": {
        "ImageId": image, "InstanceType": "t4g.nano",
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "VolumeType": "gp3"}}]}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE", failure(stack)
    return "a root volume without VolumeSize gets 8 GiB"


@check("kms-key-tags")
def _kms_key_tags() -> str:
    stack = deploy("kms", {"K": {"Type": "AWS::KMS::Key", "Properties": {
        "KeyPolicy": {"Version": "2012-10-17", "Statement": []}, "Tags": [{"Key": "owner", "Value": "team"}]}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE", failure(stack)
    return "Key/Value tags on a key"


@check("kms-key-policy")
def _kms_key_policy() -> str:
    import boto3

    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                                      "Action": "kms:*", "Resource": "*"}]}
    stack = deploy("kmspolicy", {"K": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": policy}}},
                   {"Arn": {"Value": {"Fn::GetAtt": ["K", "Arn"]}}})
    kms = boto3.client("kms", region_name=REGION)
    key = kms.describe_key(KeyId=stack["Outputs"][0]["OutputValue"])["KeyMetadata"]
    assert json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]) == policy
    return "DescribeKey and GetKeyPolicy answer for a key a stack made"


@check("ingress-from-prefix-list")
def _ingress_from_prefix_list() -> str:
    import boto3

    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vpc)["GroupId"]
    stack = deploy("pl", {"R": {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
        "GroupId": group, "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "SourcePrefixListId": "pl-3b927c52"}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE", failure(stack)
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert rules[0]["PrefixListIds"][0]["PrefixListId"] == "pl-3b927c52", rules
    return "ingress from a managed prefix list is authorized with it"


@check("stack-resources")
def _stack_resources() -> str:
    stack = deploy("listing", {"K": {"Type": "AWS::KMS::Key", "Properties": {}}, "T": TOPIC})
    rows = cfn().list_stack_resources(StackName="listing")["StackResourceSummaries"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE" and all(r["LogicalResourceId"] for r in rows), rows
    return "ListStackResources of a failed stack answers (no re-creation, no empty rows)"


@check("skipped-types")
def _skipped_types() -> str:
    import boto3

    stack = deploy("standins", {
        "S": {"Type": "AWS::SecretsManager::Secret", "Properties": {"GenerateSecretString": {
            "SecretStringTemplate": '{"username": "app"}', "GenerateStringKey": "password", "ExcludePunctuation": True}}},
        "A": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"MetricName": "m", "Namespace": "n", "Threshold": 1,
                                                              "ComparisonOperator": "GreaterThanThreshold",
                                                              "EvaluationPeriods": 1, "Period": 60, "Statistic": "Sum"}},
    }, {"Secret": {"Value": {"Ref": "S"}}, "Alarm": {"Value": {"Fn::GetAtt": ["A", "Arn"]}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE", failure(stack)
    secret = boto3.client("secretsmanager", region_name=REGION).get_secret_value(SecretId=stack["Outputs"][0]["OutputValue"]
                                                                                 if stack["Outputs"][0]["OutputKey"] == "Secret"
                                                                                 else stack["Outputs"][1]["OutputValue"])
    assert set(json.loads(secret["SecretString"])) == {"username", "password"}
    unknown = deploy("unknown", {"X": {"Type": "AWS::Made::Up", "Properties": {}}})
    assert unknown["StackStatus"] == "ROLLBACK_COMPLETE" and "no stand-in" in failure(unknown), failure(unknown)
    return "a secret is generated in Secrets Manager, an alarm is recorded, an unknown type fails"


@check("custom-resources")
def _custom_resources() -> str:
    import io
    import zipfile

    import boto3

    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="site")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("index.html", "<p>hi</p>")
        z.writestr("config.json", '{"pool": "<<marker:0xbaba:0>>"}')
    s3.put_object(Bucket="src", Key="a.zip", Body=archive.getvalue())
    stack = deploy("deployment", {"D": {"Type": "Custom::CDKBucketDeployment", "Properties": {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:x", "SourceBucketNames": ["src"],
        "SourceObjectKeys": ["a.zip"], "SourceMarkers": [{"<<marker:0xbaba:0>>": "us-east-1_abc"}],
        "DestinationBucketName": "site", "Prune": "true"}},
        "E": {"Type": "Custom::S3AutoDeleteObjects", "Properties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:y", "BucketName": "site"}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE", failure(stack)
    body = s3.get_object(Bucket="site", Key="config.json")["Body"].read()
    assert body == b'{"pool": "us-east-1_abc"}', body
    cfn().delete_stack(StackName="deployment")
    assert s3.list_objects_v2(Bucket="site").get("KeyCount", 0) == 0
    other = deploy("other", {"X": {"Type": "Custom::Unknown", "Properties": {"ServiceToken": "arn:aws:lambda:x"}}})
    assert other["StackStatus"] == "ROLLBACK_COMPLETE" and "no in-process handler" in failure(other)
    return "a bucket deployment unzips with markers, auto-delete empties on Delete, an unknown type fails"


@check("bucket-not-empty")
def _bucket_not_empty() -> str:
    import boto3

    deploy("full", {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "not-empty"}}})
    boto3.client("s3", region_name=REGION).put_object(Bucket="not-empty", Key="k", Body=b"x")
    cfn().delete_stack(StackName="full")
    stack = cfn().describe_stacks(StackName="full")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED" and "BucketNotEmpty" in stack["StackStatusReason"], stack
    return "deleting a non-empty bucket fails its stack"


@check("db-parameter-group-ref")
def _db_parameter_group_ref() -> str:
    stack = deploy("pg", {"G": {"Type": "AWS::RDS::DBParameterGroup", "Properties": {
        "Family": "postgres16", "Description": "d", "Parameters": {"rds.force_ssl": "1"}}}},
        {"Name": {"Value": {"Ref": "G"}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE" and isinstance(stack["Outputs"][0]["OutputValue"], str), stack
    return "Ref of a parameter group is its name"


def _vpc_with_two_subnets(*, second_octet: int) -> tuple[str, list[str]]:
    """A VPC 10.<second_octet>.0.0/16 with a subnet in zones a and b (a load balancer needs two)."""
    import boto3

    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock=f"10.{second_octet}.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{second_octet}.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
               for i, z in ((1, "a"), (2, "b"))]
    return vpc, subnets


@check("elbv2-attributes")
def _elbv2_attributes() -> str:
    vpc, subnets = _vpc_with_two_subnets(second_octet=8)
    stack = deploy("lb", {"L": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Subnets": subnets}},
                          "T": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": {
                              "VpcId": vpc, "Port": 80, "Protocol": "HTTP"}}},
                   {"Lb": {"Value": {"Fn::GetAtt": ["L", "LoadBalancerFullName"]}},
                    "Tg": {"Value": {"Fn::GetAtt": ["T", "TargetGroupFullName"]}}})
    values = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    assert values["Lb"].startswith("app/") and values["Tg"].startswith("targetgroup/"), (stack, values)
    return "LoadBalancerFullName and TargetGroupFullName resolve"


@check("ssm-parameter-tags")
def _ssm_parameter_tags() -> str:
    stack = deploy("ssmtags", {"P": {"Type": "AWS::SSM::Parameter", "Properties": {
        "Name": "/rehearsal/tagged", "Type": "String", "Value": "v", "Tags": {"owner": "team"}}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE", failure(stack)
    return "map tags on a parameter"


@check("managed-policy-deletion")
def _managed_policy_deletion() -> str:
    import boto3

    deploy("iam", {"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}}},
        "P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"Roles": [{"Ref": "R"}], "PolicyDocument": {
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}}})
    cfn().delete_stack(StackName="iam")
    status = cfn().describe_stacks(StackName=cfn().list_stacks()["StackSummaries"][0]["StackId"])["Stacks"][0]
    assert status["StackStatus"] == "DELETE_COMPLETE", status
    assert not boto3.client("iam").list_policies(Scope="Local")["Policies"]
    return "a managed policy is detached and deleted with its stack"


@check("listener-rule-deletion")
def _listener_rule_deletion() -> str:
    import boto3

    vpc, subnets = _vpc_with_two_subnets(second_octet=7)
    forward = [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403"}}]
    deploy("rules", {
        "L": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Subnets": subnets}},
        "S": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
            "LoadBalancerArn": {"Ref": "L"}, "Port": 80, "Protocol": "HTTP", "DefaultActions": forward}},
        "R": {"Type": "AWS::ElasticLoadBalancingV2::ListenerRule", "Properties": {
            "ListenerArn": {"Ref": "S"}, "Priority": 1, "Actions": forward,
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/x"]}}]}}})
    elbv2 = boto3.client("elbv2", region_name=REGION)
    listener = elbv2.describe_listeners(LoadBalancerArn=elbv2.describe_load_balancers()["LoadBalancers"][0]["LoadBalancerArn"])
    rule_arn = [r for r in elbv2.describe_rules(ListenerArn=listener["Listeners"][0]["ListenerArn"])["Rules"]
                if not r["IsDefault"]][0]["RuleArn"]
    from moto.elbv2.models import elbv2_backends

    rule = next(r for lb in elbv2_backends["123456789012"][REGION].load_balancers.values()
                for s in lb.listeners.values() for r in s.rules.values() if r.arn == rule_arn)
    rule.delete("123456789012", REGION)
    left = elbv2.describe_rules(ListenerArn=listener["Listeners"][0]["ListenerArn"])["Rules"]
    assert all(r["IsDefault"] for r in left), left
    cfn().delete_stack(StackName="rules")
    assert not elbv2.describe_load_balancers()["LoadBalancers"]
    return "a listener rule is deleted from its listener"


@check("network-deletion")
def _network_deletion() -> str:
    import boto3

    deploy("net", {
        "V": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.6.0.0/16"}},
        "S": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "V"}, "CidrBlock": "10.6.1.0/24"}},
        "T": {"Type": "AWS::EC2::RouteTable", "Properties": {"VpcId": {"Ref": "V"}}},
        "A": {"Type": "AWS::EC2::SubnetRouteTableAssociation", "Properties": {"SubnetId": {"Ref": "S"}, "RouteTableId": {"Ref": "T"}}},
        "G": {"Type": "AWS::EC2::InternetGateway"},
        "W": {"Type": "AWS::EC2::VPCGatewayAttachment", "Properties": {"VpcId": {"Ref": "V"}, "InternetGatewayId": {"Ref": "G"}}},
        "R": {"Type": "AWS::EC2::Route", "DependsOn": "W", "Properties": {
            "RouteTableId": {"Ref": "T"}, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": {"Ref": "G"}}},
        "E": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
            "VpcId": {"Ref": "V"}, "ServiceName": f"com.amazonaws.{REGION}.s3", "RouteTableIds": [{"Ref": "T"}]}},
    })
    cfn().delete_stack(StackName="net")
    stacks = [s for s in cfn().list_stacks()["StackSummaries"] if s["StackName"] == "net"]
    assert stacks[0]["StackStatus"] == "DELETE_COMPLETE", stacks
    assert not [v for v in boto3.client("ec2", region_name=REGION).describe_vpcs()["Vpcs"] if v["CidrBlock"] == "10.6.0.0/16"]
    return "route tables, routes, associations, gateway, endpoint go, then the VPC"


@check("ecs-deletion")
def _ecs_deletion() -> str:
    import boto3

    deploy("ecs", {"C": {"Type": "AWS::ECS::Cluster"},
                   "T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Family": "api", "ContainerDefinitions": [
                       {"Name": "api", "Image": "nginx", "Memory": 512}]}},
                   "S": {"Type": "AWS::ECS::Service", "Properties": {"Cluster": {"Ref": "C"}, "TaskDefinition": {"Ref": "T"},
                                                                     "DesiredCount": 0}}})
    cfn().delete_stack(StackName="ecs")
    ecs = boto3.client("ecs", region_name=REGION)
    clusters = ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"]
    assert [c["status"] for c in clusters] == ["INACTIVE"], clusters
    return "a service and its cluster are deleted (INACTIVE, as ECS shows them) with their stack"


@check("hosted-zone-ids")
def _hosted_zone_ids() -> str:
    import boto3

    route53 = boto3.client("route53", region_name=REGION)
    route53.create_hosted_zone(Name="example.com", CallerReference="rehearsal-zone-id:Z0REHEARSAL0000000001")
    stack = deploy("dns", {
        "C": {"Type": "AWS::CertificateManager::Certificate", "Properties": {"DomainName": "app.example.com",
              "DomainValidationOptions": [{"DomainName": "app.example.com", "HostedZoneId": "Z0REHEARSAL0000000001"}]}},
        "R": {"Type": "AWS::Route53::RecordSet", "Properties": {"HostedZoneId": "Z0REHEARSAL0000000001",
              "Name": "app.example.com.", "Type": "CNAME", "TTL": "60", "ResourceRecords": ["target.example.net"]}}},
        {"Certificate": {"Value": {"Ref": "C"}}})
    assert stack["StackStatus"] == "CREATE_COMPLETE", failure(stack)
    records = route53.list_resource_record_sets(HostedZoneId="Z0REHEARSAL0000000001")["ResourceRecordSets"]
    assert "app.example.com." in [r["Name"] for r in records], records
    assert stack["Outputs"][0]["OutputValue"].startswith("arn:aws:acm:")
    return "a zone created with its configured ID takes the stack's records; the certificate is requested in ACM"


@check("db-instance-protection")
def _db_instance_protection() -> str:
    import boto3

    from rehearsal.emulator.cloudformation import RETAINED

    deploy("db", {"D": {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot", "Properties": {
        "DBInstanceIdentifier": "protected-db", "Engine": "postgres", "DBInstanceClass": "db.t4g.micro",
        "AllocatedStorage": "20", "MasterUsername": "app", "MasterUserPassword": "password123",
        "DeletionProtection": True}}})
    client = cfn()
    client.delete_stack(StackName="db")
    stack = client.describe_stacks(StackName="db")["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED" and "[D]" in stack["StackStatusReason"], stack
    rds = boto3.client("rds", region_name=REGION)
    rds.modify_db_instance(DBInstanceIdentifier="protected-db", DeletionProtection=False, ApplyImmediately=True)
    client.delete_stack(StackName="db")
    snapshots = rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"] for s in snapshots] == ["protected-db-final-snapshot"], snapshots
    assert any(r["physical_id"] == "protected-db-final-snapshot" for r in RETAINED), RETAINED
    return "a protected instance stops its stack's deletion; Snapshot takes a final snapshot, recorded as kept"


def run(names: list[str]) -> list[dict]:
    from moto import mock_aws

    from rehearsal.emulator import install

    install()
    from rehearsal.emulator.cloudformation import RETAINED
    from rehearsal.emulator.standins import STATE

    results = []
    for name in names:
        RETAINED.clear()
        STATE.clear()
        with mock_aws():
            try:
                detail = CHECKS[name]()
                results.append({"gap": name, "ok": True, "detail": detail})
            except Exception as error:  # noqa: BLE001 - reported per gap
                results.append({"gap": name, "ok": False, "detail": f"{type(error).__name__}: {error}",
                                "trace": traceback.format_exc()[-3000:]})
    return results


if __name__ == "__main__":
    from rehearsal.emulator import gaps

    wanted = sys.argv[1:] or [name for name, _ in gaps()]
    for result in run([n for n in wanted if n in CHECKS]):
        print(json.dumps(result), flush=True)
    for name in wanted:
        if name not in CHECKS:
            print(json.dumps({"gap": name, "ok": False, "detail": "no check for this gap"}), flush=True)
