"""Pages of the ledgers (台账): the contract ledger with its flags, the debt dashboard, the inventory,
the review campaign board and the ledgers' import.

They read the assets service as the signed-in person, so its rules decide who sees which towns and
whether an ID number is whole or masked; the pages show what they are given.
"""

import asyncio
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from gateway.auth.signin import SignedIn
from gateway.pages.backend import call, get_json, localized
from gateway.pages.charts import bar_chart, bar_width
from gateway.pages.rendering import CsrfChecked, is_htmx, language, local_time, render, this_year
from gateway.pages.villages import import_report

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FLAG_KINDS = ("procedure", "term_too_long", "low_price", "arrears", "overrun", "expiring")
ANY_FLAG = "any"
TARGET_YEAR = 2027
IMPORT_KINDS = ("contracts", "debts", "assets", "resources")


async def _town_names(request: Request, principal) -> dict[str, str]:
    towns = await get_json(request, principal, "registry", "/v1/units", level="town", limit=200, sort="unit_code")
    return {t["unit_code"]: t["name"] for t in towns["items"]}


def _contract_params(town: str, flag: str, cursor: str) -> dict:
    params = {"town": town, "cursor": cursor, "limit": PAGE_SIZE}
    if flag == ANY_FLAG:
        params["flagged"] = "true"
    elif flag in FLAG_KINDS:
        params["flag"] = flag
    return params


def _with_reasons(contracts: list[dict], lang: str) -> list[dict]:
    """Each flag's reason in the reader's half of the service's bilingual words."""
    return [{**c, "flags": [{**f, "reason": localized(f["reason"], lang)} for f in c.get("flags") or []]}
            for c in contracts]


@router.get("/ledgers/contracts")
async def contract_ledger(request: Request, who: SignedIn, town: str = "", flag: str = "",
                          cursor: str = "") -> Response:
    principal = who[1]
    flag = flag if flag in (*FLAG_KINDS, ANY_FLAG) else ""
    town_names, page = await asyncio.gather(
        _town_names(request, principal),
        get_json(request, principal, "assets", "/v1/contracts", **_contract_params(town, flag, cursor)))
    context = {"contracts": _with_reasons(page["items"], language(request)), "next_cursor": page["next_cursor"],
               "town_names": town_names, "flag_kinds": FLAG_KINDS, "filters": {"town": town, "flag": flag}}
    if is_htmx(request) and request.headers.get("hx-target") == "results":
        return render(request, "ledgers/_contracts.html", **context)
    return render(request, "ledgers/contracts.html", **context)


def debt_chart(series: list[dict], projection: dict) -> dict:
    """Outstanding debt at each year's end, then the line's reading at the 2027 target as its own bar."""
    points = [(str(p["year"]), Decimal(p["total"])) for p in series]
    last_year = series[-1]["year"] if series else None
    if last_year is not None and last_year < TARGET_YEAR:
        points.append((str(TARGET_YEAR), Decimal(projection["projected"])))
    bars = bar_chart(points)
    projected = {str(TARGET_YEAR)} if last_year is not None and last_year < TARGET_YEAR else set()
    return {"bars": bars, "bar_width": bar_width(len(points)), "projected": projected}


@router.get("/ledgers/debts")
async def debt_dashboard(request: Request, who: SignedIn) -> Response:
    principal = who[1]
    district, towns, town_names = await asyncio.gather(
        get_json(request, principal, "assets", "/v1/debts/totals", level="district"),
        get_json(request, principal, "assets", "/v1/debts/totals", level="town"),
        _town_names(request, principal))
    overall = district["items"][0] if district["items"] else {"series": [], "projection": {}}
    return render(request, "ledgers/debts.html", overall=overall, towns=towns["items"], town_names=town_names,
                  chart=debt_chart(overall["series"], overall["projection"]) if overall["series"] else None,
                  target_year=TARGET_YEAR)


@router.get("/ledgers/inventory")
async def idle_inventory(request: Request, who: SignedIn) -> Response:
    principal = who[1]
    idle, town_names = await asyncio.gather(get_json(request, principal, "assets", "/v1/inventory-idle"),
                                            _town_names(request, principal))
    return render(request, "ledgers/inventory.html", towns=idle["items"], town_names=town_names)


@router.get("/ledgers/import")
async def import_page(request: Request, who: SignedIn) -> Response:
    return render(request, "ledgers/import.html", kinds=IMPORT_KINDS,
                  chosen={"kind": "contracts", "mode": "all_or_nothing"}, report=None)


