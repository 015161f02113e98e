"""Tables of fieldwork: engagements and their teams, checklist templates, answers, findings,
rectification and evidence.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field

from services.assets.models import Base, utc_now
from services.common.database import Versioned


class Engagement(Versioned, Base, table=True):
    """Engagement (审计/检查任务): one key audit or inspection of one organization, as planned."""

    __table_args__ = (Index("ix_engagement_year_credit_code", "year", "credit_code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    plan_row_id: int = Field(foreign_key="plan_row.id", unique=True)
    year: int
    kind: str = Field(max_length=12)
    credit_code: str = Field(max_length=18)
    organization_name: str = Field(max_length=200)
    unit_code: str = Field(max_length=12)
    town_code: str = Field(max_length=12, index=True)
    quarter: int
    status: str = Field(default="planned", max_length=12)
    team: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class EngagementMember(Base, table=True):
    """Who is on an engagement's team; what "an auditor sees their own engagements" filters on."""

    __tablename__ = "engagement_member"

    engagement_id: int = Field(foreign_key="engagement.id", primary_key=True)
    auditor_id: int = Field(foreign_key="auditor.id", primary_key=True)
    username: str = Field(max_length=100, index=True)
    lead: bool = False


class ChecklistTemplate(Base, table=True):
    """Checklist template (检查底稿模板), loaded from `checklists/*.yaml`; a published version is frozen.

    `sections` keeps the sections' codes and titles in order; the items are rows of `checklist_item`.
    A change to a published template is a new version; an engagement keeps the version it started with.
    """

    __tablename__ = "checklist_template"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_checklist_template_version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40)
    version: int
    kind: str = Field(max_length=12)  # key_audit, inspection
    title_zh: str = Field(max_length=200)
    title_en: str = Field(max_length=200)
    sections: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    digest: str = Field(max_length=64)  # sha256 of the file's content as loaded
    status: str = Field(default="published", max_length=10)
    published_at: datetime = Field(default_factory=utc_now)


class ChecklistItem(Base, table=True):
    """One question of a template: its type (yes_no, number, money, text, date, choice, choices, evidence)
    and rules (`required`, `note_on_no`, `show_if`, `finding`)."""

    __tablename__ = "checklist_item"
    __table_args__ = (UniqueConstraint("template_id", "code", name="uq_checklist_item_code"),)

    id: int | None = Field(default=None, primary_key=True)
    template_id: int = Field(foreign_key="checklist_template.id", index=True)
    section: str = Field(max_length=40)
    position: int
    code: str = Field(max_length=40)
    type: str = Field(max_length=10)
    label_zh: str = Field(max_length=500)
    label_en: str = Field(max_length=500)
    unit: str | None = Field(default=None, max_length=20)
    options: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    rules: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Fieldwork(Base, table=True):
    """An engagement's checklist and review state (底稿): the template version it started with,
    who submitted, the lead's comments when it was returned, who accepted and closed it."""

    engagement_id: int = Field(foreign_key="engagement.id", primary_key=True)
    template_id: int = Field(foreign_key="checklist_template.id")
    started_by: str = Field(max_length=200)
    started_at: datetime = Field(default_factory=utc_now)
    submitted_by: str | None = Field(default=None, max_length=200)
    submitted_at: datetime | None = None
    review_comment: str | None = Field(default=None, max_length=2000)
    reviewed_by: str | None = Field(default=None, max_length=200)
    reviewed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=200)
    closed_at: datetime | None = None


class Answer(Base, table=True):
    """One answer of an engagement's checklist; saved item by item, so team members never overwrite
    each other's items, and `version` turns a change of the same item by two people into a conflict."""

    engagement_id: int = Field(foreign_key="engagement.id", primary_key=True)
    item_code: str = Field(max_length=40, primary_key=True)
    value: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # {"v": ...}
    note: str | None = Field(default=None, max_length=2000)
    version: int = 1
    updated_by: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utc_now)


class Finding(Versioned, Base, table=True):
    """Finding (审计发现/问题): drafted from a "no" answer by the template's rule, or added by hand."""

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    item_code: str | None = Field(default=None, max_length=40)
    source: str = Field(default="manual", max_length=10)  # answer, manual
    severity: str = Field(max_length=10)  # general 一般, major 较重, serious 严重
    category: str = Field(max_length=40)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=4000)
    basis: str = Field(default="", max_length=1000)  # rule basis (依据)
    amount: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    responsible_unit: str = Field(default="", max_length=200)
    responsible_person: str = Field(default="", max_length=100)
    created_by: str = Field(max_length=200)
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class Rectification(Versioned, Base, table=True):
    """Rectification (整改) of one finding: owner, deadline, actions, evidence; verified by the lead.

    status: open → submitted → verified, or accepted (the lead accepts the finding without further
    action, with a reason); an open or submitted one past its deadline is shown as overdue.
    """

    finding_id: int = Field(foreign_key="finding.id", primary_key=True)
    status: str = Field(default="open", max_length=10)
    owner: str = Field(default="", max_length=100)
    deadline: date | None = None
    actions: str = Field(default="", max_length=4000)
    evidence: str = Field(default="", max_length=2000)
    verified_by: str | None = Field(default=None, max_length=200)
    verified_at: datetime | None = None
    comment: str | None = Field(default=None, max_length=2000)
    version: int = 1
    updated_at: datetime = Field(default_factory=utc_now)


class Evidence(Base, table=True):
    """Evidence (证据材料): a photo or file attached to a checklist item, a finding or its rectification.

    The content is stored once under its sha256 whatever the number of attachments; `purpose` says at
    which stage it was attached (answer, finding, rectification). Type, size and pixels were checked
    by content when it came in.
    """

    __table_args__ = (Index("ix_evidence_engagement_item", "engagement_id", "item_code"),)

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id")
    item_code: str | None = Field(default=None, max_length=40)
    # A withdrawn finding takes its attachments with it (the audit trail keeps them; the file stays).
    finding_id: int | None = Field(default=None, foreign_key="finding.id", ondelete="CASCADE", index=True)
    purpose: str = Field(max_length=14)  # answer, finding, rectification
    sha256: str = Field(max_length=64, index=True)
    media_type: str = Field(max_length=100)
    size: int
    filename: str = Field(max_length=200)
    width: int | None = None
    height: int | None = None
    thumbnail: bool = False
    uploaded_by: str = Field(max_length=200)
    uploaded_at: datetime = Field(default_factory=utc_now)
