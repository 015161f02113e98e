"""Pages of fieldwork (审计实施): my engagements, the checklist that saves each answer on change, the
lead's review and the findings and rectification board.

Everything goes through the assets service's API as the signed-in person; the service decides who
may see or change what. Answers save one by one through htmx; `static/js/offline-answers.js`
keeps the ones the network lost in the browser and sends them again when it is back. Evidence goes
straight to the API proxy (`/api/assets/v1/engagements/{id}/evidence`, `static/js/evidence-upload.js`)
with upload progress; items shown only when another answer has a value are hidden until it has
(`static/js/show-if.js`).
"""

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from gateway.auth.signin import SignedIn
from gateway.pages.backend import call, get_json, localized
from gateway.pages.rendering import CsrfChecked, language, render
from services.common.errors import Forbidden, NotFound

router = APIRouter(include_in_schema=False)
STEPS = ("start", "submit", "return", "accept", "close")


@router.get("/engagements")
async def my_engagements(request: Request, who: SignedIn, year: int | None = None) -> Response:
    params = {"limit": 500} | ({"year": year} if year else {})
    try:
        found = await get_json(request, who[1], "assets", "/v1/engagements", **params)
    except Forbidden:
        return render(request, "plans/forbidden.html", 403)
    order = {"returned": 0, "in_progress": 1, "planned": 2, "submitted": 3, "accepted": 4, "closed": 5}
    items = sorted(found["items"], key=lambda e: (order.get(e["status"], 9), e["quarter"], e["id"]))
    return render(request, "engagements/list.html", engagements=items)


async def _checklist(request: Request, who, engagement_id: int) -> dict:
    response = await call(request, who[1], "assets", "GET", f"/v1/engagements/{engagement_id}/checklist")
    if response.status_code == 404:
        raise NotFound("no such engagement")
    if response.status_code == 403:
        raise Forbidden("not yours")
    return response.json() | {"etag": response.headers.get("etag", "")}


@router.get("/engagements/{engagement_id}")
async def checklist_page(request: Request, engagement_id: int, who: SignedIn) -> Response:
    try:
        checklist = await _checklist(request, who, engagement_id)
    except (NotFound, Forbidden):
        return render(request, "plans/missing.html", 404)
    findings = await get_json(request, who[1], "assets", f"/v1/engagements/{engagement_id}/findings")
    attached = await get_json(request, who[1], "assets", f"/v1/engagements/{engagement_id}/evidence")
    evidence: dict[str, list[dict]] = {}
    for row in attached["items"]:
        evidence.setdefault(row["item_code"], []).append(row)
    values = {i["code"]: (i["answer"] or {}).get("value") for s in checklist["sections"] for i in s["items"]}
    return render(request, "engagements/checklist.html", e=checklist, findings=findings["items"],
                  evidence=evidence, hidden={i["code"] for s in checklist["sections"] for i in s["items"]
                                             if not shown(i["show_if"], values)},
                  upload_limit=attached.get("max_bytes", 0), problem=request.query_params.get("problem"))


def shown(show_if: dict | None, values: dict[str, object]) -> bool:
    """The assets service's rule (`checklists.visible`): shown when the other answer is among the listed
    values, or has any value when none are listed. `static/js/show-if.js` applies it again on change."""
    if not show_if:
        return True
    other = values.get(show_if["item"])
    wanted = show_if.get("in")
    if wanted is None:
        return other not in (None, "", [])
    return bool(set(other) & set(wanted)) if isinstance(other, list) else other in wanted


def _answer_value(form, item_type: str):
    if item_type == "choices":
        return [str(v) for v in form.getlist("value")]
    return str(form.get("value", "")).strip() or None


@router.put("/engagements/{engagement_id}/answers/{item_code}")
async def save_answer(request: Request, engagement_id: int, item_code: str, who: SignedIn,
                      _: CsrfChecked) -> Response:
    """Saves one answer and gives back the item's row: saved, or the conflict with the other's answer."""
    form = await request.form()
    version = str(form.get("version", "0")).strip() or "0"
    body = {"value": _answer_value(form, str(form.get("type", ""))), "note": str(form.get("note", "")) or None}
    response = await call(request, who[1], "assets", "PUT", f"/v1/engagements/{engagement_id}/answers/{item_code}",
                          json=body, headers={"If-Match": f'"{version}"'})
    lang = language(request)
    state = {"saved": True, "conflict": None, "error": None, "version": version, "value": body["value"],
             "note": body["note"]}
    if response.status_code == 200:
        saved = response.json()
        state |= {"version": saved["version"], "value": saved["value"], "note": saved["note"]}
    else:
        problem = response.json()
        state |= {"saved": False, "error": localized(problem.get("detail", ""), lang)}
        if problem.get("code") == "answer_conflict":
            state["conflict"] = problem["current"]
    page = render(request, "engagements/_state.html", 200 if response.status_code == 200 else 200,
                  engagement_id=engagement_id, code=item_code, state=state)
    page.headers["X-Answer-Status"] = str(response.status_code)
    return page


@router.post("/engagements/{engagement_id}/{action}")
async def take_step(request: Request, engagement_id: int, action: str, who: SignedIn, _: CsrfChecked) -> Response:
    if action not in STEPS:
        return render(request, "plans/missing.html", 404)
    form = await request.form()
    body = {"comment": str(form.get("comment", ""))} if action == "return" else None
    response = await call(request, who[1], "assets", "POST", f"/v1/engagements/{engagement_id}/{action}",
                          json=body, headers={"If-Match": str(form.get("etag", ""))})
    target = f"/engagements/{engagement_id}"
    if response.status_code >= 400:
        detail = localized(response.json().get("detail", ""), language(request))
        return RedirectResponse(f"{target}?problem={detail[:300]}", status_code=303)
    return RedirectResponse(target, status_code=303)


@router.get("/findings")
async def findings_board(request: Request, who: SignedIn, status: str | None = None, year: int | None = None) -> Response:
    params = {k: v for k, v in {"status": status, "year": year, "limit": 500}.items() if v}
    try:
        found = await get_json(request, who[1], "assets", "/v1/findings", **params)
    except Forbidden:
        return render(request, "plans/forbidden.html", 403)
    columns = {name: [] for name in ("open", "overdue", "submitted", "verified", "accepted")}
    for finding in found["items"]:
        columns.setdefault(finding["rectification"]["status"], []).append(finding)
    return render(request, "engagements/findings.html", columns=columns, status=status)
