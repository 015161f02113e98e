"""Asset and resource inventory (资产清查): the ledgers, the yearly rounds, idle items by town (盘活闲置)."""

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session

from services.assets.access import ledger_scope
from services.assets.ledgers.models import AssetItem, InventoryCheck, InventoryRound, ResourceItem
from services.common import audit
from services.common.errors import Conflict, Invalid, NotFound
from services.common.tokens import Principal

MODELS = {"asset": AssetItem, "resource": ResourceItem}
ITEM_FIELDS = {"asset": ("code", "name", "kind", "book_value", "acquired_on", "location", "status"),
               "resource": ("code", "name", "kind", "area_mu", "location", "status")}
OUTCOMES = ("confirmed", "changed", "missing", "new")


def add_item(session: Session, item_type: str, organization: dict, values: dict, *, actor: str,
             demo: bool = False) -> AssetItem | ResourceItem:
    model = MODELS[item_type]
    taken = select(model.id).where(model.credit_code == organization["credit_code"], model.code == values["code"])
    if session.scalars(taken).first():
        raise Invalid("code", "该组织已有此编号 / the organization already has an item with this code",
                      code="duplicate_item")
    item = model(**organization, **values, demo=demo)
    session.add(item)
    session.flush()
    audit.record(session, actor=actor, action="add", entity=f"{item_type}_item", entity_id=str(item.id),
                 after=_snapshot(item_type, item))
    return item


def _snapshot(item_type: str, item) -> dict:
    return {name: getattr(item, name) for name in ITEM_FIELDS[item_type]}


def get_item(session: Session, principal: Principal, item_type: str, item_id: int):
    model = MODELS[item_type]
    item = session.scalars(ledger_scope(select(model).where(model.id == item_id), model, principal)).first()
    if item is None:
        raise NotFound(f"没有编号为 {item_id} 的{'资产' if item_type == 'asset' else '资源'} / no {item_type} {item_id}",
                       code=f"{item_type}_not_found")
    return item


def change_item(session: Session, item_type: str, item, changes: dict, *, actor: str):
    before = _snapshot(item_type, item)
    for name, value in changes.items():
        setattr(item, name, value)
    item.version += 1
    item.updated_at = datetime.now(UTC)
    audit.record(session, actor=actor, action="change", entity=f"{item_type}_item", entity_id=str(item.id),
                 before=before, after=_snapshot(item_type, item))
    return item


def list_items(session: Session, principal: Principal, item_type: str, *, town: str | None = None,
               unit: str | None = None, credit_code: str | None = None, status: str | None = None,
               kind: str | None = None, limit: int = 200, after: int = 0) -> list:
    model = MODELS[item_type]
    query = select(model).where(model.id > after)
    for column, value in ((model.town_code, town), (model.unit_code, unit), (model.credit_code, credit_code),
                          (model.status, status), (model.kind, kind)):
        if value:
            query = query.where(column == value)
    return list(session.scalars(ledger_scope(query, model, principal).order_by(model.id).limit(limit)))


def item_view(item_type: str, item) -> dict:
    shown = {"id": item.id, "item_type": item_type, "credit_code": item.credit_code,
             "organization_name": item.organization_name, "unit_code": item.unit_code, "unit_name": item.unit_name,
             "town_code": item.town_code, **_snapshot(item_type, item), "version": item.version}
    for name in ("book_value", "area_mu"):
        if name in shown:
            shown[name] = f"{shown[name]:.2f}"
    return shown


def idle_by_town(session: Session, principal: Principal) -> list[dict]:
    """Idle assets and resources per town: how many, their book value and area (盘活闲置资源)."""
    towns: dict[str, dict] = defaultdict(lambda: {"assets": 0, "book_value": Decimal("0"), "resources": 0,
                                                  "area_mu": Decimal("0")})
    assets = select(AssetItem.town_code, func.count(), func.sum(AssetItem.book_value)).where(
        AssetItem.status == "idle").group_by(AssetItem.town_code)
    for town, count, value in session.execute(ledger_scope(assets, AssetItem, principal)):
        towns[town]["assets"], towns[town]["book_value"] = count, Decimal(value or 0)
    resources = select(ResourceItem.town_code, func.count(), func.sum(ResourceItem.area_mu)).where(
        ResourceItem.status == "idle").group_by(ResourceItem.town_code)
    for town, count, area in session.execute(ledger_scope(resources, ResourceItem, principal)):
        towns[town]["resources"], towns[town]["area_mu"] = count, Decimal(area or 0)
    return [{"town_code": town, **entry, "book_value": f"{entry['book_value']:.2f}",
             "area_mu": f"{entry['area_mu']:.2f}"} for town, entry in sorted(towns.items())]


