"""Plan targets (规划目标) of the seeds as data, and their progress read from the registry's API.

Kinds: `designations` (how many units hold a title, cumulative), `share_at_least` (share of
village-level units whose metric reaches a value), `count_above` (units whose metric is above a
value, e.g. villages still in debt; the target is a ceiling), `mean_at_least` (the metric's mean
over the village-level units, e.g. per-capita disposable income). A projection fits a line to the
yearly series; the pace still needed spreads what is left over the years to the deadline.
"""

import numpy as np

from services.common.peers import all_pages as pages
from services.common.peers import get_json

MENTOUGOU, PIDU = "110109000000", "510117000000"
TARGETS = (
    {"code": "shihua_village", "district_code": MENTOUGOU, "name_zh": "诗画乡村不少于100个", "name_en": "At least 100 poetic villages",
     "kind": "designations", "key": "shihua_village", "target": 100, "deadline": 2027, "baseline_year": 2023,
     "baseline": 0, "yearly": [20, 30]},
    {"code": "revitalization_demo_village", "district_code": MENTOUGOU, "name_zh": "乡村振兴示范村不少于10个",
     "name_en": "At least 10 revitalization demonstration villages", "kind": "designations",
     "key": "revitalization_demo_village", "target": 10, "deadline": 2027, "baseline_year": 2023, "baseline": 0},
    {"code": "forest_village", "district_code": MENTOUGOU, "name_zh": "建成24个森林村庄", "name_en": "24 forest villages",
     "kind": "designations", "key": "forest_village", "target": 24, "deadline": 2027, "baseline_year": 2023, "baseline": 0},
    {"code": "scenic_village", "district_code": MENTOUGOU, "name_zh": "打造30个景村融合示范村",
     "name_en": "30 scenic-village demonstration villages", "kind": "designations", "key": "scenic_village",
     "target": 30, "deadline": 2027, "baseline_year": 2023, "baseline": 0},
    {"code": "operating_income_500k", "district_code": MENTOUGOU, "name_zh": "村集体经营性收入50万元以上的占比达到75%",
     "name_en": "75% of villages with operating income of 500,000 yuan or more", "kind": "share_at_least",
     "key": "collective_operating_income", "threshold": 500000, "target": 75, "deadline": 2027,
     "baseline_year": 2021, "baseline": None},
    {"code": "village_debt_cleared", "district_code": MENTOUGOU, "name_zh": "2027年底前村级债务清零",
     "name_en": "Village debt cleared by the end of 2027", "kind": "count_above", "key": "collective_debt",
     "threshold": 0, "target": 0, "deadline": 2027, "baseline_year": 2021, "baseline": None},
    {"code": "pidu_demo_village", "district_code": PIDU, "name_zh": "争创市级乡村振兴示范村（社区）8个",
     "name_en": "8 municipal revitalization demonstration villages (communities)", "kind": "designations",
     "key": "revitalization_demo_village", "target": 8, "deadline": 2025, "baseline_year": 2021, "baseline": 0},
    {"code": "pidu_disposable_income", "district_code": PIDU, "name_zh": "农村居民人均可支配收入达到33000元",
     "name_en": "Rural per-capita disposable income of 33,000 yuan", "kind": "mean_at_least",
     "key": "per_capita_disposable_income", "target": 33000, "deadline": 2025, "baseline_year": 2021,
     "baseline": None},
)


def progress(client, target: dict, years: range) -> dict:
    """The target with its yearly series, current value, projection at the deadline and pace still needed."""
    series = _series(client, target, years)
    latest_year = max((y for y, v in series.items() if v is not None), default=None)
    current = series.get(latest_year) if latest_year else None
    points = [(y, v) for y, v in series.items() if v is not None]
    projected = None
    if len(points) >= 2:
        slope, intercept = np.polyfit([p[0] for p in points], [p[1] for p in points], 1)
        projected = round(float(slope * target["deadline"] + intercept), 2)
    left = max(target["deadline"] - (latest_year or target["deadline"]), 0)
    gap = None if current is None else target["target"] - current
    pace = None if gap is None else round(gap / left, 2) if left else gap
    ceiling = target["kind"] == "count_above"
    reached = current is not None and (current <= target["target"] if ceiling else current >= target["target"])
    share = None if current is None or ceiling or not target["target"] else round(min(current / target["target"], 1) * 100, 1)
    return {**target, "series": [{"year": y, "value": v} for y, v in series.items()], "current": current,
            "as_of": latest_year, "projected": projected, "pace_needed": pace, "reached": reached,
            "percent_done": share}


def _series(client, target: dict, years: range) -> dict[int, float | None]:
    prefix = target["district_code"][:6]
    if target["kind"] == "designations":
        towns = [u["unit_code"] for u in pages(client, "/v1/units", level="town", code=prefix)]
        per_year: dict[int, int] = {}
        for town in towns:
            for item in get_json(client, "/v1/designations/counts", kind=target["key"], town=town)["items"]:
                per_year[item["year"]] = per_year.get(item["year"], 0) + item["count"]
        return {y: float(sum(c for year, c in per_year.items() if year <= y)) for y in years}
    return {y: _metric_value(client, target, prefix, y) for y in years}


def _metric_value(client, target: dict, prefix: str, year: int) -> float | None:
    items = [i for i in get_json(client, "/v1/statistics", year=year, metrics=target["key"])["items"]
             if i["unit_code"].startswith(prefix) and i["unit_code"] != i["town_code"]]
    if not items:
        return None
    if target["kind"] == "mean_at_least":
        return round(sum(float(i["values"][target["key"]]) for i in items) / len(items), 2)
    hits = sum(1 for i in items if float(i["values"][target["key"]]) > target["threshold"]
               or (target["kind"] == "share_at_least" and float(i["values"][target["key"]]) == target["threshold"]))
    return float(hits) if target["kind"] == "count_above" else round(hits * 100 / len(items), 2)
