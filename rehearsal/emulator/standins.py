"""Resource types moto 5.2.5's CloudFormation does not know.

moto skips them with a warning and leaves every ``Ref`` and ``Fn::GetAtt`` to them empty,
so a stack "succeeds" without them. Here each type this app uses is either

- **backed**: created through moto's own service backend, so the service's API shows it
  (and the driver's leftover check sees it go): Secrets Manager secrets and target
  attachments, ACM certificates, SNS subscriptions, Cognito user pools, clients, domains and groups, security-group egress
  rules; or
- **recorded**: a stand-in with a physical ID and the attributes the templates read,
  kept in the emulator's state file (``REHEARSAL_STATE``) until its stack deletes it. It
  proves the template wires it (every reference resolves, its stack creates and deletes
  it in order), nothing about the service's behaviour.

Any other type fails its stack, named, instead of being skipped.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from moto.cloudformation import parsing
from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random

# Recorded stand-ins: how their physical ID looks and which attributes the templates read.
# Attribute values are formatted with the resource's physical ID (id), account, region and
# name; "Outputs.*" answers any nested-application output.
_ARN = "arn:aws:{service}:{region}:{account}:{kind}/{id}"
RECORDED: dict[str, dict[str, Any]] = {
    "AWS::CDK::Metadata": {},
    "AWS::Amplify::App": {"id": "arn:aws:amplify:{region}:{account}:apps/d{lower13}",
                          "attrs": {"AppId": "d{lower13}", "Arn": "{id}", "AppName": "{name}",
                                    "DefaultDomain": "d{lower13}.amplifyapp.com"}, "name_property": "Name"},
    "AWS::Amplify::Branch": {"arn": "arn:aws:amplify:{region}:{account}:apps/branches/{branch}",
                             "attrs": {"Arn": "{arn}", "BranchName": "{branch}"}},
    "AWS::Amplify::Domain": {"arn": "arn:aws:amplify:{region}:{account}:apps/domains/{domain}",
                             "attrs": {"Arn": "{arn}", "DomainName": "{domain}", "StatusReason": "",
                                       "CertificateRecord": "", "DomainStatus": "AVAILABLE"}},
    "AWS::ApplicationAutoScaling::ScalableTarget": {"id": "{service_ns}|{name}"},
    "AWS::ApplicationAutoScaling::ScalingPolicy": {"arn": "arn:aws:autoscaling:{region}:{account}:scalingPolicy:{id}"},
    "AWS::AutoScaling::ScalingPolicy": {"arn": "arn:aws:autoscaling:{region}:{account}:scalingPolicy:{uuid}:autoScalingGroupName/{name}",
                                        "attrs": {"Arn": "{arn}", "PolicyName": "{name}"}},
    "AWS::Budgets::Budget": {},
    "AWS::CloudFront::CachePolicy": {"id": "{uuid}", "attrs": {"Id": "{id}"}},
    "AWS::CloudFront::ResponseHeadersPolicy": {"id": "{uuid}", "attrs": {"Id": "{id}"}},
    "AWS::CloudFront::OriginAccessControl": {"id": "E{upper13}", "attrs": {"Id": "{id}"}},
    "AWS::CloudFront::Function": {"arn": "arn:aws:cloudfront::{account}:function/{name}",
                                  "attrs": {"FunctionARN": "{arn}", "Stage": "LIVE"}},
    "AWS::CloudFront::Distribution": {"id": "E{upper13}",
                                      "attrs": {"Id": "{id}", "DomainName": "d{lower13}.cloudfront.net"}},
    "AWS::CloudFront::MonitoringSubscription": {},
    "AWS::CloudFront::VpcOrigin": {"id": "vo_{lower13}", "arn": "arn:aws:cloudfront::{account}:vpcorigin/{id}",
                                   "attrs": {"Id": "{id}", "Arn": "{arn}"}},
    "AWS::CloudTrail::Trail": {"arn": "arn:aws:cloudtrail:{region}:{account}:trail/{id}", "attrs": {"Arn": "{arn}"}},
    "AWS::CloudWatch::Alarm": {"arn": "arn:aws:cloudwatch:{region}:{account}:alarm:{id}", "attrs": {"Arn": "{arn}"},
                               "name_property": "AlarmName"},
    "AWS::ECS::ClusterCapacityProviderAssociations": {},
    "AWS::Logs::MetricFilter": {"name_property": "FilterName"},
    "AWS::SNS::TopicPolicy": {},
    # Recorded, not put: moto enforces a bucket policy's Deny statements without their
    # conditions, so a TLS-only policy (aws:SecureTransport) would deny every request.
    "AWS::S3::BucketPolicy": {"id": "{bucket}"},
    "AWS::Scheduler::Schedule": {"arn": "arn:aws:scheduler:{region}:{account}:schedule/default/{id}",
                                 "attrs": {"Arn": "{arn}"}, "name_property": "Name"},
    "AWS::SecretsManager::ResourcePolicy": {},
    "AWS::SecretsManager::RotationSchedule": {},
    "AWS::Serverless::Application": {"attrs": {"Outputs.*": "arn:aws:lambda:{region}:{account}:function:{id}"}},
    "AWS::WAFv2::LoggingConfiguration": {},
    "AWS::WAFv2::WebACL": {"id": "{uuid}", "arn": "arn:aws:wafv2:{region}:{account}:global/webacl/{name}/{id}",
                           "attrs": {"Arn": "{arn}", "Id": "{id}"}, "name_property": "Name"},
}

_state_lock = threading.Lock()
# (account, region, physical id) -> what the driver's leftover check reads.
STATE: dict[str, dict[str, str]] = {}
# Each custom resource event handled in-process and its result (rehearsal/emulator/custom.py).
CUSTOM_EVENTS: list[dict[str, Any]] = []


def write_state() -> None:
    """The emulator's state file: live stand-ins and resources kept by their policy."""
    from rehearsal.emulator.cloudformation import RETAINED

    path = os.environ.get("REHEARSAL_STATE")
    if not path:
        return
    with _state_lock:
        body = json.dumps({"standins": list(STATE.values()), "retained": RETAINED, "custom": CUSTOM_EVENTS}, indent=1)
        with open(path + ".partial", "w") as handle:
            handle.write(body)
        os.replace(path + ".partial", path)


