"""HTTP routes of an engagement's fieldwork: its checklist, answers, and the steps of its review."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated
from weakref import WeakKeyDictionary

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from services.assets.access import EngagementReader, actor
from services.assets.fieldwork import checklist_templates, engagements, submission
from services.assets.fieldwork.answers import save_answer
from services.assets.fieldwork.engagements import engagement_view
from services.assets.fieldwork.findings import finding_view, list_findings
from services.assets.fieldwork.schemas import AnswerIn, ReturnIn
from services.common.database import SESSION_CONCURRENCY, SessionDep, is_sqlite
from services.common.errors import Invalid, PreconditionRequired
from services.common.http import check_if_match, json_response

router = APIRouter(prefix="/v1/engagements", tags=["engagements"])


def _detail(session, engagement, who) -> dict:
    work = engagements.fieldwork_of(session, engagement)
    shown = engagement_view(engagement) | {
        "may_fill": engagement.status in engagements.EDITABLE and _is_member(session, engagement, who),
        "may_review": engagements.may_review(session, engagement, who), "fieldwork": None}
    if work is not None:
        shown["fieldwork"] = {name: getattr(work, name) for name in (
            "template_id", "started_by", "started_at", "submitted_by", "submitted_at", "review_comment",
            "reviewed_by", "reviewed_at", "closed_by", "closed_at")}
    return shown


def _is_member(session, engagement, who) -> bool:
    return who.role == "admin" or engagements.membership(session, engagement.id, who.subject) is not None


@router.get("/{engagement_id}")
def read_engagement(engagement_id: int, session: SessionDep, who: EngagementReader):
    engagement = engagements.get_engagement(session, who, engagement_id)
    return json_response(_detail(session, engagement, who), version=engagement.version)


@router.get("/{engagement_id}/checklist")
def read_checklist(engagement_id: int, session: SessionDep, who: EngagementReader):
    """The template's sections and items with the answers so far, each with its version."""
    engagement = engagements.get_engagement(session, who, engagement_id)
    work = engagements.fieldwork_of(session, engagement)
    if work is None:
        return json_response(_detail(session, engagement, who) | {"template": None, "sections": []},
                             version=engagement.version)
    template = checklist_templates.get_template(session, work.template_id)
    items = checklist_templates.template_items(session, work.template_id)
    answers = engagements.answers_of(session, engagement.id)
    sections = [{**s, "items": [_item(i, answers.get(i.code)) for i in items.values() if i.section == s["code"]]}
                for s in template.sections]
    return json_response(_detail(session, engagement, who) | {
        "template": {"id": template.id, "code": template.code, "version": template.version,
                     "title_zh": template.title_zh, "title_en": template.title_en}, "sections": sections},
        version=engagement.version)


def _item(item: checklist_templates.Item, answer) -> dict:
    return {"code": item.code, "type": item.type, "label_zh": item.label_zh, "label_en": item.label_en,
            "unit": item.unit, "options": item.extra["options"], "required": item.required,
            "note_on_no": item.note_on_no, "show_if": item.show_if, "finding": item.finding,
            "answer": None if answer is None else {"value": (answer.value or {}).get("v"), "note": answer.note,
                                                   "version": answer.version, "updated_by": answer.updated_by}}


def _expected_version(request: Request) -> int:
    header = request.headers.get("if-match")
    if header is None:
        raise PreconditionRequired('Send If-Match with the answer\'s ETag, or "0" for a first answer.',
                                   code="if_match_required")
    try:
        return int(header.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise Invalid("If-Match", 'must be the answer\'s ETag such as "3", or "0" for a first answer') from None


# Per event loop: an asyncio semaphore belongs to the loop that first waits on it.
_WRITE_TURNS: WeakKeyDictionary = WeakKeyDictionary()


async def _write_turn(request: Request) -> AsyncIterator[Engine]:
    """A turn to save an answer, waited for on the event loop, never in a worker thread.

    SQLite lets one writer in at a time and puts the others to sleep in its busy handler, backing
    off up to 100 ms a try; queued here, the next save starts the moment the last one commits.
    """
    engine: Engine = request.app.state.engine
    turns = _WRITE_TURNS.setdefault(asyncio.get_running_loop(), WeakKeyDictionary())
    turn = turns.get(engine)
    if turn is None:
        turn = turns[engine] = asyncio.Semaphore(1 if is_sqlite(engine) else SESSION_CONCURRENCY)
    async with turn:
        yield engine


WriteTurn = Annotated[Engine, Depends(_write_turn, scope="function")]


@router.put("/{engagement_id}/answers/{item_code}")
def put_answer(engagement_id: int, item_code: str, body: AnswerIn, request: Request, engine: WriteTurn,
               who: EngagementReader):
    """Saves one answer; If-Match is the version read ("0" for none); a change by someone else is a 412.

    The transaction runs in this one worker thread while it holds the write turn, rather than in the
    session dependency, whose BEGIN and COMMIT each take a thread hop of their own (bench/answers_load.py:
    16 auditors through the gateway on SQLite, p99 670-750 ms before, 150-235 ms after, on a busy machine).
    """
    expected = _expected_version(request)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        session.connection(execution_options={"sqlite_immediate": True})
        saved = save_answer(session, who, engagement_id=engagement_id, item_code=item_code, value=body.value,
                            note=body.note, expected=expected, actor=actor(who))
    return json_response(saved.view(), version=saved.version)


def _step(engagement_id: int, request: Request, session, who):
    engagement = engagements.get_engagement(session, who, engagement_id)
    check_if_match(request, engagement.version)
    return engagement


@router.post("/{engagement_id}/start")
def start(engagement_id: int, request: Request, session: SessionDep, who: EngagementReader):
    engagement = _step(engagement_id, request, session, who)
    engagements.start(session, engagement, who, actor(who))
    return json_response(_detail(session, engagement, who), version=engagement.version)


@router.post("/{engagement_id}/submit")
def submit(engagement_id: int, request: Request, session: SessionDep, who: EngagementReader):
    """Freezes a complete checklist and drafts findings from its "no" answers."""
    engagement = _step(engagement_id, request, session, who)
    drafted = submission.submit_checklist(session, engagement, who, actor(who))
    return json_response(_detail(session, engagement, who) | {
        "drafted_findings": [finding_view(f, None) for f in drafted]}, version=engagement.version)


@router.post("/{engagement_id}/return")
def return_with_comments(engagement_id: int, body: ReturnIn, request: Request, session: SessionDep,
                         who: EngagementReader):
    engagement = _step(engagement_id, request, session, who)
    engagements.return_with_comments(session, engagement, who, body.comment, actor(who))
    return json_response(_detail(session, engagement, who), version=engagement.version)


@router.post("/{engagement_id}/accept")
def accept(engagement_id: int, request: Request, session: SessionDep, who: EngagementReader):
    engagement = _step(engagement_id, request, session, who)
    engagements.accept(session, engagement, who, actor(who))
    return json_response(_detail(session, engagement, who), version=engagement.version)


@router.post("/{engagement_id}/close")
def close(engagement_id: int, request: Request, session: SessionDep, who: EngagementReader):
    engagement = _step(engagement_id, request, session, who)
    engagements.close(session, engagement, who, actor(who))
    return json_response(_detail(session, engagement, who), version=engagement.version)


@router.get("/{engagement_id}/findings")
def engagement_findings(engagement_id: int, session: SessionDep, who: EngagementReader):
    engagements.get_engagement(session, who, engagement_id)
    found = list_findings(session, who, engagement_id=engagement_id, limit=1000)
    return json_response({"items": [finding_view(f, r) for f, r, _ in found], "next_cursor": None})
