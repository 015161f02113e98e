"""Village debts (村级债务) towards zero by 2027-12-31: 摸清旧债、严控新债、落实责任、分类处置、逐步化解.

A debt's outstanding amount on a day is its principal and interest, once incurred, less what was
repaid (or settled, or written off) by then. Totals are taken at each year's end (the current year:
on `as_of`) per village, town and district; `project` fits a straight line through the yearly totals
and says where it reaches by the target date and what yearly pace would still reach zero.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlmodel import Session

from services.assets.access import ledger_scope
from services.assets.ledgers.models import DebtRepayment, VillageDebt
from services.common import audit
from services.common.errors import Conflict, Invalid, NotFound
from services.common.tokens import Principal

BASELINE = date(2023, 12, 31)  # debts incurred after it are new debt (新增债务) and need approval
FIRST_YEAR = 2023
TARGET = date(2027, 12, 31)
DEBT_FIELDS = ("number", "creditor_kind", "creditor_name", "origin", "principal", "interest", "incurred_on",
               "due_on", "approval_reference", "approved_on", "disposal", "responsible_person")
CENT = Decimal("0.01")


def is_new_debt(debt: VillageDebt, baseline: date = BASELINE) -> bool:
    return debt.incurred_on > baseline


def debt_flags(debt: VillageDebt, outstanding: Decimal, today: date, baseline: date = BASELINE) -> list[dict]:
    flags = []
    if is_new_debt(debt, baseline) and not debt.approval_reference:
        flags.append({"code": "new_debt_unapproved", "reason": f"基准日 {baseline} 后新增债务未见审批记录 / new debt "
                                                               f"after {baseline} without an approval record"})
    if debt.due_on and debt.due_on < today and outstanding > 0:
        flags.append({"code": "overdue", "reason": f"已逾期（到期日 {debt.due_on}）/ overdue since {debt.due_on}"})
    return flags


def create_debt(session: Session, organization: dict, values: dict, *, actor: str, demo: bool = False) -> VillageDebt:
    if values.get("due_on") and values["due_on"] < values["incurred_on"]:
        raise Invalid("due_on", "到期日不能早于发生日 / must not be before incurred_on")
    if session.scalars(select(VillageDebt.id).where(VillageDebt.credit_code == organization["credit_code"],
                                                    VillageDebt.number == values["number"])).first():
        raise Invalid("number", "该组织已有此编号的债务 / the organization already has a debt with this number",
                      code="duplicate_debt")
    debt = VillageDebt(**organization, **values, demo=demo)
    session.add(debt)
    session.flush()
    audit.record(session, actor=actor, action="add", entity="village_debt", entity_id=str(debt.id),
                 after={name: getattr(debt, name) for name in DEBT_FIELDS})
    return debt


def change_debt(session: Session, debt: VillageDebt, changes: dict, *, actor: str) -> VillageDebt:
    """Applies a PATCH after checking the dates it would leave; one audit record."""
    merged = {name: getattr(debt, name) for name in DEBT_FIELDS} | changes
    if merged["due_on"] and merged["due_on"] < merged["incurred_on"]:
        raise Invalid("due_on", "到期日不能早于发生日 / must not be before incurred_on")
    before = {name: getattr(debt, name) for name in DEBT_FIELDS}
    for name, value in changes.items():
        setattr(debt, name, value)
    debt.version += 1
    debt.updated_at = datetime.now(UTC)
    session.flush()
    audit.record(session, actor=actor, action="change", entity="village_debt", entity_id=str(debt.id),
                 before=before, after={name: getattr(debt, name) for name in DEBT_FIELDS})
    return debt


def get_debt(session: Session, principal: Principal, debt_id: int) -> VillageDebt:
    debt = session.scalars(ledger_scope(select(VillageDebt).where(VillageDebt.id == debt_id), VillageDebt,
                                        principal)).first()
    if debt is None:
        raise NotFound(f"没有编号为 {debt_id} 的债务 / no debt {debt_id}", code="debt_not_found")
    return debt


def repaid(session: Session, debt_ids: list[int], as_of: date | None = None) -> dict[int, Decimal]:
    query = select(DebtRepayment.debt_id, DebtRepayment.amount, DebtRepayment.paid_on).where(
        DebtRepayment.debt_id.in_(debt_ids or [0]))
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for debt_id, amount, paid_on in session.execute(query):
        if as_of is None or paid_on <= as_of:
            totals[debt_id] += Decimal(amount)
    return totals


def record_repayment(session: Session, debt: VillageDebt, values: dict, *, actor: str) -> DebtRepayment:
    owed = debt.principal + debt.interest - repaid(session, [debt.id]).get(debt.id, Decimal("0"))
    if values["amount"] > owed:
        raise Invalid("amount", f"超过未偿余额 {owed:.2f} / more than the {owed:.2f} outstanding")
    if values["paid_on"] < debt.incurred_on:
        raise Invalid("paid_on", "不能早于债务发生日 / must not be before the debt was incurred")
    if values.get("method") == "write_off" and not debt.approval_reference and debt.disposal == "write_off":
        raise Conflict("核销须先有审批记录 / a write-off needs an approval record first", code="write_off_unapproved")
    repayment = DebtRepayment(debt_id=debt.id, recorded_by=actor, **values)
    session.add(repayment)
    session.flush()
    audit.record(session, actor=actor, action="repay", entity="village_debt", entity_id=str(debt.id),
                 after={"paid_on": values["paid_on"], "amount": values["amount"], "method": repayment.method})
    return repayment


def list_debts(session: Session, principal: Principal, *, town: str | None = None, unit: str | None = None,
               credit_code: str | None = None, limit: int = 200, after: int = 0) -> list[VillageDebt]:
    query = select(VillageDebt).where(VillageDebt.id > after)
    for column, value in ((VillageDebt.town_code, town), (VillageDebt.unit_code, unit),
                          (VillageDebt.credit_code, credit_code)):
        if value:
            query = query.where(column == value)
    return list(session.scalars(ledger_scope(query, VillageDebt, principal).order_by(VillageDebt.id).limit(limit)))


def debt_view(debt: VillageDebt, outstanding: Decimal, today: date) -> dict:
    shown = {"id": debt.id, "credit_code": debt.credit_code, "organization_name": debt.organization_name,
             "unit_code": debt.unit_code, "unit_name": debt.unit_name, "town_code": debt.town_code,
             **{name: getattr(debt, name) for name in DEBT_FIELDS}, "new_debt": is_new_debt(debt),
             "outstanding": outstanding, "flags": debt_flags(debt, outstanding, today), "version": debt.version}
    for name in ("principal", "interest", "outstanding"):
        shown[name] = f"{shown[name]:.2f}"
    return shown


def outstanding_now(session: Session, debts: list[VillageDebt]) -> dict[int, Decimal]:
    paid = repaid(session, [d.id for d in debts])
    return {d.id: d.principal + d.interest - paid.get(d.id, Decimal("0")) for d in debts}


@dataclass(frozen=True)
class Movement:
    """One change of a debt's outstanding amount: incurred (+) or repaid (−) on a day."""

    on: date
    amount: Decimal
    unit_code: str
    town_code: str