def _random(alphabet: str, n: int) -> str:
    return "".join(mock_random.choice(alphabet) for _ in range(n))


class StandIn(CloudFormationModel):
    """A recorded resource (see the module's docstring)."""

    resource_type = "?"

    def __init__(self, logical_id: str, name: str, properties: dict, account_id: str, region: str,
                 stack_id: str) -> None:
        self.logical_resource_id = logical_id
        self.properties = properties
        self.account_id, self.region_name, self.stack_id = account_id, region, stack_id
        spec = RECORDED.get(self.resource_type, {})
        self.name = properties.get(spec.get("name_property", ""), name) if spec.get("name_property") else name
        values = {"name": self.name, "account": account_id, "region": region, "uuid": str(mock_random.uuid4()),
                  "upper13": _random("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 13),
                  "lower13": _random("abcdefghijklmnopqrstuvwxyz0123456789", 13),
                  "service_ns": properties.get("ServiceNamespace", ""), "bucket": properties.get("Bucket", ""),
                  "branch": properties.get("BranchName", ""), "domain": properties.get("DomainName", "")}
        self.id = spec.get("id", "{name}").format(**values)
        values["id"] = self.id
        values["arn"] = self.arn = spec.get("arn", "").format(**values) or None
        self.attributes = {k: v.format(**values) if isinstance(v, str) else v for k, v in spec.get("attrs", {}).items()}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str,  # type: ignore[override]
                                        region_name: str, **kwargs: Any) -> StandIn:
        resource = cls(kwargs["LogicalId"], resource_name, cloudformation_json.get("Properties", {}),
                       account_id, region_name, kwargs["StackId"])
        resource.create()
        STATE[f"{account_id}/{region_name}/{resource.physical_resource_id}"] = {
            "type": cls.resource_type, "logical_id": resource.logical_resource_id,
            "physical_id": str(resource.physical_resource_id), "region": region_name,
            "stack": resource.stack_id.split("/")[1] if "/" in resource.stack_id else resource.stack_id,
            "kind": "backed" if cls.create is not StandIn.create else "recorded"}
        write_state()
        return resource

    def create(self) -> None:
        """Backed types create the resource in moto's service backend here."""

    def remove(self) -> None:
        """Backed types delete it from moto's service backend here."""

    def delete(self, account_id: str, region_name: str) -> None:
        self.remove()
        STATE.pop(f"{account_id}/{region_name}/{self.physical_resource_id}", None)
        write_state()

    @property
    def physical_resource_id(self) -> str:
        return self.id

    @staticmethod
    def cloudformation_type() -> str:
        return "?"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.attributes:
            return self.attributes[attribute_name]
        if attribute_name.startswith("Outputs.") and "Outputs.*" in self.attributes:
            return self.attributes["Outputs.*"]
        raise ValueError(f"{self.resource_type} stand-in has no attribute {attribute_name} "
                         f"(rehearsal/emulator/standins.py)")


# --- backed types ----------------------------------------------------------------------------

