"""Checklist templates (检查底稿模板): versioned YAML files under `checklists/`, loaded into the database.

A file, once loaded, is published and frozen: loading a changed file under the same code and version
is refused, and a change is a new file with the next version. An engagement keeps the template
version it started with. `check_value`, `visible` and `gaps` are the templates' rules as pure functions.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlmodel import Session

from services.assets.fieldwork.models import ChecklistItem, ChecklistTemplate
from services.common.errors import Conflict, Invalid, NotFound

FOLDER = Path(__file__).parent / "checklists"
TYPES = ("yes_no", "number", "money", "text", "date", "choice", "choices", "evidence")
YES_NO = ("yes", "no", "na")
SEVERITIES = ("general", "major", "serious")  # 一般, 较重, 严重
TEXT_LIMIT = 2000


@dataclass(frozen=True)
class Item:
    """What the rules need to know of an item, cached per template (a published template never changes)."""

    code: str
    type: str
    section: str
    label_zh: str
    label_en: str
    unit: str | None = None
    options: tuple[str, ...] = ()
    required: bool = False
    note_on_no: bool = False
    show_if: dict | None = None
    finding: dict | None = None
    extra: dict = field(default_factory=dict, compare=False)


@cache
def template_files() -> tuple[tuple[dict, str], ...]:
    """Each file's content and its sha256."""
    found = []
    for path in sorted(FOLDER.glob("*.yaml")):
        raw = path.read_bytes()
        found.append((yaml.safe_load(raw), hashlib.sha256(raw).hexdigest()))
    return tuple(found)


def validate_template(content: dict) -> None:
    """Refuses a template file whose items or rules do not make sense, naming the item."""
    codes = set()
    for section in content["sections"]:
        for raw in section["items"]:
            where = f"{content['code']} v{content['version']} {raw.get('code')}"
            if raw.get("type") not in TYPES:
                raise Invalid("type", f"{where}: unknown type {raw.get('type')!r}")
            if raw["type"] in ("choice", "choices") and not raw.get("options"):
                raise Invalid("options", f"{where}: a choice needs options")
            if raw["code"] in codes:
                raise Invalid("code", f"{where}: code used twice")
            show_if = raw.get("show_if")
            if show_if and show_if["item"] not in codes:
                raise Invalid("show_if", f"{where}: shown after an earlier item, not {show_if['item']}")
            finding = raw.get("finding")
            if finding and (raw["type"] != "yes_no" or finding.get("severity") not in SEVERITIES):
                raise Invalid("finding", f"{where}: a finding follows a yes/no item and has a known severity")
            codes.add(raw["code"])


def load_templates(session: Session) -> list[ChecklistTemplate]:
    """Publishes the files not yet in the database; a published version whose file changed is refused."""
    made = []
    for content, digest in template_files():
        existing = session.scalars(select(ChecklistTemplate).where(
            ChecklistTemplate.code == content["code"], ChecklistTemplate.version == content["version"])).first()
        if existing is not None:
            if existing.digest != digest:
                raise Conflict(f"模板 {content['code']} 第 {content['version']} 版已发布，不能修改，请另立新版本 / "
                               "a published template is frozen; add a new version", code="template_frozen")
            continue
        validate_template(content)
        made.append(_publish(session, content, digest))
    return made


def _publish(session: Session, content: dict, digest: str) -> ChecklistTemplate:
    template = ChecklistTemplate(code=content["code"], version=content["version"], kind=content["kind"],
                                 title_zh=content["title"]["zh"], title_en=content["title"]["en"], digest=digest,
                                 sections=[{"code": s["code"], "zh": s["title"]["zh"], "en": s["title"]["en"]}
                                           for s in content["sections"]])
    session.add(template)
    session.flush()
    position = 0
    for section in content["sections"]:
        for raw in section["items"]:
            position += 1
            rules = {k: raw[k] for k in ("required", "note_on_no", "show_if", "finding") if raw.get(k)}
            session.add(ChecklistItem(template_id=template.id, section=section["code"], position=position,
                                      code=raw["code"], type=raw["type"], label_zh=raw["zh"], label_en=raw["en"],
                                      unit=raw.get("unit"), options=raw.get("options", []), rules=rules))
    session.flush()
    return template


def current_template(session: Session, kind: str) -> ChecklistTemplate:
    """The latest published version for an engagement of this kind."""
    load_templates(session)
    template = session.scalars(select(ChecklistTemplate).where(
        ChecklistTemplate.kind == kind, ChecklistTemplate.status == "published")
        .order_by(ChecklistTemplate.version.desc())).first()
    if template is None:
        raise NotFound(f"没有 {kind} 的检查底稿模板 / no checklist template for {kind}", code="template_missing")
    return template


def get_template(session: Session, template_id: int) -> ChecklistTemplate:
    template = session.get(ChecklistTemplate, template_id)
    if template is None:
        raise NotFound(f"没有编号为 {template_id} 的模板 / no template {template_id}", code="template_not_found")
    return template


