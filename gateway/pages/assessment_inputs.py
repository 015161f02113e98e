"""Pages of an assessment's inputs: how complete each source is, the grid of manual entries (with
inline errors that name the cell, and without JavaScript too), and what-if against the published run."""

import asyncio
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from gateway.auth.signin import SignedIn
from gateway.pages.assessment import SERVICE, district_periods, problem_of, read_api
from gateway.pages.backend import call, get_json, localized
from gateway.pages.rendering import CsrfChecked, is_htmx, language, render

router = APIRouter(include_in_schema=False)


# Inputs: completeness and the manual-entry grid -------------------------------------------------

def manual_indicators(scheme: dict) -> list[dict]:
    return [i for i in scheme["indicators"] if i["source"] == "manual"]


def _shown(value: str | None) -> str:
    """A stored value ("3.0") as typed ("3")."""
    if value in (None, ""):
        return ""
    number = Decimal(value)
    return f"{number:f}".rstrip("0").rstrip(".") if "." in f"{number:f}" else f"{number:f}"


def entry_row(village: dict, indicators: list[dict], entries: dict, typed: FormData | None = None) -> dict:
    """One village's row of the grid: a cell per manual indicator, and the evidence of its latest entry."""
    mine = [entries[(village["unit_code"], i["code"])] for i in indicators if (village["unit_code"], i["code"]) in entries]
    cells = [{"name": f"v-{i['code']}", "indicator": i,
              "value": str(typed.get(f"v-{i['code']}", "")).strip() if typed is not None
              else _shown(entries.get((village["unit_code"], i["code"]), {}).get("value"))} for i in indicators]
    latest = max(mine, key=lambda e: e["entered_at"], default=None)
    evidence = str(typed.get("evidence", "")).strip() if typed is not None else (latest or {}).get("evidence", "")
    return {"village": village, "cells": cells, "evidence": evidence, "entered_by": (latest or {}).get("entered_by")}


def entries_from(form: FormData, row: dict) -> tuple[list[tuple[str, float]], dict[str, str]]:
    """The values typed in a row that differ from what is stored, checked as numbers first."""
    changes, errors = [], {}
    for cell in row["cells"]:
        text = str(form.get(cell["name"], "")).strip()
        if text == cell["value"] or not text:
            continue
        try:
            number = Decimal(text)
        except ArithmeticError:
            errors[cell["name"]] = "Enter a number, such as 12.5."
            continue
        if not number.is_finite():
            errors[cell["name"]] = "Enter a number, such as 12.5."
            continue
        changes.append((cell["indicator"]["code"], float(number)))
    if changes and not str(form.get("evidence", "")).strip():
        errors["evidence"] = "Say what supports these figures (佐证材料), such as a document number."
    return changes, errors


async def _inputs_data(request: Request, who: SignedIn, scheme_id: int, period_id: int):
    return await asyncio.gather(
        read_api(request, who, f"/schemes/{scheme_id}"), read_api(request, who, f"/periods/{period_id}/inputs", scheme_id=scheme_id),
        read_api(request, who, f"/periods/{period_id}/villages"), read_api(request, who, f"/periods/{period_id}/manual-entries"))


def _entries_by_key(entries: dict | None) -> dict:
    return {(e["unit_code"], e["indicator_code"]): e for e in (entries or {"items": []})["items"]}


@router.get("/assessment/schemes/{scheme_id}/periods/{period_id}/inputs")
async def inputs_page(request: Request, scheme_id: int, period_id: int, who: SignedIn, town: str = "") -> Response:
    scheme, report, villages, entries = await _inputs_data(request, who, scheme_id, period_id)
    if scheme is None or report is None or villages is None:
        return render(request, "assessment/missing.html", 404)
    towns = await get_json(request, who[1], "registry", "/v1/units", level="town", limit=200, sort="unit_code",
                           code=scheme["district_code"][:6])
    indicators, stored = manual_indicators(scheme), _entries_by_key(entries)
    shown = [v for v in villages["items"] if not town or v["town_code"] == town]
    rows = [entry_row(v, indicators, stored) for v in shown] if indicators else []
    return render(request, "assessment/inputs.html", scheme=scheme, report=report, period_id=period_id,
                  indicators=indicators, rows=rows, town=town, towns=towns["items"] if towns else [],
                  names={i["code"]: i for i in scheme["indicators"]},
                  loc=lambda message: localized(message or "", language(request)))