def movements(session: Session, principal: Principal) -> list[Movement]:
    debts = session.execute(ledger_scope(select(VillageDebt.id, VillageDebt.principal, VillageDebt.interest,
                                                VillageDebt.incurred_on, VillageDebt.unit_code, VillageDebt.town_code),
                                         VillageDebt, principal)).all()
    places = {d.id: (d.unit_code, d.town_code) for d in debts}
    found = [Movement(d.incurred_on, Decimal(d.principal) + Decimal(d.interest), d.unit_code, d.town_code)
             for d in debts]
    for debt_id, amount, paid_on in session.execute(select(DebtRepayment.debt_id, DebtRepayment.amount,
                                                           DebtRepayment.paid_on)):
        if debt_id in places:
            found.append(Movement(paid_on, -Decimal(amount), *places[debt_id]))
    return found


def yearly_totals(found: list[Movement], level: str, as_of: date, first_year: int = FIRST_YEAR) -> dict[str, list]:
    """Key (unit code, town code or the district) → [(year, outstanding at its end or on `as_of`)]."""
    years = list(range(first_year, as_of.year + 1))
    ends = [min(date(year, 12, 31), as_of) for year in years]
    series: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal("0.00")] * len(years))
    for movement in found:
        key = {"village": movement.unit_code, "town": movement.town_code}.get(level, "district")
        totals = series[key]
        for index, end in enumerate(ends):
            if movement.on <= end:
                totals[index] += movement.amount
    return {key: [(year, total.quantize(CENT)) for year, total in zip(years, totals, strict=True)]
            for key, totals in sorted(series.items())}


