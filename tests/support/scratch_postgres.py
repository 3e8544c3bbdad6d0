"""A fresh database on the shared PostgreSQL (127.0.0.1:5432, trust authentication),
dropped afterwards even while connections remain."""

import contextlib
import uuid
from collections.abc import Iterator

import psycopg

POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"


@contextlib.contextmanager
def scratch_database(prefix: str = "bj_test_") -> Iterator[str]:
    """Create a database named `prefix` plus a random suffix; yields its name."""
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
