"""Pages of the annual audit plan (年度审计计划): the plans, a plan's two lists, its changes and auditors' ties.

Everything goes through the assets service's API as the signed-in person; the service decides who
may see or change what, and its refusals are shown in the page in the reader's language.
"""

import asyncio
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
PLANS = "/v1/plans"
# The whole-number settings with the bounds the API takes, so the browser checks them first.
COUNTS = {"key_audits": (0, 100_000), "inspections": (0, 100_000), "min_key_audits_per_town": (0, 1000),
          "min_inspections_per_town": (0, 1000), "rotation_top": (0, 100_000), "overdue_years": (1, 20),
          "key_team_size": (3, 20), "inspection_team_size": (2, 20), "key_audit_days": (1, 200),
          "inspection_days": (1, 200)}
WEIGHTS = ("economic_size", "government_investment", "public_complaints", "years_since_audit", "serious_findings",
           "overdue_rectifications")
LEVELS = ("village", "group", "town")
# Which setting a lead would change when the service says the plan cannot meet a rule.
CONSTRAINT_FIELDS = {"organizations": "key_audits", "town_coverage_key_audit": "min_key_audits_per_town",
                     "town_coverage_inspection": "min_inspections_per_town",
                     "town_coverage": "min_inspections_per_town", "team_size": "key_team_size",
                     "lead_capacity": "key_audit_days", "auditor_capacity": "inspection_days",
                     "key_audit_candidates": "rotation_top"}
LOAD_ROW = 22  # height of one auditor's bar in the load chart
LOAD_LENGTH = 180  # the longest bar


def problem_of(response, lang: str) -> dict:
    """A service's problem+json as the page shows it: messages by field, a message at the top, the rule broken."""
    body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    fields = {}
    for error in body.get("errors") or []:
        names = [p for p in re.sub(r"\[\d+\]", "", error.get("field", "")).split(".") if p and not p.isdigit()]
        fields.setdefault(names[-1] if names else "form", localized(error.get("message", ""), lang))
    found = {"status": response.status_code, "code": body.get("code", ""), "fields": fields,
             "detail": localized(body.get("detail", ""), lang), "constraint": body.get("constraint")}
    if found["constraint"]:
        found |= {k: body.get(k) for k in ("needed", "available", "shortfall")}
        field = CONSTRAINT_FIELDS.get(found["constraint"])
        if field:
            fields.setdefault(field, "")
    if body.get("warnings"):
        found["warnings"] = [localized(w.get("message", ""), lang) for w in body["warnings"]]
    return found


def load_chart(loads: list[dict]) -> dict:
    """Each auditor's planned days as horizontal bars: `bar_chart` lays the bars along the chart's height."""
    points = [(entry["name"], Decimal(entry["days"])) for entry in loads]
    bars = bar_chart(points, width=LOAD_ROW * len(points), height=LOAD_LENGTH, gap=6)
    rows = [{"label": b.label, "days": entry["days"], "capacity": entry["capacity"], "y": b.x,
             "length": round(LOAD_LENGTH - b.y, 1), "over": entry["days"] > entry["capacity"]}
            for b, entry in zip(bars, loads, strict=True)]
    return {"rows": rows, "thickness": bar_width(len(points), width=LOAD_ROW * len(points), gap=6),
            "height": LOAD_ROW * len(points), "length": LOAD_LENGTH}


def settings_from(form: FormData) -> tuple[dict, dict[str, str]]:
    """The regenerate form as the API's settings; numbers are checked here so the message is in the reader's language."""
    settings: dict = {"weights": {}, "levels": [lv for lv in form.getlist("levels") if lv in LEVELS]}
    errors = {}
    for name in COUNTS:
        value = str(form.get(name, "")).strip()
        if value.isdigit():
            settings[name] = int(value)
        else:
            errors[name] = "Enter a whole number."
    for name in ("key_weight", *(f"weight_{w}" for w in WEIGHTS)):
        try:
            number = float(str(form.get(name, "")).strip())
        except ValueError:
            errors[name] = "Enter a number, such as 0.25."
            continue
        if name == "key_weight":
            settings[name] = number
        else:
            settings["weights"][name.removeprefix("weight_")] = number
    if not settings["levels"]:
        errors["levels"] = "Choose at least one level."
    return settings, errors


