"""`make diagrams`: an architecture picture of every environment of every profile, drawn from
the synthesized cloud assembly (scripts/diagram_model.py reads it, scripts/diagram_render.py
draws it), so a picture cannot drift from what is deployed.

Writes, for each profile and environment, ``docs/diagrams/<profile>-<env>.mmd`` (Mermaid,
which GitHub renders in Markdown) and ``.svg`` (Graphviz compiled to WebAssembly, run in the
project's pinned Node: no system package), and the page that shows them all,
``docs/architecture.md``. The output is a function of the templates alone (sorted, no
timestamps), and a test fails when a committed picture is stale (tests/test_diagrams.py).

For the review report, ``changed_picture(base_assembly, new_assembly)`` draws the part of
the picture that changed between two assemblies, with added, removed, replaced and changed
nodes marked.

    python scripts/diagrams.py            # synthesize every profile, write the pictures and the page
    python scripts/diagrams.py --check    # exit 1 if a committed picture or the page differs
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project (config, stacks) and this folder (the helpers, as top-level modules: `scripts/` is
# no package, and mypy checks its files that way) are importable however this file is loaded.
for _folder in (str(ROOT), str(Path(__file__).resolve().parent)):
    if _folder not in sys.path:
        sys.path.insert(0, _folder)

from diagram_model import VIEWER, Edge, Environment, Node, Resource, Stack, model  # noqa: E402
from diagram_render import FAMILIES, dot, mermaid, svg  # noqa: E402

__all__ = ["VIEWER", "Environment", "changed_picture", "changes", "main", "model", "page", "pictures"]

DIAGRAMS = ROOT / "docs" / "diagrams"
PAGE = ROOT / "docs" / "architecture.md"
STALE = "stale: run `make diagrams` and commit docs/diagrams/ and docs/architecture.md"


def title(profile: str, env: str) -> str:
    return f"{profile} · {env}"


def stem(profile: str, env: str) -> str:
    return f"{profile}-{env}"


@dataclass(frozen=True)
class Picture:
    profile: str
    env: str
    mermaid: str
    dot: str


def pictures(profile: str, assembly: Path, environments: Iterable[str] | None = None) -> list[Picture]:
    """The pictures of the environments in ``assembly`` (all, or ``environments`` in that order)."""
    models = model(assembly)
    names = list(models) if environments is None else list(environments)
    return [Picture(profile, env, mermaid(models[env], title(profile, env)), dot(models[env], title(profile, env))) for env in names]


def files(drawn: list[Picture]) -> dict[Path, str]:
    """Each picture's Mermaid and SVG file, with its content."""
    rendered = svg([p.dot for p in drawn])
    out: dict[Path, str] = {}
    for picture, image in zip(drawn, rendered, strict=True):
        out[DIAGRAMS / f"{stem(picture.profile, picture.env)}.mmd"] = picture.mermaid
        out[DIAGRAMS / f"{stem(picture.profile, picture.env)}.svg"] = image
    return out


# -- the page -----------------------------------------------------------------------------------

LEGEND = """\
## Reading the pictures

Each picture is one environment, drawn by `make diagrams` from the synthesized cloud assembly
(the templates, the stacks' dependencies and the construct path of every logical ID), never by
hand: when the code changes what is deployed, the picture changes with it, and a test fails
until the committed picture is regenerated (`tests/test_diagrams.py`).

- **Groups are stacks**, numbered in deploy order, each with its CloudFormation name; "uses"
  counts the resources of earlier stacks it references (its cross-stack references). A stack
  outside the application's region says so.
- **Boxes are resources**, coloured by kind: edge ({edge}), compute ({compute}), data
  ({data}), auth ({auth}), operations ({ops}), network ({network}). Small supporting resources are
  folded into their owner and counted in grey ("+ 2 roles · 1 log group"): IAM roles and
  policies, log groups, keys, parameters, listeners, custom-resource providers; alarms are one
  box per stack with their count.
- **Bold arrows are the request path**: the viewer through WAF to CloudFront (or to Amplify),
  CloudFront's origins with their path patterns, and every flow the security groups allow
  between the resources that wear them, with its port. Thin arrows are routes (subnet tiers to
  NAT and the internet gateway) and notifications (triggers, alarms to topics). Dashed arrows are
  the remaining references between resources, cross-stack ones included (a resource points at
  what it uses).
- **The network**: the VPC with its CIDR, AZs and egress mode, a box per subnet tier (with its
  CIDRs), NAT, endpoints; every workload says which subnets it runs in.

The SVG is drawn by Graphviz (compiled to WebAssembly, no system package); the Mermaid version
below each picture renders on GitHub and is what the review report marks changes on.
"""


