"""Pages of the village registry (村庄名录): list with live search, a village's page, edit forms."""

import asyncio
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from gateway.auth.signin import SignedIn
from gateway.pages.backend import call, get_json, localized
from gateway.pages.charts import bar_chart, bar_width
from gateway.pages.rendering import CsrfChecked, is_htmx, language, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
CHART_METRIC = "collective_operating_income"
# Who the registry lets change a village (its TOWN_EDITORS); the API stays the authority, the pages
# only leave out what it would refuse.
EDITORS = ("admin", "town_officer")


def may_edit(principal, town_code: str | None = None) -> bool:
    """Admins anywhere; a town officer in their own towns (any of them when no town is named)."""
    if principal.role == "admin":
        return True
    return principal.role in EDITORS and (town_code is None or town_code in principal.towns)


def not_for_role(request: Request) -> Response:
    return render(request, "villages/forbidden.html", 403)


def own_town(principal, town: str) -> str:
    """A town officer's list is their own town's: the town asked for if it is theirs, else their first."""
    if principal.role != "town_officer" or not principal.towns or town in principal.towns:
        return town
    return principal.towns[0]


async def _catalogue(request: Request, principal) -> dict:
    towns, schemes, kinds, metrics = await asyncio.gather(
        get_json(request, principal, "registry", "/v1/units", level="town", limit=200, sort="unit_code"),
        get_json(request, principal, "registry", "/v1/classification-schemes"),
        get_json(request, principal, "registry", "/v1/designation-kinds"),
        get_json(request, principal, "registry", "/v1/metrics"))
    return {"towns": towns["items"], "schemes": schemes["items"], "kinds": kinds["items"],
            "metrics": {m["key"]: m for m in metrics["items"]}}


def _search_params(q: str, town: str, klass: str, designation: str, sort: str, cursor: str) -> dict:
    scheme, _, class_name = klass.partition(":")
    return {"q": q, "town": town, "scheme": scheme if class_name else "", "class_name": class_name,
            "designation": designation, "sort": sort or "unit_code", "cursor": cursor,
            "level": "village", "limit": PAGE_SIZE}


IMPORT_KINDS = ("units", "organizations", "statistics")


@router.get("/villages/import")
async def import_page(request: Request, who: SignedIn) -> Response:
    if not may_edit(who[1]):
        return not_for_role(request)
    return render(request, "villages/import.html", kinds=IMPORT_KINDS, chosen={"kind": "statistics",
                  "mode": "all_or_nothing"}, report=None)


@router.post("/villages/import")
async def import_upload(request: Request, who: SignedIn, _: CsrfChecked, file: UploadFile,
                        kind: Annotated[str, Form()] = "statistics", mode: Annotated[str, Form()] = "all_or_nothing",
                        action: Annotated[str, Form()] = "check") -> Response:
    """Sends the file to the registry: "check" is a dry run, "apply" imports when the rules allow."""
    if not may_edit(who[1]):
        return not_for_role(request)
    params = {"kind": kind, "mode": mode, "dry_run": "true" if action == "check" else "false"}
    content = await file.read()
    response = await call(request, who[1], "registry", "POST", "/v1/imports", params=params,
                          files={"file": (file.filename or "upload", content, file.content_type or "")})
    report = import_report(response, language(request))
    chosen = {"kind": kind, "mode": mode, "filename": file.filename}
    name = "villages/_import_report.html" if is_htmx(request) else "villages/import.html"
    return render(request, name, kinds=IMPORT_KINDS, chosen=chosen, report=report)


def import_report(response, lang: str) -> dict:
    """The registry's report, or its refusal, as one shape for the page."""
    body = response.json()
    errors = [{"row": e.get("row"), "column": e.get("column"), "value": e.get("value"),
               "reason": localized(e.get("reason") or e.get("message", ""), lang)} for e in body.get("errors") or []]
    return {**body, "errors": errors, "refused": response.status_code != 200,
            "detail": localized(body.get("detail", ""), lang)}


@router.get("/villages")
async def village_list(request: Request, who: SignedIn, q: str = "", town: str = "", klass: str = "",
                       designation: str = "", sort: str = "", cursor: str = "") -> Response:
    principal = who[1]
    town = own_town(principal, town)
    params = _search_params(q, town, klass, designation, sort, cursor)
    catalogue, page = await asyncio.gather(_catalogue(request, principal),
                                           get_json(request, principal, "registry", "/v1/units", **params))
    town_names = {t["unit_code"]: t["name"] for t in catalogue["towns"]}
    if principal.role == "town_officer":
        catalogue["towns"] = [t for t in catalogue["towns"] if t["unit_code"] in principal.towns]
    context = {"page": page, "town_names": town_names, "filters": {"q": q, "town": town, "klass": klass,
               "designation": designation, "sort": sort}, "may_import": may_edit(principal), **catalogue}
    if is_htmx(request) and request.headers.get("hx-target") == "results":
        return render(request, "villages/_results.html", **context)
    return render(request, "villages/list.html", **context)


async def _village(request: Request, principal, code: str) -> dict | None:
    path = f"/v1/units/{code}"
    unit, history, classes, stats, orgs, designations = await asyncio.gather(
        get_json(request, principal, "registry", path),
        get_json(request, principal, "registry", path + "/history"),
        get_json(request, principal, "registry", path + "/classes"),
        get_json(request, principal, "registry", path + "/statistics"),
        get_json(request, principal, "registry", "/v1/organizations", unit_code=code),
        get_json(request, principal, "registry", "/v1/designations", unit_code=code, limit=100))
    if unit is None:
        return None
    return {"unit": unit, "history": history, "classes": classes["items"], "statistics": stats["items"],
            "organizations": orgs["items"], "designations": designations["items"]}


