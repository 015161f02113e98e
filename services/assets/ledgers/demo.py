"""Demo ledgers (演示台账) for the demo district's village organizations: assets and resources, a few
thousand land-related contracts of which a realistic share breaks a review rule, debts repaid since
2023 towards zero. The disclosures that publish them are made by `disclosure.demo`.

Deterministic (one seeded generator), idempotent (nothing is made when demo contracts exist) and
fast: rows go in with Core bulk inserts; one audit record says what the loader made.
"""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlmodel import Session

from services.assets.clients.registry import District
from services.assets.ledgers import reviews
from services.assets.ledgers.contract_flags import STEPS, FlagSettings
from services.assets.ledgers.contracts import credit_check_character, id_check_character, mask_name
from services.assets.ledgers.models import (
    AssetItem,
    ContractPayment,
    DebtRepayment,
    InventoryCheck,
    InventoryRound,
    LandContract,
    ResourceItem,
    VillageDebt,
)
from services.common import audit
from services.common.tokens import Principal

ACTOR = "system:demo-loader"
SEED = 20260630
TODAY = date(2026, 6, 30)
ASSET_KINDS = [("building", "村委会办公楼", 800_000), ("building", "村集体库房", 300_000), ("facility", "蓄水池", 150_000),
               ("facility", "村级文化广场", 400_000), ("equipment", "农机设备", 80_000), ("vehicle", "环卫车辆", 120_000)]
RESOURCE_KINDS = [("arable", "耕地"), ("forest", "林地"), ("garden", "果园"), ("construction", "集体建设用地")]
CONTRACT_KINDS = [("arable", "种植", 800), ("forest", "林下经济", 120), ("garden", "果树种植", 1000),
                  ("construction", "民宿经营", 6000), ("building", "厂房租赁", 20000)]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国志强秀英桂兰海军春梅玉华文明德福永红丽娟"
COMPANIES = ["京西农业发展有限公司", "门头沟区绿源种植专业合作社", "永定河文旅有限公司", "妙峰山果品有限公司",
             "清水山居民宿有限公司", "潭柘生态农业有限公司", "斋堂古村旅游开发有限公司", "京西山水林业有限公司"]


def load_ledgers(session: Session, district: District) -> dict[str, int]:
    """Makes the demo ledgers once; returns how many rows of each it made (all zero the second time)."""
    made = dict.fromkeys(("assets", "resources", "contracts", "payments", "debts", "repayments", "review_items",
                          "inventory_rounds"), 0)
    if session.execute(select(func.count()).select_from(LandContract).where(LandContract.demo)).scalar_one():
        return made
    rng = random.Random(SEED)
    snapshots = village_snapshots(district)
    made["assets"], made["resources"] = _inventory(session, rng, snapshots)
    made["contracts"], made["payments"] = _contracts(session, rng, snapshots)
    made["debts"], made["repayments"] = _debts(session, rng, snapshots)
    made["review_items"] = _review(session, rng)
    made["inventory_rounds"] = _rounds(session)
    audit.record(session, actor=ACTOR, action="load_demo", entity="ledgers", entity_id="demo", after=made)
    return made


def village_snapshots(district: District) -> list[dict]:
    """The active village organizations as a ledger row records them, by credit code."""
    organizations = [o for o in sorted(district.organizations, key=lambda o: o["credit_code"])
                     if o["level"] == "village" and o["status"] == "active"]
    return [_snapshot(o, district) for o in organizations]


def _snapshot(organization: dict, district: District) -> dict:
    return {"credit_code": organization["credit_code"], "organization_name": organization["name"],
            "unit_code": organization["unit_code"], "unit_name": district.units.get(organization["unit_code"], ""),
            "town_code": organization["town_code"]}


def _stamp() -> dict:
    now = datetime.now(UTC)
    return {"demo": True, "version": 1, "created_at": now, "updated_at": now}