def _family_names() -> dict[str, str]:
    names = {"#ede7f6": "purple", "#fff3e0": "orange", "#e3f2fd": "blue", "#fce4ec": "pink", "#f1f8e9": "green", "#eceff1": "grey"}
    return {family: names.get(fill, fill) for family, (fill, _) in FAMILIES.items()}


def page(profiles: Mapping[str, tuple[str, list[str]]], mermaid_of: Mapping[tuple[str, str], str]) -> str:
    """docs/architecture.md: ``profiles`` maps a profile to (description, environments)."""
    lines = [
        "# Architecture",
        "",
        "<!-- Generated by `make diagrams` (scripts/diagrams.py) from the synthesized assembly: do not edit. -->",
        "",
        "One picture per environment of every profile ([configuration](configuration.md) selects the profile with",
        "`-c profile=`): what each stack holds, the request path from the viewer to the database, the network,",
        "and the references between stacks.",
        "",
        LEGEND.format(**_family_names()),
    ]
    for profile, (description, environments) in profiles.items():
        lines += [f"## Profile `{profile}`", ""]
        if description:
            lines += [description, ""]
        for env in environments:
            name = stem(profile, env)
            lines += [
                f"### {profile} {env}",
                "",
                f"![{title(profile, env)}](diagrams/{name}.svg)",
                "",
                f"<details><summary>Mermaid ({name}.mmd)</summary>",
                "",
                "```mermaid",
                mermaid_of[(profile, env)].rstrip("\n"),
                "```",
                "",
                "</details>",
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def profiles() -> dict[str, tuple[str, list[str]]]:
    """Every profile (config/profiles.py) with its description and environments, in order."""
    from config.profiles import PROFILES

    return {name: (p.description, list(p.environments)) for name, p in PROFILES.items()}


# -- synthesis ----------------------------------------------------------------------------------


def synthesize(profile: str, outdir: Path) -> Path:
    """Every environment of ``profile`` into ``outdir`` (a Stage each, as `make synth` does)."""
    from aws_cdk import App

    from config.loader import load
    from stacks.stage import build

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = App(outdir=str(outdir), context=context)
    build(app, load(profile=profile), staged=True)
    app.synth()
    return outdir


def generate(scratch: Path) -> dict[Path, str]:
    """Every file `make diagrams` writes, with its content."""
    drawn: list[Picture] = []
    for profile, (_, environments) in profiles().items():
        drawn += pictures(profile, synthesize(profile, scratch / profile), environments)
    out = files(drawn)
    out[PAGE] = page(profiles(), {(p.profile, p.env): p.mermaid for p in drawn})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed picture or the page is stale")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="diagrams-") as scratch:
        wanted = generate(Path(scratch))
    existing = {p for p in DIAGRAMS.glob("*") if p.suffix in (".mmd", ".svg")} if DIAGRAMS.exists() else set()
    stale = sorted(str(p.relative_to(ROOT)) for p, text in wanted.items() if not p.exists() or p.read_text() != text)
    extra = sorted(str(p.relative_to(ROOT)) for p in existing - set(wanted))
    if args.check:
        if stale or extra:
            print(f"{STALE}: " + ", ".join(stale + extra), file=sys.stderr)
            return 1
        return 0
    DIAGRAMS.mkdir(parents=True, exist_ok=True)
    for path, text in wanted.items():
        path.write_text(text)
    for name in extra:
        (ROOT / name).unlink()
    print(f"Wrote {len(wanted) - 1} pictures into {DIAGRAMS.relative_to(ROOT)}/ and {PAGE.relative_to(ROOT)}"
          + (f" ({len(stale)} changed, {len(extra)} removed)" if stale or extra else " (unchanged)"))
    return 0


# -- what changed, for the review report ------------------------------------------------------------


@functools.cache
def _create_only(cfn_type: str) -> tuple[tuple[str, ...], ...]:
    """Property paths whose change makes CloudFormation replace a resource of ``cfn_type``
    (the resource schemas cfn-lint ships: ``createOnlyProperties``); none when unknown."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or spec.origin is None:
        return ()
    schemas = Path(spec.origin).parent / "data" / "schemas"
    try:
        digest = json.loads((schemas / "providers" / "us-east-1.json").read_text()).get(cfn_type)
        schema = json.loads((schemas / "resources" / f"{digest}.json").read_text()) if digest else {}
    except (OSError, ValueError):
        return ()
    return tuple(tuple(part for part in p.removeprefix("/properties/").split("/") if part != "*")
                 for p in schema.get("createOnlyProperties", []))


def _at(value: object, path: tuple[str, ...]) -> object:
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _replaced(before: Resource, after: Resource) -> bool:
    if before.type != after.type:
        return True
    return any(_at(before.properties, path) != _at(after.properties, path) for path in _create_only(after.type))


def node_change(before: Node, after: Node) -> str:
    """"replaced", "changed" or "" for a node present on both sides."""
    old = {(m.type, m.path): m for m in before.members}
    new = {(m.type, m.path): m for m in after.members}
    if before.members and after.members and before.members[0].type == after.members[0].type:
        a, b = before.members[0], after.members[0]
        if a.path == b.path and a.logical_id != b.logical_id:
            return "replaced"  # a new logical ID: CloudFormation creates the new one, deletes the old
    verdict = ""
    for key in sorted(old.keys() & new.keys()):
        a, b = old[key], new[key]
        if a.logical_id != b.logical_id or _replaced(a, b):
            if (a.type, a.path) == (before.members[0].type, before.members[0].path):
                return "replaced"
            verdict = "changed"
        elif a.properties != b.properties:
            verdict = "changed"
    if old.keys() != new.keys():
        verdict = "changed"
    return verdict


def changes(base: Environment | None, new: Environment | None) -> dict[str, str]:
    """Node ID -> "added", "removed", "replaced" or "changed", for the nodes that differ."""
    old_nodes = {n.id: n for n in base.nodes} if base else {}
    new_nodes = {n.id: n for n in new.nodes} if new else {}
    marks: dict[str, str] = {}
    for node_id in sorted(old_nodes.keys() | new_nodes.keys()):
        if node_id == VIEWER or (node_id in old_nodes and old_nodes[node_id].container) or (node_id in new_nodes and new_nodes[node_id].container):
            continue
        if node_id not in old_nodes:
            marks[node_id] = "added"
        elif node_id not in new_nodes:
            marks[node_id] = "removed"
        else:
            change = node_change(old_nodes[node_id], new_nodes[node_id])
            if change:
                marks[node_id] = change
    return marks


def _merge(base: Environment | None, new: Environment | None, marks: Mapping[str, str]) -> tuple[Environment, dict[tuple[str, str], str]]:
    """The changed nodes and their neighbours, from both sides, with the edges between them."""
    sides = [e for e in (new, base) if e is not None]
    nodes: dict[str, Node] = {}
    for side in sides:
        for node in side.nodes:
            nodes.setdefault(node.id, node)
    new_edges = {(e.source, e.target): e for e in (new.edges if new else [])}
    old_edges = {(e.source, e.target): e for e in (base.edges if base else [])}
    every_edge = {**old_edges, **new_edges}
    shown = set(marks)
    for (source, target) in every_edge:
        if source in marks or target in marks:
            shown.update((source, target))
    # Keep a shown node's container (the VPC) so it is drawn where it lives.
    shown.update(nodes[n].parent for n in list(shown) if n in nodes and nodes[n].parent)
    edge_marks = {pair: ("added" if pair not in old_edges else "removed") for pair in every_edge
                  if (pair in new_edges) != (pair in old_edges)}
    stacks: dict[str, Stack] = {}
    for side in sides:
        for stack in side.stacks:
            stacks.setdefault(stack.tier, stack)
    ordered = sorted(stacks.values(), key=lambda s: s.order)
    picked = [nodes[n] for n in sorted(shown, key=lambda n: (n != VIEWER, [s.tier for s in ordered].index(nodes[n].tier) if nodes[n].tier in stacks else -1, nodes[n].rank, nodes[n].path)) if n in nodes]
    picked = [replace(n, parent=n.parent if n.parent in shown else "") for n in picked]
    edges = sorted((e for pair, e in every_edge.items() if pair[0] in shown and pair[1] in shown),
                   key=lambda e: (e.kind != "request", e.source, e.target))
    either = new or base
    name = either.name if either else ""
    return Environment(name, ordered, picked, edges), edge_marks


def changed_picture(base_assembly: Path, new_assembly: Path, environment: str | None = None) -> str:
    """Mermaid of what changed between two cloud assemblies (each from `make synth`, `cdk synth
    -c env=…` or the tests' synthesis): the added, removed, replaced and changed-in-place nodes,
    marked (``classDef``), with their unchanged neighbours for context. ``environment`` picks one
    when the assemblies hold several; otherwise every environment that changed is drawn, each
    environment's stacks labelled with its name. Empty when nothing in the picture changed."""
    base_models, new_models = model(base_assembly), model(new_assembly)
    names = [environment] if environment else sorted(base_models.keys() | new_models.keys())
    merged: list[tuple[str, Environment, dict[str, str], dict[tuple[str, str], str]]] = []
    for name in names:
        marks = changes(base_models.get(name), new_models.get(name))
        if marks:
            env, edge_marks = _merge(base_models.get(name), new_models.get(name), marks)
            merged.append((name, env, marks, edge_marks))
    if not merged:
        return ""
    if len(merged) == 1:
        name, env, marks, edge_marks = merged[0]
        return mermaid(env, f"what changed · {name}", marks={**marks, **{n.id: "context" for n in env.nodes if n.id not in marks and not n.container}},
                       edge_marks=edge_marks)
    # Several environments in one flowchart: node and stack names prefixed with the environment's.
    stacks: list[Stack] = []
    nodes: list[Node] = []
    edges: list[Edge] = []
    all_marks: dict[str, str] = {}
    all_edge_marks: dict[tuple[str, str], str] = {}
    for name, env, marks, edge_marks in merged:
        prefix = name.replace("-", "_") + "__"
        stacks += [replace(s, tier=f"{name} {s.tier}") for s in env.stacks]
        for node in env.nodes:
            nodes.append(replace(node, id=prefix + node.id, tier=f"{name} {node.tier}" if node.tier else "",
                                 parent=prefix + node.parent if node.parent else ""))
            all_marks[prefix + node.id] = marks.get(node.id, "context") if not node.container else ""
        edges += [replace(e, source=prefix + e.source, target=prefix + e.target) for e in env.edges]
        all_edge_marks.update({(prefix + s, prefix + t): m for (s, t), m in edge_marks.items()})
    combined = Environment("changes", stacks, nodes, edges)
    return mermaid(combined, "what changed", marks={k: v for k, v in all_marks.items() if v}, edge_marks=all_edge_marks)


if __name__ == "__main__":
    sys.exit(main())
