"""The base of the assets service's tables: one registry and metadata of their own.

The tables live with their parts (plan/, fieldwork/, ledgers/, disclosure/ `models.py`);
`services.assets.tables` gathers them all for Alembic.
"""

from datetime import UTC, datetime

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class Base(SQLModel, registry=registry()):
    """This process's tables, in a registry and metadata of their own."""


def utc_now() -> datetime:
    return datetime.now(UTC)
