"""The kernel's tables (audit trail, idempotency records), created in each chain's first revision.

Written out here, not from services/common's metadata, so that a revision keeps meaning what it
meant when it was written even after the kernel's models change.
"""

import sqlalchemy as sa
from alembic import op

GENESIS = "0" * 64


def create() -> None:
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"))
    # The chain's head exists from the start, so the first appends also lock it.
    op.bulk_insert(audit_head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    op.create_table(
        "audit_record",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity", sa.String(length=100), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"))
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor", "key", name="uq_idempotency_actor_key"))


def drop() -> None:
    op.drop_table("idempotency_record")
    op.drop_table("audit_record")
    op.drop_table("audit_head")


def add_idempotency_replay() -> None:
    """Idempotency records keep the answer's headers, and are purged by age through an index."""
    with op.batch_alter_table("idempotency_record") as batch:
        batch.add_column(sa.Column("headers", sa.Text(), nullable=True))
        batch.create_index("ix_idempotency_record_at", ["at"], unique=False)


def drop_idempotency_replay() -> None:
    with op.batch_alter_table("idempotency_record") as batch:
        batch.drop_index("ix_idempotency_record_at")
        batch.drop_column("headers")
