"""Drawing an environment's model (scripts/diagram_model.py): Mermaid text and Graphviz DOT,
and SVG from the DOT through Graphviz compiled to WebAssembly (scripts/diagram_svg.mjs, run
with the project's pinned Node). Both are plain functions of the model: same model, same bytes.

Marks (``marks``: node ID -> "added", "removed", "replaced" or "changed") colour the nodes of
the review report's picture; edges can be marked "added" or "removed" the same way.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from diagram_model import VIEWER, Edge, Environment, Node, Stack

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules" / ".bin" / "node"
SVG_SCRIPT = Path(__file__).resolve().parent / "diagram_svg.mjs"

# Fill and border per family.
FAMILIES = {
    "viewer": ("#ffffff", "#37474f"),
    "edge": ("#ede7f6", "#5e35b1"),
    "compute": ("#fff3e0", "#ef6c00"),
    "data": ("#e3f2fd", "#1565c0"),
    "auth": ("#fce4ec", "#ad1457"),
    "ops": ("#f1f8e9", "#558b2f"),
    "network": ("#eceff1", "#546e7a"),
}
# Colour, width and dash per edge kind.
EDGES = {
    "request": ("#1f3a5f", 2.2, False),
    "route": ("#607d8b", 1.2, False),
    "endpoint": ("#00838f", 1.0, False),
    "notify": ("#ad1457", 1.2, False),
    "reference": ("#9e9e9e", 1.0, True),
}
MARKS = {  # fill, border
    "added": ("#c8e6c9", "#2e7d32"),
    "removed": ("#ffcdd2", "#c62828"),
    "replaced": ("#ffe0b2", "#e65100"),
    "changed": ("#fff9c4", "#f9a825"),
    "context": ("#fafafa", "#bdbdbd"),
}
MARK_WORDS = {"added": "added", "removed": "removed", "replaced": "replaced", "changed": "changed in place"}
WRAP = 40


def _plural(noun: str, count: int) -> str:
    if count == 1:
        return noun
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _wrap(items: Iterable[str], width: int = WRAP, separator: str = " · ") -> list[str]:
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + len(separator) + len(item) <= width:
            lines[-1] += separator + item
        else:
            lines.append(item)
    return lines


def node_lines(node: Node) -> tuple[str, str, list[str], list[str]]:
    """(name, noun, details, folded) of a node's label, wrapped."""
    details = [line for detail in node.details for line in _wrap(detail.split(", "), separator=", ")]
    folded = _wrap(f"{count} {_plural(noun, count)}" for noun, count in node.folded.items())
    if folded:
        folded[0] = "+ " + folded[0]
    noun = "" if node.noun.lower() == node.name.lower() else node.noun
    return node.name, noun, details, folded


def stack_title(stack: Stack, env: Environment) -> tuple[str, str]:
    """("3 · edge-global", "webapp-dev-edge-global (us-east-1) · uses network 4 · data 1")."""
    home = env.stacks[0].region if env.stacks else ""
    region = f" ({stack.region})" if stack.region != home else ""
    uses = " · ".join(f"{tier} {count}" for tier, count in stack.uses.items())
    loose = " · ".join(f"{count} {_plural(noun, count)}" for noun, count in stack.loose.items())
    second = " — ".join(x for x in (f"uses {uses}" if uses else "uses no other stack", f"+ {loose}" if loose else "") if x)
    return f"{stack.order} · {stack.tier}", f"{stack.name}{region}\n{second}"


def _children(env: Environment, nodes: list[Node]) -> tuple[dict[str, list[Node]], dict[str, list[Node]]]:
    """Nodes per stack (not inside a container) and per container."""
    per_stack: dict[str, list[Node]] = {s.tier: [] for s in env.stacks}
    per_container: dict[str, list[Node]] = {}
    for node in nodes:
        if node.parent:
            per_container.setdefault(node.parent, []).append(node)
        elif node.tier:
            per_stack.setdefault(node.tier, []).append(node)
    return per_stack, per_container


# -- Mermaid ------------------------------------------------------------------------------------


def _m(text: str) -> str:
    return html.escape(text, quote=False).replace('"', "#quot;")


def _mermaid_label(node: Node, mark: str = "") -> str:
    name, noun, details, folded = node_lines(node)
    lines = [f"<b>{_m(name)}</b>"] + [_m(noun)] * bool(noun) + [_m(d) for d in details] + [f"<i>{_m(f)}</i>" for f in folded]
    if mark and mark != "context":
        lines.insert(0, f"<b>[{MARK_WORDS[mark]}]</b>")
    return "<br/>".join(lines)


