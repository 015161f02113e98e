"""Demo (演示数据): the 乡村振兴实绩考核 scheme of 门头沟区 and the 经营村庄分类考评 of 郫都区 (demo_pidu),
each published, with its 2025 period and a computed, published run.

Loading again changes nothing. `documents` maps each district in PERIODS to what `inputs.read_registry`
gives for it.
"""

from sqlmodel import Session, select

from services.assessment import demo_pidu, inputs, runs, schemes
from services.assessment.models import Period, Scheme
from services.assessment.schemas import SchemeIn
from services.assessment.scoring import score
from services.common import audit

ACTOR = "system:demo-loader"
DISTRICT, YEAR = "110109000000", 2025
PERIODS = ((DISTRICT, YEAR), (demo_pidu.DISTRICT, demo_pidu.YEAR))
CLASSES = ["集聚提升类", "城郊融合类", "特色保护类", "搬迁撤并类"]


def _all(points: float) -> dict[str, float]:
    return {c: points for c in CLASSES}


SCHEME = {
    "code": "mtg_performance", "name_zh": "门头沟区乡村振兴实绩考核", "name_en": "Mentougou rural revitalization performance",
    "district_code": DISTRICT, "class_scheme": "planning_class", "classes": CLASSES, "default_class": "集聚提升类",
    "decimals": 2,
    "dimensions": [{"code": "economy", "name_zh": "集体经济", "name_en": "Collective economy"},
                   {"code": "governance", "name_zh": "乡村治理", "name_en": "Governance"},
                   {"code": "honours", "name_zh": "示范创建", "name_en": "Titles"}],
    "grade_bands": [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 75}, {"grade": "合格", "min": 60},
                    {"grade": "不合格", "min": 0}],
    "indicators": [
        {"code": "operating_income", "dimension": "economy", "name_zh": "村集体经营性收入", "name_en": "Operating income",
         "unit": "元", "source": "metric", "key": "collective_operating_income", "method": "threshold_linear",
         "params": {"floor": 0, "target": 500000}, "targets": {"城郊融合类": 800000}, "weights": _all(40),
         "missing": "zero"},
        {"code": "residents", "dimension": "economy", "name_zh": "常住人口", "name_en": "Resident population",
         "unit": "人", "source": "metric", "key": "resident_population", "method": "value", "missing": "reweight"},
        {"code": "income_per_resident", "dimension": "economy", "name_zh": "人均经营性收入",
         "name_en": "Operating income per resident", "unit": "元", "source": "formula",
         "key": "operating_income / max(residents, 1)", "method": "ratio", "params": {"target": 600, "cap": 1},
         "weights": _all(20), "missing": "zero"},
        {"code": "debt", "dimension": "economy", "name_zh": "村级债务", "name_en": "Village debt", "unit": "元",
         "direction": "lower", "source": "metric", "key": "collective_debt", "method": "threshold_linear",
         "params": {"floor": 1000000, "target": 0}, "weights": _all(20), "missing": "reweight"},
        {"code": "disposable_income", "dimension": "economy", "name_zh": "农村居民人均可支配收入",
         "name_en": "Per-capita disposable income", "unit": "元", "source": "metric",
         "key": "per_capita_disposable_income", "method": "percentile", "weights": _all(20), "missing": "reweight"},
        {"code": "complaints", "dimension": "governance", "name_zh": "接诉即办诉求", "name_en": "Public complaints",
         "unit": "件", "direction": "lower", "source": "metric", "key": "public_complaints", "method": "deduction",
         "params": {"per": 0.2, "cap": 5}, "missing": "zero"},
        {"code": "shihua", "dimension": "honours", "name_zh": "诗画乡村", "name_en": "Poetic village",
         "source": "designation", "key": "shihua_village", "method": "bonus", "params": {"per": 3, "cap": 3}},
        {"code": "demo_village", "dimension": "honours", "name_zh": "乡村振兴示范村", "name_en": "Demonstration village",
         "source": "designation", "key": "revitalization_demo_village", "method": "bonus",
         "params": {"per": 5, "cap": 5}},
        {"code": "debt_out_of_control", "dimension": "governance", "name_zh": "新增债务失控（一票否决）",
         "name_en": "Debt out of control (veto)", "unit": "元", "source": "formula",
         "key": "debt > 1200000 and debt > operating_income * 3", "method": "veto", "missing": "zero"},
    ],
}


def load_demo(session: Session, documents: dict[str, dict]) -> dict[str, int]:
    """Each district's published scheme, its period with the district's document as the snapshot (and, in
    郫都区, the figures towns report by hand), and a finished run; what was made, per scheme."""
    made = {}
    for scheme_body, district, year in ((SCHEME, DISTRICT, YEAR), (demo_pidu.SCHEME, demo_pidu.DISTRICT, demo_pidu.YEAR)):
        if not session.exec(select(Scheme).where(Scheme.code == scheme_body["code"])).first():
            made[scheme_body["code"]] = _load_scheme(session, scheme_body, district, year, documents[district])
    return made


def _load_scheme(session: Session, body: dict, district: str, year: int, document: dict) -> int:
    scheme = schemes.create(session, SchemeIn(**body), actor=ACTOR, demo=True)
    schemes.publish(session, scheme, actor=ACTOR)
    period = session.exec(select(Period).where(Period.district_code == district, Period.year == year)).first()
    if period is None:
        period = Period(district_code=district, year=year, created_by=ACTOR, demo=True)
        session.add(period)
        session.flush()
    snapshot = inputs.store_snapshot(session, period, document, actor=ACTOR)
    if district == demo_pidu.DISTRICT and not inputs.manual_entries(session, period):
        entries = demo_pidu.manual_entries(period.id, document["unit_codes"], ACTOR)
        session.add_all(entries)
        session.flush()
        audit.record(session, actor=ACTOR, action="enter", entity="manual_entry", entity_id=f"period/{period.id}",
                     after={"entries": len(entries), "demo": True})
    run = runs.create(session, scheme, period, actor=ACTOR, demo=True)
    spec = schemes.spec_of_scheme(session, scheme)
    prepared, digest = runs.prepared(session, period.id, snapshot, scheme)
    scores = score(spec, inputs.inputs_for(prepared, prepared.pop("_manual"), spec))
    runs.store_results(session, run.id, spec, prepared, scores)
    run.status, run.progress, run.digest = "done", 100, digest
    runs.publish(session, run, actor=ACTOR)
    return len(prepared["unit_codes"])