def statistics_table(items: list[dict]) -> tuple[list[int], dict[str, dict[int, str]]]:
    """Years across, metrics down, as offices read their 台账."""
    years = sorted({item["year"] for item in items})
    table: dict[str, dict[int, str]] = {}
    for item in items:
        table.setdefault(item["metric_key"], {})[item["year"]] = item["value"]
    return years, table


def chart_for(items: list[dict], metric: str) -> dict:
    points = sorted((str(i["year"]), Decimal(i["value"])) for i in items if i["metric_key"] == metric)
    return {"metric": metric, "bars": bar_chart(points), "bar_width": bar_width(len(points))}


@router.get("/villages/{code}")
async def village_page(request: Request, code: str, who: SignedIn, metric: str = CHART_METRIC) -> Response:
    data = await _village(request, who[1], code)
    if data is None:
        return render(request, "villages/missing.html", 404, code=code)
    catalogue = await _catalogue(request, who[1])
    years, table = statistics_table(data["statistics"])
    chart = chart_for(data["statistics"], metric)
    if request.headers.get("hx-target") == "chart":
        return render(request, "villages/_chart.html", chart=chart, code=code, **catalogue)
    return render(request, "villages/page.html", years=years, table=table, chart=chart, code=code, **data,
                  may_edit=may_edit(who[1], data["unit"]["town_code"]), **catalogue)


def _field_errors(problem: dict, lang: str) -> dict[str, str]:
    return {e["field"].split(".")[-1]: localized(e["message"], lang) for e in problem.get("errors") or []}


@router.get("/villages/{code}/edit")
async def edit_form(request: Request, code: str, who: SignedIn) -> Response:
    unit = await get_json(request, who[1], "registry", f"/v1/units/{code}")
    if unit is None:
        return render(request, "villages/missing.html", 404, code=code)
    if not may_edit(who[1], unit["town_code"]):
        return not_for_role(request)
    return render(request, "villages/edit.html", unit=unit, values=unit, errors={})


@router.post("/villages/{code}/edit")
async def save_edit(request: Request, code: str, who: SignedIn, _: CsrfChecked,
                    version: Annotated[int, Form()], name_pinyin: Annotated[str, Form()] = "",
                    name_en: Annotated[str, Form()] = "", urban_rural_code: Annotated[str, Form()] = "") -> Response:
    if not may_edit(who[1]):
        return not_for_role(request)
    values = {"name_pinyin": name_pinyin.strip() or None, "name_en": name_en.strip() or None,
              "urban_rural_code": urban_rural_code.strip() or None}
    response = await call(request, who[1], "registry", "PATCH", f"/v1/units/{code}", json=values,
                          headers={"If-Match": f'"{version}"'})
    if response.status_code == 200:
        return RedirectResponse(f"/villages/{code}?saved=1", status_code=303)
    unit = await get_json(request, who[1], "registry", f"/v1/units/{code}")
    problem = response.json()
    errors = _field_errors(problem, language(request))
    if not errors:
        errors = {"form": problem.get("code", "error")}
    return render(request, "villages/edit.html", 422 if response.status_code == 422 else response.status_code,
                  unit=unit, values={**values, "version": version}, errors=errors,
                  detail=localized(problem.get("detail", ""), language(request)))


@router.post("/villages/{code}/statistics")
async def record_statistic(request: Request, code: str, who: SignedIn, _: CsrfChecked,
                           metric: Annotated[str, Form()], year: Annotated[str, Form()],
                           value: Annotated[str, Form()], source: Annotated[str, Form()] = "") -> Response:
    if not may_edit(who[1]):
        return not_for_role(request)
    errors = _check_statistic(year, value, source)
    if not errors:
        body = {"year": int(year), "values": {metric: value.strip()}, "source": source.strip()}
        response = await call(request, who[1], "registry", "POST", f"/v1/units/{code}/statistics", json=body)
        if response.status_code in (200, 201):
            return RedirectResponse(f"/villages/{code}?recorded={metric}#statistics", status_code=303)
        problem = response.json()
        errors = _field_errors(problem, language(request)) or {"form": localized(problem.get("detail", ""),
                                                                                   language(request))}
    return await _statistic_form_again(request, who, code, errors, metric, year, value, source)


def _check_statistic(year: str, value: str, source: str) -> dict[str, str]:
    """Checked here first so the person gets the message at once, in their language."""
    errors = {}
    if not (year.isdigit() and 1949 <= int(year) <= 2100):
        errors["year"] = "Enter a year between 1949 and 2100."
    try:
        Decimal(value.strip())
    except InvalidOperation:
        errors["value"] = "Enter a number, such as 520000.50."
    if not source.strip():
        errors["source"] = "Say where the figure comes from."
    return errors


async def _statistic_form_again(request, who, code, errors, metric, year, value, source) -> Response:
    data = await _village(request, who[1], code)
    if data is None:
        return render(request, "villages/missing.html", 404, code=code)
    catalogue = await _catalogue(request, who[1])
    years, table = statistics_table(data["statistics"])
    return render(request, "villages/page.html", 422, years=years, table=table,
                  chart=chart_for(data["statistics"], CHART_METRIC), stat_errors=errors,
                  stat_values={"metric": metric, "year": year, "value": value, "source": source},
                  may_edit=may_edit(who[1], data["unit"]["town_code"]), **data, **catalogue)

