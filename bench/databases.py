"""Empty PostgreSQL databases for a benchmark, on the server the tests use, dropped when it ends."""

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg

from tests.databases import postgres_admin_url


@contextmanager
def postgres_databases(labels: Iterable[str]) -> Iterator[dict[str, str] | None]:
    """A fresh database per label, as {label: URL}; None, with a line saying why, when the server is unreachable."""
    admin_url = postgres_admin_url()
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        print(f"  PostgreSQL at {admin_url} is unreachable ({str(exc).strip().splitlines()[0]}); skipped")
        yield None
        return
    run = secrets.token_hex(4)
    names = {label: f"zx_bench_{run}_{label}" for label in labels}
    with admin:
        try:
            for name in names.values():
                admin.execute(f'CREATE DATABASE "{name}"')
            base = admin_url.rsplit("/", 1)[0]
            yield {label: f"{base}/{name}" for label, name in names.items()}
        finally:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
