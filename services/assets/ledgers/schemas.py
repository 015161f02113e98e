"""Request bodies of the ledgers: inventory, contracts, the review, debts and disclosure."""

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from services.assets.ledgers.contract_flags import STEPS
from services.common.fields import NonBlank
from services.common.formats import IsoDate
from services.common.schemas import Body

CreditCode = Field(pattern=r"^[0-9A-HJ-NP-RTUWXY]{18}$")
Money = Field(ge=0, max_digits=16, decimal_places=2)


class AssetIn(Body):
    credit_code: str = CreditCode
    code: NonBlank = Field(max_length=40)
    name: NonBlank = Field(max_length=200)
    kind: Literal["building", "facility", "equipment", "vehicle", "other"]
    book_value: Decimal = Money
    acquired_on: IsoDate | None = None
    location: str = Field(default="", max_length=200)
    status: Literal["in_use", "leased", "idle", "disposed"] = "in_use"


class ResourceIn(Body):
    credit_code: str = CreditCode
    code: NonBlank = Field(max_length=40)
    name: NonBlank = Field(max_length=200)
    kind: Literal["arable", "forest", "garden", "grassland", "construction", "other"]
    area_mu: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    location: str = Field(default="", max_length=200)
    status: Literal["contracted", "own_use", "idle"] = "own_use"


class RoundIn(Body):
    year: int = Field(ge=2000, le=2100)
    credit_code: str = CreditCode


class CheckIn(Body):
    item_type: Literal["asset", "resource"]
    item_id: int = Field(ge=1, le=2**31 - 1)
    outcome: Literal["confirmed", "changed", "missing", "new"]
    note: str = Field(default="", max_length=1000)


class ProcedureStep(Body):
    on: IsoDate
    document: str = Field(default="", max_length=200)


class ContractIn(Body):
    credit_code: str = CreditCode
    number: NonBlank = Field(max_length=60)
    counterparty_kind: Literal["enterprise", "person"]
    counterparty_name: NonBlank = Field(max_length=200)
    counterparty_credit_code: str | None = Field(default=None, max_length=18)
    counterparty_id_number: str | None = Field(default=None, max_length=18)
    kind: Literal["arable", "forest", "garden", "grassland", "construction", "building", "other"]
    use: str = Field(default="", max_length=200)
    area_mu: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    asset_ids: list[int] = Field(default_factory=list, max_length=100)
    resource_ids: list[int] = Field(default_factory=list, max_length=100)
    signed_on: IsoDate
    term_start: IsoDate
    term_end: IsoDate
    annual_rent: Decimal = Money
    payment_cycle_months: Literal[1, 3, 6, 12] = 12
    procedure: dict[str, ProcedureStep] = Field(default_factory=dict)
    state: Literal["performing", "ended", "terminated"] = "performing"

    @field_validator("procedure")
    @classmethod
    def known_steps(cls, value: dict) -> dict:
        unknown = set(value) - set(STEPS)
        if unknown:
            raise ValueError(f"unknown steps {sorted(unknown)}; the steps are {list(STEPS)}")
        return value


class PaymentIn(Body):
    paid_on: IsoDate
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    note: str = Field(default="", max_length=500)


class FlagSettingsIn(Body):
    max_term_years: dict[str, int] = Field(default_factory=dict)
    low_price_fraction: float = Field(default=0.5, gt=0, le=1)
    min_peers: int = Field(default=5, ge=2, le=1000)
    arrears_grace_days: int = Field(default=30, ge=0, le=366)
    expiring_days: int = Field(default=90, ge=0, le=3660)


class CampaignIn(Body):
    name: NonBlank = Field(max_length=200)
    as_of: IsoDate | None = None
    reviewers: list[NonBlank] = Field(min_length=1, max_length=200)
    settings: FlagSettingsIn = Field(default_factory=FlagSettingsIn)


class OutcomeIn(Body):
    outcome: Literal["lawful", "renegotiated", "terminated", "referred"]
    note: str = Field(default="", max_length=2000)


