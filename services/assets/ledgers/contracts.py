"""Land-related economic contracts (涉地经济合同): the ledger, payments received, and their flags.

A person's ID number is stored whole; `contract_view` masks it (110101********1234) for every role
but those that need it. Flags are computed over all contracts at once when asked (they depend on
today and on the town's other contracts), by `contract_flags`.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from services.assets.access import ledger_scope, sees_identities
from services.assets.ledgers import contract_flags
from services.assets.ledgers.models import ContractPayment, LandContract
from services.common import audit
from services.common.errors import Invalid, NotFound
from services.common.tokens import Principal

CONTRACT_FIELDS = ("number", "counterparty_kind", "counterparty_name", "counterparty_credit_code",
                   "counterparty_id_number", "kind", "use", "area_mu", "asset_ids", "resource_ids", "signed_on",
                   "term_start", "term_end", "annual_rent", "payment_cycle_months", "procedure", "state")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def mask_id_number(value: str | None) -> str | None:
    """110101199001011234 → 110101********1234."""
    if not value:
        return value
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:]


def mask_name(name: str) -> str:
    """A person's name for the public: the family name and a star per other character."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def credit_check_character(code17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(code17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def id_check_character(code17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(code17, ID_WEIGHTS, strict=True)) % 11]


def check_counterparty(values: dict) -> None:
    """An enterprise carries a valid credit code; a person a valid ID number (GB 11643)."""
    if values["counterparty_kind"] == "enterprise":
        code = (values.get("counterparty_credit_code") or "").upper()
        if len(code) != 18 or any(c not in CREDIT_ALPHABET for c in code):
            raise Invalid("counterparty_credit_code", "应为 18 位统一社会信用代码 / must be an 18-character credit code")
        expected = credit_check_character(code[:17])
        if code[17] != expected:
            raise Invalid("counterparty_credit_code", f"统一社会信用代码校验位应为 {expected} / check character "
                          f"should be {expected}")
        values["counterparty_credit_code"], values["counterparty_id_number"] = code, None
    else:
        number = (values.get("counterparty_id_number") or "").upper()
        if not ID_NUMBER.match(number):
            raise Invalid("counterparty_id_number", "应为 18 位身份证号 / must be an 18-character ID number")
        expected = id_check_character(number[:17])
        if number[17] != expected:
            raise Invalid("counterparty_id_number", f"身份证号校验位应为 {expected} / check character should be "
                          f"{expected}")
        values["counterparty_id_number"], values["counterparty_credit_code"] = number, None


def check_term(values: dict) -> None:
    if values["term_end"] <= values["term_start"]:
        raise Invalid("term_end", "合同终止日应晚于起始日 / must be after term_start")


def create_contract(session: Session, organization: dict, values: dict, *, actor: str,
                    demo: bool = False) -> LandContract:
    check_counterparty(values)
    check_term(values)
    if session.scalars(select(LandContract.id).where(LandContract.credit_code == organization["credit_code"],
                                                     LandContract.number == values["number"])).first():
        raise Invalid("number", "该组织已有此编号的合同 / the organization already has a contract with this number",
                      code="duplicate_contract")
    contract = LandContract(**organization, **values, demo=demo)
    session.add(contract)
    session.flush()
    audit.record(session, actor=actor, action="add", entity="land_contract", entity_id=str(contract.id),
                 after=_audited(contract))
    return contract


def change_contract(session: Session, contract: LandContract, changes: dict, *, actor: str) -> LandContract:
    """Applies a PATCH after checking the contract it would leave (counterparty, term); one audit record."""
    merged = {name: getattr(contract, name) for name in CONTRACT_FIELDS} | changes
    check_counterparty(merged)
    check_term(merged)
    before = _audited(contract)
    for name in CONTRACT_FIELDS:
        if merged[name] != getattr(contract, name):
            setattr(contract, name, merged[name])
    contract.version += 1
    contract.updated_at = datetime.now(UTC)
    session.flush()
    audit.record(session, actor=actor, action="change", entity="land_contract", entity_id=str(contract.id),
                 before=before, after=_audited(contract))
    return contract


def _audited(contract: LandContract) -> dict:
    shown = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    shown["counterparty_id_number"] = mask_id_number(shown["counterparty_id_number"])
    return shown


