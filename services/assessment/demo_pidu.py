"""Demo (演示数据) of the second district, 郫都区, after seed 004: the ten-aspect 经营村庄分类考评 of its 77
villages and 21 communities (item 三十九: 一村一主业, 消费场景营造, 艺术乡村建设 and seven more from the plan's
other items), the figures towns report by hand, and the plan's targets for the district.

The hand-entered figures are made up, the same on every load: each village's comes from its code.
"""

import hashlib

from services.assessment.models import ManualEntry

DISTRICT, YEAR = "510117000000", 2025
CLASSES = ["集聚提升类", "城郊融合类"]
EVIDENCE = "演示数据：街道（镇）报送材料"


def _weights(gathering: float, suburban: float) -> dict[str, float]:
    return {"集聚提升类": gathering, "城郊融合类": suburban}


def _aspect(code: str, zh: str, en: str) -> dict:
    return {"code": code, "name_zh": zh, "name_en": en}


SCHEME = {
    "code": "pidu_operating_villages", "name_zh": "郫都区经营村庄分类考评", "name_en": "Pidu operating-village assessment",
    "district_code": DISTRICT, "class_scheme": "planning_class", "classes": CLASSES, "default_class": "集聚提升类",
    "decimals": 2,
    "dimensions": [
        _aspect("main_industry", "一村一主业", "One village, one main industry"),
        _aspect("consumption", "消费场景营造", "Consumption scenes"),
        _aspect("art", "艺术乡村建设", "Art villages"),
        _aspect("economy", "集体经济发展", "Collective economy"),
        _aspect("income", "农民增收", "Farmers' income"),
        _aspect("debt", "三资管理与债务", "Collective assets and debt"),
        _aspect("planning", "村庄规划", "Village planning"),
        _aspect("environment", "人居环境", "Living environment"),
        _aspect("governance", "乡村治理", "Governance"),
        _aspect("honours", "示范创建", "Titles"),
    ],
    "grade_bands": [{"grade": "优秀", "min": 90}, {"grade": "良好", "min": 75}, {"grade": "合格", "min": 60},
                    {"grade": "不合格", "min": 0}],
    "indicators": [
        {"code": "main_industry", "dimension": "main_industry", "name_zh": "主导产业明确并有经营主体",
         "name_en": "A main industry with an operator", "source": "manual", "method": "yes_no",
         "weights": _weights(15, 10), "missing": "zero"},
        {"code": "consumption_scenes", "dimension": "consumption", "name_zh": "新增乡村消费场景",
         "name_en": "New consumption scenes", "unit": "个", "source": "manual", "method": "threshold_linear",
         "params": {"floor": 0, "target": 3}, "targets": {"城郊融合类": 5}, "weights": _weights(10, 15),
         "missing": "zero"},
        {"code": "art_village", "dimension": "art", "name_zh": "艺术乡村建设项目落地", "name_en": "An art-village project",
         "source": "manual", "method": "yes_no", "weights": _weights(10, 10), "missing": "zero"},
        {"code": "operating_income", "dimension": "economy", "name_zh": "村集体经营性收入", "name_en": "Operating income",
         "unit": "元", "source": "metric", "key": "collective_operating_income", "method": "threshold_linear",
         "params": {"floor": 0, "target": 500000}, "targets": {"城郊融合类": 1000000}, "weights": _weights(15, 15),
         "missing": "zero"},
        {"code": "disposable_income", "dimension": "income", "name_zh": "农村居民人均可支配收入",
         "name_en": "Per-capita disposable income", "unit": "元", "source": "metric",
         "key": "per_capita_disposable_income", "method": "threshold_linear", "params": {"floor": 29000, "target": 33000},
         "weights": _weights(10, 10), "missing": "reweight"},
        {"code": "debt", "dimension": "debt", "name_zh": "村级债务", "name_en": "Village debt", "unit": "元",
         "direction": "lower", "source": "metric", "key": "collective_debt", "method": "threshold_linear",
         "params": {"floor": 1000000, "target": 0}, "weights": _weights(10, 10), "missing": "reweight"},
        {"code": "village_plan", "dimension": "planning", "name_zh": "村规划编制完成", "name_en": "Village plan made",
         "source": "manual", "method": "yes_no", "weights": _weights(10, 10), "missing": "zero"},
        {"code": "toilet_rate", "dimension": "environment", "name_zh": "无害化卫生厕所普及率",
         "name_en": "Sanitary toilet coverage", "unit": "%", "source": "manual", "method": "threshold_linear",
         "params": {"floor": 80, "target": 98}, "weights": _weights(10, 10), "missing": "reweight"},
        {"code": "waste_sorting", "dimension": "environment", "name_zh": "生活垃圾分类覆盖率",
         "name_en": "Waste sorting coverage", "unit": "%", "source": "manual", "method": "threshold_linear",
         "params": {"floor": 70, "target": 95}, "weights": _weights(10, 10), "missing": "reweight"},
        {"code": "complaints", "dimension": "governance", "name_zh": "接诉即办诉求", "name_en": "Public complaints",
         "unit": "件", "direction": "lower", "source": "metric", "key": "public_complaints", "method": "deduction",
         "params": {"per": 0.1, "cap": 5}, "missing": "zero"},
        {"code": "major_incident", "dimension": "governance", "name_zh": "重大安全事故或违纪违法（一票否决）",
         "name_en": "A major incident (veto)", "unit": "次", "source": "manual", "method": "veto", "missing": "zero"},
        {"code": "demo_village", "dimension": "honours", "name_zh": "乡村振兴示范村", "name_en": "Demonstration village",
         "source": "designation", "key": "revitalization_demo_village", "method": "bonus",
         "params": {"per": 5, "cap": 5}},
        {"code": "leisure_village", "dimension": "honours", "name_zh": "美丽休闲乡村", "name_en": "Beautiful leisure village",
         "source": "designation", "key": "beautiful_leisure_village", "method": "bonus", "params": {"per": 3, "cap": 3}},
    ],
}


def _draw(unit_code: str, what: str) -> float:
    """A number in [0, 1) fixed by the village and the figure."""
    return int(hashlib.sha256(f"{unit_code}/{what}".encode()).hexdigest()[:8], 16) / 16 ** 8


def reported(unit_code: str) -> dict[str, float]:
    """The figures a village's town reported for it; a few villages lack the environment survey."""
    figures = {"main_industry": float(_draw(unit_code, "industry") < 0.7),
               "consumption_scenes": float(int(_draw(unit_code, "scenes") * 7)),
               "art_village": float(_draw(unit_code, "art") < 0.4),
               "village_plan": float(_draw(unit_code, "plan") < 0.9)}
    if _draw(unit_code, "survey") >= 0.05:
        figures["toilet_rate"] = round(85 + _draw(unit_code, "toilets") * 15, 1)
        figures["waste_sorting"] = round(75 + _draw(unit_code, "waste") * 25, 1)
    if _draw(unit_code, "incident") < 0.02:
        figures["major_incident"] = 1.0
    return figures


def manual_entries(period_id: int, unit_codes: list[str], actor: str) -> list[ManualEntry]:
    return [ManualEntry(period_id=period_id, unit_code=code, indicator_code=indicator, value=repr(value),
                        evidence=EVIDENCE, entered_by=actor)
            for code in unit_codes for indicator, value in reported(code).items()]