def start_round(session: Session, year: int, organization: dict, *, actor: str, demo: bool = False) -> InventoryRound:
    taken = select(InventoryRound.id).where(InventoryRound.year == year,
                                            InventoryRound.credit_code == organization["credit_code"])
    if session.scalars(taken).first():
        raise Conflict(f"{year} 年的清查已开始 / the {year} round has started", code="round_exists")
    inventory_round = InventoryRound(year=year, credit_code=organization["credit_code"],
                                     unit_code=organization["unit_code"], town_code=organization["town_code"],
                                     started_by=actor, demo=demo)
    session.add(inventory_round)
    session.flush()
    audit.record(session, actor=actor, action="start", entity="inventory_round", entity_id=str(inventory_round.id),
                 after={"year": year, "credit_code": organization["credit_code"]})
    return inventory_round


def list_rounds(session: Session, principal: Principal, *, credit_code: str | None = None,
                year: int | None = None) -> list[InventoryRound]:
    query = select(InventoryRound)
    for column, value in ((InventoryRound.credit_code, credit_code), (InventoryRound.year, year)):
        if value:
            query = query.where(column == value)
    order = (InventoryRound.year.desc(), InventoryRound.id)
    return list(session.scalars(ledger_scope(query, InventoryRound, principal).order_by(*order).limit(500)))


def get_round(session: Session, principal: Principal, round_id: int) -> InventoryRound:
    query = ledger_scope(select(InventoryRound).where(InventoryRound.id == round_id), InventoryRound, principal)
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"没有编号为 {round_id} 的清查 / no inventory round {round_id}", code="round_not_found")
    return found


def check_item(session: Session, inventory_round: InventoryRound, item_type: str, item, outcome: str, note: str,
               *, actor: str) -> InventoryCheck:
    """Marks one item; marking it again replaces the mark (who and when are the latest)."""
    if inventory_round.status != "open":
        raise Conflict("清查已结束 / the round is closed", code="round_closed")
    if item.credit_code != inventory_round.credit_code:
        raise Invalid("item_id", "不属于本次清查的组织 / belongs to another organization")
    check = session.scalars(select(InventoryCheck).where(
        InventoryCheck.round_id == inventory_round.id, InventoryCheck.item_type == item_type,
        InventoryCheck.item_id == item.id)).first()
    if check is None:
        check = InventoryCheck(round_id=inventory_round.id, item_type=item_type, item_id=item.id, outcome=outcome,
                               checked_by=actor)
        session.add(check)
    check.outcome, check.note, check.checked_by, check.checked_at = outcome, note, actor, datetime.now(UTC)
    session.flush()
    audit.record(session, actor=actor, action="check", entity="inventory_round", entity_id=str(inventory_round.id),
                 after={"item_type": item_type, "item_id": item.id, "outcome": outcome, "note": note})
    return check


def round_view(session: Session, inventory_round: InventoryRound) -> dict:
    checks = list(session.scalars(select(InventoryCheck).where(InventoryCheck.round_id == inventory_round.id)))
    counted = {outcome: sum(c.outcome == outcome for c in checks) for outcome in OUTCOMES}
    return {"id": inventory_round.id, "year": inventory_round.year, "credit_code": inventory_round.credit_code,
            "unit_code": inventory_round.unit_code, "town_code": inventory_round.town_code,
            "status": inventory_round.status, "started_by": inventory_round.started_by,
            "started_at": inventory_round.started_at, "closed_by": inventory_round.closed_by,
            "closed_at": inventory_round.closed_at, "outcomes": counted,
            "unchecked": len(_unchecked(session, inventory_round, checks)),
            "checks": [{"item_type": c.item_type, "item_id": c.item_id, "outcome": c.outcome, "note": c.note,
                        "checked_by": c.checked_by, "checked_at": c.checked_at} for c in checks]}


def _unchecked(session: Session, inventory_round: InventoryRound, checks: list[InventoryCheck]) -> list[tuple]:
    marked = {(c.item_type, c.item_id) for c in checks}
    items = [("asset", i) for i in session.scalars(select(AssetItem.id).where(
        AssetItem.credit_code == inventory_round.credit_code, AssetItem.status != "disposed"))]
    items += [("resource", i) for i in session.scalars(select(ResourceItem.id).where(
        ResourceItem.credit_code == inventory_round.credit_code))]
    return [item for item in items if item not in marked]


def close_round(session: Session, inventory_round: InventoryRound, *, actor: str) -> InventoryRound:
    checks = list(session.scalars(select(InventoryCheck).where(InventoryCheck.round_id == inventory_round.id)))
    left = _unchecked(session, inventory_round, checks)
    if left:
        raise Conflict(f"还有 {len(left)} 项未清查 / {len(left)} items are not checked yet", code="round_incomplete",
                       extra={"unchecked": [{"item_type": t, "item_id": i} for t, i in left[:50]]})
    inventory_round.status, inventory_round.closed_by = "closed", actor
    inventory_round.closed_at = datetime.now(UTC)
    audit.record(session, actor=actor, action="close", entity="inventory_round", entity_id=str(inventory_round.id),
                 after={"status": "closed"})
    return inventory_round
