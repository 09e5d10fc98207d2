"""Cognito PostConfirmation trigger: write the confirmed user into the users table.

The row's id is the Cognito ``sub``; email and display name come from the user's
attributes. The write is an upsert, so Cognito's retries and repeated confirmations
are harmless. Which table and columns: ``USER_TABLE`` (optionally ``schema.table``),
``USER_ID_COLUMN`` and ``USER_ID_TYPE`` (uuid or text), ``USER_EMAIL_COLUMN``,
``USER_NAME_COLUMN`` ("" = none); by default the project's ``users (id uuid, email,
display_name)`` (``auth.user_table`` in the configuration).

Failure behaviour (decided, see README "Auth"): Cognito waits at most 5 seconds for
this function and, if it raises, shows the user an error although the account is
already confirmed. So the function never raises for a database problem: it tries the
write twice within its time budget, and if the database stays unreachable or refuses
the row it logs one structured ``USER_SYNC_FAILED`` line (for a metric filter and an
alarm) and lets the sign-up finish. The application creates a missing row on the
user's first authenticated request (upsert by ``sub``), which reconciles the rest.
"""

from __future__ import annotations

import json
import logging
import os
import time

import dbkit

logger = logging.getLogger()
logger.setLevel(logging.INFO)

CONFIRM_SIGN_UP = "PostConfirmation_ConfirmSignUp"
ATTEMPTS = 2
BACKOFF_SECONDS = 0.3



def _quoted(name: str) -> str:
    """An identifier as the database has it (case kept); the configuration allows letters,
    digits and _ only, and a doubled quote keeps anything else from ending it."""
    return '"' + name.replace('"', '""') + '"'


def upsert_statement(table: str = "users", id_column: str = "id", id_type: str = "uuid",
                     email_column: str = "email", name_column: str = "display_name") -> str:
    """The upsert by ``id_column``: the email follows the user, a display name the user
    already changed is kept."""
    target = ".".join(_quoted(part) for part in table.split("."))
    ident, email = _quoted(id_column), _quoted(email_column)
    value = "CAST(:id AS uuid)" if id_type == "uuid" else ":id"
    if not name_column:
        return (f"INSERT INTO {target} ({ident}, {email}) VALUES ({value}, :email) "
                f"ON CONFLICT ({ident}) DO UPDATE SET {email} = EXCLUDED.{email}")
    name = _quoted(name_column)
    return (f"INSERT INTO {target} ({ident}, {email}, {name}) VALUES ({value}, :email, :display_name) "
            f"ON CONFLICT ({ident}) DO UPDATE SET {email} = EXCLUDED.{email}, {name} = COALESCE({target}.{name}, EXCLUDED.{name})")


UPSERT = upsert_statement(
    table=os.environ.get("USER_TABLE", "users"),
    id_column=os.environ.get("USER_ID_COLUMN", "id"),
    id_type=os.environ.get("USER_ID_TYPE", "uuid"),
    email_column=os.environ.get("USER_EMAIL_COLUMN", "email"),
    name_column=os.environ.get("USER_NAME_COLUMN", "display_name"),
)

_connection = None  # reused across invocations of a warm function


def display_name(attributes: dict) -> str:
    for key in ("name", "preferred_username", "given_name"):
        if attributes.get(key):
            return attributes[key]
    return attributes["email"].split("@", 1)[0]


def _connection_or_new(connect):
    global _connection
    if _connection is None:
        _connection = connect()
    return _connection


def _drop_connection() -> None:
    global _connection
    if _connection is not None:
        try:
            _connection.close()
        except Exception:  # already broken: nothing to close
            pass
    _connection = None


def sync_user(event: dict, connect=dbkit.connect_from_environment, sleep=time.sleep) -> bool:
    """Upsert the user; True when the row is written."""
    attributes = event["request"]["userAttributes"]
    row = {"id": attributes["sub"], "email": attributes["email"].lower()}
    if ":display_name" in UPSERT:
        row["display_name"] = display_name(attributes)
    last_error: Exception | None = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _connection_or_new(connect).run(UPSERT, **row)
            return True
        except Exception as error:
            last_error = error
            _drop_connection()
            if attempt < ATTEMPTS:
                sleep(BACKOFF_SECONDS)
    logger.error(json.dumps({
        "event": "USER_SYNC_FAILED",
        "userPoolId": event.get("userPoolId"),
        "sub": row["id"],
        "error": f"{type(last_error).__name__}: {last_error}",
    }))
    return False


def lambda_handler(event, context):
    if event.get("triggerSource") == CONFIRM_SIGN_UP:
        sync_user(event)
    # Cognito expects the event back; returning it lets the confirmation complete.
    return event
