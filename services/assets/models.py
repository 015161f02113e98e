"""Tables of the assets service.

A plan keeps a snapshot of what it was made from (the organizations and their figures as the
registry gave them), so regenerating or amending it never depends on the registry answering,
and the same snapshot, settings and seed always give the same plan.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.common.database import Versioned
from services.common.kernel_tables import kernel_metadata


class Base(SQLModel, registry=registry()):
    """This process's tables, in a registry and metadata of their own."""


def _now() -> datetime:
    return datetime.now(UTC)


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
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


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
    created_at: datetime = Field(default_factory=_now)


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
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


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
    at: datetime = Field(default_factory=_now)


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
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


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
    published_at: datetime = Field(default_factory=_now)


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
    started_at: datetime = Field(default_factory=_now)
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
    updated_at: datetime = Field(default_factory=_now)


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
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


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
    updated_at: datetime = Field(default_factory=_now)


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
    uploaded_at: datetime = Field(default_factory=_now)


# What Alembic compares against: this service's tables and the shared kernel tables.
target_metadata = [Base.metadata, kernel_metadata]


class AssetItem(Versioned, Base, table=True):
    """Collective asset (集体资产) of one organization: a building, facility, equipment or vehicle.

    The organization, its village and town are kept as the registry gave them when the item was entered.
    status: in_use 在用, leased 出租, idle 闲置, disposed 已处置.
    """

    __tablename__ = "asset_item"
    __table_args__ = (UniqueConstraint("credit_code", "code", name="uq_asset_item_code"),)

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=18, index=True)
    organization_name: str = Field(max_length=200)
    unit_code: str = Field(max_length=12, index=True)
    unit_name: str = Field(max_length=100)
    town_code: str = Field(max_length=12, index=True)
    code: str = Field(max_length=40)  # the organization's own ledger number
    name: str = Field(max_length=200)
    kind: str = Field(max_length=12)  # building, facility, equipment, vehicle, other
    book_value: Decimal = Field(max_digits=16, decimal_places=2)
    acquired_on: date | None = None
    location: str = Field(default="", max_length=200)
    status: str = Field(default="in_use", max_length=10)
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class ResourceItem(Versioned, Base, table=True):
    """Collective resource (集体资源): land or forest of one organization by type, its area in 亩.

    status: contracted 已发包, own_use 自营, idle 闲置.
    """

    __tablename__ = "resource_item"
    __table_args__ = (UniqueConstraint("credit_code", "code", name="uq_resource_item_code"),)

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=18, index=True)
    organization_name: str = Field(max_length=200)
    unit_code: str = Field(max_length=12, index=True)
    unit_name: str = Field(max_length=100)
    town_code: str = Field(max_length=12, index=True)
    code: str = Field(max_length=40)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=12)  # arable 耕地, forest 林地, garden 园地, grassland 草地, construction 建设用地, other
    area_mu: Decimal = Field(max_digits=14, decimal_places=2)
    location: str = Field(default="", max_length=200)
    status: str = Field(default="own_use", max_length=10)
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class InventoryRound(Base, table=True):
    """A yearly inventory round (年度资产清查) of one organization's assets and resources."""

    __tablename__ = "inventory_round"
    __table_args__ = (UniqueConstraint("year", "credit_code", name="uq_inventory_round_year"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    credit_code: str = Field(max_length=18)
    unit_code: str = Field(max_length=12)
    town_code: str = Field(max_length=12, index=True)
    status: str = Field(default="open", max_length=10)  # open, closed
    started_by: str = Field(max_length=200)
    started_at: datetime = Field(default_factory=_now)
    closed_by: str | None = Field(default=None, max_length=200)
    closed_at: datetime | None = None
    demo: bool = False


class InventoryCheck(Base, table=True):
    """One item's mark in a round: confirmed 相符, changed 变更, missing 盘亏, new 盘盈; who and when."""

    __tablename__ = "inventory_check"
    __table_args__ = (UniqueConstraint("round_id", "item_type", "item_id", name="uq_inventory_check_item"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="inventory_round.id", index=True)
    item_type: str = Field(max_length=10)  # asset, resource
    item_id: int
    outcome: str = Field(max_length=10)
    note: str = Field(default="", max_length=1000)
    checked_by: str = Field(max_length=200)
    checked_at: datetime = Field(default_factory=_now)


class LandContract(Versioned, Base, table=True):
    """Land-related economic contract (涉地经济合同) of an organization with an enterprise or a person.

    A person's ID number is stored whole and shown masked to everyone but admins and audit leads.
    `procedure` records 四议一审两公开, step → {"on": date, "document": reference}. The rent is
    `annual_rent` a year, due every `payment_cycle_months` from the term's start in advance (0: all at
    once at the start). state: performing 履行中, ended 已到期, terminated 已解除.
    """

    __tablename__ = "land_contract"
    __table_args__ = (UniqueConstraint("credit_code", "number", name="uq_land_contract_number"),
                      Index("ix_land_contract_town_kind", "town_code", "kind"))

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=60)
    credit_code: str = Field(max_length=18, index=True)
    organization_name: str = Field(max_length=200)
    unit_code: str = Field(max_length=12, index=True)
    unit_name: str = Field(max_length=100)
    town_code: str = Field(max_length=12)
    counterparty_kind: str = Field(max_length=10)  # enterprise, person
    counterparty_name: str = Field(max_length=200)
    counterparty_credit_code: str | None = Field(default=None, max_length=18)
    counterparty_id_number: str | None = Field(default=None, max_length=18)
    kind: str = Field(max_length=12)  # as ResourceItem.kind, or building for a let asset
    use: str = Field(default="", max_length=200)
    area_mu: Decimal = Field(max_digits=14, decimal_places=2)
    asset_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    resource_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    signed_on: date
    term_start: date
    term_end: date
    annual_rent: Decimal = Field(max_digits=16, decimal_places=2)
    payment_cycle_months: int = 12
    received: Decimal = Field(default=Decimal("0.00"), max_digits=16, decimal_places=2)
    procedure: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="performing", max_length=12)
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class ContractPayment(Base, table=True):
    """A payment received on a contract (收款); the contract's `received` is their sum."""

    __tablename__ = "contract_payment"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="land_contract.id", index=True)
    paid_on: date
    amount: Decimal = Field(max_digits=16, decimal_places=2)
    note: str = Field(default="", max_length=500)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=_now)


