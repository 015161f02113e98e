"""Tables every service keeps beside its own: the audit trail and idempotency records."""

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, UniqueConstraint

kernel_metadata = MetaData()

audit_record = Table(
    "audit_record", kernel_metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(50), nullable=False),
    Column("entity", String(100), nullable=False),
    Column("entity_id", String(200), nullable=False),
    Column("before", Text, nullable=True),
    Column("after", Text, nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# One row: the chain's last seq and hash. Locking it serializes appends on PostgreSQL.
audit_head = Table(
    "audit_head", kernel_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

idempotency_record = Table(
    "idempotency_record", kernel_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("actor", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("method", String(10), nullable=False),
    Column("path", String(500), nullable=False),
    Column("body_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),  # 0 while the first request is still working
    Column("response", Text, nullable=False),
    Column("at", String(32), nullable=False, index=True),
    Column("headers", Text, nullable=True),  # the answer's ETag and Location, replayed with it
    UniqueConstraint("actor", "key", name="uq_idempotency_actor_key"),
)
