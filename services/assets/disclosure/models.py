"""Tables of public disclosure (三务公开): what a village publishes.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from services.assets.models import Base, utc_now
from services.common.database import Versioned


class Publication(Versioned, Base, table=True):
    """What a lead published for a village (三务公开): finances, contracts or audit results of a period.

    `content` is what was shown, as it was published; a newer publication of the same kind and period
    supersedes the older, which is kept. status: draft, published, superseded, withdrawn.
    """

    __tablename__ = "disclosure_publication"
    __table_args__ = (Index("ix_publication_unit_status", "unit_code", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_code: str = Field(max_length=12)
    unit_name: str = Field(max_length=100)
    town_code: str = Field(max_length=12)
    town_name: str = Field(default="", max_length=100)
    credit_code: str = Field(max_length=18)
    kind: str = Field(max_length=10)  # finance, contracts, audit
    period: str = Field(max_length=10)  # 2026, 2026-H1, 2026-Q3, 2026-05
    title: str = Field(max_length=200)
    content: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="draft", max_length=10)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utc_now)
    published_by: str | None = Field(default=None, max_length=200)
    published_on: date | None = None
    published_at: datetime | None = None
    supersedes_id: int | None = None
    demo: bool = False
    version: int = 1