class Secret(StandIn):
    resource_type = "AWS::SecretsManager::Secret"

    def _backend(self) -> Any:
        from moto.secretsmanager.models import secretsmanager_backends

        return secretsmanager_backends[self.account_id][self.region_name]

    def create(self) -> None:
        props = self.properties
        value = props.get("SecretString")
        generate = props.get("GenerateSecretString")
        if generate is not None:
            password = self._backend().get_random_password(
                password_length=int(generate.get("PasswordLength", 32)),
                exclude_characters=generate.get("ExcludeCharacters", ""),
                exclude_numbers=bool(generate.get("ExcludeNumbers", False)),
                exclude_punctuation=bool(generate.get("ExcludePunctuation", False)),
                exclude_uppercase=bool(generate.get("ExcludeUppercase", False)),
                exclude_lowercase=bool(generate.get("ExcludeLowercase", False)),
                include_space=bool(generate.get("IncludeSpace", False)),
                require_each_included_type=bool(generate.get("RequireEachIncludedType", True)),
            )
            password = json.loads(password)["RandomPassword"] if password.startswith("{") else password
            if "GenerateStringKey" in generate:
                body = json.loads(generate.get("SecretStringTemplate", "{}"))
                body[generate["GenerateStringKey"]] = password
                value = json.dumps(body)
            else:
                value = password
        # CloudFormation names a secret without Name "<logical id>-<random>": unique per stack.
        name = props.get("Name") or f"{self.logical_resource_id}-{_random('abcdefghijklmnopqrstuvwxyz0123456789', 12)}"
        created = json.loads(self._backend().create_secret(
            name=name, secret_string=value, secret_binary=None, description=props.get("Description"),
            tags=props.get("Tags", []), kms_key_id=props.get("KmsKeyId"), client_request_token=None,
            replica_regions=[], force_overwrite=False))
        self.id = self.arn = created["ARN"]
        self.attributes = {"Id": self.id}

    def remove(self) -> None:
        self._backend().delete_secret(self.id, recovery_window_in_days=None, force_delete_without_recovery=True)


class SecretTargetAttachment(Secret):
    """Adds the database's engine, host, port and identifier to the secret, as RDS does."""

    resource_type = "AWS::SecretsManager::SecretTargetAttachment"

    def create(self) -> None:
        from moto.rds.models import rds_backends

        props = self.properties
        secret = self._backend().get_secret_value(props["SecretId"], None, None)
        body = json.loads(secret["SecretString"])
        rds = rds_backends[self.account_id][self.region_name]
        if props.get("TargetType") == "AWS::RDS::DBInstance":
            database = rds.describe_db_instances(props["TargetId"])[0]
            body |= {"engine": database.engine, "host": database.address, "port": int(database.port),
                     "dbInstanceIdentifier": database.db_instance_identifier}
        else:
            cluster = rds.describe_db_clusters(props["TargetId"])[0]
            body |= {"engine": cluster.engine, "host": cluster.endpoint, "port": int(cluster.port),
                     "dbClusterIdentifier": cluster.db_cluster_identifier}
        self._backend().put_secret_value(props["SecretId"], json.dumps(body), None, None, ["AWSCURRENT"])
        self.id = self.arn = secret["ARN"]

    def remove(self) -> None:
        """The attachment goes; the secret stays (its own resource deletes it)."""


class _Cognito(StandIn):
    def _backend(self) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends

        return cognitoidp_backends[self.account_id][self.region_name]


class UserPool(_Cognito):
    resource_type = "AWS::Cognito::UserPool"

    def create(self) -> None:
        pool = self._backend().create_user_pool(self.properties.get("UserPoolName") or self.name, self.properties)
        self.id, self.arn = pool.id, pool.arn
        self.attributes = {"Arn": pool.arn, "UserPoolId": pool.id, "ProviderName": f"cognito-idp.{self.region_name}.amazonaws.com/{pool.id}",
                           "ProviderURL": f"https://cognito-idp.{self.region_name}.amazonaws.com/{pool.id}"}

    def remove(self) -> None:
        self._backend().delete_user_pool(self.id)


class UserPoolClient(_Cognito):
    resource_type = "AWS::Cognito::UserPoolClient"

    def create(self) -> None:
        props = self.properties
        client = self._backend().create_user_pool_client(props["UserPoolId"], bool(props.get("GenerateSecret")), props)
        self.id = client.id
        self.attributes = {"ClientId": client.id, "Name": props.get("ClientName", ""),
                           "ClientSecret": client.secret if props.get("GenerateSecret") else None}

    def remove(self) -> None:
        self._backend().delete_user_pool_client(self.properties["UserPoolId"], self.id)


