"""The year's dashboard (年度监管看板): progress against the plan's key audits and inspections, findings
by severity, category and town, the rectification rate, overdue rectifications, and each engagement's
report to download (PDF, .xlsx) through the API proxy.

The figures come from the assets service's `/v1/summary`, over what the signed-in person may see.
"""

import asyncio
from decimal import Decimal

from fastapi import APIRouter, Request
from starlette.responses import Response

from gateway.auth.signin import SignedIn
from gateway.i18n import gettext_for
from gateway.pages.backend import get_json
from gateway.pages.charts import bar_chart, bar_width
from gateway.pages.rendering import language, render, this_year
from services.common.errors import Forbidden

router = APIRouter(include_in_schema=False)
STATES = ("closed", "accepted", "submitted", "returned", "in_progress", "planned")  # drawn left to right
WIDTH, ROW, LABEL = 320.0, 22, 112


def progress_bar(kind: dict) -> list[dict]:
    """The stacked bar of one kind: each state's share of the plan's target, done first."""
    scale = WIDTH / max(kind["target"], kind["engagements"], 1)
    x, parts = 0.0, []
    for state in STATES:
        count = kind["by_status"].get(state, 0)
        if count:
            parts.append({"state": state, "count": count, "x": round(x, 1), "width": round(count * scale, 1)})
            x += count * scale
    return parts


def horizontal_chart(groups: list[dict], labels: list[str]) -> dict:
    """Findings per group as horizontal bars (labels stay readable on a phone), longest to scale."""
    length = WIDTH - LABEL - 40
    points = [(label, Decimal(g["findings"])) for label, g in zip(labels, groups, strict=True)]
    slots = bar_chart(points, width=ROW * len(points), height=length, gap=6)
    rows = [{"label": label, "value": int(value), "y": slot.x, "length": slot.height, "amount": g["amount"]}
            for (label, value), slot, g in zip(points, slots, groups, strict=True)]
    return {"rows": rows, "thickness": bar_width(len(points), width=ROW * len(points), gap=6),
            "height": ROW * len(points), "label": LABEL, "length": length}


def chart_labels(summary: dict, lang: str) -> dict[str, list[str]]:
    """Severities in the pages' own words; categories and towns as the service names them."""
    _ = gettext_for(lang)
    return {"by_severity": [_("severity:" + g["code"]) for g in summary["by_severity"]],
            "by_category": [g["zh"] if lang == "zh" else g["en"] for g in summary["by_category"]],
            "by_town": [g["zh"] for g in summary["by_town"]]}


@router.get("/reports")
async def year_dashboard(request: Request, who: SignedIn, year: int | None = None) -> Response:
    year = year if year and 2000 <= year <= 2100 else this_year()
    try:
        summary, found = await asyncio.gather(
            get_json(request, who[1], "assets", "/v1/summary", year=year),
            get_json(request, who[1], "assets", "/v1/engagements", year=year, limit=500))
    except Forbidden:
        return render(request, "plans/forbidden.html", 403)
    lang = language(request)
    engagements = sorted(found["items"], key=lambda e: (e["kind"], e["status"] == "planned", e["organization_name"]))
    charts = {name: horizontal_chart(summary[name], labels) for name, labels in chart_labels(summary, lang).items()}
    return render(request, "reports/dashboard.html", year=year, label_chars=11 if lang == "zh" else 20, s=summary, charts=charts, engagements=engagements,
                  progress={p["kind"]: progress_bar(p) for p in summary["progress"]}, states=STATES, width=WIDTH)
