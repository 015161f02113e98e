"""Pages of the assessment (考核评估): schemes and their weight grid, runs with progress, the ranking,
one village's breakdown, the comparison of two runs and the plan targets.

Everything goes through the assessment service's API as the signed-in person; the service decides
who may see what (a town officer: published results of their own villages) and names what is wrong.
"""

import asyncio
import contextlib
import re
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from gateway.auth.signin import SignedIn
from gateway.pages.backend import call, get_json, localized
from gateway.pages.charts import bar_chart, bar_width
from gateway.pages.rendering import CsrfChecked, is_htmx, language, render
from services.common.errors import Forbidden

router = APIRouter(include_in_schema=False)
SERVICE = "assessment"
PAGE_SIZE = 50
# Methods whose indicators carry a weight per village class (the others add, deduct, veto or only show).
WEIGHTED = ("threshold_linear", "ratio", "percentile", "yes_no")
# Fields of a scheme document that are the service's bookkeeping, not part of what is sent back.
BOOKKEEPING = ("id", "version", "status", "published_at", "row_version")
ROW = 24  # height of one indicator's bar in the breakdown chart
LENGTH = 200  # the longest bar
WAITING = ("queued", "running")


async def read_api(request: Request, who: SignedIn, path: str, **params):
    """A read the person may be refused: None when the service says it is not theirs (403) or not there (404)."""
    try:
        return await get_json(request, who[1], SERVICE, f"/v1{path}", **params)
    except Forbidden:
        return None


def problem_of(response, lang: str) -> dict:
    """A problem+json as the page shows it: the message at the top and each field's message."""
    body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    errors = body.get("errors") or []
    fields = {e.get("field", ""): localized(e.get("message", ""), lang) for e in errors}
    detail = localized(errors[0]["message"], lang) if len(errors) == 1 else localized(body.get("detail", ""), lang)
    return {"status": response.status_code, "code": body.get("code", ""), "detail": detail, "fields": fields,
            "extra": body}


def explanation(item: dict, lang: str) -> str:
    """The service's sentence in the reader's language (it gives one per language)."""
    return item["sentence"].get(lang) or item["sentence"]["zh"]


# Scheme page ------------------------------------------------------------------------------------

def weight_grid(scheme: dict, typed: FormData | None = None) -> dict:
    """The class-weight grid: a row per weighted indicator, a column per class, the sum of each column."""
    rows, sums = [], {c: Decimal(0) for c in scheme["classes"]}
    for n, indicator in enumerate(scheme["indicators"]):
        if indicator["method"] not in WEIGHTED:
            continue
        cells = []
        for c, name in enumerate(scheme["classes"]):
            stored = indicator["weights"].get(name)
            value = typed.get(f"w-{n}-{c}", "") if typed is not None else ("" if stored is None else f"{stored:g}")
            cells.append({"name": f"w-{n}-{c}", "value": str(value).strip()})
            with contextlib.suppress(ArithmeticError):  # a weight not yet a number adds nothing to its sum
                sums[name] += Decimal(str(value).strip() or 0)
        rows.append({"index": n, "indicator": indicator, "cells": cells})
    return {"rows": rows, "sums": [sums[c] for c in scheme["classes"]]}


def weights_from(form: FormData, scheme: dict) -> tuple[dict, dict[str, str]]:
    """The scheme with the typed weights; numbers are checked here first, in the reader's language."""
    indicators, errors = [], {}
    for n, indicator in enumerate(scheme["indicators"]):
        weights = dict(indicator["weights"])
        if indicator["method"] in WEIGHTED:
            weights = {}
            for c, name in enumerate(scheme["classes"]):
                text = str(form.get(f"w-{n}-{c}", "")).strip()
                if not text:
                    continue
                try:
                    weights[name] = float(Decimal(text))
                except ArithmeticError:
                    errors[f"w-{n}-{c}"] = "Enter a number of points, such as 20."
        indicators.append({**indicator, "weights": weights})
    body = {k: v for k, v in scheme.items() if k not in BOOKKEEPING}
    return {**body, "indicators": indicators}, errors


def grid_errors(problem: dict, scheme: dict) -> dict[str, str]:
    """The service's field names as the grid's: a class's sum under its column, an indicator's on its row."""
    found = {}
    for field, message in problem["fields"].items():
        if field.startswith("weights."):
            name = field.removeprefix("weights.")
            if name in scheme["classes"]:
                found[f"sum-{scheme['classes'].index(name)}"] = message
                continue
        match = re.match(r"indicators[\[.](\d+)\]?\.weights", field)
        found[f"row-{match.group(1)}" if match else "form"] = message
    return found