def mermaid(env: Environment, title: str, *, marks: Mapping[str, str] | None = None,
            edge_marks: Mapping[tuple[str, str], str] | None = None, nodes: Iterable[Node] | None = None,
            edges: Iterable[Edge] | None = None) -> str:
    """A Mermaid flowchart of the environment (or of ``nodes`` and ``edges`` of it)."""
    marks, edge_marks = marks or {}, edge_marks or {}
    shown = list(env.nodes if nodes is None else nodes)
    shown_ids = {n.id for n in shown}
    drawn = [e for e in (env.edges if edges is None else edges) if e.source in shown_ids and e.target in shown_ids]
    per_stack, per_container = _children(env, shown)
    out = ["---", f"title: {title}", "---", "flowchart LR"]

    def emit(node: Node, indent: str) -> None:
        if node.container:
            container_lines = [f"<b>{_m(node.noun)}</b>"] + [_m(d) for d in node.details]
            out.append(f'{indent}subgraph {node.id}["{"<br/>".join(container_lines)}"]')
            out.append(f"{indent}  direction TB")
            for child in per_container.get(node.id, []):
                emit(child, indent + "  ")
            out.append(f"{indent}end")
        else:
            label = _mermaid_label(node, marks.get(node.id, ""))
            out.append(f'{indent}{node.id}(["{label}"])' if node.id == VIEWER else f'{indent}{node.id}["{label}"]')

    for node in shown:
        if not node.tier:
            emit(node, "  ")
    for stack in env.stacks:
        members = per_stack.get(stack.tier, [])
        if not members:
            continue
        first, second = stack_title(stack, env)
        out.append(f'  subgraph stack_{_slug(stack.tier)}["<b>{_m(first)}</b><br/>{"<br/>".join(_m(x) for x in second.splitlines())}"]')
        out.append("    direction TB")
        for node in members:
            emit(node, "    ")
        out.append("  end")
    arrows = {"request": "==>", "route": "-->", "endpoint": "-->", "notify": "-->", "reference": "-.->"}
    styles: dict[str, list[int]] = {}
    for index, edge in enumerate(drawn):
        label = f'|"{_m(edge.label)}"|' if edge.label else ""
        out.append(f"  {edge.source} {arrows[edge.kind]}{label} {edge.target}")
        style = edge_marks.get((edge.source, edge.target), edge.kind)
        styles.setdefault(style, []).append(index)
    for style, indexes in styles.items():
        if style in MARKS:
            colour, width, dashed = MARKS[style][1], 2.5, style == "removed"
        else:
            colour, width, dashed = EDGES[style]
        dash = ",stroke-dasharray:5 4" if dashed else ""
        out.append(f"  linkStyle {','.join(map(str, indexes))} stroke:{colour},stroke-width:{width}px{dash}")
    used_families = sorted({n.family for n in shown if not n.container and n.id not in marks})
    for family in used_families:
        fill, stroke = FAMILIES[family]
        out.append(f"  classDef {family} fill:{fill},stroke:{stroke},color:#212121")
    for mark in sorted(set(marks.values())):
        fill, stroke = MARKS[mark]
        dash = ",stroke-dasharray:6 4" if mark == "removed" else ""
        border = "1px" if mark == "context" else "3px"
        out.append(f"  classDef {mark} fill:{fill},stroke:{stroke},stroke-width:{border},color:#212121{dash}")
    classes: dict[str, list[str]] = {}
    for node in shown:
        if not node.container:
            classes.setdefault(marks.get(node.id, node.family), []).append(node.id)
    for name, ids in sorted(classes.items()):
        out.append(f"  class {','.join(ids)} {name}")
    containers = [n.id for n in shown if n.container]
    for stack in env.stacks:
        if per_stack.get(stack.tier):
            out.append(f"  style stack_{_slug(stack.tier)} fill:#fbfbfb,stroke:#78909c")
    for container in containers:
        out.append(f"  style {container} fill:#f5f7f8,stroke:#90a4ae,stroke-dasharray:4 3")
    return "\n".join(out) + "\n"


