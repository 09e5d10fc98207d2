"""The rehearsal's extension of moto 5.2.5: what the CDK CLI and this app's templates need
that moto lacks, one function per gap. docs/rehearsal.md lists them; tests/test_rehearsal.py
checks each (rehearsal/selfcheck.py) and that each is documented."""

from __future__ import annotations

import importlib
from collections.abc import Callable

# (gap, module under rehearsal/emulator/, function that fixes it), in the order applied.
# Plain names, so the tests can read them without importing moto.
GAPS: tuple[tuple[str, str, str], ...] = (
    ("template-url", "cloudformation", "fix_template_url"),
    ("resource-failures", "cloudformation", "fix_resource_failures"),
    ("change-sets", "cloudformation", "fix_change_sets"),
    ("change-set-lifecycle", "cloudformation", "fix_change_set_lifecycle"),
    ("previous-ssm-parameters", "cloudformation", "fix_previous_ssm_parameters"),
    ("termination-protection", "cloudformation", "fix_termination_protection"),
    ("stack-deletion", "cloudformation", "fix_stack_deletion"),
    ("intrinsics", "cloudformation", "fix_intrinsics"),
    ("unsupported-updates", "cloudformation", "fix_unsupported_updates"),
    ("ebs-volume-size", "resources", "fix_ebs_volume_size"),
    ("kms-key-tags", "resources", "fix_kms_key_tags"),
    ("kms-key-policy", "resources", "fix_kms_key_policy"),
    ("ingress-from-prefix-list", "resources", "fix_ingress_from_prefix_list"),
    ("stack-resources", "cloudformation", "fix_stack_resources"),
    ("skipped-types", "standins", "fix_skipped_types"),
    ("custom-resources", "custom", "fix_custom_resources"),
    ("bucket-not-empty", "resources", "fix_bucket_not_empty"),
    ("db-parameter-group-ref", "resources", "fix_db_parameter_group_ref"),
    ("elbv2-attributes", "resources", "fix_elbv2_attributes"),
    ("ssm-parameter-tags", "resources", "fix_ssm_parameter_tags"),
    ("managed-policy-deletion", "resources", "fix_managed_policy_deletion"),
    ("listener-rule-deletion", "resources", "fix_listener_rule_deletion"),
    ("network-deletion", "resources", "fix_network_deletion"),
    ("ecs-deletion", "resources", "fix_ecs_deletion"),
    ("hosted-zone-ids", "resources", "fix_hosted_zone_ids"),
    ("db-instance-protection", "resources", "fix_db_instance_protection"),
)

_installed = False


def gaps() -> list[tuple[str, Callable[[], None]]]:
    """(name, fix) of every gap."""
    return [(name, getattr(importlib.import_module(f"rehearsal.emulator.{module}"), function))
            for name, module, function in GAPS]


def install() -> None:
    """Apply every gap's fix to moto, once, before its server (or mock) starts."""
    global _installed
    if _installed:
        return
    for _, fix in gaps():
        fix()
    _installed = True