async def district_periods(request: Request, who: SignedIn, district_code: str) -> list[dict]:
    found = await read_api(request, who, "/periods")
    return [p for p in (found or {"items": []})["items"] if p["district_code"] == district_code]


async def _show_scheme(request: Request, who: SignedIn, scheme: dict, status: int = 200, **extra) -> Response:
    context = {"scheme": scheme, "grid": weight_grid(scheme), "errors": {}, "problem": None,
               "dimensions": {d["code"]: d for d in scheme["dimensions"]}, **extra}
    if is_htmx(request) and "grid" in extra:
        return render(request, "assessment/_weights.html", status, **context)
    periods = await district_periods(request, who, scheme["district_code"])
    return render(request, "assessment/scheme.html", status, periods=periods, **context)


@router.get("/assessment")
async def index(request: Request, who: SignedIn) -> Response:
    schemes, periods, runs = await asyncio.gather(read_api(request, who, "/schemes"), read_api(request, who, "/periods"),
                                                  _runs(request, who))
    return render(request, "assessment/index.html", schemes=(schemes or {}).get("items"),
                  periods=(periods or {}).get("items") or [], runs=runs)


async def _runs(request: Request, who: SignedIn) -> list[dict]:
    """The runs this person may read, newest first (the latest 200)."""
    page = await read_api(request, who, "/runs", limit=200)
    return page["items"] if page else []


@router.get("/assessment/schemes/{scheme_id}")
async def scheme_page(request: Request, scheme_id: int, who: SignedIn) -> Response:
    scheme = await read_api(request, who, f"/schemes/{scheme_id}")
    if scheme is None:
        return render(request, "assessment/missing.html", 404)
    notice = next((n for n in ("saved", "published", "new_version", "gathered") if n in request.query_params), None)
    return await _show_scheme(request, who, scheme, notice=notice)


@router.post("/assessment/schemes/{scheme_id}/weights")
async def save_weights(request: Request, scheme_id: int, who: SignedIn, _: CsrfChecked) -> Response:
    form = await request.form()
    scheme = await read_api(request, who, f"/schemes/{scheme_id}")
    if scheme is None:
        return render(request, "assessment/missing.html", 404)
    body, errors = weights_from(form, scheme)
    problem = None
    if not errors:
        response = await call(request, who[1], SERVICE, "PUT", f"/v1/schemes/{scheme_id}", json=body,
                              headers={"If-Match": f'"{form.get("row_version", "")}"'})
        if response.status_code == 200:
            if not is_htmx(request):
                return RedirectResponse(f"/assessment/schemes/{scheme_id}?saved=1", status_code=303)
            saved = response.json()
            return await _show_scheme(request, who, saved, grid=weight_grid(saved), notice="saved")
        problem = problem_of(response, language(request))
        errors = grid_errors(problem, scheme)
    return await _show_scheme(request, who, scheme, 422, grid=weight_grid(scheme, form), errors=errors,
                              weights_problem=problem)


@router.post("/assessment/schemes/{scheme_id}/publish")
async def publish_scheme(request: Request, scheme_id: int, who: SignedIn, _: CsrfChecked) -> Response:
    response = await call(request, who[1], SERVICE, "POST", f"/v1/schemes/{scheme_id}/publish")
    if response.status_code == 200:
        return RedirectResponse(f"/assessment/schemes/{scheme_id}?published=1", status_code=303)
    scheme = await read_api(request, who, f"/schemes/{scheme_id}")
    return await _show_scheme(request, who, scheme, 422, problem=problem_of(response, language(request)))


@router.post("/assessment/schemes/{scheme_id}/new-version")
async def new_version(request: Request, scheme_id: int, who: SignedIn, _: CsrfChecked) -> Response:
    """A draft copy of a published scheme, or the draft that already exists for its code."""
    scheme = await read_api(request, who, f"/schemes/{scheme_id}")
    if scheme is None:
        return render(request, "assessment/missing.html", 404)
    body = {k: v for k, v in scheme.items() if k not in BOOKKEEPING}
    response = await call(request, who[1], SERVICE, "POST", "/v1/schemes", json=body)
    problem = problem_of(response, language(request)) if response.status_code != 201 else None
    if response.status_code == 201 or (problem and problem["code"] == "draft_exists"):
        draft = response.json()["id"] if problem is None else problem["extra"]["draft_id"]
        return RedirectResponse(f"/assessment/schemes/{draft}?new_version=1", status_code=303)
    return await _show_scheme(request, who, scheme, response.status_code, problem=problem)


