"""Demo data (演示数据): two districts with villages, organizations, classes, designations and
five years of statistics, every row marked `demo`. Deterministic, and loading it again changes nothing.

Bulk Core inserts (executemany over lists of dicts): the whole load takes about a second.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.registry import demo_places as places
from services.registry.adjustments import apply_adjustment
from services.registry.changes import record_bulk_changes
from services.registry.codes import make_credit_code
from services.registry.models import Designation, Organization, StatisticValue, Unit, UnitClass

ACTOR = "system:demo-loader"
YEARS = range(2021, 2026)
SINCE = date(2019, 1, 1)
SUBURBAN = ("101", "102")  # 龙泉镇 and 永定镇 lie on the plain beside the city
PLANNING = ["集聚提升类", "城郊融合类", "特色保护类", "搬迁撤并类"]


@dataclass
class Village:
    """A demo village-level unit and the traits its figures are drawn from."""

    code: str
    name: str
    pinyin: str
    kind: str
    town_code: str
    mountain: bool
    scale: float = 1.0
    extra: dict = field(default_factory=dict)


def load_demo(session: Session) -> dict[str, int]:
    """Loads each demo district not yet present; returns how many units it made per district."""
    made = {}
    for district, seed, mountain in ((places.MENTOUGOU, 20240701, True), (places.PIDU, 20210101, False)):
        if session.execute(select(Unit.__table__.c.id).where(Unit.__table__.c.unit_code == district["code"])).first():
            continue
        made[district["name"]] = _load_district(session, district, random.Random(seed), mountain)
    return made


def _load_district(session: Session, district: dict, rng: random.Random, mountain: bool) -> int:
    ids = _insert_towns(session, district)
    villages = _villages(district, rng, mountain)
    ids |= _insert_villages(session, villages, ids, rng, mountain)
    if district is places.PIDU:
        villages = _merge_villages(session, villages, rng)
        ids = _open_ids(session, district["code"][:6])
    _insert_organizations(session, district, villages, ids, rng)
    _insert_classes(session, district, villages, ids, rng)
    _insert_designations(session, district, villages, ids, rng)
    _insert_statistics(session, villages, ids, rng)
    return len(ids)


def _now() -> datetime:
    return datetime.now(UTC)


def _unit_row(code, level, kind, name, pinyin, parent, town_code, urban_rural, en=None) -> dict:
    return {"unit_code": code, "level": level, "kind": kind, "name": name, "name_pinyin": pinyin, "name_en": en,
            "parent_id": parent[1] if parent else None, "parent_code": parent[0] if parent else None,
            "town_code": town_code, "urban_rural_code": urban_rural, "valid_from": SINCE, "valid_to": None,
            "demo": True, "version": 1, "created_at": _now(), "updated_at": _now()}


def _insert_towns(session: Session, district: dict) -> dict[str, int]:
    code = district["code"]
    row = _unit_row(code, "district", "district", district["name"], district["pinyin"], None, None, None, district["en"])
    district_id = session.execute(insert(Unit.__table__).values(**row)).inserted_primary_key[0]
    towns = [_unit_row(code[:6] + suffix + "000", "town", kind, name, pinyin, (code, district_id),
                       code[:6] + suffix + "000", "121" if kind == "town" else "111")
             for suffix, name, pinyin, kind, _v, _c in district["towns"]]
    session.execute(insert(Unit.__table__), towns)
    record_bulk_changes(session, actor=ACTOR, action="create", entity="unit", keys=[code] + [t["unit_code"] for t in towns],
                        summary={"district": code, "towns": len(towns), "demo": True})
    return _open_ids(session, code[:6])


def _open_ids(session: Session, prefix: str) -> dict[str, int]:
    table = Unit.__table__
    rows = session.execute(select(table.c.unit_code, table.c.id).where(
        table.c.unit_code.startswith(prefix), table.c.valid_to.is_(None)))
    return dict(rows.all())


def _villages(district: dict, rng: random.Random, mountain: bool) -> list[Village]:
    used: set[str] = set()
    found = []
    for suffix, _name, _pinyin, _kind, village_count, community_count in district["towns"]:
        town_code = district["code"][:6] + suffix + "000"
        known = list(district["known"].get(suffix, []))
        for n in range(community_count):
            word, pinyin = district["communities"][sum(v.kind == "community" for v in found)]
            name = word + "社区"
            found.append(Village(town_code[:9] + f"{n + 1:03d}", name, f"{pinyin} Shequ", "community", town_code, False))
        for n in range(village_count):
            name, pinyin = known.pop(0) if known else _made_up_name(district, rng, used)
            used.add(name)
            found.append(Village(town_code[:9] + f"{n + 201:03d}", name, pinyin, "village", town_code,
                                 mountain and suffix not in SUBURBAN, scale=rng.lognormvariate(0, 0.5)))
    return found


def _made_up_name(district: dict, rng: random.Random, used: set[str]) -> tuple[str, str]:
    while True:
        (head, head_py), (tail, tail_py) = rng.choice(places.PREFIXES), rng.choice(district["suffixes"])
        if head + tail + "村" not in used:
            return head + tail + "村", (head_py + tail_py).capitalize()


def _insert_villages(session: Session, villages: list[Village], ids: dict[str, int], rng: random.Random,
                     mountain: bool) -> dict[str, int]:
    def urban_rural(v: Village) -> str:
        if v.kind == "community":
            return rng.choice(["111", "112", "121"])
        return "220" if mountain or rng.random() < 0.7 else "122"

    rows = [_unit_row(v.code, "village", v.kind, v.name, v.pinyin, (v.town_code, ids[v.town_code]), v.town_code,
                      urban_rural(v)) for v in villages]
    session.execute(insert(Unit.__table__), rows)
    record_bulk_changes(session, actor=ACTOR, action="create", entity="unit", keys=[r["unit_code"] for r in rows],
                        summary={"village_level_units": len(rows), "demo": True})
    return _open_ids(session, villages[0].code[:6])


def _merge_villages(session: Session, villages: list[Village], rng: random.Random) -> list[Village]:
    """Five merges on 2021-01-01 (82 villages → 77): two neighbours become one under the first one's code."""
    remaining = list(villages)
    towns = ["510117002000", "510117005000", "510117008000", "510117101000", "510117103000"]
    for town_code in towns:
        pair = [v for v in remaining if v.town_code == town_code and v.kind == "village"][-2:]
        merged = Village(pair[0].code, pair[0].name, pair[0].pinyin, "village", town_code, False,
                         scale=pair[0].scale + pair[1].scale)
        apply_adjustment(session, kind="merge", effective_on=date(2021, 1, 1), from_codes=[v.code for v in pair],
                         to_units=[{"unit_code": merged.code, "name": merged.name, "name_pinyin": merged.pinyin}],
                         actor=ACTOR, document_ref="郫府发〔2020〕演示号", note="村(社区)体制机制改革（演示）", demo=True)
        remaining = [v for v in remaining if v not in pair] + [merged]
    return remaining


