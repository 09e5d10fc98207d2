"""The migration runner and its custom resource handler against a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import apply_migrations
import pytest
import runner
from runner import Migration, MigrationError


def tables(conn) -> set[str]:
    return {r[0] for r in conn.run("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_seed_schema_applies_once(connect):
    conn = connect()
    assert runner.apply(conn, runner.discover()) == ["0001_seed_schema.sql"]
    assert tables(conn) == {"schema_migrations", "users", "watchlists", "watchlist_items", "charts", "alerts", "candles"}
    index = conn.run("SELECT indexdef FROM pg_indexes WHERE indexname = 'candles_symbol_interval_ts_idx'")
    assert index and "(symbol, \"interval\", ts)" in index[0][0]
    # A re-run (a re-deploy) is a no-op.
    assert runner.apply(conn, runner.discover()) == []
    assert conn.run("SELECT count(*) FROM schema_migrations") == [[1]]


def test_seed_schema_constraints_hold(connect):
    conn = connect()
    runner.apply(conn, runner.discover())
    conn.run("INSERT INTO users (email) VALUES ('a@example.com')")
    with pytest.raises(Exception, match="users_email_key"):
        conn.run("INSERT INTO users (email) VALUES ('a@example.com')")
    with pytest.raises(Exception, match="foreign key"):
        conn.run("INSERT INTO watchlists (user_id, name) VALUES (gen_random_uuid(), 'x')")


def test_new_migrations_apply_in_order_after_the_old_ones(connect):
    conn = connect()
    first = [Migration("0001", "0001_a.sql", "CREATE TABLE a (id int)")]
    assert runner.apply(conn, first) == ["0001_a.sql"]
    later = first + [
        Migration("0003", "0003_c.sql", "ALTER TABLE a ADD COLUMN c int"),
        Migration("0002", "0002_b.sql", "ALTER TABLE a ADD COLUMN b int"),
    ]
    assert runner.apply(conn, sorted(later, key=lambda m: m.version)) == ["0002_b.sql", "0003_c.sql"]
    columns = [r[0] for r in conn.run("SELECT column_name FROM information_schema.columns WHERE table_name = 'a' ORDER BY ordinal_position")]
    assert columns == ["id", "b", "c"]


def test_a_broken_migration_rolls_back_and_is_reported(connect):
    conn = connect()
    migrations = [
        Migration("0001", "0001_ok.sql", "CREATE TABLE ok (id int)"),
        Migration("0002", "0002_broken.sql", "CREATE TABLE half (id int); SELECT * FROM no_such_table;"),
    ]
    with pytest.raises(MigrationError, match=r"0002_broken.sql failed and was rolled back: .*no_such_table"):
        runner.apply(conn, migrations)
    assert tables(conn) == {"schema_migrations", "ok"}  # `half` rolled back with its migration
    assert conn.run("SELECT version FROM schema_migrations") == [["0001"]]
    # Fixed, the next deploy applies it.
    fixed = [migrations[0], Migration("0002", "0002_broken.sql", "CREATE TABLE half (id int)")]
    assert runner.apply(conn, fixed) == ["0002_broken.sql"]


def test_an_applied_migration_cannot_change(connect):
    conn = connect()
    runner.apply(conn, [Migration("0001", "0001_a.sql", "CREATE TABLE a (id int)")])
    with pytest.raises(MigrationError, match="changed after it was applied"):
        runner.apply(conn, [Migration("0001", "0001_a.sql", "CREATE TABLE a (id bigint)")])


def test_discover_refuses_bad_names_and_duplicate_versions(tmp_path: Path):
    (tmp_path / "0001_ok.sql").write_text("SELECT 1")
    (tmp_path / "1_bad.sql").write_text("SELECT 1")
    with pytest.raises(MigrationError, match="1_bad.sql: migration files are named"):
        runner.discover(tmp_path)
    (tmp_path / "1_bad.sql").unlink()
    (tmp_path / "0001_again.sql").write_text("SELECT 1")
    with pytest.raises(MigrationError, match="versions used twice: 0001"):
        runner.discover(tmp_path)


def event(request_type: str) -> dict:
    return {"RequestType": request_type, "StackId": "s", "RequestId": "r", "LogicalResourceId": "Migrations", "ResponseURL": "https://example.invalid"}


def test_handler_applies_then_reports_up_to_date(connect):
    status, reason, data = apply_migrations.handle(event("Create"), connect=connect)
    assert (status, reason, data["Applied"]) == ("SUCCESS", "Applied 0001_seed_schema.sql", "0001_seed_schema.sql")
    assert apply_migrations.handle(event("Update"), connect=connect)[:2] == ("SUCCESS", "Schema up to date")


def test_handler_fails_the_deployment_with_the_migrations_name(connect, monkeypatch):
    monkeypatch.setattr(apply_migrations, "discover", lambda: [Migration("0001", "0001_bad.sql", "SELEC 1")])
    status, reason, _ = apply_migrations.handle(event("Create"), connect=connect)
    assert status == "FAILED"
    assert reason.startswith("Database migration failed: 0001_bad.sql failed and was rolled back:")
    assert "syntax error" in reason


def test_handler_reports_an_unreachable_database():
    def unreachable():
        raise ConnectionRefusedError("connection refused")

    status, reason, _ = apply_migrations.handle(event("Create"), connect=unreachable)
    assert (status, reason) == ("FAILED", "Database migration could not run: ConnectionRefusedError: connection refused")


def test_delete_never_touches_the_database():
    def forbidden():
        raise AssertionError("Delete must not connect")

    assert apply_migrations.handle(event("Delete"), connect=forbidden)[0] == "SUCCESS"


def test_bundle_checksum_changes_with_any_migration():
    base = [Migration("0001", "0001_a.sql", "SELECT 1")]
    assert runner.bundle_checksum(base) == runner.bundle_checksum(list(base))
    assert runner.bundle_checksum(base) != runner.bundle_checksum([Migration("0001", "0001_a.sql", "SELECT 2")])
