"""What the architecture diagrams show, read from a synthesized cloud assembly.

Nothing here knows this project's constructs: every node, edge and label comes from the
templates, the stacks' manifest entries and the construct paths CDK records for each logical
ID, so a picture cannot drift from what is deployed. ``scripts/diagrams.py`` draws the model.

- **Stacks** are groups, numbered in deploy order (the manifest's stack dependencies).
- **Nodes**: resources of the types in ``PRIMARY`` each become a node; everything else is
  folded into an owner (``fold``): first the nearest node in its construct path (a role,
  policy or log group under ``Api/`` belongs to the API's service), then, for what no path
  claims, the node that uses it or that it uses in its own stack (an alarm's topic, the
  custom resource behind a provider function). A few types are drawn as one node per group:
  subnets per tier, NAT per VPC, endpoints per kind, alarms per stack.
- **Edges**: the request path (viewer to CloudFront or Amplify, through WAF, CloudFront's
  origins, the security-group flows between the resources that wear each group, Cognito's
  triggers), routes (subnet tiers to NAT and internet gateway), notifications (alarms and
  rules to topics) and the remaining references between nodes (dashed), cross-stack ones
  included.

Every list is sorted, so the same assembly always gives the same model, byte for byte.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A resource is named by (stack tier, logical ID) within one environment.
Key = tuple[str, str]

VIEWER = "viewer"


@dataclass(frozen=True)
class Kind:
    """How a primary resource type is drawn: its noun, colour family, rank (lower wins when
    several nodes could own a folded resource) and whether it is absorbed into a bigger
    neighbour in the same construct (an ECS cluster into its service, a trail's bucket)."""

    noun: str
    family: str
    rank: int
    absorbable: bool = False


# Types that become nodes. Families: edge, compute, data, auth, ops, network.
PRIMARY: dict[str, Kind] = {
    "AWS::CloudFront::Distribution": Kind("CloudFront distribution", "edge", 10),
    "AWS::Amplify::App": Kind("Amplify Hosting app", "edge", 11),
    "AWS::Amplify::Branch": Kind("Amplify branch", "edge", 12, absorbable=True),
    "AWS::WAFv2::WebACL": Kind("WAF web ACL", "edge", 13),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": Kind("load balancer", "edge", 14),
    "AWS::CertificateManager::Certificate": Kind("ACM certificate", "edge", 40, absorbable=True),
    "Custom::CDKBucketDeployment": Kind("upload to S3 (BucketDeployment)", "edge", 42),
    "AWS::ECS::Service": Kind("ECS service", "compute", 20),
    "AWS::AutoScaling::AutoScalingGroup": Kind("EC2 Auto Scaling group", "compute", 20),
    "AWS::EC2::Instance": Kind("EC2 instance", "compute", 24),
    "AWS::Lambda::Function": Kind("Lambda function", "compute", 26),
    "AWS::ECS::Cluster": Kind("ECS cluster", "compute", 44, absorbable=True),
    "AWS::ECR::Repository": Kind("ECR repository", "compute", 45, absorbable=True),
    "AWS::RDS::DBCluster": Kind("Aurora PostgreSQL cluster", "data", 15),
    "AWS::RDS::DBInstance": Kind("RDS PostgreSQL", "data", 16),
    "AWS::ElastiCache::ReplicationGroup": Kind("ElastiCache Redis", "data", 17),
    "AWS::DynamoDB::Table": Kind("DynamoDB table", "data", 18),
    "AWS::S3::Bucket": Kind("S3 bucket", "data", 30, absorbable=True),
    "AWS::Cognito::UserPool": Kind("Cognito user pool", "auth", 15),
    "AWS::SecretsManager::Secret": Kind("Secrets Manager secret", "auth", 46, absorbable=True),
    "AWS::SNS::Topic": Kind("SNS topic", "ops", 30),
    "AWS::CloudWatch::Alarm": Kind("CloudWatch alarms", "ops", 31),
    "AWS::CloudWatch::Dashboard": Kind("CloudWatch dashboard", "ops", 32),
    "AWS::CloudTrail::Trail": Kind("CloudTrail trail", "ops", 33),
    "AWS::Budgets::Budget": Kind("AWS Budgets", "ops", 34),
    "AWS::Events::Rule": Kind("EventBridge rule", "ops", 35),
    "AWS::EC2::VPC": Kind("VPC", "network", 50),
    "AWS::EC2::Subnet": Kind("subnets", "network", 51),
    "AWS::EC2::NatGateway": Kind("NAT gateway", "network", 52),
    "AWS::EC2::InternetGateway": Kind("internet gateway", "network", 53),
    "AWS::EC2::VPCEndpoint": Kind("VPC endpoints", "network", 54),
}
NAT_INSTANCE = Kind("NAT instance", "network", 52)

# What a folded resource is counted as on its owner's label ("2 roles · 3 log groups").
FOLDED_NOUNS: dict[str, str] = {
    "AWS::IAM::Role": "role",
    "AWS::IAM::ManagedPolicy": "policy",
    "AWS::IAM::Policy": "policy",
    "AWS::Logs::LogGroup": "log group",
    "AWS::KMS::Key": "KMS key",
    "AWS::SSM::Parameter": "parameter",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::CloudWatch::Alarm": "alarm",
    "AWS::Lambda::Function": "function",
    "AWS::EC2::SecurityGroup": "security group",
    "AWS::S3::Bucket": "bucket",
    "AWS::Scheduler::Schedule": "schedule",
    "AWS::SNS::Subscription": "subscription",
    "AWS::Route53::RecordSet": "DNS record",
    "AWS::ElasticLoadBalancingV2::Listener": "listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule": "listener rule",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "target group",
    "AWS::CertificateManager::Certificate": "certificate",
    "AWS::Amplify::Domain": "Amplify domain",
    "AWS::CloudFront::VpcOrigin": "VPC origin",
}

# References to these are placement or plumbing, drawn another way (or not at all), never
# as an edge: subnets become "in app subnets", security groups become flows.
NOT_AN_EDGE = {
    "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::EC2::RouteTable",
    "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::IAM::Role", "AWS::IAM::ManagedPolicy",
    "AWS::IAM::Policy", "AWS::Lambda::LayerVersion", "AWS::IAM::InstanceProfile",
}
# Types whose instances are drawn as one node per stack (per VPC for network pieces).
COLLECTIVE = {"AWS::CloudWatch::Alarm", "AWS::EC2::NatGateway"}

# Path segments that name a construct's kind rather than the thing itself ("Site/Bucket"
# is the site bucket): skipped when a node's name is picked from its construct path.
GENERIC_SEGMENTS = {
    "resource", "default", "bucket", "function", "instance", "service", "userpool", "loadbalancer",
    "distribution", "webacl", "cluster", "trail", "topic", "dashboard", "budget", "repository",
    "replicationgroup", "app", "branch", "key", "secret", "rule", "table", "group", "certificate",
}
SERVICE_TOKEN_TYPES = ("Custom::", "AWS::CloudFormation::CustomResource")
# Resource policies say who may use their resource: what they reference uses it, not the reverse.
RESOURCE_POLICIES = {
    "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy", "AWS::KMS::Key",
    "AWS::SecretsManager::ResourcePolicy", "AWS::Lambda::Permission", "AWS::Logs::ResourcePolicy",
}
# Where a node runs, and which security groups it wears, is read from its own resources and
# these helpers (not from, say, the rotation function folded into a database).
# Properties that name where access logs go: the bucket they name is a log sink, listed on its
# node ("access logs of cdn, load balancer") rather than drawn as an edge from each source.
LOGGING_KEYS = {"LoggingConfiguration", "Logging", "LoadBalancerAttributes"}
# Absorbable types that join the one node of their stack that uses them when no path claims them.
FOLDED_BY_USER = {"AWS::CertificateManager::Certificate", "AWS::SecretsManager::Secret"}
PLACEMENT = {"AWS::RDS::DBSubnetGroup", "AWS::ElastiCache::SubnetGroup", "AWS::EC2::LaunchTemplate"}


@dataclass(frozen=True)
class Resource:
    tier: str
    logical_id: str
    type: str
    path: str  # construct path inside its stack: "Api/Service/Service"
    properties: dict = field(compare=False, hash=False, repr=False)

    @property
    def key(self) -> Key:
        return (self.tier, self.logical_id)


@dataclass
class Stack:
    tier: str  # "network", "edge-global"
    name: str  # the CloudFormation stack name
    region: str
    order: int = 0  # 1-based position in deploy order
    depends_on: list[str] = field(default_factory=list)
    # Producer tier -> number of its resources this stack references.
    uses: dict[str, int] = field(default_factory=dict)
    # What no node claimed, by noun: {"parameter": 4}.
    loose: dict[str, int] = field(default_factory=dict)


@dataclass
class Node:
    id: str
    tier: str  # "" for the viewer
    family: str
    name: str
    noun: str
    rank: int
    path: str
    details: list[str] = field(default_factory=list)
    members: list[Resource] = field(default_factory=list)
    parent: str = ""  # a container node (the VPC) this node is drawn inside
    container: bool = False
    placed_in: list[str] = field(default_factory=list)  # subnet-tier nodes it runs in
    watches: list[str] = field(default_factory=list)  # nodes a monitoring node reads
    logs_of: list[str] = field(default_factory=list)  # nodes whose access logs this one receives

    @property
    def folded(self) -> dict[str, int]:
        """Folded members by noun, for the label ("2 roles")."""
        counts: Counter[str] = Counter()
        for member in self.members[1:]:
            noun = FOLDED_NOUNS.get(member.type)
            if noun and member.type != self.members[0].type:
                counts[noun] += 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # "request", "route", "endpoint", "notify", "reference"
    label: str = ""


@dataclass
class Environment:
    name: str
    stacks: list[Stack]
    nodes: list[Node]
    edges: list[Edge]

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


# -- reading the assembly ---------------------------------------------------------------------


@dataclass
class _StackArtifact:
    tier: str
    name: str
    region: str
    artifact_id: str
    dependencies: list[str]
    template: dict
    paths: dict[str, str]  # logical ID -> construct path inside the stack


def _kebab(construct_id: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", construct_id).lower()


def environments(assembly: Path) -> dict[str, list[_StackArtifact]]:
    """Environment name -> its stacks in manifest order, from a cloud assembly that holds one
    environment (``-c env=``, the tests' variants) or every environment of a profile in
    nested assemblies (``make synth``). An environment is the first part of a stack's
    construct path (``dev`` of ``dev/Network``)."""
    found: dict[str, list[_StackArtifact]] = defaultdict(list)
    manifest = json.loads((assembly / "manifest.json").read_text())
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact["type"] == "cdk:cloud-assembly":
            for env, stacks in environments(assembly / artifact["properties"]["directoryName"]).items():
                found[env].extend(stacks)
        elif artifact["type"] == "aws:cloudformation:stack":
            display = artifact.get("displayName", artifact_id)
            env, _, construct_id = display.rpartition("/")
            properties = artifact["properties"]
            metadata: dict[str, list[dict]] = dict(artifact.get("metadata", {}))
            if "additionalMetadataFile" in artifact:
                metadata.update(json.loads((assembly / artifact["additionalMetadataFile"]).read_text()))
            prefix = f"/{display}/"
            paths = {entry["data"]: path.removeprefix(prefix)
                     for path, entries in metadata.items() for entry in entries if entry["type"] == "aws:cdk:logicalId"}
            found[env or display].append(_StackArtifact(
                tier=_kebab(construct_id), name=properties.get("stackName", artifact_id),
                region=artifact["environment"].rpartition("/")[2], artifact_id=artifact_id,
                dependencies=[d for d in artifact.get("dependencies", []) if not d.endswith(".assets")],
                template=json.loads((assembly / properties["templateFile"]).read_text()), paths=paths,
            ))
    return dict(found)


def _deploy_order(stacks: list[_StackArtifact]) -> list[_StackArtifact]:
    """Stacks in the order the CLI deploys them: dependencies first, manifest order otherwise."""
    by_id = {s.artifact_id: s for s in stacks}
    done: list[_StackArtifact] = []
    seen: set[str] = set()

    def visit(stack: _StackArtifact) -> None:
        if stack.artifact_id in seen:
            return
        seen.add(stack.artifact_id)
        for dependency in stack.dependencies:
            if dependency in by_id:
                visit(by_id[dependency])
        done.append(stack)

    for stack in stacks:
        visit(stack)
    return done


# -- references ---------------------------------------------------------------------------------

_SUB = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def _raw_references(value: Any) -> Iterator[dict]:
    """Every Ref, GetAtt, Sub variable, GetStackOutput and ImportValue inside a value."""
    if isinstance(value, dict):
        if len(value) == 1:
            (name, inner), = value.items()
            if name in ("Ref", "Fn::GetAtt", "Fn::GetStackOutput", "Fn::ImportValue"):
                yield value
                return
            if name == "Fn::Sub":
                text, variables = (inner, {}) if isinstance(inner, str) else (inner[0], inner[1])
                for logical_id in _SUB.findall(text):
                    if logical_id not in variables:
                        yield {"Ref": logical_id}
                yield from _raw_references(variables)
                return
        for item in value.values():
            yield from _raw_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _raw_references(item)


class _References:
    """Resolves references to (tier, logical ID), following cross-stack ones to their producer."""

    def __init__(self, stacks: list[_StackArtifact]) -> None:
        self.stacks = {s.tier: s for s in stacks}
        self.by_name = {s.name: s.tier for s in stacks}
        self.exports = {output["Export"]["Name"]: (s.tier, output["Value"])
                        for s in stacks for output in s.template.get("Outputs", {}).values()
                        if isinstance(output.get("Export", {}).get("Name"), str)}

    def resolve(self, tier: str, reference: dict) -> list[Key]:
        (name, inner), = reference.items()
        if name == "Fn::GetStackOutput":
            producer = self.by_name.get(inner.get("StackName"))
            output = self.stacks[producer].template.get("Outputs", {}).get(inner.get("OutputName")) if producer else None
            return self.within(producer, output["Value"]) if producer and output else []
        if name == "Fn::ImportValue":
            found = self.exports.get(inner) if isinstance(inner, str) else None
            return self.within(*found) if found else []
        logical_id = inner if name == "Ref" else inner[0] if isinstance(inner, list) else str(inner).split(".")[0]
        return [(tier, logical_id)] if logical_id in self.stacks[tier].template.get("Resources", {}) else []

    def within(self, tier: str, value: Any) -> list[Key]:
        return sorted({key for reference in _raw_references(value) for key in self.resolve(tier, reference)})


# -- building the model -------------------------------------------------------------------------


def _node_id(tier: str, path: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{tier}_{path}").strip("_")


def _humanize(segment: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", segment).replace("-", " ").split()
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)


def _name(path: str) -> str:
    """The thing a construct path names: "AccessLogs/Bucket/Resource" -> "access logs",
    "Migrations/Runner/Function/Resource" -> "migrations · runner"."""
    segments = [s for s in path.split("/") if s and not s.startswith("Custom::")]
    if not segments:
        return path
    for segment in reversed(segments):
        if segment.lower() not in GENERIC_SEGMENTS:
            top = _humanize(segments[0])
            return top if segment == segments[0] else f"{top} · {_humanize(segment)}"
    return _humanize(segments[0])


def _ancestors(path: str) -> Iterator[str]:
    """"A/B/C/Resource" -> "A/B/C", "A/B", "A" (never the stack itself)."""
    parts = path.split("/")
    for depth in range(len(parts) - 1, 0, -1):
        yield "/".join(parts[:depth])


def _tag(resource: Resource, key: str) -> str:
    return next((t["Value"] for t in resource.properties.get("Tags", []) if isinstance(t, dict) and t.get("Key") == key), "")


def _is_provider(resource: Resource, service_tokens: set[Key]) -> bool:
    """A Lambda function that only backs custom resources (CDK's providers), outside the VPC."""
    return resource.type == "AWS::Lambda::Function" and resource.key in service_tokens and "VpcConfig" not in resource.properties


def _kind(resource: Resource, service_tokens: set[Key]) -> Kind | None:
    if resource.type == "AWS::EC2::Instance" and resource.properties.get("SourceDestCheck") is False:
        return NAT_INSTANCE
    if _is_provider(resource, service_tokens):
        return None
    if resource.type == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in resource.properties:
        return None  # an Aurora cluster's instance: part of its cluster
    return PRIMARY.get(resource.type)


class _Builder:
    def __init__(self, env: str, artifacts: list[_StackArtifact]) -> None:
        self.env = env
        self.artifacts = _deploy_order(artifacts)
        self.refs = _References(self.artifacts)
        self.resources: dict[Key, Resource] = {}
        for artifact in self.artifacts:
            for logical_id, body in artifact.template.get("Resources", {}).items():
                if body["Type"] == "AWS::CDK::Metadata":
                    continue
                self.resources[(artifact.tier, logical_id)] = Resource(
                    artifact.tier, logical_id, body["Type"], artifact.paths.get(logical_id, logical_id), body.get("Properties", {}))
        # Outgoing references of every resource, resolved (cross-stack included).
        self.out: dict[Key, list[Key]] = {
            key: [t for t in self.refs.within(r.tier, r.properties) if t in self.resources and t != key]
            for key, r in self.resources.items()
        }
        self.incoming: dict[Key, list[Key]] = defaultdict(list)
        for key, targets in self.out.items():
            for target in targets:
                self.incoming[target].append(key)
        self.service_tokens = {t for key, r in self.resources.items() if r.type.startswith(SERVICE_TOKEN_TYPES)
                               for t in self.refs.within(r.tier, r.properties.get("ServiceToken"))}
        self.nodes: dict[str, Node] = {}
        self.owner: dict[Key, str] = {}
        self.anchors: dict[str, Key] = {}  # node -> the resource that made it
        self.watches: dict[str, set[str]] = defaultdict(set)  # monitoring node -> what it reads
        self.logs_of: dict[str, set[str]] = defaultdict(set)  # log sink node -> what logs to it

    # Nodes for primary resources; grouped types share one node.
    def _anchor(self, r: Resource, kind: Kind) -> tuple[str, str, str]:
        """(node ID, name, path) of the node a primary resource anchors or joins."""
        if r.type == "AWS::EC2::Subnet":
            tier_name = _tag(r, "aws-cdk:subnet-name") or r.path.split("/")[-2]
            vpc_path = r.path.rsplit("/", 2)[0]
            return _node_id(r.tier, f"{vpc_path}/subnets/{tier_name}"), f"{tier_name} subnets", f"{vpc_path}/{tier_name}"
        if r.type == "AWS::EC2::VPCEndpoint":
            kind_name = str(r.properties.get("VpcEndpointType", "Gateway")).lower()
            return _node_id(r.tier, f"endpoints/{kind_name}"), f"{kind_name} endpoints", f"~endpoints/{kind_name}"
        if r.type in COLLECTIVE or kind is NAT_INSTANCE:
            return _node_id(r.tier, kind.noun), kind.noun.split()[-1 if r.type == "AWS::CloudWatch::Alarm" else 0], f"~{kind.noun}"
        if r.type == "AWS::EC2::InternetGateway":
            return _node_id(r.tier, r.path), "internet", r.path
        if r.type == "Custom::CDKBucketDeployment":
            top = r.path.split("/")[0]
            return _node_id(r.tier, f"{top}/deployment"), _name(top), top
        return _node_id(r.tier, r.path.removesuffix("/Resource")), _name(r.path), r.path

    def build(self) -> Environment:
        primaries: list[tuple[Resource, Kind]] = []
        for r in self.resources.values():
            kind = _kind(r, self.service_tokens)
            if kind is not None:
                primaries.append((r, kind))
        # Each primary anchors a node (or joins its group's); an absorbable one joins the nearest
        # node in its construct path instead, when there is one.
        anchors = [(r, k) for r, k in primaries if not k.absorbable]
        absorbable = sorted(((r, k) for r, k in primaries if k.absorbable), key=lambda item: (item[1].rank, item[0].path))
        deferred: list[tuple[Resource, Kind]] = []
        for r, kind in [*anchors, *absorbable]:
            if kind.absorbable:
                owner = self._by_path(r, anchors) or self._by_path(r, [a for a in primaries if a[0].key in self.owner or a[1].absorbable])
                if owner is not None:
                    self.owner[r.key] = owner
                else:
                    deferred.append((r, kind))
                continue
            self._make_node(r, kind)
        # Everything else: the nearest node in its construct path...
        self._fold_by_path(primaries, skip={d[0].key for d in deferred})
        # ... a certificate or secret no path claims joins the one node of its stack that uses it
        # (the certificate a load balancer's listener names); else it is a node of its own ...
        for r, kind in deferred:
            users = {self.owner[k] for k in self.incoming.get(r.key, []) if k[0] == r.tier and k in self.owner}
            if len(users) == 1 and r.type in FOLDED_BY_USER:
                self.owner[r.key] = users.pop()
            else:
                self._make_node(r, kind)
        # ... (what sits under those, now decided) ... and the rest by reference.
        self._fold_by_path(primaries, skip=set())
        self._fold_by_reference()
        anchoring = set(self.anchors.values())
        for key in sorted(self.owner, key=lambda k: (k not in anchoring, self.resources[k].type, self.resources[k].path)):
            self.nodes[self.owner[key]].members.append(self.resources[key])
        stacks = self._stacks()
        self._network()
        edges = self._edges()
        for node in self.nodes.values():
            node.details = _details(node, self)
        order = {s.tier: s.order for s in stacks}
        nodes = sorted(self.nodes.values(), key=lambda n: (order.get(n.tier, 0), n.rank, n.path))
        if any(e.source == VIEWER for e in edges):
            nodes.insert(0, Node(VIEWER, "", "viewer", "viewer", "browser or app", 0, ""))
        return Environment(self.env, stacks, nodes, edges)

    def _fold_by_path(self, primaries: list[tuple[Resource, Kind]], skip: set[Key]) -> None:
        for key, r in sorted(self.resources.items()):
            if key not in self.owner and key not in skip:
                owner = self._by_path(r, primaries)
                if owner is not None:
                    self.owner[key] = owner

    def _make_node(self, r: Resource, kind: Kind) -> None:
        node_id, name, path = self._anchor(r, kind)
        if node_id not in self.nodes:
            self.nodes[node_id] = Node(node_id, r.tier, kind.family, name, kind.noun, kind.rank, path)
            self.anchors[node_id] = r.key
        self.owner[r.key] = node_id

    def _by_path(self, r: Resource, anchors: list[tuple[Resource, Kind]]) -> str | None:
        """The node of the nearest anchor in ``r``'s construct path (the shallowest, then the best
        ranked, in the first ancestor that holds one); None when there is none, or when that
        anchor has no node yet (it is decided later, and ``r`` with it)."""
        for ancestor in _ancestors(r.path):
            found = [(a.path.count("/"), k.rank, a.path, self.owner.get(a.key, ""))
                     for a, k in anchors if a.tier == r.tier and a.key != r.key and a.path.startswith(ancestor + "/")]
            if found:
                return min(found)[3] or None
        return None

    def _fold_by_reference(self) -> None:
        """What no construct path claims joins, in its own stack, a node that uses it, or else
        one it uses (the best ranked); repeated until nothing more is claimed."""
        changed = True
        while changed:
            changed = False
            for key, r in sorted(self.resources.items()):
                if key in self.owner:
                    continue
                for neighbours in (self.incoming.get(key, []), self.out.get(key, [])):
                    owners = sorted({self.owner[n] for n in neighbours if n[0] == r.tier and n in self.owner},
                                    key=lambda node_id: (self.nodes[node_id].rank, self.nodes[node_id].path))
                    if owners:
                        self.owner[key] = owners[0]
                        changed = True
                        break

    def _stacks(self) -> list[Stack]:
        stacks = []
        tiers = [a.tier for a in self.artifacts]
        by_id = {a.artifact_id: a.tier for a in self.artifacts}
        for order, artifact in enumerate(self.artifacts, start=1):
            used: dict[str, set[Key]] = defaultdict(set)
            for key, targets in self.out.items():
                if key[0] == artifact.tier:
                    for target in targets:
                        if target[0] != artifact.tier:
                            used[target[0]].add(target)
            loose = Counter(FOLDED_NOUNS.get(r.type, r.type.split("::")[-1]) for key, r in self.resources.items()
                            if key[0] == artifact.tier and key not in self.owner)
            stacks.append(Stack(
                artifact.tier, artifact.name, artifact.region, order,
                [by_id[d] for d in artifact.dependencies if d in by_id],
                {tier: len(used[tier]) for tier in tiers if tier in used}, dict(sorted(loose.items())),
            ))
        return stacks

    def _network(self) -> None:
        """Subnet tiers, NAT and endpoints are drawn inside their VPC."""
        vpcs = [n for n in self.nodes.values() if n.noun == "VPC"]
        for vpc in vpcs:
            vpc.container = True
            for node in self.nodes.values():
                if node.tier == vpc.tier and node.family == "network" and node is not vpc and node.noun != "internet gateway":
                    node.parent = vpc.id

    def own(self, key: Key) -> bool:
        """Whether a resource is its node's own (of the anchor's type, or a placement helper)
        rather than something folded into it."""
        node = self.owner.get(key)
        if node is None:
            return False
        return self.resources[key].type in (self.resources[self.anchors[node]].type, *PLACEMENT)

    def _edges(self) -> list[Edge]:
        edges: dict[tuple[str, str], Edge] = {}

        def add(source: str | None, target: str | None, kind: str, label: str = "") -> None:
            if not source or not target or source == target:
                return
            existing = edges.get((source, target))
            if existing is None or _STRENGTH[kind] > _STRENGTH[existing.kind]:
                edges[(source, target)] = Edge(source, target, kind, label)
            elif existing.kind == kind and label and label not in existing.label.split(", "):
                edges[(source, target)] = Edge(source, target, kind, ", ".join(filter(None, [existing.label, label])))

        resources = self.resources
        sinks: set[tuple[Key, Key]] = set()
        for key, r in resources.items():
            for target in _under(r.properties, LOGGING_KEYS, lambda value, r=r: self.refs.within(r.tier, value)):
                sinks.add((key, target))
                if self.owner.get(key) and self.owner.get(target) and self.owner[key] != self.owner[target]:
                    self.logs_of[self.owner[target]].add(self.owner[key])
        # DNS names the templates give their own resources (an origin named by its record).
        names: dict[str, str] = {}
        for r in resources.values():
            if r.type == "AWS::Route53::RecordSet" and isinstance(r.properties.get("Name"), str):
                for target in self.refs.within(r.tier, r.properties.get("AliasTarget")):
                    if self.owner.get(target):
                        names[r.properties["Name"].rstrip(".").lower()] = self.owner[target]
        protected: dict[str, str] = {}  # node -> web ACL node in front of it
        for key, r in sorted(resources.items()):
            props = r.properties
            node = self.owner.get(key)
            if r.type == "AWS::CloudFront::Distribution":
                config = props.get("DistributionConfig", {})
                behaviours = [*config.get("CacheBehaviors", []), {**config.get("DefaultCacheBehavior", {}), "PathPattern": "/*"}]
                for origin in config.get("Origins", []):
                    patterns = [b["PathPattern"] for b in behaviours if b.get("TargetOriginId") == origin.get("Id")]
                    domain = origin.get("DomainName")
                    origins = [self.owner.get(t) for t in self.refs.within(r.tier, domain)]
                    if isinstance(domain, str):
                        origins.append(names.get(domain.rstrip(".").lower()))
                    for origin_node in origins:
                        add(node, origin_node, "request", " ".join(_collapse(patterns)))
                for acl in self.refs.within(r.tier, config.get("WebACLId")):
                    if node and self.owner.get(acl):
                        protected[node] = self.owner[acl]
            elif r.type == "AWS::WAFv2::WebACLAssociation":
                for target in self.refs.within(r.tier, props.get("ResourceArn")):
                    for acl in self.refs.within(r.tier, props.get("WebACLArn")):
                        add(self.owner.get(acl), self.owner.get(target), "request", "")
            elif r.type == "AWS::Cognito::UserPool":
                for trigger, value in sorted(props.get("LambdaConfig", {}).items()):
                    for target in self.refs.within(r.tier, value):
                        add(node, self.owner.get(target), "notify", _humanize(trigger))
                if any(resources[k].type == "AWS::Cognito::UserPoolDomain" for k in self.incoming.get(key, [])):
                    add(VIEWER, node, "request", "sign-in")
            elif r.type == "AWS::Amplify::App":
                add(VIEWER, node, "request", "frontend")
            elif r.type == "AWS::EC2::Route":
                via = [t for name in ("NatGatewayId", "InstanceId", "GatewayId", "TransitGatewayId") for t in self.refs.within(r.tier, props.get(name))]
                for table in self.refs.within(r.tier, props.get("RouteTableId")):
                    for target in via:
                        add(self.owner.get(table), self.owner.get(target), "route", str(props.get("DestinationCidrBlock", "")))
            elif r.type == "AWS::CloudWatch::Alarm":
                for action in ("AlarmActions", "OKActions", "InsufficientDataActions"):
                    for target in self.refs.within(r.tier, props.get(action)):
                        add(node, self.owner.get(target), "notify", "")
            elif r.type == "AWS::Events::Rule":
                for target in self.refs.within(r.tier, props.get("Targets")):
                    if resources[target].type == "AWS::SNS::Topic":
                        add(node, self.owner.get(target), "notify", "")
            elif r.type == "AWS::Budgets::Budget":
                for target in self.refs.within(r.tier, props.get("NotificationsWithSubscribers")):
                    add(node, self.owner.get(target), "notify", "")
        for node_id, acl_node in sorted(protected.items()):
            add(VIEWER, acl_node, "request", "HTTPS")
            add(acl_node, node_id, "request", "")
        for r in resources.values():
            if r.type == "AWS::CloudFront::Distribution" and self.owner.get(r.key) not in protected:
                add(VIEWER, self.owner.get(r.key), "request", "HTTPS")
        for flow_source, flow_target, label in self._flows():
            # To AWS services through interface endpoints: thinner, not part of the request path.
            add(flow_source, flow_target, "endpoint" if self.nodes[flow_target].family == "network" else "request", label)
        # Whatever else one node references in another: dashed. What monitoring reads (alarms,
        # dashboards, rules) is listed on its node instead: an edge to each would cross the picture.
        for key, targets in sorted(self.out.items()):
            source = self.owner.get(key)
            if (source is None or resources[key].type in RESOURCE_POLICIES or resources[key].type.startswith("AWS::EC2::SecurityGroup")
                    or resources[key].path.startswith("Custom::")):  # CDK's providers act for their custom resources
                continue
            for target in targets:
                target_node = self.owner.get(target)
                if resources[target].type in NOT_AN_EDGE or target_node is None or target_node == source or (key, target) in sinks:
                    continue
                source_family, target_family = self.nodes[source].family, self.nodes[target_node].family
                if source_family == "ops" and target_family != "ops":
                    self.watches[source].add(target_node)
                elif not (source_family == target_family == "network") and (target_node, source) not in edges:
                    add(source, target_node, "reference")
        return sorted(edges.values(), key=lambda e: (_ORDER[e.kind], e.source, e.target))

    def _flows(self) -> list[tuple[str, str, str]]:
        """(from node, to node, "tcp 5432") for every security-group rule between groups that
        nodes wear; ingress from anywhere comes from the viewer."""
        wearers: dict[Key, set[str]] = defaultdict(set)
        for key, r in self.resources.items():
            if r.type in ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
                continue
            for target in self.out.get(key, []):
                if self.resources[target].type == "AWS::EC2::SecurityGroup" and self.own(key):
                    wearers[target].add(self.owner[key])
        flows: set[tuple[str, str, str]] = set()

        def rule(group: list[Key], peer: list[Key], props: dict, ingress: bool) -> None:
            port = _ports(props)
            for g in group:
                for p in peer:
                    sources, targets = (wearers[p], wearers[g]) if ingress else (wearers[g], wearers[p])
                    flows.update((s, t, port) for s in sources for t in targets if s != t)
                cidr = props.get("CidrIp") or props.get("CidrIpv6")
                if ingress and cidr in ("0.0.0.0/0", "::/0"):
                    flows.update((VIEWER, t, port) for t in wearers[g])

        for key, r in sorted(self.resources.items()):
            props = r.properties
            if r.type == "AWS::EC2::SecurityGroupIngress":
                rule(self.refs.within(r.tier, props.get("GroupId")), self.refs.within(r.tier, props.get("SourceSecurityGroupId")), props, True)
            elif r.type == "AWS::EC2::SecurityGroupEgress":
                rule(self.refs.within(r.tier, props.get("GroupId")), self.refs.within(r.tier, props.get("DestinationSecurityGroupId")), props, False)
            elif r.type == "AWS::EC2::SecurityGroup":
                for inline in props.get("SecurityGroupIngress", []):
                    rule([key], self.refs.within(r.tier, inline.get("SourceSecurityGroupId")), inline, True)
                for inline in props.get("SecurityGroupEgress", []):
                    rule([key], self.refs.within(r.tier, inline.get("DestinationSecurityGroupId")), inline, False)
        merged: dict[tuple[str, str], set[str]] = defaultdict(set)
        for source_node, target_node, port in flows:
            merged[(source_node, target_node)].add(port)
        return [(s, t, ", ".join(sorted(ports))) for (s, t), ports in sorted(merged.items())]


_STRENGTH = {"reference": 0, "notify": 1, "endpoint": 2, "route": 3, "request": 4}
_ORDER = {"request": 0, "route": 1, "endpoint": 2, "notify": 3, "reference": 4}


def _ports(props: dict) -> str:
    low, high = props.get("FromPort"), props.get("ToPort")
    protocol = str(props.get("IpProtocol", "tcp"))
    protocol = "all" if protocol == "-1" else protocol
    if low is None or low == high or high is None:
        return f"{protocol} {low}" if low not in (None, -1) else protocol
    return f"{protocol} {low}-{high}"


def _collapse(patterns: list[str]) -> list[str]:
    """"/ws" and "/ws/*" read as one: "/ws*"."""
    out: list[str] = []
    for p in patterns:
        if p.endswith("/*") and p[:-2] in out:
            out[out.index(p[:-2])] = p[:-2] + "*"
        elif not (p + "/*" in patterns and p + "*" in out):
            out.append(p)
    return out


# -- labels -------------------------------------------------------------------------------------


def _under(value: Any, keys: set[str], resolve: Any) -> Iterator[Key]:
    """References found under any of ``keys``, at any depth of a property value."""
    if isinstance(value, dict):
        for name, inner in value.items():
            if name in keys:
                yield from resolve(inner)
            else:
                yield from _under(inner, keys, resolve)
    elif isinstance(value, list):
        for item in value:
            yield from _under(item, keys, resolve)


def _members(node: Node, cfn_type: str) -> list[Resource]:
    return [m for m in node.members if m.type == cfn_type]


def _placement(node: Node, builder: _Builder) -> str:
    """"in app subnets" from the subnets a node's own resources reference."""
    tiers, placed = set(), set()
    for member in node.members:
        if not builder.own(member.key):
            continue
        for target in builder.out.get(member.key, []):
            subnet = builder.resources[target]
            if subnet.type == "AWS::EC2::Subnet":
                tiers.add(_tag(subnet, "aws-cdk:subnet-name") or "?")
                placed.add(builder.owner[target])
    node.placed_in = sorted(placed)
    return f"in {', '.join(sorted(tiers))} subnets" if tiers else ""


def _details(node: Node, builder: _Builder) -> list[str]:
    """A few facts per node, read from its resources' properties."""
    lines: list[str] = []
    first = node.members[0].properties if node.members else {}
    t = node.members[0].type if node.members else ""
    if t == "AWS::EC2::VPC":
        azs = sorted({str(s.properties.get("AvailabilityZone")) for n in builder.nodes.values() if n.parent == node.id
                      for s in _members(n, "AWS::EC2::Subnet")})
        nat = [n for n in builder.nodes.values() if n.parent == node.id and n.noun in ("NAT gateway", "NAT instance")]
        nat_count = sum(len(_members(n, "AWS::EC2::NatGateway")) + len(_members(n, "AWS::EC2::Instance")) for n in nat)
        egress = ("none (no NAT)" if not nat else f"NAT gateway per AZ ({nat_count})" if nat[0].noun == "NAT gateway" and nat_count == len(azs) > 1
                  else f"{nat_count} {nat[0].noun}{'s' if nat_count > 1 else ''}")
        lines += [f"{first.get('CidrBlock', '')} · {len(azs)} AZs: {', '.join(azs)}", f"egress: {egress}"]
        if _members(node, "AWS::EC2::FlowLog"):
            lines.append("flow logs")
    elif t == "AWS::EC2::Subnet":
        subnets = sorted(_members(node, "AWS::EC2::Subnet"), key=lambda s: str(s.properties.get("AvailabilityZone")))
        kind = _tag(subnets[0], "aws-cdk:subnet-type").lower()
        lines.append(f"{kind} · " + ", ".join(str(s.properties.get("CidrBlock")) for s in subnets) if kind else "")
    elif t in ("AWS::EC2::NatGateway",) or node.noun == "NAT instance":
        count = len(_members(node, t))
        lines.append(f"×{count}" + (f" · {first.get('InstanceType')}" if node.noun == "NAT instance" else ""))
    elif t == "AWS::EC2::VPCEndpoint":
        services = sorted(_service_name(m.properties.get("ServiceName")) for m in _members(node, t))
        lines.append(", ".join(services))
    elif t == "AWS::CloudFront::Distribution":
        config = first.get("DistributionConfig", {})
        aliases = config.get("Aliases") or []
        lines.append(", ".join(str(a) for a in aliases if isinstance(a, str)) or "cloudfront.net domain")
        if config.get("PriceClass"):
            lines.append(str(config["PriceClass"]).replace("PriceClass_", "price class "))
    elif t == "AWS::WAFv2::WebACL":
        lines.append(f"{str(first.get('Scope', '')).lower()} · {len(first.get('Rules', []))} rules")
    elif t == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        listeners = sorted(f"{m.properties.get('Protocol')} {m.properties.get('Port')}" for m in _members(node, "AWS::ElasticLoadBalancingV2::Listener"))
        lines.append(f"{first.get('Type', 'application')} · {first.get('Scheme', 'internet-facing')}")
        if listeners:
            lines.append("listeners: " + ", ".join(listeners))
    elif t == "AWS::ECS::Service":
        strategy = sorted(str(s.get("CapacityProvider")) for s in first.get("CapacityProviderStrategy", []))
        launch = " + ".join(strategy) or str(first.get("LaunchType", "EC2"))
        task = next((m.properties for m in _members(node, "AWS::ECS::TaskDefinition")), {})
        lines.append(f"{launch} · {int(task.get('Cpu', 0)) / 1024:g} vCPU · {int(task.get('Memory', 0)) / 1024:g} GiB")
        target = next((m.properties for m in _members(node, "AWS::ApplicationAutoScaling::ScalableTarget")), None)
        if target:
            lines.append(f"{target.get('MinCapacity')}–{target.get('MaxCapacity')} tasks")
    elif t == "AWS::AutoScaling::AutoScalingGroup":
        template: dict = next((m.properties.get("LaunchTemplateData", {}) for m in _members(node, "AWS::EC2::LaunchTemplate")), {})
        lines.append(f"{first.get('MinSize')}–{first.get('MaxSize')} × {template.get('InstanceType', '?')}")
    elif t == "AWS::EC2::Instance":
        lines.append(str(first.get("InstanceType") or next((m.properties.get("LaunchTemplateData", {}).get("InstanceType")
                                                             for m in _members(node, "AWS::EC2::LaunchTemplate")), "")))
    elif t == "AWS::Lambda::Function":
        lines.append(f"{first.get('Runtime', '')} · {first.get('MemorySize', 128)} MB")
    elif t == "AWS::RDS::DBInstance":
        replica = "SourceDBInstanceIdentifier" in first
        lines.append(" · ".join(x for x in (str(first.get("EngineVersion", "")), str(first.get("DBInstanceClass", "")), "read replica" if replica else "") if x))
        extras = [x for x in (("Multi-AZ" if first.get("MultiAZ") else ""), (f"{first.get('AllocatedStorage')} GiB" if first.get("AllocatedStorage") else "")) if x]
        if extras:
            lines.append(" · ".join(extras))
    elif t == "AWS::RDS::DBCluster":
        scaling = first.get("ServerlessV2ScalingConfiguration", {})
        instances = len(_members(node, "AWS::RDS::DBInstance"))
        lines.append(f"{first.get('EngineVersion', '')} · serverless v2 {scaling.get('MinCapacity')}–{scaling.get('MaxCapacity')} ACU")
        lines.append(f"{instances} instance{'s' if instances != 1 else ''}")
    elif t == "AWS::ElastiCache::ReplicationGroup":
        lines.append(f"{first.get('CacheNodeType', '')} × {first.get('NumCacheClusters', 1)}" + (" · Multi-AZ" if first.get("MultiAZEnabled") else ""))
    elif t == "AWS::Cognito::UserPool":
        lines.append(f"MFA {str(first.get('MfaConfiguration', 'OFF')).lower()}" + (" · hosted UI" if _members(node, "AWS::Cognito::UserPoolDomain") else ""))
    elif t == "AWS::SNS::Topic":
        subscriptions = _members(node, "AWS::SNS::Subscription")
        lines.append(f"{len(subscriptions)} subscription{'s' if len(subscriptions) != 1 else ''}")
    elif t == "AWS::CloudWatch::Alarm":
        lines.append(f"×{len(_members(node, t))}")
    elif t == "AWS::Budgets::Budget":
        limit = first.get("Budget", {}).get("BudgetLimit", {})
        lines.append(f"{limit.get('Amount')} {limit.get('Unit', '')} {str(first.get('Budget', {}).get('TimeUnit', '')).lower()}".strip())
    elif t == "AWS::Amplify::App":
        lines.append(str(first.get("Platform", "")).lower().replace("_", " "))
    if node.family != "network":
        placement = _placement(node, builder)
        if placement:
            lines.append(placement)
    node.watches, node.logs_of = sorted(builder.watches.get(node.id, ())), sorted(builder.logs_of.get(node.id, ()))
    if node.watches:
        lines.append("watches " + ", ".join(sorted(builder.nodes[n].name for n in node.watches)))
    if node.logs_of:
        lines.append("access logs of " + ", ".join(sorted(builder.nodes[n].name for n in node.logs_of)))
    return [line for line in lines if line]


def _service_name(value: Any) -> str:
    if isinstance(value, str):
        return value.rsplit(".", 1)[-1] if value.count(".") <= 3 else value.split(".", 3)[-1]
    text = json.dumps(value)
    match = re.search(r"\.([a-z0-9.-]+)\"\]\]", text) or re.search(r"amazonaws\.com\.[a-z0-9-]+\.([a-z0-9.-]+)", text)
    return match.group(1).lstrip(".") if match else "?"


def model(assembly: Path) -> dict[str, Environment]:
    """Environment name -> its model, for every environment in the assembly."""
    return {env: _Builder(env, stacks).build() for env, stacks in sorted(environments(assembly).items())}
