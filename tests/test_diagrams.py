"""The architecture pictures (`make diagrams`, scripts/diagrams.py): drawn from the synthesized
assembly, committed, and current; what they fold and draw; the review report's picture of
what changed between two assemblies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from config.profiles import DEFAULT_PROFILE
from scripts import diagrams
from scripts.diagrams import VIEWER, Environment, model
from tests.conftest import REFERENCE_ENVIRONMENTS, ROOT, VARIANTS, Synthesized


def _stale(drawn: list[diagrams.Picture]) -> list[str]:
    return [str(path.relative_to(ROOT)) for path, text in diagrams.files(drawn).items()
            if not path.exists() or path.read_text() != text]


def test_the_reference_pictures_are_drawn_from_the_current_assembly(reference):
    """Byte for byte, from the session's own synthesis of dev, staging and prod."""
    drawn = [picture for env in REFERENCE_ENVIRONMENTS
             for picture in diagrams.pictures(DEFAULT_PROFILE, reference[env].assembly, [env])]
    assert _stale(drawn) == [], diagrams.STALE


def test_the_other_profiles_pictures_are_drawn_from_the_current_assembly(synthesized, tmp_path):
    """Every other profile's pictures: from the session's variants where a variant is exactly a
    profile's environment, otherwise from a synthesis of the profile here."""
    drawn: list[diagrams.Picture] = []
    for profile, (_, environments) in diagrams.profiles().items():
        if profile == DEFAULT_PROFILE:
            continue
        variants = {spec.get("env"): name for name, spec in VARIANTS.items() if spec.keys() == {"profile", "env"} and spec["profile"] == profile}
        if all(env in variants for env in environments):
            drawn += [p for env in environments for p in diagrams.pictures(profile, synthesized[variants[env]].assembly, [env])]
        else:
            drawn += diagrams.pictures(profile, diagrams.synthesize(profile, tmp_path / profile), environments)
    assert _stale(drawn) == [], diagrams.STALE


def test_every_environment_of_every_profile_has_its_pictures_on_the_page():
    profiles = diagrams.profiles()
    expected = {f"{diagrams.stem(p, env)}.{ext}" for p, (_, envs) in profiles.items() for env in envs for ext in ("mmd", "svg")}
    assert {p.name for p in diagrams.DIAGRAMS.iterdir()} == expected, diagrams.STALE
    mermaid_of = {(p, env): (diagrams.DIAGRAMS / f"{diagrams.stem(p, env)}.mmd").read_text()
                  for p, (_, envs) in profiles.items() for env in envs}
    assert diagrams.PAGE.read_text() == diagrams.page(profiles, mermaid_of), diagrams.STALE


def _dev(reference) -> Environment:
    (env,) = model(reference["dev"].assembly).values()
    return env


def _by_noun(env: Environment, noun: str) -> str:
    (node,) = [n.id for n in env.nodes if n.noun == noun]
    return node


@pytest.mark.parametrize("name", ["dev", "staging"])
def test_the_request_path_runs_from_the_viewer_through_waf_cloudfront_and_the_load_balancer_to_the_database(reference, name):
    """Through the web ACL where there is one (staging), straight to CloudFront without (dev)."""
    (env,) = model(reference[name].assembly).values()
    waf = [_by_noun(env, "WAF web ACL")] if reference[name].config.waf.mode != "off" else []
    assert any(n.noun == "WAF web ACL" for n in env.nodes) is bool(waf)
    path = [VIEWER, *waf, _by_noun(env, "CloudFront distribution"), _by_noun(env, "load balancer"),
            _by_noun(env, "ECS service"), _by_noun(env, "RDS PostgreSQL")]
    requests = {(e.source, e.target): e.label for e in env.edges if e.kind == "request"}
    for hop in zip(path, path[1:], strict=False):
        assert hop in requests, hop
    assert requests[(path[-4], path[-3])] == "/api/* /ws*"
    assert requests[(path[-2], path[-1])] == "tcp 5432"
    assert (VIEWER, _by_noun(env, "Cognito user pool")) in requests


def test_supporting_resources_are_folded_into_their_owners_and_nothing_is_lost(reference):
    synth: Synthesized = reference["dev"]
    env = _dev(reference)
    nouns = {n.noun for n in env.nodes}
    assert not nouns & {"role", "policy", "log group", "KMS key", "parameter", "listener"}
    counted = sum(len(n.members) for n in env.nodes) + sum(sum(s.loose.values()) for s in env.stacks)
    total = sum(1 for t in synth.templates.values() for r in t["Resources"].values() if r["Type"] != "AWS::CDK::Metadata")
    assert counted == total
    alarms = [n for n in env.nodes if n.noun == "CloudWatch alarms"]
    assert [sum(m.type == "AWS::CloudWatch::Alarm" for m in n.members) for n in alarms] == [sum(1 for r in synth.templates["observability"]["Resources"].values()
                                                    if r["Type"] == "AWS::CloudWatch::Alarm")]
    api = env.node(_by_noun(env, "ECS service"))
    assert {"role", "policy", "log group", "parameter"} <= set(api.folded)


