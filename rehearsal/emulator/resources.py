"""Resource types moto supports but creates, updates or deletes differently from AWS for
what this app's templates hold. One ``fix_*`` per gap (``rehearsal.emulator.GAPS``)."""

from __future__ import annotations

from typing import Any


def fix_ebs_volume_size() -> None:
    """A block device mapping without ``VolumeSize`` (the NAT and bastion instances' root
    volume: encrypted gp3 of the AMI's size) makes moto refuse the instance with
    "MissingParameter: size/snapshot"; AWS takes the size of the AMI's snapshot. Here such a
    volume gets 8 GiB, Amazon Linux 2023's root size."""
    from moto.ec2.models.elastic_block_store import EBSBackend

    original = EBSBackend.create_volume

    def create_volume(self: Any, size: int | None, zone_name: str, snapshot_id: str | None = None,
                      *args: Any, **kwargs: Any) -> Any:
        if size is None and not snapshot_id:
            size = 8
        return original(self, size, zone_name, snapshot_id, *args, **kwargs)

    EBSBackend.create_volume = create_volume


def fix_kms_key_tags() -> None:
    """CloudFormation gives ``AWS::KMS::Key`` tags as ``Key``/``Value``; moto passes them
    to its KMS tagger, which reads ``TagKey``/``TagValue`` (KeyError: 'TagKey'). Here they
    are converted."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        properties = cloudformation_json["Properties"]
        properties["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t
                              for t in properties.get("Tags", [])]
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def fix_ingress_from_prefix_list() -> None:
    """moto's ``AWS::EC2::SecurityGroupIngress`` asserts a CIDR or a source group, so a rule
    from a managed prefix list (the load balancer's ingress from CloudFront's origin-facing
    list) fails with a bare AssertionError. Here such a rule is authorized with the list."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroupIngress

    original = SecurityGroupIngress.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        p = cloudformation_json["Properties"]
        if "SourcePrefixListId" not in p:
            return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = ec2_backends[account_id][region_name]
        group = backend.describe_security_groups(group_ids=[p["GroupId"]])[0]
        backend.authorize_security_group_ingress(
            group_name_or_id=group.id, ip_protocol=str(p["IpProtocol"]), from_port=p.get("FromPort"),
            to_port=p.get("ToPort"), ip_ranges=[],
            prefix_list_ids=[{"PrefixListId": p["SourcePrefixListId"], **({"Description": p["Description"]} if "Description" in p else {})}])
        return cls(group, p)

    SecurityGroupIngress.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def fix_bucket_not_empty() -> None:
    """moto's CloudFormation delete of a bucket that still holds objects returns quietly and
    leaves the bucket in place (its stack says DELETE_COMPLETE); AWS fails with
    BucketNotEmpty. Here the delete fails, so the stack reports the bucket it left."""
    from moto.s3.models import FakeBucket, s3_backends

    def delete_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str) -> None:
        backend = s3_backends[account_id]["aws"]
        if resource_name in backend.buckets and backend.delete_bucket(resource_name) is None:
            raise RuntimeError(f"BucketNotEmpty: bucket {resource_name} still holds "
                               f"{len(backend.buckets[resource_name].keys)} key(s)")

    FakeBucket.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)


def fix_db_parameter_group_ref() -> None:
    """moto's ``AWS::RDS::DBParameterGroup`` has no physical ID, so ``Ref`` to it yields the
    model object and the instance that names it fails ("'DBParameterGroup' object has no
    attribute 'startswith'"). Here its Ref is its name, as in CloudFormation."""
    from moto.rds.models import DBParameterGroup

    DBParameterGroup.physical_resource_id = property(lambda self: self.name)


def fix_elbv2_attributes() -> None:
    """moto raises NotImplemented for ``LoadBalancerFullName`` (and ``TargetGroupFullName``,
    ``CanonicalHostedZoneID``), which the alarms' dimensions read, and leaves the
    ``Fn::GetAtt`` unresolved. Here they come from the ARN, as CloudFormation gives them."""
    from moto.elbv2.models import FakeLoadBalancer, FakeTargetGroup

    for model, computed in (
        (FakeLoadBalancer, {"LoadBalancerFullName": lambda self: self.arn.split(":loadbalancer/", 1)[1],
                            "CanonicalHostedZoneID": lambda self: "Z35SXDOTRQ7X7K"}),
        (FakeTargetGroup, {"TargetGroupFullName": lambda self: self.arn.split(":", 5)[5],
                           "TargetGroupName": lambda self: self.name}),
    ):
        original = getattr(model, "get_cfn_attribute", None)

        def get_cfn_attribute(self: Any, attribute_name: str, _original: Any = original,
                              _computed: dict = computed) -> Any:
            if attribute_name in _computed:
                return _computed[attribute_name](self)
            if _original is None:
                raise NotImplementedError(attribute_name)
            return _original(self, attribute_name)

        model.get_cfn_attribute = get_cfn_attribute
        model.has_cfn_attr = classmethod(lambda cls, attr, _c=computed, _o=model.has_cfn_attr: attr in _c or _o(attr))