async def _plan(request: Request, principal, plan_id: int) -> dict | None:
    return await get_json(request, principal, "assets", f"{PLANS}/{plan_id}")


def _plan_context(request: Request, plan: dict, **extra) -> dict:
    lang = language(request)
    warnings = sum(len(r["warnings"]) for r in plan["key_audits"] + plan["inspections"])
    loads = plan["summary"].get("loads") or []
    return {"plan": plan, "loc": lambda message: localized(message or "", lang), "open_warnings": warnings
            + len(plan["summary"].get("warnings") or []), "loads": load_chart(loads) if loads else None,
            "counts": COUNTS, "weights": WEIGHTS, "levels": LEVELS, "values": settings_values(plan),
            "errors": {}, "problem": None, **extra}


def settings_values(plan: dict) -> dict:
    """The plan's settings as the regenerate form's fields."""
    settings = plan["settings"]
    weights = {f"weight_{name}": value for name, value in (settings.get("weights") or {}).items()}
    return {**settings, **weights, "seed": plan["seed"]}


def typed_values(form: FormData) -> dict:
    return {**{name: form.get(name, "") for name in form}, "levels": form.getlist("levels")}


def _forbidden(request: Request) -> Response:
    return render(request, "plans/forbidden.html", 403)


def _show_plan(request: Request, plan: dict, status: int = 200, **extra) -> Response:
    """The whole page, or on an htmx request only the plan's part of it, from the same data."""
    name = "plans/_plan.html" if is_htmx(request) else "plans/plan.html"
    response = render(request, name, status, **_plan_context(request, plan, **extra))
    if is_htmx(request):
        response.headers["HX-Retarget"], response.headers["HX-Reswap"] = "#plan", "outerHTML"
    return response


@router.get("/plans")
async def plan_list(request: Request, who: SignedIn) -> Response:
    response = await call(request, who[1], "assets", "GET", PLANS)
    if response.status_code == 403:
        return await _my_engagements(request, who)
    if response.status_code >= 400:
        return render(request, "plans/list.html", response.status_code, plans=[],
                      problem=problem_of(response, language(request)))
    return render(request, "plans/list.html", plans=response.json()["items"], problem=None)


async def _my_engagements(request: Request, who: SignedIn) -> Response:
    """Someone who may not read plans sees the engagements the service shows them (an auditor: their own)."""
    try:
        found = await get_json(request, who[1], "assets", "/v1/engagements", limit=500)
    except Forbidden:
        return _forbidden(request)
    by_year: dict[int, list[dict]] = {}
    for engagement in found["items"]:
        by_year.setdefault(engagement["year"], []).append(engagement)
    return render(request, "plans/engagements.html", by_year=dict(sorted(by_year.items(), reverse=True)))


@router.post("/plans")
async def propose_plan(request: Request, who: SignedIn, _: CsrfChecked) -> Response:
    year = str((await request.form()).get("year", "")).strip()
    if not year.isdigit():
        problem = {"fields": {"year": "Enter a year between 2000 and 2100."}, "detail": ""}
    else:
        response = await call(request, who[1], "assets", "POST", PLANS, json={"year": int(year)})
        if response.status_code == 201:
            return RedirectResponse(f"/plans/{response.json()['id']}", status_code=303)
        problem = problem_of(response, language(request))
    listed = await call(request, who[1], "assets", "GET", PLANS)
    plans = listed.json()["items"] if listed.status_code == 200 else []
    return render(request, "plans/list.html", 422, plans=plans, problem=problem, year=year)


