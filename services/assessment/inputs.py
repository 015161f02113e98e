"""Inputs of a period (考核数据): gathered from the registry and the assets service over their APIs, kept
as a snapshot with its digest, completed by manual entries; and the completeness report a scheme gets
before a run."""

import hashlib
import math
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from threading import Lock

import httpx
import numpy as np
import orjson
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from services.assessment.models import InputSnapshot, ManualEntry, Period
from services.assessment.scheme_spec import ASSETS_MEASURES, SchemeSpec
from services.assessment.scoring import Inputs
from services.common import audit
from services.common.errors import Invalid, NotFound
from services.common.peers import PeerUnavailable, get_json
from services.common.peers import all_pages as pages


def read_registry(client: httpx.Client, district_code: str, year: int) -> dict:
    """Every village-level unit of the district with its statistics, classes and designations of `year`,
    as a columnar document: what a snapshot stores."""
    prefix = district_code[:6]
    units = sorted(pages(client, "/v1/units", level="village", code=prefix), key=lambda u: u["unit_code"])
    codes = [u["unit_code"] for u in units]
    at = {code: n for n, code in enumerate(codes)}
    skipped: list[dict] = []
    columns = _metric_columns(get_json(client, "/v1/statistics", year=year)["items"], at, year, skipped)
    classes = _classes(client, prefix, year, at, columns, skipped)
    for designation in pages(client, "/v1/designations", status="awarded"):
        if designation["unit_code"] in at and designation["year"] <= year:
            columns.setdefault(f"designation:{designation['kind_key']}", [0.0] * len(codes))[
                at[designation["unit_code"]]] = 1.0
    return {"district_code": district_code, "year": year, "unit_codes": codes,
            "names": [u["name"] for u in units], "towns": [u["town_code"] for u in units],
            "classes": classes, "columns": columns, "skipped": skipped}


def read_assets(client: httpx.Client, document: dict) -> None:
    """Adds the assets service's finding measures of the document's year as `assets:<measure>` columns.

    A village's organizations are summed. A village no accepted or closed engagement visited that year
    has no value (missing: each indicator's policy decides); one visited without findings has a
    rectification rate of 1, nothing being left to rectify. When the assets service does not answer,
    the snapshot is still made, without those columns, and says why under `unavailable`: a period
    whose scheme reads no measure is not held up, and one that does sees them missing.
    """
    try:
        measures = get_json(client, "/v1/measures", service="assets", year=document["year"])["items"]
    except PeerUnavailable as exc:
        document.setdefault("unavailable", {})["assets"] = exc.detail
        return
    at = {code: n for n, code in enumerate(document["unit_codes"])}
    found: dict[int, dict[str, float]] = {}
    for item in measures:
        n = at.get(item["unit_code"])
        if n is None or not any(e["status"] in ("accepted", "closed") for e in item["engagements"]):
            continue
        sums = found.setdefault(n, dict.fromkeys(ASSETS_MEASURES, 0.0))
        sums["engagements"] += len(item["engagements"])
        for severity in ("general", "major", "serious"):
            sums[f"findings_{severity}"] += item["findings"][severity]
        sums["findings"] += item["findings"]["total"]
        sums["rectified"] += item["rectified"]
        sums["overdue"] += item["overdue"]
        sums["amount"] += float(item["amount"])
    for sums in found.values():
        sums["rectification_rate"] = round(sums["rectified"] / sums["findings"], 4) if sums["findings"] else 1.0
    for measure in ASSETS_MEASURES:
        column = [None] * len(at)
        for n, sums in found.items():
            column[n] = sums[measure]
        document["columns"][f"assets:{measure}"] = column


def _metric_columns(items: list[dict], at: dict[str, int], year: int, skipped: list[dict]) -> dict[str, list]:
    """One `metric:<key>` column per metric; a value that is not a finite number is skipped and named."""
    columns: dict[str, list] = {}
    for item in items:
        if item["unit_code"] not in at:
            continue
        for key, value in item["values"].items():
            number = _number(value)
            if number is None:
                skipped.append(_skip(f"statistics/{item['unit_code']}/{year}", f"values.{key}",
                                     "不是有限数值 / not a finite number"))
            else:
                columns.setdefault(f"metric:{key}", [None] * len(at))[at[item["unit_code"]]] = number
    return columns


