"""kernel tables

Revision ID: ast0001
Revises: 
Create Date: 2026-11-26 00:48:30.520348
"""

from migrations import kernel_tables


revision = 'ast0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    kernel_tables.create()


def downgrade() -> None:
    kernel_tables.drop()
