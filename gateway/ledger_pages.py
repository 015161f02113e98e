"""Pages of the ledgers (台账): the contract ledger with its flags, the debt dashboard, idle inventory.

They read the assets service as the signed-in person, so its rules decide who sees which towns and
whether an ID number is whole or masked; the pages show what they are given.
"""

import asyncio
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway.backend import get_json, localized
from gateway.charts import bar_chart, bar_width
from gateway.pages import language, render
from gateway.signin import SignedIn

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FLAG_KINDS = ("procedure", "term_too_long", "low_price", "arrears", "overrun", "expiring")
ANY_FLAG = "any"
TARGET_YEAR = 2027


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
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "results":
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