def list_templates(session: Session) -> list[ChecklistTemplate]:
    return list(session.scalars(select(ChecklistTemplate).order_by(ChecklistTemplate.code,
                                                                    ChecklistTemplate.version)))


def template_items(session: Session, template_id: int) -> dict[str, Item]:
    """The template's items by code, in order; cached, as a published template never changes."""
    return _items_cached(session.get_bind().url.render_as_string(), template_id, session)


_ITEMS: dict[tuple[str, int], dict[str, Item]] = {}


def _items_cached(bind: str, template_id: int, session: Session) -> dict[str, Item]:
    key = (bind, template_id)
    if key not in _ITEMS:
        rows = session.scalars(select(ChecklistItem).where(ChecklistItem.template_id == template_id)
                               .order_by(ChecklistItem.position))
        _ITEMS[key] = {r.code: Item(code=r.code, type=r.type, section=r.section, label_zh=r.label_zh,
                                    label_en=r.label_en, unit=r.unit, options=tuple(o["code"] for o in r.options),
                                    required=bool(r.rules.get("required")), note_on_no=bool(r.rules.get("note_on_no")),
                                    show_if=r.rules.get("show_if"), finding=r.rules.get("finding"),
                                    extra={"options": r.options}) for r in rows}
    return _ITEMS[key]


def check_value(item: Item, value):
    """The answer as stored (numbers and money as strings), or Invalid naming the item and what would be right."""
    if value is None or value == "" or value == []:
        return None
    kind = item.type
    if kind == "yes_no":
        if value not in YES_NO:
            raise Invalid("value", f"{item.code}: 应为 yes、no 或 na / must be yes, no or na")
        return value
    if kind in ("number", "money"):
        return _number(item, value)
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise Invalid("value", f"{item.code}: 日期格式应为 2026-03-31 / a date such as 2026-03-31") from None
    if kind == "choice":
        if value not in item.options:
            raise Invalid("value", f"{item.code}: 应为 {'、'.join(item.options)} 之一 / one of {', '.join(item.options)}")
        return value
    if kind == "choices":
        chosen = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and v in item.options for v in chosen):
            raise Invalid("value", f"{item.code}: 只能从 {'、'.join(item.options)} 中选择 / choose among "
                                   f"{', '.join(item.options)}")
        return [o for o in item.options if o in chosen]
    if kind == "evidence":
        if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= 64 for v in value):
            raise Invalid("value", f"{item.code}: 应为证据文件编号列表 / a list of evidence ids")
        return value
    if not isinstance(value, str) or len(value) > TEXT_LIMIT:
        raise Invalid("value", f"{item.code}: 文字不超过 {TEXT_LIMIT} 字 / text of at most {TEXT_LIMIT} characters")
    return value


def _number(item: Item, value) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid("value", f"{item.code}: 应为数字 / must be a number")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise Invalid("value", f"{item.code}: 应为数字，如 1234.50 / a number such as 1234.50") from None
    if not number.is_finite() or abs(number) >= Decimal("1e14"):
        raise Invalid("value", f"{item.code}: 数字超出范围 / number out of range")
    if item.type == "money":
        if number != number.quantize(Decimal("0.01")):
            raise Invalid("value", f"{item.code}: 金额最多两位小数 / money has at most two decimals")
        return str(number.quantize(Decimal("0.01")))
    return str(number)


def visible(item: Item, values: dict[str, object]) -> bool:
    """An item with `show_if` is shown only when the other item's answer is among the listed values."""
    if not item.show_if:
        return True
    other = values.get(item.show_if["item"])
    wanted = item.show_if.get("in")
    if wanted is None:
        return other not in (None, "", [])
    return other in wanted if not isinstance(other, list) else bool(set(other) & set(wanted))


def with_attachments(answers: dict[str, tuple[object, str | None]],
                     attached: set[str]) -> dict[str, tuple[object, str | None]]:
    """An evidence item is answered by what is attached to it, not by a value."""
    found = dict(answers)
    for code in attached:
        value, note = found.get(code, (None, None))
        found[code] = (value if value not in (None, "", []) else "attached", note)
    return found


def gaps(items: dict[str, Item], answers: dict[str, tuple[object, str | None]]) -> list[dict]:
    """What keeps a checklist from being submitted: required visible items unanswered, "no" without a note."""
    values = {code: value for code, (value, _) in answers.items()}
    found = []
    for item in items.values():
        if not visible(item, values):
            continue
        value, note = answers.get(item.code, (None, None))
        if item.required and value in (None, "", []):
            found.append({"field": item.code, "message": f"{item.label_zh}：必填 / {item.label_en}: required"})
        elif item.note_on_no and value == "no" and not (note or "").strip():
            found.append({"field": item.code, "message": f"{item.label_zh}：答“否”须说明情况 / "
                                                         f"{item.label_en}: a “no” needs a note"})
    return found