class UserPoolDomain(_Cognito):
    resource_type = "AWS::Cognito::UserPoolDomain"

    def create(self) -> None:
        props = self.properties
        self._backend().create_user_pool_domain(props["UserPoolId"], props["Domain"], props.get("CustomDomainConfig"))
        self.id = props["Domain"]
        self.attributes = {"CloudFrontDistribution": f"d{_random('abcdefghijklmnopqrstuvwxyz0123456789', 13)}.cloudfront.net"}

    def remove(self) -> None:
        self._backend().delete_user_pool_domain(self.id)


class UserPoolGroup(_Cognito):
    resource_type = "AWS::Cognito::UserPoolGroup"

    def create(self) -> None:
        props = self.properties
        self.id = props.get("GroupName") or self.name
        self._backend().create_group(props["UserPoolId"], self.id, props.get("Description"), props.get("RoleArn"),
                                     props.get("Precedence"))

    def remove(self) -> None:
        self._backend().delete_group(self.properties["UserPoolId"], self.id)


class SecurityGroupEgress(StandIn):
    resource_type = "AWS::EC2::SecurityGroupEgress"

    def _rule(self) -> dict:
        p = self.properties
        return {"group_name_or_id": p["GroupId"], "ip_protocol": str(p["IpProtocol"]),
                "from_port": p.get("FromPort"), "to_port": p.get("ToPort"),
                "ip_ranges": [{"CidrIp": p["CidrIp"], **({"Description": p["Description"]} if "Description" in p else {})}]
                if "CidrIp" in p else [],
                "source_groups": [{"GroupId": p["DestinationSecurityGroupId"]}] if "DestinationSecurityGroupId" in p else [],
                "prefix_list_ids": [{"PrefixListId": p["DestinationPrefixListId"]}] if "DestinationPrefixListId" in p else []}

    def create(self) -> None:
        from moto.ec2.models import ec2_backends

        rules, _ = ec2_backends[self.account_id][self.region_name].authorize_security_group_egress(**self._rule())
        self.id = rules[0].id if rules else self.name

    def remove(self) -> None:
        from moto.ec2.models import ec2_backends

        try:
            ec2_backends[self.account_id][self.region_name].revoke_security_group_egress(**self._rule())
        except Exception:  # noqa: BLE001 - the group is gone already: so is the rule
            pass


class Certificate(StandIn):
    """Requested in ACM (not validated: moto's certificates stay PENDING_VALIDATION)."""

    resource_type = "AWS::CertificateManager::Certificate"

    def _backend(self) -> Any:
        from moto.acm.models import acm_backends

        return acm_backends[self.account_id][self.region_name]

    def create(self) -> None:
        props = self.properties
        self.id = self.arn = self._backend().request_certificate(
            props["DomainName"], None, props.get("SubjectAlternativeNames") or [], props.get("Tags") or [])

    def remove(self) -> None:
        self._backend().delete_certificate(self.id)


class Subscription(StandIn):
    """Subscribed in SNS (an email endpoint is never confirmed: nothing is sent)."""

    resource_type = "AWS::SNS::Subscription"

    def _backend(self) -> Any:
        from moto.sns.models import sns_backends

        return sns_backends[self.account_id][self.region_name]

    def create(self) -> None:
        props = self.properties
        subscription = self._backend().subscribe(props["TopicArn"], props["Endpoint"], props["Protocol"])
        self.id = self.arn = subscription.arn

    def remove(self) -> None:
        self._backend().unsubscribe(self.id)


BACKED = (Subscription, Certificate, Secret, SecretTargetAttachment, UserPool, UserPoolClient, UserPoolDomain, UserPoolGroup,
          SecurityGroupEgress)


def classes() -> dict[str, type[StandIn]]:
    table: dict[str, type[StandIn]] = {cls.resource_type: cls for cls in BACKED}
    for resource_type in RECORDED:
        table[resource_type] = type(resource_type.replace("::", ""), (StandIn,), {"resource_type": resource_type})
    return table


def fix_skipped_types() -> None:
    """Types moto skips become backed or recorded stand-ins; any other unknown type fails."""
    table = classes()
    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type: str) -> Any:
        if resource_type in table:
            return table[resource_type]
        if resource_type in parsing.NULL_MODELS or resource_type.startswith("Custom::"):
            return original(resource_type)
        if resource_type not in parsing.get_model_map():
            raise ValueError(f"moto has no CloudFormation support for {resource_type} and the rehearsal has no "
                             "stand-in for it (rehearsal/emulator/standins.py)")
        return original(resource_type)

    parsing.resource_class_from_type = resource_class_from_type