@router.post("/ledgers/import")
async def import_upload(request: Request, who: SignedIn, _: CsrfChecked, file: UploadFile,
                        kind: Annotated[str, Form()] = "contracts", mode: Annotated[str, Form()] = "all_or_nothing",
                        action: Annotated[str, Form()] = "check") -> Response:
    """Sends the file to the assets service: "check" is a dry run, "apply" imports when the rules allow."""
    params = {"kind": kind, "mode": mode, "dry_run": "true" if action == "check" else "false"}
    response = await call(request, who[1], "assets", "POST", "/v1/imports", params=params,
                          files={"file": (file.filename or "upload", await file.read(), file.content_type or "")})
    chosen = {"kind": kind, "mode": mode, "filename": file.filename}
    name = "villages/_import_report.html" if is_htmx(request) else "ledgers/import.html"
    return render(request, name, kinds=IMPORT_KINDS, chosen=chosen,
                  report=import_report(response, language(request)))


REVIEW_OUTCOMES = ("lawful", "renegotiated", "terminated", "referred")
REVIEWERS = ("admin", "audit_lead", "auditor")  # the others read the campaigns' progress only
REVIEW_PAGE_SIZE = 25


def _review_params(town: str, status: str, flag: str, cursor: str) -> dict:
    return {"town": town, "status": status if status in ("open", "decided") else "",
            "flag": flag if flag in FLAG_KINDS else "", "cursor": cursor, "limit": REVIEW_PAGE_SIZE}


def _localized_item(item: dict, lang: str) -> dict:
    """Reasons in the reader's language, the decision's time in Beijing time."""
    return {**item, "decided_at_local": local_time(item.get("decided_at")),
            "flags": [{**f, "reason": localized(f["reason"], lang)} for f in item.get("flags") or []]}


@router.get("/ledgers/reviews")
async def review_board(request: Request, who: SignedIn, campaign: int | None = None, town: str = "",
                       status: str = "open", flag: str = "", cursor: str = "") -> Response:
    """Campaigns, the chosen one's progress by town, and its items with their reasons and outcome forms."""
    principal = who[1]
    campaigns, town_names = await asyncio.gather(get_json(request, principal, "assets", "/v1/reviews"),
                                                 _town_names(request, principal))
    chosen = next((c for c in campaigns["items"] if c["id"] == campaign), None) if campaign else None
    chosen = chosen or (campaigns["items"][0] if campaigns["items"] else None)
    context = {"campaigns": campaigns["items"], "campaign": chosen, "town_names": town_names,
               "flag_kinds": FLAG_KINDS, "outcomes": REVIEW_OUTCOMES,
               "filters": {"town": town, "status": status, "flag": flag}, "items": [], "next_cursor": None,
               "progress": None}
    if chosen:
        path = f"/v1/reviews/{chosen['id']}"
        reviews = principal.role in REVIEWERS
        progress, page = await asyncio.gather(
            get_json(request, principal, "assets", path + "/progress"),
            get_json(request, principal, "assets", path + "/items", **_review_params(town, status, flag, cursor))
            if reviews else _nothing())
        context |= {"progress": progress, "next_cursor": page.get("next_cursor"), "reviews": reviews,
                    "items": [_localized_item(i, language(request)) for i in page["items"]]}
    if is_htmx(request) and request.headers.get("hx-target") == "review-items":
        return render(request, "ledgers/_review_items.html", **context)
    return render(request, "ledgers/reviews.html", **context)