@router.post("/assessment/periods")
async def create_period(request: Request, who: SignedIn, _: CsrfChecked) -> Response:
    form = await request.form()
    scheme_id, year = str(form.get("scheme_id", "")), str(form.get("year", "")).strip()
    scheme = await read_api(request, who, f"/schemes/{scheme_id}")
    if scheme is None:
        return render(request, "assessment/missing.html", 404)
    if not (year.isdigit() and 2000 <= int(year) <= 2100):
        errors = {"year": "Enter a year between 2000 and 2100."}
        return await _show_scheme(request, who, scheme, 422, period_errors=errors, year=year)
    response = await call(request, who[1], SERVICE, "POST", "/v1/periods",
                          json={"district_code": scheme["district_code"], "year": int(year)})
    if response.status_code != 201:
        problem = problem_of(response, language(request))
        return await _show_scheme(request, who, scheme, 422, period_errors={"year": problem["detail"]}, year=year)
    return await _gather(request, who, response.json()["id"], scheme_id)


@router.post("/assessment/periods/{period_id}/inputs")
async def gather_inputs(request: Request, period_id: int, who: SignedIn, _: CsrfChecked) -> Response:
    return await _gather(request, who, period_id, str((await request.form()).get("scheme_id", "")))


async def _gather(request: Request, who: SignedIn, period_id: int, scheme_id: str) -> Response:
    response = await call(request, who[1], SERVICE, "POST", f"/v1/periods/{period_id}/inputs")
    if response.status_code == 201:
        return RedirectResponse(f"/assessment/schemes/{scheme_id}?gathered=1#run", status_code=303)
    scheme = await read_api(request, who, f"/schemes/{scheme_id}")
    return await _show_scheme(request, who, scheme, 422, run_problem=problem_of(response, language(request)))


# Runs -------------------------------------------------------------------------------------------

@router.post("/assessment/runs")
async def start_run(request: Request, who: SignedIn, _: CsrfChecked) -> Response:
    form = await request.form()
    scheme_id, period_id = str(form.get("scheme_id", "")), str(form.get("period_id", ""))
    if scheme_id.isdigit() and period_id.isdigit():
        response = await call(request, who[1], SERVICE, "POST", "/v1/runs",
                              json={"scheme_id": int(scheme_id), "period_id": int(period_id)})
        if response.status_code == 202:
            return RedirectResponse(f"/assessment/runs/{response.json()['id']}", status_code=303)
        problem = problem_of(response, language(request))
    else:
        problem = {"detail": "", "fields": {"period_id": "Choose a period."}, "code": ""}
    scheme = await read_api(request, who, f"/schemes/{scheme_id}")
    if scheme is None:
        return render(request, "assessment/missing.html", 404)
    return await _show_scheme(request, who, scheme, 422, run_problem=problem, period_id=period_id)


def ranking_params(town: str, class_name: str, grade: str, cursor: str) -> dict:
    return {"town": town, "class_name": class_name, "grade": grade, "cursor": cursor, "limit": PAGE_SIZE}


@router.get("/assessment/runs/{run_id}")
async def run_page(request: Request, run_id: int, who: SignedIn, town: str = "", class_name: str = "",
                   grade: str = "", cursor: str = "") -> Response:
    run = await read_api(request, who, f"/runs/{run_id}")
    if run is None:
        return render(request, "assessment/missing.html", 404)
    if is_htmx(request) and request.headers.get("hx-target") == "progress":
        response = render(request, "assessment/_progress.html", run=run)
        if run["status"] not in WAITING:
            response.headers["HX-Refresh"] = "true"
        return response
    filters = {"town": town, "class_name": class_name, "grade": grade}
    context = {"run": run, "filters": filters, "cursor": cursor, "page": None}
    if run["status"] == "done":
        context |= await _ranking_context(request, who, run, ranking_params(town, class_name, grade, cursor))
    name = "assessment/_ranking.html" if is_htmx(request) and request.headers.get("hx-target") == "ranking" \
        else "assessment/run.html"
    return render(request, name, **context)


async def _ranking_context(request: Request, who: SignedIn, run: dict, params: dict) -> dict:
    page, scheme, towns = await asyncio.gather(
        read_api(request, who, f"/runs/{run['id']}/results", **params), read_api(request, who, f"/schemes/{run['scheme_id']}"),
        get_json(request, who[1], "registry", "/v1/units", level="town", limit=200, sort="unit_code"))
    items = (page or {"items": []})["items"]
    classes = scheme["classes"] if scheme else sorted({i["class_name"] for i in items})
    grades = [b["grade"] for b in scheme["grade_bands"]] if scheme else sorted({i["grade"] for i in items})
    district = scheme["district_code"][:6] if scheme else ""
    shown = [t for t in towns["items"] if t["unit_code"].startswith(district)]
    return {"page": page, "scheme": scheme, "classes": classes, "grades": grades, "towns": shown,
            "town_names": {t["unit_code"]: t["name"] for t in towns["items"]}}