def _classes(client, prefix: str, year: int, at: dict[str, int], columns: dict,
             skipped: list[dict]) -> dict[str, list]:
    """Per classification scheme, each unit's class that year; also one 0/1 column per class.

    A class the registry holds but this service cannot use (a blank label, stored before labels were
    checked, or one the registry refuses to filter by) is left out and named in `skipped`: one bad
    record must not stop the district's gathering.
    """
    found: dict[str, list] = {}
    for scheme in get_json(client, "/v1/classification-schemes")["items"]:
        names = [None] * len(at)
        for index, class_name in enumerate(scheme["classes"]):
            record = f"classification-schemes/{scheme['key']}"
            if not isinstance(class_name, str) or not class_name.strip():
                skipped.append(_skip(record, f"classes[{index}]", "分类名称为空 / the class label is blank"))
                continue
            try:
                members = pages(client, "/v1/units", level="village", code=prefix, scheme=scheme["key"],
                                class_name=class_name, class_year=year)
            except PeerUnavailable as exc:
                if not 400 <= exc.extra.get("upstream_status", 0) < 500:
                    raise
                skipped.append(_skip(record, f"classes[{index}]", exc.detail))
                continue
            column = [0.0] * len(at)
            for unit in members:
                if unit["unit_code"] in at:
                    names[at[unit["unit_code"]]] = class_name
                    column[at[unit["unit_code"]]] = 1.0
            columns[f"class:{scheme['key']}:{class_name}"] = column
        found[scheme["key"]] = names
    return found


def _skip(record: str, field: str, reason: str) -> dict:
    return {"source": "registry", "record": record, "field": field, "reason": reason}


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def digest_of(document: dict) -> tuple[bytes, str]:
    payload = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return payload, hashlib.sha256(payload).hexdigest()


def store_snapshot(session: Session, period: Period, document: dict, *, actor: str) -> InputSnapshot:
    payload, digest = digest_of(document)
    present = {k: sum(v is not None for v in values) for k, values in document["columns"].items()}
    snapshot = InputSnapshot(period_id=period.id, digest=digest, units=len(document["unit_codes"]),
                             completeness={"columns": present, "unavailable": document.get("unavailable", {}),
                                           "skipped": document.get("skipped", [])},
                             payload=payload, gathered_by=actor)
    session.add(snapshot)
    session.flush()
    audit.record(session, actor=actor, action="gather", entity="input_snapshot", entity_id=str(snapshot.id),
                 after={"period_id": period.id, "digest": digest, "units": snapshot.units})
    return snapshot


def get_period(session: Session, period_id: int) -> Period:
    period = session.get(Period, period_id)
    if period is None:
        raise NotFound(f"没有考核年度 {period_id} / no period {period_id}", code="period_not_found")
    return period


def latest_snapshot(session: Session, period: Period) -> InputSnapshot:
    """The period's latest snapshot; its payload (tens of MB for a large district) is read when first used."""
    snapshot = session.exec(select(InputSnapshot).where(InputSnapshot.period_id == period.id)
                            .options(defer(InputSnapshot.payload)).order_by(InputSnapshot.id.desc())).first()
    if snapshot is None:
        raise Invalid("period_id", "该年度尚未采集数据 / gather this period's inputs first", code="inputs_not_gathered")
    return snapshot


def snapshot_document(snapshot: InputSnapshot) -> dict:
    return orjson.loads(snapshot.payload)


@dataclass(frozen=True)
class SnapshotVillages:
    codes: tuple[str, ...]
    names: tuple[str, ...]
    towns: tuple[str, ...]
    members: frozenset[str]