def test_stacks_are_groups_in_deploy_order_with_their_cross_stack_references(reference):
    env = _dev(reference)
    # dev has no edge-global stack (no web ACL, no domain).
    assert [s.tier for s in env.stacks] == ["network", "data", "edge", "auth", "compute", "frontend", "observability"]
    assert [s.order for s in env.stacks] == list(range(1, 8))
    compute = next(s for s in env.stacks if s.tier == "compute")
    assert set(compute.uses) == {"network", "data", "edge", "auth"}


def test_the_network_shows_subnet_tiers_egress_and_endpoints(reference):
    env = _dev(reference)
    vpc = env.node(_by_noun(env, "VPC"))
    assert vpc.container and any(d.startswith("egress: 1 NAT instance") for d in vpc.details)
    inside = {n.name for n in env.nodes if n.parent == vpc.id}
    assert {"public subnets", "app subnets", "data subnets", "NAT", "gateway endpoints"} <= inside
    routes = {(env.node(e.source).name, env.node(e.target).name) for e in env.edges if e.kind == "route"}
    assert routes == {("app subnets", "NAT"), ("public subnets", "internet")}
    assert "in app subnets" in env.node(_by_noun(env, "ECS service")).details


# -- the review report's picture ------------------------------------------------------------------


def _copy(assembly: Path, to: Path) -> Path:
    to.mkdir()
    for path in assembly.glob("*.json"):
        shutil.copy(path, to / path.name)
    return to


def _edit(assembly: Path, tier: str, change) -> None:
    manifest = json.loads((assembly / "manifest.json").read_text())
    (artifact,) = [a for a in manifest["artifacts"].values() if a.get("displayName", "").endswith("/" + tier)]
    template_file = assembly / artifact["properties"]["templateFile"]
    metadata_file = assembly / artifact["additionalMetadataFile"]
    template, metadata = json.loads(template_file.read_text()), json.loads(metadata_file.read_text())
    change(template["Resources"], metadata, "/" + artifact["displayName"])
    template_file.write_text(json.dumps(template))
    metadata_file.write_text(json.dumps(metadata))


def _logical_id(resources: dict, cfn_type: str) -> str:
    return next(k for k, r in resources.items() if r["Type"] == cfn_type)


def test_the_changed_picture_marks_added_removed_replaced_and_changed_nodes(reference, tmp_path):
    base = _copy(reference["dev"].assembly, tmp_path / "base")
    new = _copy(base, tmp_path / "new")
    assert diagrams.changed_picture(base, new) == ""

    def data(resources, metadata, root):
        # A create-only property: CloudFormation replaces the instance. The uploads bucket goes.
        resources[_logical_id(resources, "AWS::RDS::DBInstance")]["Properties"]["DBName"] = "renamed"
        for path, entries in metadata.items():
            if path.startswith(f"{root}/Uploads"):
                for entry in entries:
                    if entry["type"] == "aws:cdk:logicalId":
                        resources.pop(entry["data"], None)

    def edge(resources, metadata, root):
        resources[_logical_id(resources, "AWS::ElasticLoadBalancingV2::LoadBalancer")]["Properties"]["LoadBalancerAttributes"].append(
            {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "false"})

    def observability(resources, metadata, root):
        resources["ReleaseTopic0A1B2C3D"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "releases"}}
        metadata[f"{root}/ReleaseTopic/Resource"] = [{"type": "aws:cdk:logicalId", "data": "ReleaseTopic0A1B2C3D"}]

    _edit(new, "Data", data)
    _edit(new, "Edge", edge)
    _edit(new, "Observability", observability)
    marks = diagrams.changes(*(next(iter(model(a).values())) for a in (base, new)))
    assert marks == {
        "data_Database_Instance": "replaced",
        "data_Uploads_Bucket": "removed",
        "edge_LoadBalancer_LoadBalancer": "changed",
        "observability_ReleaseTopic": "added",
    }
    picture = diagrams.changed_picture(base, new)
    for mark, node in [("replaced", "data_Database_Instance"), ("removed", "data_Uploads_Bucket"),
                       ("changed", "edge_LoadBalancer_LoadBalancer"), ("added", "observability_ReleaseTopic")]:
        assert f"classDef {mark} " in picture
        assert any(line.startswith("  class ") and line.endswith(f" {mark}") and node in line.split()[1].split(",")
                   for line in picture.splitlines()), mark
    # Neighbours give context (the API that uses the database); unrelated nodes stay out.
    assert "compute_Api_Service_Service" in picture
    assert "observability_Budget_Budget" not in picture and "network_Network_Vpc_subnets_public" not in picture


def test_replacement_is_read_from_the_resource_schemas():
    assert ("DBName",) in diagrams._create_only("AWS::RDS::DBInstance")
    assert ("BucketName",) in diagrams._create_only("AWS::S3::Bucket")
    assert diagrams._create_only("Custom::Anything") == ()
