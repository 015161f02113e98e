"""Fresh databases for tests: SQLite files by default, PostgreSQL when ZX_TEST_DB=postgres."""

import os
import secrets
from pathlib import Path

import psycopg

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def backend() -> str:
    return os.environ.get("ZX_TEST_DB", "sqlite")


def postgres_admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES)


def postgres_reachable() -> str | None:
    """None when reachable, else the reason."""
    try:
        with psycopg.connect(postgres_admin_url(), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class DatabaseFactory:
    """Hands out empty databases and drops the PostgreSQL ones at the end of the run."""

    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.run = secrets.token_hex(4)
        self.created: list[str] = []

    def new(self, label: str) -> str:
        name = f"zx_test_{self.run}_{len(self.created)}_{label}"
        self.created.append(name)
        if backend() != "postgres":
            return f"sqlite:///{self.tmp_dir / (name + '.db')}"
        with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        base = postgres_admin_url().rsplit("/", 1)[0]
        return f"{base}/{name}"

    def drop_all(self) -> None:
        if backend() != "postgres":
            return
        with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