class ReviewCampaign(Base, table=True):
    """A special review campaign (专项治理"回头看"): the flags as of `as_of`, with the settings used.

    open → completed when no item is open.
    """

    __tablename__ = "review_campaign"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    as_of: date
    status: str = Field(default="open", max_length=10)
    settings: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    started_by: str = Field(max_length=200)
    started_at: datetime = Field(default_factory=_now)
    completed_at: datetime | None = None
    demo: bool = False


class ReviewItem(Versioned, Base, table=True):
    """One flagged contract in a campaign, its reviewer and outcome: lawful 合法合规, renegotiated 重新协商,
    terminated 解除, referred 移送."""

    __tablename__ = "review_item"
    __table_args__ = (UniqueConstraint("campaign_id", "contract_id", name="uq_review_item_contract"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="review_campaign.id", index=True)
    contract_id: int = Field(foreign_key="land_contract.id")
    contract_number: str = Field(max_length=60)
    unit_code: str = Field(max_length=12)
    town_code: str = Field(max_length=12)
    flags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [{"code", "reason"}]
    reviewer: str = Field(max_length=100, index=True)
    status: str = Field(default="open", max_length=10)  # open, decided
    outcome: str | None = Field(default=None, max_length=12)
    note: str = Field(default="", max_length=2000)
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = None
    version: int = 1


class VillageDebt(Versioned, Base, table=True):
    """Village debt (村级债务) of an organization.

    Incurred after the baseline date it is new debt (新增债务) and needs an approval record (严控新债);
    `disposal` is the class it is handled by (分类处置) and `responsible_person` who answers for it (落实责任).
    """

    __tablename__ = "village_debt"
    __table_args__ = (UniqueConstraint("credit_code", "number", name="uq_village_debt_number"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=60)
    credit_code: str = Field(max_length=18, index=True)
    organization_name: str = Field(max_length=200)
    unit_code: str = Field(max_length=12, index=True)
    unit_name: str = Field(max_length=100)
    town_code: str = Field(max_length=12, index=True)
    creditor_kind: str = Field(max_length=12)  # bank, enterprise, person, government, other
    creditor_name: str = Field(max_length=200)
    origin: str = Field(max_length=12)  # construction, operations, guarantee, other
    principal: Decimal = Field(max_digits=16, decimal_places=2)
    interest: Decimal = Field(default=Decimal("0.00"), max_digits=16, decimal_places=2)
    incurred_on: date
    due_on: date | None = None
    approval_reference: str | None = Field(default=None, max_length=200)
    approved_on: date | None = None
    disposal: str = Field(max_length=16)  # repay, settle_assets, write_off, negotiate
    responsible_person: str = Field(max_length=100)
    demo: bool = False
    version: int = 1
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)


class DebtRepayment(Base, table=True):
    """A repayment (化解) of a debt: paid, settled with assets or written off with approval."""

    __tablename__ = "debt_repayment"

    id: int | None = Field(default=None, primary_key=True)
    debt_id: int = Field(foreign_key="village_debt.id", index=True)
    paid_on: date
    amount: Decimal = Field(max_digits=16, decimal_places=2)
    method: str = Field(default="cash", max_length=12)  # cash, assets, write_off
    note: str = Field(default="", max_length=500)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=_now)


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
    created_at: datetime = Field(default_factory=_now)
    published_by: str | None = Field(default=None, max_length=200)
    published_on: date | None = None
    published_at: datetime | None = None
    supersedes_id: int | None = None
    demo: bool = False
    version: int = 1
