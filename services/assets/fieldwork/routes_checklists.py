"""HTTP routes of checklist templates (检查底稿模板): published versions, read-only."""

from fastapi import APIRouter

from services.assets.access import EngagementReader
from services.assets.fieldwork import checklist_templates
from services.common.database import SessionDep
from services.common.http import json_response

router = APIRouter(prefix="/v1/checklists", tags=["checklists"])
FIELDS = ("id", "code", "version", "kind", "title_zh", "title_en", "status", "published_at")


@router.get("")
def list_templates(session: SessionDep, _: EngagementReader):
    return json_response({"items": [{n: getattr(t, n) for n in FIELDS} for t in checklist_templates.list_templates(session)],
                          "next_cursor": None})


@router.get("/{template_id}")
def read_template(template_id: int, session: SessionDep, _: EngagementReader):
    template = checklist_templates.get_template(session, template_id)
    items = checklist_templates.template_items(session, template.id)
    sections = [{**s, "items": [{"code": i.code, "type": i.type, "label_zh": i.label_zh, "label_en": i.label_en,
                                 "unit": i.unit, "options": i.extra["options"], "required": i.required,
                                 "note_on_no": i.note_on_no, "show_if": i.show_if, "finding": i.finding}
                                for i in items.values() if i.section == s["code"]]} for s in template.sections]
    return json_response({n: getattr(template, n) for n in FIELDS} | {"sections": sections})