def _inventory(session: Session, rng: random.Random, snapshots: list[dict]) -> tuple[int, int]:
    assets, resources = [], []
    for org in snapshots:
        for index, (kind, name, value) in enumerate(rng.sample(ASSET_KINDS, 4), 1):
            assets.append({**org, **_stamp(), "code": f"ZC-{index:03d}", "name": name, "kind": kind,
                           "book_value": Decimal(value * rng.uniform(0.5, 1.5)).quantize(Decimal("0.01")),
                           "acquired_on": date(rng.randint(1995, 2024), rng.randint(1, 12), rng.randint(1, 28)),
                           "location": org["unit_name"],
                           "status": rng.choices(["in_use", "leased", "idle", "disposed"], [60, 20, 15, 5])[0]})
        for index, (kind, name) in enumerate(RESOURCE_KINDS, 1):
            resources.append({**org, **_stamp(), "code": f"ZY-{index:03d}", "name": f"{org['unit_name']}{name}",
                              "kind": kind, "area_mu": Decimal(rng.uniform(20, 3000)).quantize(Decimal("0.01")),
                              "location": org["unit_name"],
                              "status": rng.choices(["contracted", "own_use", "idle"], [55, 30, 15])[0]})
    session.execute(insert(AssetItem), assets)
    session.execute(insert(ResourceItem), resources)
    return len(assets), len(resources)


def _person(rng: random.Random) -> tuple[str, str]:
    body = f"110109{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)), body + id_check_character(body)


def _company(rng: random.Random) -> tuple[str, str]:
    body = f"91110109MA0{rng.randint(0, 99999):05d}{rng.choice('ABCDEFGH')}"
    return rng.choice(COMPANIES), body + credit_check_character(body)


def _contract(rng: random.Random, org: dict, index: int) -> dict:
    kind, use, price = rng.choice(CONTRACT_KINDS)
    area = Decimal(rng.uniform(2, 200) if kind != "building" else rng.uniform(0.2, 3)).quantize(Decimal("0.01"))
    years = rng.choice([3, 5, 10, 15, 20])
    if rng.random() < 0.03:
        years = 35 if kind in ("arable", "construction", "building") else 55
    start = date(rng.randint(2008, 2026), rng.randint(1, 12), 1)
    if start + timedelta(days=365 * years) < TODAY and rng.random() < 0.85:
        start = date(TODAY.year - rng.randint(1, years - 1), rng.randint(1, 12), 1)
    end = date(start.year + years, start.month, 1) - timedelta(days=1)
    per_mu = price * rng.uniform(0.8, 1.25) * (0.3 if rng.random() < 0.05 else 1)
    signed = start - timedelta(days=rng.randint(5, 40))
    procedure = {step: {"on": (signed - timedelta(days=60 - 8 * i)).isoformat(), "document": f"{org['unit_name']}〔{signed.year}〕{i + 1}号"}
                 for i, step in enumerate(STEPS[:6])}
    procedure["result_public"] = {"on": (signed + timedelta(days=7)).isoformat(), "document": "公示栏"}
    if rng.random() < 0.08:
        procedure.pop(rng.choice(STEPS))
    enterprise = rng.random() < 0.4
    name, code = _company(rng) if enterprise else _person(rng)
    state = "performing" if end >= TODAY or rng.random() < 0.2 else "ended"
    return {**org, **_stamp(), "number": f"HT-{start.year}-{index:04d}", "counterparty_kind":
            "enterprise" if enterprise else "person", "counterparty_name": name,
            "counterparty_credit_code": code if enterprise else None,
            "counterparty_id_number": None if enterprise else code, "kind": kind, "use": use, "area_mu": area,
            "asset_ids": [], "resource_ids": [], "signed_on": signed, "term_start": start, "term_end": end,
            "annual_rent": (Decimal(per_mu) * area).quantize(Decimal("0.01")),
            "payment_cycle_months": rng.choice([12, 12, 12, 6, 3]), "received": Decimal("0.00"),
            "procedure": procedure, "state": state}


