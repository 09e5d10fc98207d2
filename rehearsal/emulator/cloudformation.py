"""CloudFormation gaps of moto 5.2.5 that the CDK CLI runs into with this app.

Each ``fix_*`` function patches one gap; ``rehearsal.emulator.GAPS`` lists them in order
and ``tests/test_rehearsal.py`` has a case for each (``rehearsal/selfcheck.py``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.cloudformation import models, parsing, responses
from moto.cloudformation.exceptions import CloudFormationError, ValidationError
from moto.core.responses import ActionResult


class ResourceFailed(Exception):
    """A resource could not be created, updated or deleted: which one, and why."""

    def __init__(self, logical_id: str, resource_type: str, reason: str) -> None:
        super().__init__(f"{logical_id} ({resource_type}): {reason}")
        self.logical_id, self.resource_type, self.reason = logical_id, resource_type, reason


def _backend(account_id: str, region: str) -> Any:
    return models.cloudformation_backends[account_id][region]


# --- failures: a resource's error fails its stack, named, instead of a 500 to the CLI ----------

def fix_resource_failures() -> None:
    """moto lets an exception of one resource escape ExecuteChangeSet as an HTTP 500 (the
    CLI then reports an unknown error and the stack hangs in REVIEW_IN_PROGRESS). Here it
    fails the stack (ROLLBACK_COMPLETE / UPDATE_ROLLBACK_COMPLETE) with a CREATE_FAILED
    event naming the resource, its type and the error, as CloudFormation does."""
    original = parsing.parse_and_create_resource

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
        try:
            return original(logical_id, resource_json, resources_map, account_id, region_name)
        except ResourceFailed:
            raise
        except Exception as error:  # noqa: BLE001 - every error of this resource is its failure
            raise ResourceFailed(logical_id, resource_json.get("Type", "?"), f"{type(error).__name__}: {error}") from error

    parsing.parse_and_create_resource = parse_and_create_resource


# --- change sets: create from scratch, outputs, exports, status ------------------------------

def _finish(stack: Any, kind: str) -> None:
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.output_map = stack._create_output_map()
    # Resolve every output now: an output that cannot be resolved fails the stack here.
    for key in stack.output_map:
        output = stack.output_map[key]
        value = None if output is None else output.value
        if output is not None and (value is None or _unresolved(value)):
            raise ResourceFailed(key, "Output", f"output value did not resolve: {value!r}")
    backend = _backend(stack.account_id, stack.region_name)
    for name in [n for n, e in backend.exports.items() if e.exporting_stack_id == stack.stack_id]:
        backend.exports.pop(name)
    for export in stack.exports:
        backend.exports[export.name] = export
    stack.status = f"{kind}_COMPLETE"
    stack.stack_status_reason = None
    stack._add_stack_event(f"{kind}_COMPLETE")


def _fail(stack: Any, kind: str, error: Exception) -> None:
    if isinstance(error, ResourceFailed):
        logical_id, resource_type, reason = error.logical_id, error.resource_type, error.reason
    else:
        logical_id, resource_type, reason = stack.name, "AWS::CloudFormation::Stack", f"{type(error).__name__}: {error}"
    event = models.Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id="", resource_type=resource_type, resource_status=f"{kind}_FAILED",
        resource_status_reason=reason, resource_properties=None,
    )
    stack.events.append(event)
    stack.stack_status_reason = f"The following resource(s) failed to {kind.lower()}: [{logical_id}]. {reason}"
    stack.status = "ROLLBACK_COMPLETE" if kind == "CREATE" else "UPDATE_ROLLBACK_COMPLETE"
    stack._add_stack_event(stack.status, resource_status_reason=stack.stack_status_reason)


def fix_change_sets() -> None:
    """moto executes a CREATE change set as an update of an empty stack: the stack's
    template, description and outputs stay those of the empty template (no outputs, so
    the CLI finds no bootstrap bucket and no cross-stack value resolves), its exports are
    never registered, and the stack never gets a CREATE_COMPLETE resource walk (EC2
    resources miss their aws:cloudformation tags). Here a CREATE change set creates the
    stack's resources like CreateStack does; both kinds then refresh template, outputs and
    exports, and a failure fails the stack (``fix_resource_failures``)."""

    def execute_change_set(self, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.change_sets.get(change_set_name) or next(
            (c for c in self.change_sets.values()
             if c.change_set_name == change_set_name and (stack_name is None or stack_name in (c.stack_name, c.stack_id))),
            None)
        if change_set is None:
            raise ValidationError(stack_name)
        stack = self.stacks[change_set.stack_id]
        kind = change_set.change_set_type
        stack._add_stack_event(f"{kind}_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.status = f"{kind}_IN_PROGRESS"
        try:
            if kind == "CREATE":
                stack.template = change_set.template
                stack.parameters = change_set.parameters
                stack._parse_template()
                stack.resource_map = stack._create_resource_map()
                stack.resource_map.create(stack.template_dict)
            else:
                stack.resource_map.update(change_set.template_dict, change_set.parameters)
                stack.template = change_set.template
                if change_set.parameters:
                    stack.parameters = change_set.parameters
                if change_set.tags:
                    stack.tags = change_set.tags
            _finish(stack, kind)
        except Exception as error:  # noqa: BLE001 - reported as the stack's failure
            _fail(stack, kind, error)
        change_set.execution_status = "EXECUTE_COMPLETE"

    models.CloudFormationBackend.execute_change_set = execute_change_set


# --- termination protection ------------------------------------------------------------------

def fix_termination_protection() -> None:
    """moto stores EnableTerminationProtection but has no UpdateTerminationProtection (the
    CLI calls it after deploying a protected stack, and the deploy fails) and deletes a
    protected stack anyway. Here the action exists and DeleteStack refuses, as AWS does."""

    def update_termination_protection(self) -> ActionResult:
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection", False)
        return ActionResult({"StackId": stack.stack_id})

    responses.CloudFormationResponse.update_termination_protection = update_termination_protection


# --- deletion: protected stacks refused, failures reported, retained resources recorded ------

RETAINED: list[dict[str, str]] = []


def faults(kind: str) -> set[str]:
    """Faults the rehearsal's own tests inject (``REHEARSAL_FAULTS``, e.g.
    ``leave-resource:Topic,fail-delete:my-stack``), to show the driver catches them."""
    import os

    pairs = (item.partition(":") for item in os.environ.get("REHEARSAL_FAULTS", "").split(",") if item)
    return {value for key, _, value in pairs if key == kind}


def fix_stack_deletion() -> None:
    """moto deletes a protected stack, loses a stack whose resource fails to delete (it is
    popped first, then the error escapes as a 500) and forgets what it kept. Here a
    protected stack is refused; a resource that cannot be deleted leaves the stack in
    DELETE_FAILED with the resource named; resources kept by ``DeletionPolicy: Retain``
    (or RetainExceptOnCreate) are recorded in ``RETAINED`` (the driver reads them).
    ``faults()`` lets the tests leave a resource silently or fail a stack's deletion."""

    def delete_resources(resource_map: Any, stack: Any) -> None:
        pending = {k: v for k, v in resource_map._resource_json_map.items() if k not in faults("leave-resource")}
        for logical_id, resource_json in list(pending.items()):
            if resource_json.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
                parsed = resource_map._parsed_resources.get(logical_id)
                RETAINED.append({"stack": stack.name, "region": stack.region_name, "logical_id": logical_id,
                                 "type": resource_json["Type"],
                                 "physical_id": str(getattr(parsed, "physical_resource_id", ""))})
                pending.pop(logical_id)
        errors: dict[str, Exception] = {}
        progress = True
        while pending and progress:
            progress = False
            # Reverse creation order first: dependants go before what they depend on.
            for logical_id in reversed(list(pending)):
                parsed = resource_map._parsed_resources.get(logical_id)
                try:
                    if parsed is not None and not isinstance(parsed, str):
                        snapshot = pending[logical_id].get("DeletionPolicy") == "Snapshot"
                        if snapshot:
                            parsed.final_snapshot = True  # the resource's delete takes it (resources.py)
                        resource_map._delete_resource(parsed, pending[logical_id])
                        if snapshot and hasattr(parsed, "db_instance_identifier"):
                            RETAINED.append({"stack": stack.name, "region": stack.region_name, "logical_id": logical_id,
                                             "type": "AWS::RDS::DBSnapshot (final snapshot, DeletionPolicy Snapshot)",
                                             "physical_id": f"{parsed.db_instance_identifier}-final-snapshot"})
                        resource_map._parsed_resources.pop(logical_id, None)
                except Exception as error:  # noqa: BLE001 - retried, then reported
                    errors[logical_id] = error
                else:
                    pending.pop(logical_id)
                    errors.pop(logical_id, None)
                    progress = True
        if pending:
            logical_id = next(iter(errors), next(iter(pending)))
            error = errors.get(logical_id)
            raise ResourceFailed(logical_id, pending[logical_id]["Type"],
                                 f"{type(error).__name__}: {error}" if error else "could not be deleted")

    def delete_stack(self, name_or_stack_id: str) -> None:
        stack = self.stacks.get(name_or_stack_id) or next(
            (s for s in self.stacks.values() if s.name == name_or_stack_id), None)
        if stack is None:
            return
        if stack.enable_termination_protection:
            raise ValidationError(message=f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled")
        stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
        stack.status = "DELETE_IN_PROGRESS"
        try:
            if stack.name in faults("fail-delete"):
                raise ResourceFailed(stack.name, "AWS::CloudFormation::Stack", "fault injected (REHEARSAL_FAULTS)")
            delete_resources(stack.resource_map, stack)
        except ResourceFailed as error:
            stack.events.append(models.Event(
                stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=error.logical_id,
                physical_resource_id="", resource_type=error.resource_type, resource_status="DELETE_FAILED",
                resource_status_reason=error.reason, resource_properties=None))
            stack.status = "DELETE_FAILED"
            stack.stack_status_reason = f"The following resource(s) failed to delete: [{error.logical_id}]. {error.reason}"
            stack._add_stack_event("DELETE_FAILED", resource_status_reason=stack.stack_status_reason)
            return
        stack._add_stack_event("DELETE_COMPLETE")
        stack.status = "DELETE_COMPLETE"
        self.stacks.pop(stack.stack_id)
        self.deleted_stacks[stack.stack_id] = stack
        for export in stack.exports:
            self.exports.pop(export.name, None)

    models.CloudFormationBackend.delete_stack = delete_stack


# --- intrinsics: Fn::GetStackOutput, dynamic references, nothing left unresolved -------------

_DYNAMIC = re.compile(r"\{\{resolve:(ssm|ssm-secure|secretsmanager):([^}]*)\}\}")
_INTRINSICS = ("Ref", "Fn::GetAtt", "Fn::GetStackOutput", "Fn::ImportValue", "Fn::Sub", "Fn::Join", "Fn::If")


def _unresolved(value: Any) -> bool:
    if isinstance(value, dict):
        return any(k in value for k in _INTRINSICS) or any(_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(_unresolved(v) for v in value)
    return isinstance(value, str) and "{{resolve:" in value


def resolve_dynamic(text: str, account_id: str, region: str) -> str:
    """``{{resolve:ssm:name[:version]}}`` and
    ``{{resolve:secretsmanager:id[:SecretString[:json-key[:stage[:version-id]]]]}}``."""
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.ssm.models import ssm_backends

    def one(match: re.Match) -> str:
        service, reference = match.groups()
        if service.startswith("ssm"):
            name, _, version = reference.partition(":")
            parameter = ssm_backends[account_id][region].get_parameter(f"{name}:{version}" if version else name)
            return parameter.value
        # An ARN has colons of its own: arn:aws:secretsmanager:region:account:secret:name
        parts = reference.split(":")
        if reference.startswith("arn:"):
            secret_id, rest = ":".join(parts[:7]), parts[7:]
        else:
            secret_id, rest = parts[0], parts[1:]
        rest += [""] * (4 - len(rest))
        _, json_key, stage, version_id = rest[:4]
        secret = secretsmanager_backends[account_id][region].get_secret_value(
            secret_id, version_id or None, stage or None)
        value = secret["SecretString"]
        return str(json.loads(value)[json_key]) if json_key else value

    return _DYNAMIC.sub(one, text)


def fix_intrinsics() -> None:
    """moto does not know ``Fn::GetStackOutput`` (CDK's weak cross-stack and cross-region
    references, ``@aws-cdk/core:defaultCrossStackReferences: weak``) nor dynamic
    references, and leaves what it cannot resolve in the property as it was: a literal
    ``{{resolve:secretsmanager:…}}`` reached the load balancer as a 100+ character header
    value (over its limit of 128 with the name) and a ``{"Fn::GetAtt": …}`` dict reached
    services as a value. Here both resolve (the output of the named stack in its region,
    the parameter or secret from the emulated store), and a resource whose properties
    still hold an intrinsic fails with the property named."""
    original = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        if isinstance(resource_json, dict) and "Fn::GetStackOutput" in resource_json:
            spec = original(resource_json["Fn::GetStackOutput"], resources_map)
            region = spec.get("Region") or resources_map._region_name
            stack = _backend(resources_map._account_id, region).get_stack(spec["StackName"])
            for output in stack.outputs or []:
                if output["OutputKey"] == spec["OutputName"]:
                    return output["OutputValue"]
            raise ValueError(f"stack {spec['StackName']} ({region}) has no output {spec['OutputName']}")
        result = original(resource_json, resources_map)
        if isinstance(result, str) and "{{resolve:" in result:
            result = resolve_dynamic(result, resources_map._account_id, resources_map._region_name)
        return result

    parsing.clean_json = clean_json

    parse_resource = parsing.parse_resource

    def checked_parse_resource(resource_json: dict, resources_map: Any) -> Any:
        parsed = parse_resource(resource_json, resources_map)
        if parsed:
            properties = parsed[1].get("Properties") or {}
            for key, value in properties.items():
                if _unresolved(value):
                    raise ValueError(f"property {key} did not resolve: {json.dumps(value)[:300]}")
        return parsed

    parsing.parse_resource = checked_parse_resource


# --- updates of resources moto cannot update -------------------------------------------------

def fix_unsupported_updates() -> None:
    """For a type without ``update_from_cloudformation_json`` moto's update returns None
    and drops the resource from the stack: its outputs vanish and a later Ref resolves to
    nothing. Here the resource stays as it was (a no-op update, reported nowhere else: the
    rehearsal's redeploy asserts physical IDs instead)."""
    original = parsing.parse_and_update_resource

    def parse_and_update_resource(logical_id, resource_json, resources_map, account_id, region_name):
        updated = original(logical_id, resource_json, resources_map, account_id, region_name)
        if updated is None:
            return resources_map._parsed_resources.get(logical_id)
        return updated

    parsing.parse_and_update_resource = parse_and_update_resource


# --- templates uploaded to the emulated S3 --------------------------------------------------

def fix_template_url() -> None:
    """The CLI uploads templates over 50 KB to the bootstrap bucket and passes a path-style
    TemplateURL on the emulator's endpoint (``http://127.0.0.1:PORT/bucket/key``); moto
    reads a path-style URL only on ``localhost`` and takes ``127`` for the bucket name
    ("The specified bucket does not exist"). Here any loopback host is path-style."""
    from urllib.parse import urlparse

    from moto.cloudformation import utils

    original = utils.get_stack_from_s3_url

    def get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
        host = urlparse(template_url).hostname or ""
        if host.startswith("127.") or host in ("localhost", "::1"):
            template_url = template_url.replace(host, "localhost", 1)
        return original(template_url, account_id=account_id, partition=partition)

    for module in (utils, models, responses):
        module.get_stack_from_s3_url = get_stack_from_s3_url


def fix_stack_resources() -> None:
    """moto lists a stack's resources by re-parsing its template: a resource that failed is
    created again (its error escapes ListStackResources as a 500, and the CLI's failure
    report retries for about 50 s) and skipped types show as empty rows. Here the list is
    what the stack holds."""

    def stack_resources(self: Any) -> list:
        return [r for r in self.resource_map._parsed_resources.values() if hasattr(r, "logical_resource_id")]

    models.Stack.stack_resources = property(stack_resources)


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFound"


def fix_change_set_lifecycle() -> None:
    """AWS removes a change set once it is executed and answers ``ChangeSetNotFound`` for
    one that does not exist; moto keeps executed change sets and answers
    ``ValidationError``. The CLI removes its previous ``cdk-deploy-change-set`` before each
    deploy and waits for ``ChangeSetNotFound``, so a second deploy of a stack waited
    forever. Here both behave as in AWS, and deleting a missing change set succeeds."""
    original_execute = models.CloudFormationBackend.execute_change_set

    def describe_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> Any:
        found = self.change_sets.get(change_set_name) or next(
            (c for c in self.change_sets.values() if c.change_set_name == change_set_name
             and (stack_name is None or stack_name in (c.stack_name, c.stack_id))), None)
        if found is None:
            raise ChangeSetNotFound(f"ChangeSet [{change_set_name}] does not exist")
        return found

    def delete_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        # Idempotent, as in AWS: the CLI deletes its change set "if it exists" before each deploy.
        try:
            found = describe_change_set(self, change_set_name, stack_name)
        except ChangeSetNotFound:
            return
        self.change_sets.pop(found.change_set_id, None)

    def execute_change_set(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        found = describe_change_set(self, change_set_name, stack_name)
        original_execute(self, found.change_set_id, stack_name)
        self.change_sets.pop(found.change_set_id, None)

    models.CloudFormationBackend.describe_change_set = describe_change_set
    models.CloudFormationBackend.delete_change_set = delete_change_set
    models.CloudFormationBackend.execute_change_set = execute_change_set


def fix_previous_ssm_parameters() -> None:
    """For a parameter passed with ``UsePreviousValue`` moto reuses the stack's *resolved*
    value; for an ``AWS::SSM::Parameter::Value<…>`` parameter (CDK's ``BootstrapVersion``,
    the AMI IDs) that is the parameter's value ("33", an AMI ID), which moto then looks up
    as a parameter name and fails ("'NoneType' object has no attribute 'value'") on every
    update. Here the previous value of such a parameter is the name the stack was given."""

    def stack_parameters(self: Any) -> dict[str, Any]:
        resolved = dict(self.resource_map.resolved_parameters)
        slots = self.template_dict.get("Parameters", {}) if isinstance(self.template_dict, dict) else {}
        for key, slot in slots.items():
            if str(slot.get("Type", "")).startswith("AWS::SSM::Parameter::") and key in resolved:
                resolved[key] = (self.parameters or {}).get(key) or slot.get("Default")
        return resolved

    models.Stack.stack_parameters = property(stack_parameters)
