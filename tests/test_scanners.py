"""What auditors see when they scan the written templates with their own tools.

They do not run this project's synth: checkov reads ``Metadata.checkov.skip``, and cdk-nag
rules re-run over the templates (each resource included as its CloudFormation type) see
only the acknowledgments written into ``Metadata.cdk_nag``. Both must find nothing that is
not fixed or explained there, for every environment and variant.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import cloudformation_include as cfn_include

from tests.conftest import NAG_PACKS
from tests.template_scans import CheckovResult

# Reads every variant: the prefetch worker synthesizes meanwhile (tests/background.py).
pytestmark = pytest.mark.every_variant



@pytest.fixture(scope="session")
def checkov_result(template_scans) -> CheckovResult:
    """checkov over every distinct template of every variant (``make test`` installs it in .venv-scan)."""
    return template_scans.checkov()


def test_checkov_finds_nothing_unexplained(checkov_result):
    assert checkov_result.failed == []


def test_checkov_read_every_template_and_every_skip_has_a_reason(checkov_result, template_scans):
    # Every resource of every distinct template. (Given several -d folders, checkov 3.3 reported
    # the first folder once per folder: a count guards against reading less than was written.)
    written = sum(len(json.loads(path.read_text())["Resources"]) for path in template_scans.templates)
    assert checkov_result.resource_count == written
    assert checkov_result.parsing_errors == 0
    assert checkov_result.skipped, "no skip was read: Metadata.checkov.skip is not reaching checkov"
    for check, resource, reason in checkov_result.skipped:
        assert len(reason) >= 60, (check, resource, reason)


def _plain(value):
    """CfnInclude does not know CDK's weak-reference intrinsic Fn::GetStackOutput: a string stands in."""
    if isinstance(value, dict):
        if set(value) == {"Fn::GetStackOutput"}:
            ref = value["Fn::GetStackOutput"]
            return f"stack-output:{ref['StackName']}:{ref['OutputName']}"
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@pytest.fixture(scope="session")
def nag_over_written_templates(synthesized, tmp_path_factory) -> list[str]:
    """The three packs over every distinct written template, honouring only what the template
    says (``Metadata.cdk_nag.rules_to_suppress``)."""
    folder = tmp_path_factory.mktemp("included")
    app = App()
    seen: set[str] = set()
    for name, synth in synthesized.items():
        for tier, template in synth.templates.items():
            text = json.dumps(_plain(template), sort_keys=True)
            digest = hashlib.sha256(text.encode()).hexdigest()
            if digest in seen:
                continue  # the same template in another variant: same findings
            seen.add(digest)
            path = folder / f"{name}-{tier}.json"
            path.write_text(text)
            included = cfn_include.CfnInclude(Stack(app, f"{name}-{tier}"), "Template", template_file=str(path))
            for logical_id, resource in template["Resources"].items():
                rules = resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
                if rules:
                    Validations.of(included.get_resource(logical_id)).acknowledge(
                        *(Acknowledgment(id=rule["id"], reason=rule["reason"]) for rule in rules)
                    )
    return [f"{v.rule_name} at {r.construct_path}" for pack in NAG_PACKS
            for v in pack().validate_scope(app).violations for r in v.violating_resources]


def test_cdk_nag_over_the_written_templates_finds_nothing_unexplained(nag_over_written_templates):
    assert nag_over_written_templates == []
