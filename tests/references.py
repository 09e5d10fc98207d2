"""Following CloudFormation references through the templates of one environment.

A value that names a resource may be a ``Ref`` or ``Fn::GetAtt`` in the same template, or a
cross-stack reference: ``Fn::GetStackOutput`` (CDK's weak references, this project's form)
or ``Fn::ImportValue`` (exports, CDK's default form). ``target`` follows any of them to the
resource they end at, as ``(tier, logical ID)``, so an assertion reads the same whichever
form a construct happens to produce.
"""

from __future__ import annotations

from collections.abc import Iterator

from tests.conftest import Synthesized

Target = tuple[str, str]  # (tier, logical ID)


def _output(synth: Synthesized, tier: str, value: dict) -> tuple[str, object] | None:
    """(tier, output value) a cross-stack reference in ``tier`` reads, or None."""
    if "Fn::GetStackOutput" in value:
        reference = value["Fn::GetStackOutput"]
        producers = [t for t, name in synth.stack_names.items() if name == reference.get("StackName")]
        if len(producers) != 1:
            return None
        outputs = synth.templates[producers[0]].get("Outputs", {})
        output = outputs.get(reference.get("OutputName"))
        return (producers[0], output["Value"]) if output else None
    export = value["Fn::ImportValue"]
    for producer, template in synth.templates.items():
        for output in template.get("Outputs", {}).values():
            if isinstance(export, str) and output.get("Export", {}).get("Name") == export:
                return producer, output["Value"]
    return None


def target(synth: Synthesized, tier: str, value) -> Target | None:
    """The resource ``value`` (a property value of a resource in ``tier``) refers to, following
    cross-stack references; None for literals, joins, parameters and pseudo parameters."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    if "Fn::GetStackOutput" in value or "Fn::ImportValue" in value:
        found = _output(synth, tier, value)
        return target(synth, *found) if found else None
    if "Ref" in value:
        logical_id = value["Ref"]
    elif "Fn::GetAtt" in value:
        attribute = value["Fn::GetAtt"]
        logical_id = attribute[0] if isinstance(attribute, list) else attribute.split(".")[0]
    else:
        return None
    return (tier, logical_id) if logical_id in synth.templates[tier]["Resources"] else None


def resource(synth: Synthesized, found: Target) -> dict:
    tier, logical_id = found
    return synth.templates[tier]["Resources"][logical_id]


def every_resource(synth: Synthesized) -> Iterator[tuple[str, str, dict]]:
    """(tier, logical ID, resource) for every resource of every stack of the environment."""
    for tier, template in synth.templates.items():
        for logical_id, found in template["Resources"].items():
            yield tier, logical_id, found


def references_in(value) -> Iterator[dict]:
    """Every reference (``Ref``, ``Fn::GetAtt``, ``Fn::GetStackOutput``, ``Fn::ImportValue``)
    anywhere inside a property value."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::GetStackOutput", "Fn::ImportValue"):
            yield value
            return
        for item in value.values():
            yield from references_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from references_in(item)