@router.post("/assessment/runs/{run_id}/publish")
async def publish_run(request: Request, run_id: int, who: SignedIn, _: CsrfChecked) -> Response:
    await call(request, who[1], SERVICE, "POST", f"/v1/runs/{run_id}/publish")
    return RedirectResponse(f"/assessment/runs/{run_id}", status_code=303)


def indicator_chart(indicators: list[dict]) -> dict:
    """Each scored indicator's points as a horizontal bar, over a lighter bar of the weight it could reach;
    deductions run the same way in red."""
    scored = [i for i in indicators if i["method"] != "value"]
    points = [(i["code"], Decimal(str(max(abs(i["points"] or 0), i["weight"] or 0)))) for i in scored]
    slots = bar_chart(points, width=ROW * len(points), height=LENGTH, gap=6)
    top = max((value for _, value in points), default=Decimal(0)) or Decimal(1)
    rows = [{"indicator": i, "y": slot.x, "points": round(float(Decimal(str(abs(i["points"] or 0))) / top) * LENGTH, 1),
             "weight": round(float(Decimal(str(i["weight"] or 0)) / top) * LENGTH, 1),
             "negative": (i["points"] or 0) < 0} for i, slot in zip(scored, slots, strict=True)]
    return {"rows": rows, "thickness": bar_width(len(points), width=ROW * len(points), gap=6),
            "height": ROW * len(points), "length": LENGTH}


@router.get("/assessment/runs/{run_id}/villages/{unit_code}")
async def breakdown_page(request: Request, run_id: int, unit_code: str, who: SignedIn) -> Response:
    run, result = await asyncio.gather(read_api(request, who, f"/runs/{run_id}"),
                                       read_api(request, who, f"/runs/{run_id}/results/{unit_code}"))
    if run is None or result is None:
        return render(request, "assessment/missing.html", 404)
    lang = language(request)
    for item in result["indicators"]:
        item["explained"] = explanation(item, lang)
    vetoed = [i for i in result["indicators"] if i["code"] in set(result["vetoes"])]
    return render(request, "assessment/breakdown.html", run=run, result=result,
                  chart=indicator_chart(result["indicators"]), vetoed=vetoed)


# Comparison and targets -------------------------------------------------------------------------

@router.get("/assessment/compare")
async def compare_page(request: Request, who: SignedIn, a: str = "", b: str = "") -> Response:
    runs = await _runs(request, who)
    comparison, names, problem = None, {}, None
    if a.isdigit() and b.isdigit():
        response = await call(request, who[1], SERVICE, "GET", "/v1/runs/compare", params={"a": a, "b": b})
        if response.status_code == 200:
            comparison = response.json()
            comparison["items"] = [m for m in comparison["items"] if m["rank_change"] or m["total_change"]]
            later = next((r for r in runs if r["id"] == int(b)), None)
            scheme = await read_api(request, who, f"/schemes/{later['scheme_id']}") if later else None
            names = {i["code"]: i for i in (scheme or {}).get("indicators", [])}
        else:
            problem = problem_of(response, language(request))
    return render(request, "assessment/compare.html", runs=runs, a=a, b=b, comparison=comparison, names=names,
                  problem=problem)


def target_view(target: dict) -> dict:
    """A target with its bar: the share done, or for a ceiling (debt cleared) how far the count has come down."""
    series = [s for s in target["series"] if s["value"] is not None]
    done = target["percent_done"]
    if done is None and target["kind"] == "count_above" and series:
        start = series[0]["value"]
        done = 100.0 if target["reached"] else round((start - target["current"]) * 100 / start, 1) if start else 0.0
    chart = bar_chart([(str(s["year"]), Decimal(str(s["value"]))) for s in series])
    return {**target, "done": done, "chart": chart, "bar_width": bar_width(len(series))}


@router.get("/assessment/targets")
async def targets_page(request: Request, who: SignedIn) -> Response:
    found = await read_api(request, who, "/targets")
    if found is None:
        return render(request, "assessment/missing.html", 404)
    districts = await get_json(request, who[1], "registry", "/v1/units", level="district", limit=100)
    return render(request, "assessment/targets.html", targets=[target_view(t) for t in found["items"]],
                  districts={d["unit_code"]: d["name"] for d in (districts or {"items": []})["items"]})