@router.get("/plans/{plan_id}")
async def plan_page(request: Request, plan_id: int, who: SignedIn) -> Response:
    try:
        plan = await _plan(request, who[1], plan_id)
    except Forbidden:
        return _forbidden(request)
    if plan is None:
        return render(request, "plans/missing.html", 404, plan_id=plan_id)
    notice = next((name for name in ("regenerated", "approved", "changed") if name in request.query_params), None)
    return render(request, "plans/plan.html", **_plan_context(request, plan, notice=notice))


@router.post("/plans/{plan_id}/regenerate")
async def regenerate(request: Request, plan_id: int, who: SignedIn, _: CsrfChecked) -> Response:
    form = await request.form()
    settings, errors = settings_from(form)
    seed = str(form.get("seed", "")).strip()
    if not seed.isdigit():
        errors["seed"] = "Enter a whole number."
    if not errors:
        body = {"seed": int(seed), "settings": settings, "refresh": form.get("refresh") == "on"}
        response = await call(request, who[1], "assets", "PATCH", f"{PLANS}/{plan_id}", json=body,
                              headers={"If-Match": f'"{form.get("version", "")}"'})
        if response.status_code == 200:
            if not is_htmx(request):
                return RedirectResponse(f"/plans/{plan_id}?regenerated=1", status_code=303)
            return _show_plan(request, response.json(), notice="regenerated")
        problem = problem_of(response, language(request))
        errors = problem["fields"]
    else:
        problem = None
    plan = await _plan(request, who[1], plan_id)
    return _show_plan(request, plan, 422, values=typed_values(form), errors=errors, problem=problem, open_form=True)


@router.post("/plans/{plan_id}/approve")
async def approve(request: Request, plan_id: int, who: SignedIn, _: CsrfChecked) -> Response:
    reason = str((await request.form()).get("reason", "")).strip()
    response = await call(request, who[1], "assets", "POST", f"{PLANS}/{plan_id}/approve",
                          json={"reason": reason or None})
    if response.status_code == 200 and not is_htmx(request):
        return RedirectResponse(f"/plans/{plan_id}?approved=1", status_code=303)
    plan = await _plan(request, who[1], plan_id)
    if response.status_code == 200:
        return _show_plan(request, plan, notice="approved")
    problem = problem_of(response, language(request))
    if problem["code"] == "unresolved_warnings":
        problem["fields"].setdefault("reason", "")
    return _show_plan(request, plan, 422, approve_problem=problem, reason=reason)


def _find_row(plan: dict, row_id: int) -> dict | None:
    return next((r for r in plan["key_audits"] + plan["inspections"] if r["id"] == row_id), None)


async def _row_context(request: Request, principal, plan: dict, row: dict) -> dict:
    """The row, the auditors to choose from and the organizations of the row's town not yet in the plan."""
    in_plan = {r["credit_code"] for r in plan["key_audits"] + plan["inspections"]}
    levels = plan["settings"].get("levels") or ["village"]
    found = await asyncio.gather(
        get_json(request, principal, "assets", "/v1/auditors"),
        *(get_json(request, principal, "registry", "/v1/organizations", town=row["town_code"], level=level,
                   status="active", limit=500) for level in levels))
    others = [o for page in found[1:] for o in page["items"] if o["credit_code"] not in in_plan]
    size = plan["settings"]["key_team_size" if row["kind"] == "key_audit" else "inspection_team_size"]
    slots = max(len(row["team"]) + 1, size)
    return {"plan": plan, "row": row, "auditors": [a for a in found[0]["items"] if a["active"]],
            "organizations": others, "slots": slots, "loc": lambda m: localized(m or "", language(request))}


async def _row_form(request: Request, principal, plan_id: int, row_id: int, status: int = 200,
                    **extra) -> Response:
    plan = await _plan(request, principal, plan_id)
    row = _find_row(plan, row_id) if plan else None
    if row is None:
        return render(request, "plans/missing.html", 404, plan_id=plan_id)
    context = await _row_context(request, principal, plan, row)
    context = {"errors": {}, "chosen": [m["auditor_id"] for m in row["team"]], **context, **extra}
    return render(request, "plans/_row_edit.html" if is_htmx(request) else "plans/row.html", status, **context)