@router.post("/ledgers/reviews/{campaign_id}/items/{item_id}")
async def record_outcome(request: Request, campaign_id: int, item_id: int, who: SignedIn, _: CsrfChecked,
                         outcome: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    """Records one item's outcome; htmx swaps the item in place and the progress beside it."""
    principal, lang = who[1], language(request)
    path = f"/v1/reviews/{campaign_id}"
    response = await call(request, principal, "assets", "POST", f"{path}/items/{item_id}/outcome",
                          json={"outcome": outcome, "note": note})
    if response.status_code == 200:
        if not is_htmx(request):
            return RedirectResponse(f"/ledgers/reviews?campaign={campaign_id}", status_code=303)
        progress, town_names = await asyncio.gather(get_json(request, principal, "assets", path + "/progress"),
                                                    _town_names(request, principal))
        return render(request, "ledgers/_review_decided.html", item=_localized_item(response.json(), lang),
                      progress=progress, town_names=town_names, outcomes=REVIEW_OUTCOMES)
    problem = response.json()
    errors = {e["field"].split(".")[-1]: localized(e["message"], lang) for e in problem.get("errors") or []}
    errors = errors or {"form": localized(problem.get("detail", ""), lang)}
    item = await _review_item(request, principal, campaign_id, item_id)
    if item is None:
        return render(request, "ledgers/_review_error.html", response.status_code, errors=errors)
    return render(request, "ledgers/_review_item.html", 422, item=_localized_item(item, lang),
                  campaign={"id": campaign_id}, outcomes=REVIEW_OUTCOMES, errors=errors,
                  values={"outcome": outcome, "note": note}, town_names=await _town_names(request, principal))


async def _review_item(request: Request, principal, campaign_id: int, item_id: int) -> dict | None:
    return await get_json(request, principal, "assets", f"/v1/reviews/{campaign_id}/items/{item_id}")


CHECK_OUTCOMES = ("confirmed", "changed", "missing", "new")


async def _inventory_context(request: Request, principal, town: str, org: str, year: int) -> dict:
    """A town's organizations and, for the chosen one, its assets, resources and the year's round."""
    town_names, organizations = await asyncio.gather(
        _town_names(request, principal),
        get_json(request, principal, "registry", "/v1/organizations", town=town, level="village", limit=200)
        if town else _nothing())
    context = {"town_names": town_names, "organizations": organizations["items"], "outcomes": CHECK_OUTCOMES,
               "filters": {"town": town, "org": org, "year": year}, "assets": [], "resources": [],
               "round": None, "marks": {}}
    if town and org not in {o["credit_code"] for o in organizations["items"]}:
        org = context["filters"]["org"] = ""  # the town changed under a chosen organization
    if not org:
        return context
    assets, resources, rounds = await asyncio.gather(
        get_json(request, principal, "assets", "/v1/inventory/assets", credit_code=org, limit=500),
        get_json(request, principal, "assets", "/v1/inventory/resources", credit_code=org, limit=500),
        get_json(request, principal, "assets", "/v1/inventory-rounds", credit_code=org, year=year))
    context |= {"assets": assets["items"], "resources": resources["items"]}
    if rounds["items"]:
        found = await get_json(request, principal, "assets", f"/v1/inventory-rounds/{rounds['items'][0]['id']}")
        context |= {"round": found, "marks": {(c["item_type"], c["item_id"]): c | {"at": local_time(c["checked_at"])}
                                              for c in found["checks"]}}
    return context


async def _nothing() -> dict:
    return {"items": []}


@router.get("/ledgers/assets")
async def inventory_page(request: Request, who: SignedIn, town: str = "", org: str = "",
                         year: int | None = None) -> Response:
    """One organization's assets and resources, and the year's inventory round item by item."""
    context = await _inventory_context(request, who[1], town, org, year or this_year())
    return render(request, "ledgers/assets.html", **context)


@router.post("/ledgers/assets/rounds")
async def start_round(request: Request, who: SignedIn, _: CsrfChecked, town: Annotated[str, Form()],
                      org: Annotated[str, Form()], year: Annotated[int, Form()]) -> Response:
    response = await call(request, who[1], "assets", "POST", "/v1/inventory-rounds",
                          json={"credit_code": org, "year": year})
    return await _after_round_change(request, who, response, town, org, year)


@router.post("/ledgers/assets/rounds/{round_id}/checks")
async def mark_item(request: Request, round_id: int, who: SignedIn, _: CsrfChecked, town: Annotated[str, Form()],
                    org: Annotated[str, Form()], year: Annotated[int, Form()], item_type: Annotated[str, Form()],
                    item_id: Annotated[int, Form()], outcome: Annotated[str, Form()],
                    note: Annotated[str, Form()] = "") -> Response:
    """Marks one item confirmed, changed, missing or new; htmx swaps the organization's tables."""
    response = await call(request, who[1], "assets", "PUT", f"/v1/inventory-rounds/{round_id}/checks",
                          json={"item_type": item_type, "item_id": item_id, "outcome": outcome, "note": note})
    return await _after_round_change(request, who, response, town, org, year)


@router.post("/ledgers/assets/rounds/{round_id}/close")
async def close_round(request: Request, round_id: int, who: SignedIn, _: CsrfChecked, town: Annotated[str, Form()],
                      org: Annotated[str, Form()], year: Annotated[int, Form()]) -> Response:
    response = await call(request, who[1], "assets", "POST", f"/v1/inventory-rounds/{round_id}/close")
    return await _after_round_change(request, who, response, town, org, year)


async def _after_round_change(request: Request, who, response, town: str, org: str, year: int) -> Response:
    """The tables again (htmx) or the page (a plain form post), with the service's refusal in words."""
    failed = response.status_code >= 400
    if not failed and not is_htmx(request):
        return RedirectResponse(f"/ledgers/assets?town={town}&org={org}&year={year}", status_code=303)
    context = await _inventory_context(request, who[1], town, org, year)
    if failed:
        context["problem"] = localized(response.json().get("detail", ""), language(request))
    status = 422 if failed else 200
    if is_htmx(request):
        return render(request, "ledgers/_inventory_org.html", status, **context)
    return render(request, "ledgers/assets.html", status, **context)