def project(series: list[tuple[int, Decimal]], target: date = TARGET) -> dict:
    """A least-squares line through the yearly totals, read at the target year, and the pace still needed.

    `pace_needed` is the latest total spread evenly over the whole years left to the target;
    `pace` is the line's own yearly fall. With one point the line is flat.
    """
    if not series:
        return {"projected": "0.00", "pace": "0.00", "pace_needed": "0.00", "on_track": True, "zero_year": None}
    xs = [Decimal(year) for year, _ in series]
    ys = [Decimal(total) for _, total in series]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread if spread else Decimal(0)
    projected = max(mean_y + slope * (Decimal(target.year) - mean_x), Decimal(0))
    last_year, latest = series[-1]
    years_left = target.year - last_year
    pace_needed = latest / years_left if years_left > 0 else latest
    zero_year = None
    if latest <= 0:
        zero_year = last_year
    elif slope < 0:
        zero_year = int((mean_x - mean_y / slope).to_integral_value(rounding="ROUND_CEILING"))
    return {"projected": _money(projected), "pace": _money(-slope), "pace_needed": _money(pace_needed),
            "on_track": projected <= 0, "zero_year": zero_year, "latest": _money(latest), "latest_year": last_year}


def _money(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def debt_measures(session: Session, principal: Principal, year: int, today: date | None = None) -> dict:
    """Per village for the assessment: outstanding at the year's end (or today), the change over the year,
    unapproved new debts; with the district's projection to the target."""
    today = today or datetime.now(UTC).date()
    as_of = min(date(year, 12, 31), today)
    found = movements(session, principal)
    first = min(FIRST_YEAR, year - 1)
    villages = yearly_totals(found, "village", as_of, first)
    debts = list(session.scalars(ledger_scope(select(VillageDebt), VillageDebt, principal)))
    unapproved = defaultdict(int)
    names = {}
    for debt in debts:
        names[debt.unit_code] = (debt.unit_name, debt.town_code, debt.credit_code, debt.organization_name)
        if debt.incurred_on <= as_of and is_new_debt(debt) and not debt.approval_reference:
            unapproved[debt.unit_code] += 1
    items = []
    for unit_code, series in villages.items():
        totals = dict(series)
        unit_name, town_code, credit_code, organization_name = names[unit_code]
        end, start = totals.get(year, Decimal(0)), totals.get(year - 1, Decimal(0))
        items.append({"unit_code": unit_code, "unit_name": unit_name, "town_code": town_code,
                      "credit_code": credit_code, "organization_name": organization_name, "year": year,
                      "as_of": as_of, "outstanding": _money(end), "previous": _money(start),
                      "change": _money(end - start), "cleared": end <= 0, "new_debts_unapproved": unapproved[unit_code]})
    district = yearly_totals(found, "district", as_of, first).get("district", [])
    return {"year": year, "as_of": as_of, "items": items,
            "district": {"series": [{"year": y, "total": _money(t)} for y, t in district],
                         "projection": project([p for p in district if p[0] >= FIRST_YEAR])}}
