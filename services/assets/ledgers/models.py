"""Tables of the ledgers: assets and resources with their inventory rounds, land-related contracts
with their payments and the special review, village debts and repayments.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field

from services.assets.models import Base, utc_now
from services.common.database import Versioned


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
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


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
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


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
    started_at: datetime = Field(default_factory=utc_now)
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
    checked_at: datetime = Field(default_factory=utc_now)


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
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class ContractPayment(Base, table=True):
    """A payment received on a contract (收款); the contract's `received` is their sum."""

    __tablename__ = "contract_payment"

    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="land_contract.id", index=True)
    paid_on: date
    amount: Decimal = Field(max_digits=16, decimal_places=2)
    note: str = Field(default="", max_length=500)
    recorded_by: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utc_now)


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
    started_at: datetime = Field(default_factory=utc_now)
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
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


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
    recorded_at: datetime = Field(default_factory=utc_now)
