"""Versioned SQL migrations, applied in order, each exactly once.

Files are named ``NNNN_description.sql``; ``NNNN`` is the version and the order. The
``schema_migrations`` table records each applied version with a checksum of its file,
so a re-run applies only what is new, and editing an applied migration is refused
(write a new one instead). Each migration runs in its own transaction together with
its bookkeeping row: a failing migration leaves no trace and is reported by name. A
session-level advisory lock keeps two concurrent deployments from racing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pg8000.native

SQL_DIR = Path(__file__).resolve().parent / "sql"
FILE_PATTERN = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any constant: all runners of this project take the same lock.
ADVISORY_LOCK_KEY = 7_262_019_001


class MigrationError(Exception):
    """A migration could not be applied; the message names it and says why."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(sql_dir: Path = SQL_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(sql_dir.iterdir()):
        if path.suffix != ".sql":
            continue
        match = FILE_PATTERN.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_lowercase_words.sql")
        migrations.append(Migration(match.group(1), path.name, path.read_text()))
    versions = [m.version for m in migrations]
    duplicates = sorted({v for v in versions if versions.count(v) > 1})
    if duplicates:
        raise MigrationError(f"migration versions used twice: {', '.join(duplicates)}")
    return migrations


def bundle_checksum(migrations: list[Migration]) -> str:
    """One hash over all migrations: the custom resource changes (and runs) when it does."""
    return hashlib.sha256("".join(m.name + m.checksum for m in migrations).encode()).hexdigest()


def apply(conn: pg8000.native.Connection, migrations: list[Migration]) -> list[str]:
    """Apply the migrations not yet applied, in order. Returns the names applied."""
    conn.run(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    conn.run("SELECT pg_advisory_lock(:key)", key=ADVISORY_LOCK_KEY)
    try:
        applied = {row[0]: (row[1], row[2]) for row in conn.run("SELECT version, name, checksum FROM schema_migrations")}
        done = []
        for migration in migrations:
            if migration.version in applied:
                name, checksum = applied[migration.version]
                if checksum != migration.checksum:
                    raise MigrationError(
                        f"{migration.name}: changed after it was applied (as {name}); "
                        "applied migrations are immutable, add a new migration instead"
                    )
                continue
            conn.run("BEGIN")
            try:
                conn.run(migration.sql)
                conn.run(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (:v, :n, :c)",
                    v=migration.version, n=migration.name, c=migration.checksum,
                )
                conn.run("COMMIT")
            except Exception as error:
                conn.run("ROLLBACK")
                detail = error.args[0].get("M", error) if error.args and isinstance(error.args[0], dict) else error
                raise MigrationError(f"{migration.name} failed and was rolled back: {detail}") from error
            done.append(migration.name)
        return done
    finally:
        conn.run("SELECT pg_advisory_unlock(:key)", key=ADVISORY_LOCK_KEY)