# A snapshot never changes, and its digest names its content: its villages are kept by digest, so
# that each manual entry does not read and parse the whole snapshot (about 1 s at 500,000 villages).
_VILLAGES: OrderedDict[str, SnapshotVillages] = OrderedDict()
_VILLAGES_KEPT = 8
_villages_lock = Lock()


def snapshot_villages(snapshot: InputSnapshot) -> SnapshotVillages:
    with _villages_lock:
        found = _VILLAGES.get(snapshot.digest)
        if found is not None:
            _VILLAGES.move_to_end(snapshot.digest)
            return found
    document = snapshot_document(snapshot)
    found = SnapshotVillages(tuple(document["unit_codes"]), tuple(document["names"]), tuple(document["towns"]),
                             frozenset(document["unit_codes"]))
    with _villages_lock:
        _VILLAGES[snapshot.digest] = found
        while len(_VILLAGES) > _VILLAGES_KEPT:
            _VILLAGES.popitem(last=False)
    return found


def manual_entries(session: Session, period: Period) -> list[ManualEntry]:
    return list(session.exec(select(ManualEntry).where(ManualEntry.period_id == period.id)
                             .order_by(ManualEntry.unit_code, ManualEntry.indicator_code)))


def enter_manual(session: Session, period: Period, *, unit_code: str, indicator_code: str, value: float,
                 evidence: str, actor: str) -> ManualEntry:
    """Records (or replaces) one village's value of a manual indicator; the village must be in the period."""
    snapshot = latest_snapshot(session, period)
    if unit_code not in snapshot_villages(snapshot).members:
        raise Invalid("unit_code", f"{period.year} 年度没有村 {unit_code} / the period has no village {unit_code}",
                      code="unit_not_in_period")
    entry = session.exec(select(ManualEntry).where(
        ManualEntry.period_id == period.id, ManualEntry.unit_code == unit_code,
        ManualEntry.indicator_code == indicator_code)).first()
    before = None if entry is None else {"value": entry.value, "evidence": entry.evidence, "by": entry.entered_by}
    entry = entry or ManualEntry(period_id=period.id, unit_code=unit_code, indicator_code=indicator_code,
                                 value="", evidence="", entered_by=actor)
    entry.value, entry.evidence, entry.entered_by = repr(float(value)), evidence, actor
    session.add(entry)
    session.flush()
    audit.record(session, actor=actor, action="enter", entity="manual_entry", entity_id=str(entry.id),
                 before=before, after={"unit_code": unit_code, "indicator_code": indicator_code, "value": entry.value,
                                       "evidence": evidence})
    return entry


def inputs_for(document: dict, manual: list[tuple[str, str, str]], spec: SchemeSpec) -> Inputs:
    """The arrays scoring reads: the snapshot's columns plus manual entries (unit, indicator, value)."""
    n = len(document["unit_codes"])
    columns = {k: np.array(values, dtype=np.float64) for k, values in document["columns"].items()}  # None is NaN
    at = {code: i for i, code in enumerate(document["unit_codes"])}
    by_indicator = defaultdict(list)
    for unit_code, indicator_code, value in manual:
        if unit_code in at:
            by_indicator[indicator_code].append((at[unit_code], float(value)))
    for code, values in by_indicator.items():
        column = np.full(n, np.nan)
        for i, value in values:
            column[i] = value
        columns[f"manual:{code}"] = column
    classes = document["classes"].get(spec.class_scheme) or [None] * n
    return Inputs(document["unit_codes"], [c or spec.default_class for c in classes], columns)


def completeness(spec: SchemeSpec, inputs: Inputs) -> list[dict]:
    """Per indicator read from inputs: how many villages have a value, and whether a run would be blocked."""
    n = len(inputs.unit_codes)
    report = []
    for indicator in spec.indicators:
        if indicator.source == "formula":
            continue
        column = inputs.columns.get(indicator.column)
        present = 0 if column is None else int((~np.isnan(column)).sum())
        report.append({"indicator": indicator.code, "column": indicator.column, "present": present, "missing": n - present,
                       "policy": indicator.missing, "blocks": indicator.missing == "block" and present < n})
    return report
