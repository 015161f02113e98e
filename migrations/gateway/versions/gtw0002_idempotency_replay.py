"""idempotency_record: the answer's headers kept for replay, and an index on age for the purge

Revision ID: gtw0002
Revises: gtw0001
Create Date: 2026-12-04 17:40:00
"""

from migrations import kernel_tables

revision = 'gtw0002'
down_revision = 'gtw0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    kernel_tables.add_idempotency_replay()


def downgrade() -> None:
    kernel_tables.drop_idempotency_replay()