def _person(rng: random.Random) -> str:
    given = rng.randrange(0, len(places.GIVEN) - 1, 2)
    return rng.choice(places.SURNAMES) + places.GIVEN[given:given + 2]


def _insert_organizations(session: Session, district: dict, villages: list[Village], ids: dict[str, int],
                          rng: random.Random) -> None:
    region = district["code"][:6]
    rows = [_organization(village, ids, rng, region, "N2", village.code[4:12], "village",
                          village.name + "股份经济合作社")
            for village in villages]
    for village in villages[::9]:
        rows.append(_organization(village, ids, rng, region, "N1", "9" + village.code[6:12] + "1", "group",
                                  village.name + "第一村民小组经济合作社"))
    for suffix, name, _p, _k, _v, _c in district["towns"]:
        town = Village(region + suffix + "000", name, "", "town", region + suffix + "000", False)
        rows.append(_organization(town, ids, rng, region, "N3", town.code[4:12], "town", name + "农村集体经济联合总社"))
    session.execute(insert(Organization.__table__), rows)
    record_bulk_changes(session, actor=ACTOR, action="create", entity="organization",
                        keys=[r["credit_code"] for r in rows], summary={"organizations": len(rows), "demo": True})


def _organization(unit: Village, ids, rng, region, prefix, body, level, name) -> dict:
    return {"credit_code": make_credit_code(prefix, region, int(body)), "name": name, "level": level,
            "unit_id": ids[unit.code], "unit_code": unit.code, "town_code": unit.town_code,
            "legal_representative": _person(rng), "representative_phone": f"13{rng.randrange(10**9):09d}",
            "registered_on": date(2018, 1, 1) + timedelta(days=rng.randrange(900)),
            "status": "active" if rng.random() > 0.02 else "suspended", "demo": True, "version": 1,
            "created_at": _now(), "updated_at": _now()}


