"""Tables of the annual plan: auditors and their ties, plans, their rows and amendments.

A plan keeps a snapshot of what it was made from (the organizations and their figures as the
registry gave them), so regenerating or amending it never depends on the registry answering,
and the same snapshot, settings and seed always give the same plan.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.assets.models import Base, utc_now
from services.common.database import Versioned


class Auditor(Versioned, Base, table=True):
    """Auditor (审计人员), linked to a gateway user by username; `role` is lead (组长) or auditor."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=10)  # lead, auditor
    capacity_days: int  # working days a year available for audits and inspections
    active: bool = True
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class Tie(Base, table=True):
    """A declared tie (回避事由) that keeps an auditor off a village, its organization or a whole town.

    `unit_code` names a village-level unit or a town; `credit_code` an organization the auditor
    worked for or held office in. Confidential: only admins and audit leads read them.
    """

    __tablename__ = "auditor_tie"

    id: int | None = Field(default=None, primary_key=True)
    auditor_id: int = Field(foreign_key="auditor.id", index=True)
    kind: str = Field(max_length=20)  # home_village, relatives_village, past_employment, town
    unit_code: str | None = Field(default=None, max_length=12)
    credit_code: str | None = Field(default=None, max_length=18)
    reason: str = Field(max_length=500)
    declared_on: date
    demo: bool = False
    created_at: datetime = Field(default_factory=utc_now)


class Plan(Versioned, Base, table=True):
    """Annual audit plan (年度审计计划): key audits (重点审计) and periodic inspections (定期检查).

    draft → approved (frozen; engagements made) → amended only with a recorded reason.
    """

    __table_args__ = (UniqueConstraint("year", name="uq_plan_year"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    status: str = Field(default="draft", max_length=10)  # draft, approved
    district_code: str = Field(max_length=12)
    seed: int = 0
    settings: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The registry data and history the plan was made from: one entry per organization.
    snapshot: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    statistics_year: int | None = None
    summary: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=200)
    approved_by: str | None = Field(default=None, max_length=200)
    approved_at: datetime | None = None
    approval_reason: str | None = Field(default=None, max_length=1000)
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class PlanRow(Base, table=True):
    """One pick of a plan: an organization as it was, its risk and reason, the team and quarter."""

    __tablename__ = "plan_row"
    __table_args__ = (UniqueConstraint("plan_id", "credit_code", name="uq_plan_row_organization"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    kind: str = Field(max_length=12)  # key_audit, inspection
    position: int
    credit_code: str = Field(max_length=18)
    organization_name: str = Field(max_length=200)
    unit_code: str = Field(max_length=12)
    unit_name: str = Field(max_length=100)
    town_code: str = Field(max_length=12)
    town_name: str = Field(max_length=100)
    risk_score: float
    risk_rank: int
    reason: str = Field(max_length=1000)
    quarter: int
    # [{"auditor_id", "username", "name", "lead": bool}]
    team: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # [{"rule", "message"}] found when a person changed the row
    warnings: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    changed_by: str | None = Field(default=None, max_length=200)


class Amendment(Base, table=True):
    """A change to an approved plan, with the reason the lead gave (计划调整)."""

    __tablename__ = "plan_amendment"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    row_id: int = Field(foreign_key="plan_row.id")
    reason: str = Field(max_length=1000)
    change: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    actor: str = Field(max_length=200)
    at: datetime = Field(default_factory=utc_now)