def _contracts(session: Session, rng: random.Random, snapshots: list[dict]) -> tuple[int, int]:
    rows = [_contract(rng, org, index) for org in snapshots for index in range(1, rng.randint(12, 28))]
    payments = []
    for row in rows:
        instalment = row["annual_rent"] * row["payment_cycle_months"] / 12
        paid_on = row["term_start"]
        short = rng.random() < 0.08  # some tenants fall behind
        while paid_on <= min(TODAY, row["term_end"]) and not (short and paid_on > TODAY - timedelta(days=400)):
            payments.append((row["number"], row["credit_code"], paid_on + timedelta(days=rng.randint(0, 20)),
                             instalment.quantize(Decimal("0.01"))))
            row["received"] += instalment.quantize(Decimal("0.01"))
            month = paid_on.month - 1 + row["payment_cycle_months"]
            paid_on = date(paid_on.year + month // 12, month % 12 + 1, 1)
    session.execute(insert(LandContract), rows)
    ids = {(n, c): i for i, n, c in session.execute(select(LandContract.id, LandContract.number,
                                                          LandContract.credit_code).where(LandContract.demo))}
    recorded = [{"contract_id": ids[(number, credit)], "paid_on": on, "amount": amount, "note": "",
                 "recorded_by": ACTOR, "recorded_at": datetime.now(UTC)} for number, credit, on, amount in payments]
    for start in range(0, len(recorded), 5000):
        session.execute(insert(ContractPayment), recorded[start:start + 5000])
    return len(rows), len(recorded)


def _debts(session: Session, rng: random.Random, snapshots: list[dict]) -> tuple[int, int]:
    rows, plans = [], []
    for org in snapshots:
        for index in range(1, rng.choice([0, 1, 1, 2, 2, 3]) + 1):
            new = rng.random() < 0.1
            incurred = date(2024, rng.randint(1, 12), rng.randint(1, 28)) if new else date(
                rng.randint(2012, 2022), rng.randint(1, 12), rng.randint(1, 28))
            principal = Decimal(rng.randint(50, 2000) * 1000)
            disposal = rng.choices(["repay", "settle_assets", "write_off", "negotiate"], [60, 15, 10, 15])[0]
            rows.append({**org, **_stamp(), "number": f"ZW-{index:03d}", "creditor_kind":
                         rng.choice(["bank", "enterprise", "person", "government"]),
                         "creditor_name": rng.choice(COMPANIES), "origin": rng.choices(
                             ["construction", "operations", "guarantee", "other"], [50, 30, 10, 10])[0],
                         "principal": principal, "interest": (principal * Decimal("0.05")).quantize(Decimal("0.01")),
                         "incurred_on": incurred, "due_on": incurred + timedelta(days=365 * 5),
                         "approval_reference": f"门农经审〔{incurred.year}〕{index}号" if new and rng.random() < 0.6
                         else None, "approved_on": incurred - timedelta(days=10) if new else None,
                         "disposal": disposal, "responsible_person": mask_name(_person(rng)[0]) + "（村书记）"})
            plans.append(rng.uniform(0.15, 0.32))
    session.execute(insert(VillageDebt), rows)
    ids = {(n, c): i for i, n, c in session.execute(select(VillageDebt.id, VillageDebt.number,
                                                          VillageDebt.credit_code).where(VillageDebt.demo))}
    repayments = []
    for row, share in zip(rows, plans, strict=False):
        owed = row["principal"] + row["interest"]
        for year in range(max(2023, row["incurred_on"].year + 1), TODAY.year + 1):
            paid_on = date(year, rng.randint(3, 11) if year < TODAY.year else rng.randint(1, 5), 15)
            amount = min(owed, ((row["principal"] + row["interest"]) * Decimal(share)).quantize(Decimal("0.01")))
            if amount <= 0 or paid_on > TODAY:
                break
            owed -= amount
            repayments.append({"debt_id": ids[(row["number"], row["credit_code"])], "paid_on": paid_on,
                               "amount": amount, "method": {"settle_assets": "assets", "write_off": "cash"}.get(
                                   row["disposal"], "cash"), "note": "", "recorded_by": ACTOR,
                               "recorded_at": datetime.now(UTC)})
    if repayments:
        session.execute(insert(DebtRepayment), repayments)
    return len(rows), len(repayments)


REVIEWERS = ("auditor", "demo-auditor-2", "demo-auditor-3", "demo-auditor-4")
DEMO_OUTCOMES = (("lawful", "程序资料已补齐，经复核合法合规"), ("renegotiated", "已与承包方重新协商，补签协议"),
                 ("terminated", "经村民代表会议决议解除合同"), ("referred", "涉嫌违规，已移送区纪委监委"))


def _review(session: Session, rng: random.Random) -> int:
    """This year's special review, about a third of it decided, so the board shows progress."""
    campaign = reviews.start_campaign(session, name="2026年涉地经济合同专项治理“回头看”", as_of=TODAY,
                                      settings=FlagSettings(), reviewers=list(REVIEWERS), actor=ACTOR, demo=True)
    items = reviews.list_items(session, Principal(subject="demo-loader", role="admin"), campaign, limit=100_000)
    lead = Principal(subject="lead", role="audit_lead")
    for item in items:
        if rng.random() < 0.35:
            outcome, note = rng.choices(DEMO_OUTCOMES, [60, 20, 10, 10])[0]
            reviews.decide(session, campaign, item, lead, outcome=outcome, note=note, actor=ACTOR)
    return len(items)


CHECK_WEIGHTS = {"confirmed": 85, "changed": 10, "missing": 3, "new": 2}


def _rounds(session: Session) -> int:
    """Last year's inventory round, closed with every item marked, for each organization; this year's
    open and about half marked for four in ten of them."""
    rng = random.Random(SEED + 1)  # its own stream, so the rest of the demo stays as it was
    items: dict[str, list[tuple[str, int]]] = {}
    for item_type, model in (("asset", AssetItem), ("resource", ResourceItem)):
        query = select(model.credit_code, model.id).where(model.demo).order_by(model.id)
        if model is AssetItem:
            query = query.where(AssetItem.status != "disposed")
        for credit_code, item_id in session.execute(query):
            items.setdefault(credit_code, []).append((item_type, item_id))
    places = dict(session.execute(select(AssetItem.credit_code, AssetItem.unit_code).where(AssetItem.demo)).all())
    towns = dict(session.execute(select(AssetItem.credit_code, AssetItem.town_code).where(AssetItem.demo)).all())
    rounds, checks = [], []
    for credit_code, found in sorted(items.items()):
        place = {"credit_code": credit_code, "unit_code": places[credit_code], "town_code": towns[credit_code],
                 "started_by": ACTOR, "demo": True}
        last = InventoryRound(year=TODAY.year - 1, status="closed", started_at=datetime(2025, 11, 10, 1, tzinfo=UTC),
                              closed_by=ACTOR, closed_at=datetime(2025, 12, 20, 8, tzinfo=UTC), **place)
        rounds.append((last, found, datetime(2025, 11, 20, 2, tzinfo=UTC)))
        if rng.random() < 0.4:
            this = InventoryRound(year=TODAY.year, status="open", started_at=datetime(2026, 6, 1, 1, tzinfo=UTC), **place)
            rounds.append((this, [i for i in found if rng.random() < 0.5], datetime(2026, 6, 15, 2, tzinfo=UTC)))
    session.add_all([r for r, _, _ in rounds])
    session.flush()
    for inventory_round, marked, at in rounds:
        for item_type, item_id in marked:
            outcome = rng.choices(list(CHECK_WEIGHTS), list(CHECK_WEIGHTS.values()))[0]
            checks.append({"round_id": inventory_round.id, "item_type": item_type, "item_id": item_id,
                           "outcome": outcome, "note": "" if outcome == "confirmed" else "现场核实",
                           "checked_by": ACTOR, "checked_at": at})
    if checks:
        session.execute(insert(InventoryCheck), checks)
    return len(rounds)