def _insert_classes(session: Session, district: dict, villages: list[Village], ids: dict[str, int],
                    rng: random.Random) -> None:
    rows = []
    for v in villages:
        planning = _planning_class(district, v, rng)
        for year in YEARS:
            rows.append(_class_row(v, ids, "planning_class", year, planning))
            if district is places.MENTOUGOU and v.kind == "village":
                rows.append(_class_row(v, ids, "appearance_class", year, _appearance(district, v)))
    session.execute(insert(UnitClass.__table__), rows)
    record_bulk_changes(session, actor=ACTOR, action="create", entity="unit_class",
                        keys=[f"{r['unit_code']}/{r['scheme_key']}/{r['year']}" for r in rows],
                        summary={"unit_classes": len(rows), "demo": True})


def _planning_class(district: dict, v: Village, rng: random.Random) -> str:
    if v.name in district["traditional"]:
        return "特色保护类"
    if v.kind == "community" or not v.mountain:
        return rng.choice(["城郊融合类", "集聚提升类", "集聚提升类"])
    return rng.choices(PLANNING, weights=[5, 1, 2, 1])[0]


def _appearance(district: dict, v: Village) -> str:
    if v.name in district["traditional"]:
        return "传统村落"
    return "重点旅游村" if v.name in district["tourism"] else "一般村庄"


def _class_row(v: Village, ids, scheme: str, year: int, name: str) -> dict:
    return {"unit_id": ids[v.code], "unit_code": v.code, "scheme_key": scheme, "year": year, "class_name": name,
            "demo": True, "updated_at": _now()}


def _insert_designations(session: Session, district: dict, villages: list[Village], ids: dict[str, int],
                         rng: random.Random) -> None:
    eligible = [v for v in villages if v.kind == "village"]
    plan = [("shihua_village", 2024, "第一批", 24), ("shihua_village", 2025, "第二批", 27),
            ("revitalization_demo_village", 2024, None, 2), ("revitalization_demo_village", 2025, None, 3),
            ("municipal_demo_village", 2024, None, 2), ("municipal_demo_village", 2025, None, 3),
            ("scenic_village", 2025, None, 6), ("forest_village", 2024, None, 8),
            ("beautiful_leisure_village", 2022, None, 13), ("civilized_village", 2023, None, 4)]
    if district is places.PIDU:
        plan = [("revitalization_demo_village", 2025, None, 8), ("beautiful_leisure_village", 2023, None, 5)]
    rows = [_designation(v, ids, "traditional_village", 2019, "第五批", "awarded")
            for v in eligible if v.name in district["traditional"]]
    holders: dict[str, set[str]] = {}
    for kind, year, batch, count in plan:
        held = holders.setdefault(kind, set())
        for v in rng.sample([v for v in eligible if v.code not in held], count):
            held.add(v.code)
            rows.append(_designation(v, ids, kind, year, batch, "awarded"))
    for v in rng.sample(eligible, 6):
        rows.append(_designation(v, ids, "shihua_village" if district is places.MENTOUGOU else "forest_village",
                                 2026, "第三批", "candidate"))
    rows[-1]["status"] = "revoked"
    session.execute(insert(Designation.__table__), rows)
    keys = [f"{r['unit_code']}/{r['kind_key']}/{r['year']}" for r in rows]
    record_bulk_changes(session, actor=ACTOR, action="create", entity="designation", keys=keys,
                        summary={"designations": len(rows), "demo": True})