def get_contract(session: Session, principal: Principal, contract_id: int) -> LandContract:
    query = ledger_scope(select(LandContract).where(LandContract.id == contract_id), LandContract, principal)
    contract = session.scalars(query).first()
    if contract is None:
        raise NotFound(f"没有编号为 {contract_id} 的合同 / no contract {contract_id}", code="contract_not_found")
    return contract


def record_payment(session: Session, contract: LandContract, values: dict, *, actor: str) -> ContractPayment:
    payment = ContractPayment(contract_id=contract.id, recorded_by=actor, **values)
    session.add(payment)
    contract.received += values["amount"]
    contract.version += 1
    contract.updated_at = datetime.now(UTC)
    session.flush()
    audit.record(session, actor=actor, action="payment", entity="land_contract", entity_id=str(contract.id),
                 after={"paid_on": values["paid_on"], "amount": values["amount"], "received": contract.received})
    return payment


FLAG_COLUMNS = (LandContract.id, LandContract.town_code, LandContract.kind, LandContract.area_mu,
                LandContract.annual_rent, LandContract.received, LandContract.payment_cycle_months,
                LandContract.signed_on, LandContract.term_start, LandContract.term_end, LandContract.procedure,
                LandContract.state)


def plain_contracts(session: Session) -> list[dict]:
    """Every contract as the flag rules read it (all towns: a town's median needs all its contracts)."""
    rows = session.execute(select(*FLAG_COLUMNS).order_by(LandContract.id)).all()
    return [plain_contract(row._mapping) for row in rows]


def plain_contract(row) -> dict:
    return {"id": row["id"], "town_code": row["town_code"], "kind": row["kind"], "area_mu": float(row["area_mu"]),
            "rent_cents": int(Decimal(row["annual_rent"]) * 100), "received_cents": int(Decimal(row["received"]) * 100),
            "cycle_months": row["payment_cycle_months"], "signed_on": row["signed_on"],
            "term_start": row["term_start"], "term_end": row["term_end"], "state": row["state"],
            "procedure": {step: _date(entry.get("on")) for step, entry in (row["procedure"] or {}).items()
                          if isinstance(entry, dict) and entry.get("on")}}


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def flags_by_contract(session: Session, settings: contract_flags.FlagSettings, today: date) -> dict[int, list[dict]]:
    """Contract id → its flags with reasons, for the contracts that raise any."""
    contracts = plain_contracts(session)
    if not contracts:
        return {}
    flagged = contract_flags.flag_contracts(contract_flags.columns_from(contracts), settings, today)
    return {contracts[i]["id"]: contract_flags.reasons_of(flagged, i, contracts[i]["kind"], settings)
            for i in map(int, flagged.matrix.any(axis=1).nonzero()[0])}


def list_contracts(session: Session, principal: Principal, *, town: str | None = None, unit: str | None = None,
                   credit_code: str | None = None, kind: str | None = None, state: str | None = None,
                   ids: set[int] | None = None, limit: int = 100, after: int = 0) -> list[LandContract]:
    query = select(LandContract).where(LandContract.id > after)
    for column, value in ((LandContract.town_code, town), (LandContract.unit_code, unit),
                          (LandContract.credit_code, credit_code), (LandContract.kind, kind),
                          (LandContract.state, state)):
        if value:
            query = query.where(column == value)
    if ids is not None:
        query = query.where(LandContract.id.in_(sorted(ids) or [0]))
    return list(session.scalars(ledger_scope(query, LandContract, principal).order_by(LandContract.id).limit(limit)))


def contract_view(contract: LandContract, principal: Principal, flags: list[dict] | None = None) -> dict:
    shown = {"id": contract.id, "credit_code": contract.credit_code, "organization_name": contract.organization_name,
             "unit_code": contract.unit_code, "unit_name": contract.unit_name, "town_code": contract.town_code,
             **{name: getattr(contract, name) for name in CONTRACT_FIELDS}, "received": contract.received,
             "version": contract.version}
    if not sees_identities(principal):
        shown["counterparty_id_number"] = mask_id_number(contract.counterparty_id_number)
    for name in ("area_mu", "annual_rent", "received"):
        shown[name] = f"{shown[name]:.2f}"
    if flags is not None:
        shown["flags"] = flags
    return shown
