"""The PostConfirmation trigger against a real PostgreSQL with the seed schema."""

from __future__ import annotations

import json
import logging
import re

import post_confirmation
import pytest
import runner

SUB = "5f0c3a52-7d1e-4a57-9c6b-2f1e0a4d9b11"


def confirmation(trigger: str = "PostConfirmation_ConfirmSignUp", **attributes) -> dict:
    attrs = {"sub": SUB, "email": "Ada@Example.com", "email_verified": "true", **attributes}
    return {"triggerSource": trigger, "userPoolId": "us-east-1_test", "request": {"userAttributes": attrs}, "response": {}}


@pytest.fixture
def db(connect, monkeypatch):
    conn = connect()
    runner.apply(conn, runner.discover())
    monkeypatch.setattr(post_confirmation, "_connection", None)
    monkeypatch.setattr(post_confirmation.dbkit, "connect_from_environment", connect)
    yield conn
    post_confirmation._drop_connection()


def users(conn):
    return conn.run("SELECT id::text, email, display_name FROM users")


def test_inserts_the_confirmed_user(db, connect):
    assert post_confirmation.sync_user(confirmation(name="Ada Lovelace"), connect=connect) is True
    assert users(db) == [[SUB, "ada@example.com", "Ada Lovelace"]]


def test_is_idempotent_on_retries(db, connect):
    for _ in range(3):
        assert post_confirmation.sync_user(confirmation(), connect=connect)
    assert users(db) == [[SUB, "ada@example.com", "Ada"]]


def test_keeps_a_display_name_the_user_already_changed(db, connect):
    post_confirmation.sync_user(confirmation(), connect=connect)
    db.run("UPDATE users SET display_name = 'Countess'")
    post_confirmation.sync_user(confirmation(email="ada@new.example"), connect=connect)
    assert users(db) == [[SUB, "ada@new.example", "Countess"]]


def test_handler_returns_the_event_and_ignores_forgot_password(db, connect, monkeypatch):
    calls = []
    monkeypatch.setattr(post_confirmation, "sync_user", lambda event: calls.append(event))
    event = confirmation("PostConfirmation_ConfirmForgotPassword")
    assert post_confirmation.lambda_handler(event, None) is event
    assert calls == []
    event = confirmation()
    assert post_confirmation.lambda_handler(event, None) is event
    assert calls == [event]


def test_transient_database_error_does_not_block_sign_up(db, connect, caplog):
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionResetError("connection reset by peer")
        return connect()

    assert post_confirmation.sync_user(confirmation(), connect=flaky, sleep=lambda s: None) is True
    assert len(attempts) == 2 and users(db)[0][0] == SUB


def test_database_down_logs_and_lets_the_confirmation_finish(caplog, monkeypatch):
    monkeypatch.setattr(post_confirmation, "_connection", None)

    def down():
        raise ConnectionRefusedError("connection refused")

    slept = []
    with caplog.at_level(logging.ERROR):
        assert post_confirmation.sync_user(confirmation(), connect=down, sleep=slept.append) is False
    assert slept == [post_confirmation.BACKOFF_SECONDS]  # one retry, within Cognito's 5 s
    record = json.loads(caplog.records[-1].getMessage())
    assert record["event"] == "USER_SYNC_FAILED" and record["sub"] == SUB and "connection refused" in record["error"]
    # The observability tier's metric filter is the term pattern "USER_SYNC_FAILED": in the Lambda
    # runtime's text format ("[ERROR]\t<time>\t<request id>\t<message>") the message carries
    # it as a whole term, which is what that pattern matches.
    line = f"[ERROR]\t2026-11-23T12:00:00.000Z\t8f5c1c1e-0000-4000-8000-000000000000\t{caplog.records[-1].getMessage()}"
    assert "USER_SYNC_FAILED" in re.split(r"[^A-Za-z0-9_]+", line)


def test_email_taken_by_another_account_is_logged_not_raised(db, connect, caplog):
    db.run("INSERT INTO users (id, email) VALUES (gen_random_uuid(), 'ada@example.com')")
    with caplog.at_level(logging.ERROR):
        assert post_confirmation.sync_user(confirmation(), connect=connect, sleep=lambda s: None) is False
    assert "users_email_key" in json.loads(caplog.records[-1].getMessage())["error"]


def test_the_project_table_statement_is_the_default():
    assert post_confirmation.upsert_statement() == (
        'INSERT INTO "users" ("id", "email", "display_name") VALUES (CAST(:id AS uuid), :email, :display_name) '
        'ON CONFLICT ("id") DO UPDATE SET "email" = EXCLUDED."email", '
        '"display_name" = COALESCE("users"."display_name", EXCLUDED."display_name")')


def test_writes_a_team_table_mapped_by_auth_user_table(connect, monkeypatch):
    """A Prisma model ``User`` (text id, ``name``) in its own schema, as auth.user_table maps it."""
    conn = connect()
    conn.run('CREATE SCHEMA app')
    conn.run('CREATE TABLE app."User" (id text PRIMARY KEY, email text NOT NULL UNIQUE, name text)')
    statement = post_confirmation.upsert_statement(table="app.User", id_column="id", id_type="text", email_column="email", name_column="name")
    monkeypatch.setattr(post_confirmation, "UPSERT", statement)
    monkeypatch.setattr(post_confirmation, "_connection", None)
    for _ in range(2):
        assert post_confirmation.sync_user(confirmation(name="Ada Lovelace"), connect=connect) is True
    assert conn.run('SELECT id, email, name FROM app."User"') == [[SUB, "ada@example.com", "Ada Lovelace"]]
    post_confirmation._drop_connection()


def test_writes_without_a_name_column(connect, monkeypatch):
    conn = connect()
    conn.run("CREATE TABLE members (sub uuid PRIMARY KEY, mail text NOT NULL)")
    statement = post_confirmation.upsert_statement(table="members", id_column="sub", id_type="uuid", email_column="mail", name_column="")
    monkeypatch.setattr(post_confirmation, "UPSERT", statement)
    monkeypatch.setattr(post_confirmation, "_connection", None)
    assert post_confirmation.sync_user(confirmation(), connect=connect) is True
    assert conn.run("SELECT sub::text, mail FROM members") == [[SUB, "ada@example.com"]]
    post_confirmation._drop_connection()