def fix_ssm_parameter_tags() -> None:
    """``AWS::SSM::Parameter`` takes its Tags as a map (``{"owner": "team"}``); moto reads
    them as a list of Key/Value pairs ("string indices must be integers"). Here a map is
    converted."""
    from moto.ssm.models import Parameter

    for name in ("create_from_cloudformation_json", "update_from_cloudformation_json"):
        original = getattr(Parameter, name).__func__

        def wrapper(cls: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            cloudformation_json = kwargs.get("cloudformation_json") or args[1]
            tags = cloudformation_json.get("Properties", {}).get("Tags")
            if isinstance(tags, dict):
                cloudformation_json["Properties"]["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
            return _original(cls, *args, **kwargs)

        setattr(Parameter, name, classmethod(wrapper))


def fix_managed_policy_deletion() -> None:
    """moto cannot delete an ``AWS::IAM::ManagedPolicy`` through CloudFormation: it stays
    attached, and its roles then fail to delete ("DeleteConflict: must detach all policies
    first"), so no stack with one can be destroyed. Here deleting it detaches it from every
    role, user and group, then deletes it."""
    from moto.iam.models import ManagedPolicy, iam_backends

    def delete(self: Any, account_id: str, region_name: str) -> None:
        backend = iam_backends[account_id][self.partition]
        holders = [*backend.roles.values(), *backend.users.values(), *backend.groups.values()]
        for holder in holders:
            if self.arn in holder.managed_policies:
                self.detach_from(holder)
        backend.managed_policies.pop(self.arn, None)

    ManagedPolicy.delete = delete


def fix_listener_rule_deletion() -> None:
    """moto's ``AWS::ElasticLoadBalancingV2::ListenerRule`` (and ``Listener``, ``TargetGroup``)
    have no CloudFormation delete: a destroyed stack leaves its rules on the listener, its
    listener on the load balancer and its target group in the account. Here each is deleted
    through the ELBv2 backend, as CloudFormation does."""
    from moto.elbv2.models import FakeListener, FakeListenerRule, FakeTargetGroup, elbv2_backends

    def delete_rule(self: Any, account_id: str, region_name: str) -> None:
        elbv2_backends[account_id][region_name].delete_rule(self.arn)

    def delete_listener(self: Any, account_id: str, region_name: str) -> None:
        from moto.elbv2.exceptions import ListenerNotFoundError

        try:
            elbv2_backends[account_id][region_name].delete_listener(self.arn)
        except ListenerNotFoundError:
            pass  # its load balancer went first, and took it along

    def delete_target_group(self: Any, account_id: str, region_name: str) -> None:
        elbv2_backends[account_id][region_name].target_groups.pop(self.arn, None)

    FakeListenerRule.delete = delete_rule
    FakeListener.delete = delete_listener
    FakeTargetGroup.delete = delete_target_group


def fix_network_deletion() -> None:
    """moto has no CloudFormation delete for route tables, routes, subnet associations,
    internet gateways and their attachment, VPC endpoints and flow logs: they stay, and
    the VPC then refuses to go ("DependencyViolation"), so no network stack can be
    destroyed. Here each is deleted (or detached) through the EC2 backend."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.flow_logs import FlowLogs
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpcs import VPCEndPoint
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

    def route_table(self: Any, account_id: str, region: str) -> None:
        backend = ec2_backends[account_id][region]
        for association_id in list(self._associations):
            backend.disassociate_route_table(association_id)
        backend.delete_route_table(self.id)

    def association(self: Any, account_id: str, region: str) -> None:
        table = ec2_backends[account_id][region].route_tables.get(self.route_table_id)
        for association_id, subnet_id in list((table._associations if table else {}).items()):
            if subnet_id == self.subnet_id:
                table._associations.pop(association_id)

    def route(self: Any, account_id: str, region: str) -> None:
        table = ec2_backends[account_id][region].route_tables.get(self.route_table.id)
        if table is not None:
            table.routes.pop(self.id, None)

    def gateway(self: Any, account_id: str, region: str) -> None:
        backend = ec2_backends[account_id][region]
        if self.vpc is not None:
            backend.detach_internet_gateway(self.id, self.vpc.id)
        backend.delete_internet_gateway(self.id)

    def attachment(self: Any, account_id: str, region: str) -> None:
        backend = ec2_backends[account_id][region]
        gateway = backend.internet_gateways.get(self.gateway_id or "")
        if gateway is not None and gateway.vpc is not None:
            backend.detach_internet_gateway(gateway.id, self.vpc_id)

    def endpoint(self: Any, account_id: str, region: str) -> None:
        ec2_backends[account_id][region].delete_vpc_endpoints([self.id])

    def flow_log(self: Any, account_id: str, region: str) -> None:
        ec2_backends[account_id][region].delete_flow_logs([self.id])

    for model, delete in ((RouteTable, route_table), (SubnetRouteTableAssociation, association), (Route, route),
                          (InternetGateway, gateway), (VPCGatewayAttachment, attachment),
                          (VPCEndPoint, endpoint), (FlowLogs, flow_log)):
        model.delete = delete


def fix_kms_key_policy() -> None:
    """CloudFormation gives ``AWS::KMS::Key``'s KeyPolicy as a JSON object; moto stores it
    as given and later parses it as a string, so DescribeKey and GetKeyPolicy of every key
    a stack made answer 500 ("the JSON object must be str … not dict"). Here it is stored
    as JSON text, as KMS holds it."""
    import json

    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        properties = cloudformation_json["Properties"]
        if isinstance(properties.get("KeyPolicy"), dict):
            properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def fix_ecs_deletion() -> None:
    """moto has no CloudFormation delete for ``AWS::ECS::Cluster`` and ``AWS::ECS::Service``:
    a destroyed compute stack leaves its cluster and service running in the account. Here
    the service is deleted (forced: CloudFormation drains it first), then the cluster."""
    from moto.ecs.models import Cluster, Service, ecs_backends

    def delete_service(self: Any, account_id: str, region_name: str) -> None:
        backend = ecs_backends[account_id][region_name]
        if self.cluster_name in backend.clusters:
            backend.delete_service(self.cluster_name, self.name, force=True)

    def delete_cluster(self: Any, account_id: str, region_name: str) -> None:
        backend = ecs_backends[account_id][region_name]
        if self.name in backend.clusters:
            backend.delete_cluster(self.name)

    Service.delete = delete_service
    Cluster.delete = delete_cluster


ZONE_REFERENCE = "rehearsal-zone-id:"


def fix_hosted_zone_ids() -> None:
    """An environment with a domain names its Route 53 hosted zone by ID in the configuration
    (it exists before the app is deployed); moto always invents a zone's ID, so the
    records and certificate validations of such an environment name a zone the emulator
    cannot have. Here CreateHostedZone with the caller reference
    ``rehearsal-zone-id:<ID>`` gives the zone that ID: the driver creates the zones the
    templates name this way before deploying, as an account would already hold them."""
    from moto.route53.models import Route53Backend

    original = Route53Backend.create_hosted_zone

    def create_hosted_zone(self: Any, name: str, private_zone: bool, caller_reference: str | None = None,
                           *args: Any, **kwargs: Any) -> Any:
        zone = original(self, name, private_zone, caller_reference, *args, **kwargs)
        if caller_reference and caller_reference.startswith(ZONE_REFERENCE):
            wanted = caller_reference[len(ZONE_REFERENCE):]
            self.zones[wanted] = self.zones.pop(zone.resource_id)
            zone.resource_id = wanted
        return zone

    Route53Backend.create_hosted_zone = create_hosted_zone


def fix_db_instance_protection() -> None:
    """moto's ``AWS::RDS::DBInstance`` ignores ``DeletionProtection`` (a protected database
    is deleted with its stack) and ``DeletionPolicy: Snapshot`` (no final snapshot is
    taken). Here the instance is protected as configured, so deleting it fails until the
    protection is turned off, and a Snapshot policy takes a final snapshot, recorded as
    kept by design (``stack-deletion`` marks the resource)."""
    from moto.rds.models import DBInstance, rds_backends

    original = DBInstance.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        database = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        protection = cloudformation_json["Properties"].get("DeletionProtection", False)
        database.deletion_protection = str(protection).lower() == "true"
        return database

    def delete(self: Any, account_id: str, region_name: str) -> None:
        snapshot = f"{self.db_instance_identifier}-final-snapshot" if getattr(self, "final_snapshot", False) else None
        rds_backends[account_id][region_name].delete_db_instance(
            self.db_instance_identifier, final_db_snapshot_identifier=snapshot, skip_final_snapshot=snapshot is None)

    DBInstance.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    DBInstance.delete = delete