def _designation(v: Village, ids, kind: str, year: int, batch: str | None, status: str) -> dict:
    return {"unit_id": ids[v.code], "unit_code": v.code, "town_code": v.town_code, "kind_key": kind, "year": year,
            "batch": batch, "status": status, "document_ref": f"演示文件〔{year}〕{len(kind)}号", "demo": True,
            "version": 1, "created_at": _now(), "updated_at": _now()}


def _insert_statistics(session: Session, villages: list[Village], ids: dict[str, int], rng: random.Random) -> None:
    rows = []
    for v in villages:
        for year, values in _figures(v, rng).items():
            rows += [{"unit_id": ids[v.code], "unit_code": v.code, "metric_key": key, "year": year, "value": value,
                      "source": "演示数据 / demo", "entered_by": ACTOR, "entered_at": _now(), "demo": True}
                     for key, value in values.items()]
    session.execute(insert(StatisticValue.__table__), rows)
    record_bulk_changes(session, actor=ACTOR, action="create", entity="statistic",
                        keys=[f"{r['unit_code']}/{r['year']}/{r['metric_key']}" for r in rows],
                        summary={"statistics": len(rows), "demo": True})


def _money(amount: float) -> Decimal:
    return Decimal(str(round(max(amount, 0.0), 2))).quantize(Decimal("0.01"))


def _figures(v: Village, rng: random.Random) -> dict[int, dict[str, Decimal]]:
    """Five years of one unit's figures: small mountain villages, bigger plains villages and communities."""
    people = int((rng.uniform(250, 1500) if v.mountain else rng.uniform(1200, 4500)) * min(v.scale, 2.5))
    resident = rng.uniform(0.45, 0.9) if v.mountain else rng.uniform(0.9, 1.25)
    land = rng.uniform(60, 1200) if v.mountain else rng.uniform(300, 3500) * (0.2 if v.kind == "community" else 1)
    operating = rng.lognormvariate(12.4 if v.mountain else 13.3, 0.9) * v.scale
    if v.name == "战旗村":
        operating = 5_200_000.0
    debt = rng.uniform(20_000, 2_000_000) if rng.random() < 0.55 else 0.0
    income = rng.uniform(26_000, 31_000) if v.mountain else rng.uniform(29_000, 35_000)
    found = {}
    for year in YEARS:
        growth = rng.uniform(1.03, 1.14)
        operating, income, debt = operating * growth, income * rng.uniform(1.05, 1.08), debt * rng.uniform(0.5, 0.95)
        debt = 0.0 if debt < 15_000 or rng.random() < 0.12 else debt  # 摸清旧债、逐步化解: debts being cleared
        reconstruction = 3.0 if v.mountain and year in (2023, 2024) else 1.0  # the 2023 flood's rebuilding
        found[year] = {
            "registered_population": Decimal(people + rng.randint(-15, 15)),
            "resident_population": Decimal(int(people * resident)),
            "households": Decimal(int(people / rng.uniform(2.3, 2.8))),
            "cultivated_land": _money(land),
            "collective_operating_income": _money(min(operating, 9_000_000)),
            "collective_total_income": _money(min(operating, 9_000_000) * rng.uniform(1.2, 1.9) + rng.uniform(5e4, 3e5)),
            "collective_assets": _money(operating * rng.uniform(6, 18)),
            "collective_debt": _money(debt),
            "government_investment": _money(rng.lognormvariate(13.2, 1.0) * reconstruction),
            "public_complaints": Decimal(max(0, int(rng.gauss(people / 60, 5)) - (year - 2021) * 2)),
            "per_capita_disposable_income": _money(income),
        }
    return found
