"""CloudFormation custom resource: apply the database migrations on every deploy.

Create and Update apply what is pending (a no-op when nothing is new); Delete does
nothing, so removing the resource never touches data. A failing migration fails the
deployment with the migration's name and the database's error in the stack events.
The function answers CloudFormation itself (no provider framework), through the
pre-signed response URL.
"""

from __future__ import annotations

import json
import logging
import urllib.request

import dbkit
from runner import MigrationError, apply, discover

logger = logging.getLogger()
logger.setLevel(logging.INFO)

PHYSICAL_ID = "schema-migrations"


def send_response(event: dict, status: str, reason: str, data: dict | None = None) -> None:
    body = json.dumps({
        "Status": status,
        "Reason": reason[:3500],  # CloudFormation truncates long reasons; keep the start
        "PhysicalResourceId": event.get("PhysicalResourceId", PHYSICAL_ID),
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": False,
        "Data": data or {},
    }).encode()
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - CloudFormation's pre-signed S3 URL
        logger.info("CloudFormation answered %s", response.status)


def handle(event: dict, connect=dbkit.connect_from_environment) -> tuple[str, str, dict]:
    """(status, reason, data) for one custom resource event."""
    if event["RequestType"] == "Delete":
        return "SUCCESS", "Migrations are never rolled back by deleting the resource", {}
    try:
        migrations = discover()
        conn = connect()
        try:
            applied = apply(conn, migrations)
        finally:
            conn.close()
    except MigrationError as error:
        return "FAILED", f"Database migration failed: {error}", {}
    except Exception as error:  # connection, credentials, network: say what it was
        logger.exception("migration run failed")
        return "FAILED", f"Database migration could not run: {type(error).__name__}: {error}", {}
    reason = f"Applied {', '.join(applied)}" if applied else "Schema up to date"
    return "SUCCESS", reason, {"Applied": ",".join(applied), "Latest": migrations[-1].name if migrations else ""}


def lambda_handler(event, context):
    logger.info("%s request for %s", event.get("RequestType"), event.get("LogicalResourceId"))
    status, reason, data = handle(event)
    logger.info("%s: %s", status, reason)
    send_response(event, status, reason, data)