class DebtIn(Body):
    credit_code: str = CreditCode
    number: NonBlank = Field(max_length=60)
    creditor_kind: Literal["bank", "enterprise", "person", "government", "other"]
    creditor_name: NonBlank = Field(max_length=200)
    origin: Literal["construction", "operations", "guarantee", "other"]
    principal: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    interest: Decimal = Money
    incurred_on: IsoDate
    due_on: IsoDate | None = None
    approval_reference: str | None = Field(default=None, max_length=200)
    approved_on: IsoDate | None = None
    disposal: Literal["repay", "settle_assets", "write_off", "negotiate"]
    responsible_person: NonBlank = Field(max_length=100)


class RepaymentIn(Body):
    paid_on: IsoDate
    amount: Decimal = Field(gt=0, max_digits=16, decimal_places=2)
    method: Literal["cash", "assets", "write_off"] = "cash"
    note: str = Field(default="", max_length=500)


class FinanceIn(Body):
    income: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    spending: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    assets: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    debts: Decimal | None = Field(default=None, max_digits=16, decimal_places=2)
    notes: str = Field(default="", max_length=1000)


class PublicationIn(Body):
    credit_code: str = CreditCode
    kind: Literal["finance", "contracts", "audit"]
    period: str = Field(min_length=4, max_length=10)
    title: NonBlank = Field(max_length=200)
    finance: FinanceIn | None = None


class PublishIn(Body):
    published_on: IsoDate | None = None


def _money(default=None):
    return Field(default=default, ge=0, max_digits=16, decimal_places=2)


class AssetPatch(Body):
    """The fields a PATCH may change; a field left out stays as it is."""

    name: NonBlank | None = Field(default=None, max_length=200)
    kind: Literal["building", "facility", "equipment", "vehicle", "other"] | None = None
    book_value: Decimal | None = _money()
    acquired_on: IsoDate | None = None
    location: str | None = Field(default=None, max_length=200)
    status: Literal["in_use", "leased", "idle", "disposed"] | None = None


class ResourcePatch(Body):
    name: NonBlank | None = Field(default=None, max_length=200)
    kind: Literal["arable", "forest", "garden", "grassland", "construction", "other"] | None = None
    area_mu: Decimal | None = Field(default=None, gt=0, max_digits=14, decimal_places=2)
    location: str | None = Field(default=None, max_length=200)
    status: Literal["contracted", "own_use", "idle"] | None = None


class ContractPatch(Body):
    counterparty_kind: Literal["enterprise", "person"] | None = None
    counterparty_name: NonBlank | None = Field(default=None, max_length=200)
    counterparty_credit_code: str | None = Field(default=None, max_length=18)
    counterparty_id_number: str | None = Field(default=None, max_length=18)
    kind: Literal["arable", "forest", "garden", "grassland", "construction", "building", "other"] | None = None
    use: str | None = Field(default=None, max_length=200)
    area_mu: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    asset_ids: list[int] | None = Field(default=None, max_length=100)
    resource_ids: list[int] | None = Field(default=None, max_length=100)
    signed_on: IsoDate | None = None
    term_start: IsoDate | None = None
    term_end: IsoDate | None = None
    annual_rent: Decimal | None = _money()
    payment_cycle_months: Literal[1, 3, 6, 12] | None = None
    procedure: dict[str, ProcedureStep] | None = None
    state: Literal["performing", "ended", "terminated"] | None = None

    @field_validator("procedure")
    @classmethod
    def known_steps(cls, value: dict | None) -> dict | None:
        return value if value is None else ContractIn.known_steps(value)


class DebtPatch(Body):
    creditor_kind: Literal["bank", "enterprise", "person", "government", "other"] | None = None
    creditor_name: NonBlank | None = Field(default=None, max_length=200)
    origin: Literal["construction", "operations", "guarantee", "other"] | None = None
    principal: Decimal | None = Field(default=None, gt=0, max_digits=16, decimal_places=2)
    interest: Decimal | None = _money()
    incurred_on: IsoDate | None = None
    due_on: IsoDate | None = None
    approval_reference: str | None = Field(default=None, max_length=200)
    approved_on: IsoDate | None = None
    disposal: Literal["repay", "settle_assets", "write_off", "negotiate"] | None = None
    responsible_person: NonBlank | None = Field(default=None, max_length=100)
