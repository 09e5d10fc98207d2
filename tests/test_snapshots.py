"""Snapshots of the reference environments' templates and of the tiers each variant changes
(update with `pytest --snapshot-update`, then read the diff).

Masked: asset hashes (they change with the CDK version, not with this project) and
the bootstrap-version rule and parameter the synthesizer adds.
"""

from __future__ import annotations

import copy
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.conftest import SNAPSHOT_CASES, UNCHANGED_CASES, VARIANTS

_ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def masked(template: dict) -> dict:
    template = copy.deepcopy(template)
    template.get("Rules", {}).pop("CheckBootstrapVersion", None)
    template.get("Parameters", {}).pop("BootstrapVersion", None)
    for key in ("Rules", "Parameters"):
        if key in template and not template[key]:
            del template[key]

    def walk(node):
        if isinstance(node, dict):
            return {k: ("<asset>" if k == "S3Key" else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            return _ASSET_HASH.sub("<hash>", node)
        return node

    return walk(template)


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize(("variant", "tier"), SNAPSHOT_CASES)
def test_template(synthesized, variant, tier, snapshot_json):
    assert masked(synthesized[variant].templates[tier]) == snapshot_json


@pytest.mark.parametrize(("variant", "tier"), UNCHANGED_CASES)
def test_a_variant_leaves_its_other_tiers_as_its_base_has_them(synthesized, variant, tier):
    base = VARIANTS[variant]["env"]
    assert masked(synthesized[variant].templates[tier]) == masked(synthesized[base].templates[tier]), (
        f"{variant} now changes its {tier} stack: add it to SNAPSHOT_TIERS in tests/conftest.py")


def test_masking_hides_only_noise():
    template = {
        "Rules": {"CheckBootstrapVersion": {}},
        "Parameters": {"BootstrapVersion": {}, "Other": {"Type": "String"}},
        "Resources": {"F": {"Properties": {"Code": {"S3Key": "abc.zip"}, "Name": "a" * 64, "Keep": "short"}}},
    }
    assert masked(template) == {
        "Parameters": {"Other": {"Type": "String"}},
        "Resources": {"F": {"Properties": {"Code": {"S3Key": "<asset>"}, "Name": "<hash>", "Keep": "short"}}},
    }