@router.get("/plans/{plan_id}/rows/{row_id}")
async def row_form(request: Request, plan_id: int, row_id: int, who: SignedIn) -> Response:
    try:
        return await _row_form(request, who[1], plan_id, row_id)
    except Forbidden:
        return _forbidden(request)


def row_change(form: FormData, row: dict) -> dict:
    """What the person changed: the organization, the team, or both."""
    change = {}
    code = str(form.get("credit_code_other", "")).strip().upper() or str(form.get("credit_code", "")).strip()
    if code and code != row["credit_code"]:
        change["credit_code"] = code
    team = [int(v) for v in form.getlist("team") if str(v).isdigit()]
    if team and team != [m["auditor_id"] for m in row["team"]]:
        change["team"] = team
    return change


@router.post("/plans/{plan_id}/rows/{row_id}")
async def change_row(request: Request, plan_id: int, row_id: int, who: SignedIn, _: CsrfChecked) -> Response:
    form = await request.form()
    plan = await _plan(request, who[1], plan_id)
    row = _find_row(plan, row_id) if plan else None
    if row is None:
        return render(request, "plans/missing.html", 404, plan_id=plan_id)
    change, reason = row_change(form, row), str(form.get("reason", "")).strip()
    chosen = [int(v) if str(v).isdigit() else None for v in form.getlist("team")]
    again = {"chosen": chosen, "reason": reason, "credit_code": form.get("credit_code", ""),
             "credit_code_other": form.get("credit_code_other", "")}
    if not change:
        return await _row_form(request, who[1], plan_id, row_id, 422, errors={"form": "Nothing was changed."}, **again)
    if plan["status"] == "approved" and not reason:
        return await _row_form(request, who[1], plan_id, row_id, 422,
                               errors={"reason": "Say why the approved plan changes."}, **again)
    response = await _send_change(request, who, plan, row_id, change, reason, form.get("version", ""))
    if response.status_code in (200, 201):
        if not is_htmx(request):
            return RedirectResponse(f"/plans/{plan_id}?changed={row_id}#row-{row_id}", status_code=303)
        return _show_plan(request, await _plan(request, who[1], plan_id), notice="changed", changed=row_id)
    problem = problem_of(response, language(request))
    return await _row_form(request, who[1], plan_id, row_id, 422, errors=problem["fields"], problem=problem, **again)


async def _send_change(request: Request, who: SignedIn, plan: dict, row_id: int, change: dict, reason: str,
                       version: str):
    """A draft's row is patched (the version it was read at must still hold); an approved plan is amended."""
    path = f"{PLANS}/{plan['id']}"
    if plan["status"] == "approved":
        return await call(request, who[1], "assets", "POST", f"{path}/amendments",
                          json={"row_id": row_id, "reason": reason, **change})
    return await call(request, who[1], "assets", "PATCH", f"{path}/rows/{row_id}", json=change,
                      headers={"If-Match": f'"{version}"'})


@router.get("/auditors/ties")
async def auditor_ties(request: Request, who: SignedIn) -> Response:
    """Leads and admins: every auditor with their declared ties (confidential; the service says who may read)."""
    try:
        found = await get_json(request, who[1], "assets", "/v1/auditors")
        ties = await asyncio.gather(*(get_json(request, who[1], "assets", f"/v1/auditors/{a['id']}/ties")
                                      for a in found["items"]))
        if not found["items"]:
            # Someone with no auditor record sees nobody; the ties page is still not theirs to read.
            await get_json(request, who[1], "assets", "/v1/plans")
    except Forbidden:
        return _forbidden(request)
    codes = sorted({t["unit_code"] for page in ties for t in page["items"] if t["unit_code"]})
    units = await asyncio.gather(*(get_json(request, who[1], "registry", f"/v1/units/{c}") for c in codes))
    names = {code: unit["name"] for code, unit in zip(codes, units, strict=True) if unit}
    rows = [(a, page["items"]) for a, page in zip(found["items"], ties, strict=True)]
    return render(request, "plans/ties.html", rows=rows, unit_names=names)