@router.post("/assessment/periods/{period_id}/manual-entries")
async def save_entries(request: Request, period_id: int, who: SignedIn, _: CsrfChecked) -> Response:
    form = await request.form()
    scheme_id, unit_code = str(form.get("scheme_id", "")), str(form.get("unit_code", ""))
    if not scheme_id.isdigit():
        return render(request, "assessment/missing.html", 404)
    scheme, villages, entries = await asyncio.gather(
        read_api(request, who, f"/schemes/{scheme_id}"), read_api(request, who, f"/periods/{period_id}/villages"),
        read_api(request, who, f"/periods/{period_id}/manual-entries"))
    village = next((v for v in (villages or {"items": []})["items"] if v["unit_code"] == unit_code), None)
    if scheme is None or village is None:
        return render(request, "assessment/missing.html", 404)
    indicators = manual_indicators(scheme)
    row = entry_row(village, indicators, _entries_by_key(entries))
    changes, errors = entries_from(form, row)
    for code, value in changes if not errors else []:
        response = await call(request, who[1], SERVICE, "POST", f"/v1/periods/{period_id}/manual-entries", json={
            "unit_code": unit_code, "indicator_code": code, "value": value, "evidence": str(form.get("evidence", ""))})
        if response.status_code != 201:
            errors = entry_errors(problem_of(response, language(request)), f"v-{code}")
            break
    if not errors and not is_htmx(request):
        return RedirectResponse(f"/assessment/schemes/{scheme_id}/periods/{period_id}/inputs?saved={unit_code}"
                                f"#row-{unit_code}", status_code=303)
    if not errors:
        entries = await read_api(request, who, f"/periods/{period_id}/manual-entries")
        row = entry_row(village, indicators, _entries_by_key(entries))
    else:
        row = entry_row(village, indicators, _entries_by_key(entries), typed=form)
    context = {"row": row, "errors": errors, "saved": not errors and bool(changes), "scheme": scheme,
               "period_id": period_id}
    if is_htmx(request):
        return render(request, "assessment/_entry_row.html", 422 if errors else 200, **context)
    return render(request, "assessment/entry.html", 422, **context)


def entry_errors(problem: dict, cell: str) -> dict[str, str]:
    """The service's field names as the row's: a value's under its cell, the evidence's under the evidence."""
    found = {}
    for field, message in problem["fields"].items():
        found[{"value": cell, "evidence": "evidence"}.get(field, "row")] = message
    return found or {"row": problem["detail"]}


# What-if ----------------------------------------------------------------------------------------

@router.get("/assessment/schemes/{scheme_id}/what-if")
async def what_if_page(request: Request, scheme_id: int, who: SignedIn, period_id: str = "",
                       moved_only: str = "") -> Response:
    scheme = await read_api(request, who, f"/schemes/{scheme_id}")
    if scheme is None:
        return render(request, "assessment/missing.html", 404)
    periods = await district_periods(request, who, scheme["district_code"])
    answer, problem = None, None
    if period_id.isdigit():
        response = await call(request, who[1], SERVICE, "GET", f"/v1/schemes/{scheme_id}/what-if",
                              params={"period": period_id, "limit": 1000})
        if response.status_code == 200:
            answer = response.json()
            if moved_only:
                answer["items"] = [i for i in answer["items"] if i["rank_change"]]
        else:
            problem = problem_of(response, language(request))
    context = {"scheme": scheme, "periods": periods, "period_id": period_id, "answer": answer, "problem": problem,
               "moved_only": moved_only}
    if is_htmx(request):
        return render(request, "assessment/_what_if.html", **context)
    return render(request, "assessment/what_if.html", **context)