def _slug(tier: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", tier)


# -- Graphviz -----------------------------------------------------------------------------------


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _dot_label(node: Node, mark: str = "") -> str:
    name, noun, details, folded = node_lines(node)
    rows = [f"<B>{_h(name)}</B>"]
    if mark and mark != "context":
        rows.insert(0, f'<FONT POINT-SIZE="9" COLOR="{MARKS[mark][1]}"><B>{MARK_WORDS[mark].upper()}</B></FONT>')
    if noun:
        rows.append(f'<FONT POINT-SIZE="9" COLOR="#546e7a">{_h(noun)}</FONT>')
    rows += [_h(d) for d in details]
    rows += [f'<FONT POINT-SIZE="9" COLOR="#78909c">{_h(f)}</FONT>' for f in folded]
    return "<" + "<BR/>".join(rows) + ">"


def dot(env: Environment, title: str) -> str:
    """A Graphviz digraph of the environment: stacks as clusters in deploy order, the VPC a
    cluster inside the network stack, the request path bold, references dashed."""
    per_stack, per_container = _children(env, env.nodes)
    families = {n.id: n.family for n in env.nodes}
    placed = {n for e in env.edges if e.kind not in ("reference", "endpoint") or families.get(e.target) == "data" for n in (e.source, e.target)}
    placed |= {x for n in env.nodes for other in (*n.watches, *n.logs_of) if families.get(other) != "ops" for x in (n.id, other)}
    out = [
        f'digraph "{_h(title)}" {{',
        f'  graph [rankdir=TB, newrank=true, nodesep=0.22, ranksep=0.55, fontname="Helvetica", fontsize=13, '
        f'labelloc=t, labeljust=l, pad=0.25, bgcolor="#ffffff", label=<<B>{_h(title)}</B>>]',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, margin="0.2,0.08", penwidth=1.3]',
        '  edge [fontname="Helvetica", fontsize=9, arrowsize=0.7]',
    ]

    def emit(node: Node, indent: str) -> None:
        if node.container:
            rows = [f"<B>{_h(node.noun)}</B>"] + [_h(d) for d in node.details]
            out.append(f"{indent}subgraph cluster_{node.id} {{")
            out.append(f'{indent}  label=<{"<BR/>".join(rows)}>; style="rounded,dashed"; color="#90a4ae"; bgcolor="#f5f7f8"; fontsize=10')
            for child in per_container.get(node.id, []):
                emit(child, indent + "  ")
            out.append(f"{indent}}}")
            return
        fill, stroke = FAMILIES[node.family]
        shape = ', shape=box, style="rounded,filled,bold"' if node.id == VIEWER else ""
        out.append(f'{indent}{node.id} [label={_dot_label(node)}, fillcolor="{fill}", color="{stroke}"{shape}]')

    for node in env.nodes:
        if not node.tier:
            emit(node, "  ")
    for stack in env.stacks:
        members = per_stack.get(stack.tier, [])
        if not members:
            continue
        first, second = stack_title(stack, env)
        out.append(f"  subgraph cluster_stack_{_slug(stack.tier)} {{")
        out.append(f'    label=<<B>{_h(first)}</B><BR/><FONT POINT-SIZE="9" COLOR="#546e7a">{"<BR/>".join(_h(x) for x in second.splitlines())}</FONT>>; '
                   'style="rounded"; color="#78909c"; bgcolor="#fbfbfb"; fontsize=11')
        for node in members:
            emit(node, "    ")
        # What nothing places (no edge in or out) stands beside the stack's first placed node,
        # instead of at the far left of the picture.
        loose = [n.id for n in members + [c for m in members for c in per_container.get(m.id, [])] if not n.container and n.id not in placed]
        anchor = next((n.id for n in members + [c for m in members for c in per_container.get(m.id, [])] if n.id in placed), None)
        if loose and anchor:
            out.append(f"    {{rank=same; {anchor}; {'; '.join(loose)}}}")
        out.append("  }")
    # Invisible edges that only place things: what is watched or logs before its watcher or
    # log bucket, so monitoring ends the picture and log buckets sit after their sources.
    for node in env.nodes:
        for before in (*node.watches, *[n for n in node.logs_of if families.get(n) != "ops"]):
            out.append(f"  {before} -> {node.id} [style=invis, weight=0]")
    for edge in env.edges:
        colour, width, dashed = EDGES[edge.kind]
        attributes = [f'color="{colour}"', f"penwidth={width}"]
        if dashed:
            # Only a reference to storage places its target further along the path.
            attributes += ["style=dashed"] + ([] if families.get(edge.target) == "data" else ["constraint=false"])
        elif edge.kind == "endpoint":
            attributes.append("constraint=false")
        if edge.label:
            attributes += [f'label="{_h(edge.label)}"', f'fontcolor="{colour}"']
        # An edge into or out of the VPC's children keeps the cluster whole.
        out.append(f"  {edge.source} -> {edge.target} [{', '.join(attributes)}]")
    out.append("}")
    return "\n".join(out) + "\n"


def svg(sources: list[str]) -> list[str]:
    """SVG of each DOT source, rendered by Graphviz (WebAssembly) in the project's Node."""
    if not sources:
        return []
    node = str(NODE) if NODE.exists() else "node"
    result = subprocess.run([node, str(SVG_SCRIPT)], input=json.dumps(sources), capture_output=True, text=True, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"rendering SVG failed (is `npm ci` done? make diagrams does it):\n{result.stderr}")
    rendered: list[str] = json.loads(result.stdout)
    return rendered
