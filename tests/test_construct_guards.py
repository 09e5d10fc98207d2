"""Constructs refuse contradictory input with a clear message, on a bare stack (their own
guarantees, apart from any environment's configuration)."""

from __future__ import annotations

import dataclasses
import inspect

import pytest
from aws_cdk import App, CfnResource, Duration, Stack
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra_constructs.alarm_topics import AlarmTopics
from infra_constructs.alarms import ApiAlarms, DatabaseAlarms, EdgeAlarms
from infra_constructs.api_options import ApiScaling, CpuSteps
from infra_constructs.compliance import acknowledge, cfn_resource
from infra_constructs.database import PostgresDatabase, PostgresSettings
from infra_constructs.distribution import WebDistribution
from infra_constructs.instances import Ec2Api
from infra_constructs.load_balancer import WebLoadBalancer
from infra_constructs.network import Network
from infra_constructs.off_hours import DatabaseOffHours, WorkingHours

HOURS = WorkingHours(days="MON-FRI", start_at="07:00", stop_at="20:00", timezone="UTC")
POSTGRES = PostgresSettings(
    engine="postgres", engine_version="18.3", database_name="probe", port=5432, instance_class="t4g.micro",
    allocated_storage_gib=20, max_allocated_storage_gib=100, serverless_min_acu=0, serverless_max_acu=4,
    serverless_pause_after=Duration.minutes(15), multi_az=False, single_az_reason="A probe of the construct's guards.", read_replica=False,
    backup_retention=Duration.days(1),
    deletion_protection=False, credential_rotation=Duration.days(30),
)


def stack(region: str = "eu-west-1") -> Stack:
    return Stack(App(), "Probe", env={"account": "111111111111", "region": region})


def topics(scope: Stack) -> AlarmTopics:
    return AlarmTopics(scope, "Topics", name_prefix="probe", emails={}, removal_policy=None)


def dummies(cls: type, **given) -> dict:
    """Every keyword-only argument of ``cls`` as None, but those ``given``: the guards under
    test run before any other argument is used."""
    params = inspect.signature(cls.__init__).parameters
    return {name: None for name, p in params.items() if p.kind is p.KEYWORD_ONLY} | given


@pytest.mark.parametrize("instance_id, cluster_id", [(None, None), ("db-1", "cluster-1")])
def test_database_alarms_watch_exactly_one_database(instance_id, cluster_id):
    scope = stack()
    with pytest.raises(ValueError, match="either an RDS instance or an Aurora cluster"):
        DatabaseAlarms(scope, "Alarms", **dummies(DatabaseAlarms, topics=topics(scope), name_prefix="probe",
                                                  instance_id=instance_id, cluster_id=cluster_id))


def test_api_alarms_watch_exactly_one_compute_kind():
    scope = stack()
    with pytest.raises(ValueError, match="either a Fargate service or an Auto Scaling group"):
        ApiAlarms(scope, "Alarms", **dummies(ApiAlarms, topics=topics(scope), name_prefix="probe", service=None, group=None))


def test_edge_alarms_live_only_where_cloudfronts_metrics_are():
    scope = stack("eu-west-1")
    with pytest.raises(ValueError, match="must be in us-east-1"):
        EdgeAlarms(scope, "Alarms", topics=topics(scope), name_prefix="probe", distribution_id="E123",
                   web_acl_metric_name="acl", error_rate_percent=5, blocked_per_5_minutes=8000)


@pytest.mark.parametrize("instance_id, cluster_id", [(None, None), ("db-1", "cluster-1")])
def test_off_hours_stop_exactly_one_database(instance_id, cluster_id):
    with pytest.raises(ValueError, match="either an RDS instance or an Aurora cluster"):
        DatabaseOffHours(stack(), "OffHours", hours=HOURS, instance_id=instance_id, cluster_id=cluster_id, name_prefix="probe")


def test_database_refuses_an_unknown_engine():
    with pytest.raises(ValueError, match="engine must be one of"):
        PostgresDatabase(stack(), "Database", **dummies(PostgresDatabase, settings=dataclasses.replace(POSTGRES, engine="mysql")))


def test_a_checkov_acknowledgment_needs_the_type_it_applies_to():
    scope = stack()
    with pytest.raises(ValueError, match="CKV_AWS_999: add the resource type"):
        acknowledge(sns.Topic(scope, "Topic"), {"CKV_AWS_999": "a check this project has never acknowledged before"})


def test_cfn_resource_is_the_resource_or_the_default_child_and_nothing_else():
    scope = stack()
    topic = sns.Topic(scope, "Topic")
    for construct in (topic, topic.node.default_child):
        resource = cfn_resource(construct)
        assert isinstance(resource, CfnResource) and resource.node.path == "Probe/Topic/Resource"
    with pytest.raises(TypeError, match="Probe/Empty is not a CloudFormation resource"):
        cfn_resource(Construct(scope, "Empty"))


def test_the_load_balancer_forwards_at_least_one_path():
    with pytest.raises(ValueError, match="at least one path pattern"):
        WebLoadBalancer(stack(), "LoadBalancer", **dummies(WebLoadBalancer, api_paths=()))


@pytest.mark.parametrize("api_paths", [(), ("/api/*", "/uploads/*")])
def test_the_distribution_keeps_the_api_and_the_uploads_apart(api_paths):
    """CloudFront would refuse the same pattern twice; without a pattern there is no API."""
    with pytest.raises(ValueError, match="not uploads_path"):
        WebDistribution(stack(), "Cdn", **dummies(WebDistribution, api_paths=api_paths, uploads_path="/uploads/*"))


def test_the_probe_helpers_build_real_constructs():
    """The helpers above build real constructs (so the guards are reached, not a TypeError)."""
    scope = stack("us-east-1")
    EdgeAlarms(scope, "Alarms", topics=topics(scope), name_prefix="probe", distribution_id="E123",
               web_acl_metric_name="acl", error_rate_percent=5, blocked_per_5_minutes=8000)


@pytest.mark.parametrize("memory, steps", [(70, None), (0, CpuSteps(scale_out_percent=70, scale_out_minutes=2, scale_in_percent=30, scale_in_minutes=5))])
def test_ec2_api_scales_on_cpu_targets_only(memory, steps):
    """The group has no memory metric without the agent's, and no step policies."""
    scaling = ApiScaling(min_count=1, max_count=2, cpu_target_percent=70, requests_per_target=0, memory_target_percent=memory, cpu_steps=steps)
    with pytest.raises(ValueError, match="no memory target, no CPU steps"):
        Ec2Api(stack(), "Api", **dummies(Ec2Api, scaling=scaling))


def test_network_takes_a_range_per_zone_for_every_subnet_group():
    given = {"public": ["10.0.1.0/24", "10.0.2.0/24"], "app": ["10.0.11.0/24", "10.0.12.0/24"], "data": ["10.0.21.0/24"]}
    with pytest.raises(ValueError, match="one range per zone"):
        Network(stack("us-east-1"), "Network", **dummies(Network, cidr="10.0.0.0/16", availability_zones=["us-east-1a", "us-east-1b"],
                                                         egress="none", subnet_cidrs=given))
