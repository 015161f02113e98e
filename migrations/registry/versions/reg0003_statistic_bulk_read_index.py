"""statistic_value: a covering index for the yearly bulk read, in unit code order

`GET /v1/statistics?year=&metrics=` reads every unit's values of a metric and year by unit code.
With (year, metric_key) alone SQLite looks up each of 500,000 rows in the table and then sorts
them in a temporary B-tree; this index hands them over in order, values included.

Revision ID: reg0003
Revises: reg0002
Create Date: 2026-11-26 01:30:00
"""

from alembic import op


revision = 'reg0003'
down_revision = 'reg0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('statistic_value', schema=None) as batch_op:
        batch_op.create_index('ix_statistic_year_metric_unit', ['year', 'metric_key', 'unit_code', 'unit_id', 'value'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('statistic_value', schema=None) as batch_op:
        batch_op.drop_index('ix_statistic_year_metric_unit')
