"""Checklist templates: the two published files, their rules as pure functions, and frozen versions."""

import pytest
from sqlalchemy import select
from sqlmodel import Session

from services.assets.fieldwork import checklist_templates
from services.assets.fieldwork.checklist_templates import Item, check_value, gaps, visible
from services.assets.fieldwork.models import ChecklistTemplate
from services.common.database import make_engine
from services.common.errors import Conflict, Invalid
from services.common.migrate import upgrade


def test_the_two_templates_cover_the_seed_terms():
    contents = {c["code"]: c for c, _ in checklist_templates.template_files()}
    inspection = [s["title"]["zh"] for s in contents["inspection"]["sections"]]
    assert {"现金管理", "银行账户", "支出审批", "会计凭证", "资产资源台账", "涉地经济合同", "村级债务", "三务公开",
            "小微权力清单"} <= set(inspection)
    steps = [i["zh"] for s in contents["inspection"]["sections"] if s["code"] == "democracy" for i in s["items"]]
    assert len([s for s in steps if s not in ("会议记录照片",)]) == 7  # 四议 + 一审 + 两公开
    key = [s["title"]["zh"] for s in contents["key_audit"]["sections"]]
    assert key == ["收入真实性", "支出合规性", "资产完整性", "工程建设项目", "政府投资使用", "债务", "经济合同", "收益分配"]
    types = {i["type"] for c in contents.values() for s in c["sections"] for i in s["items"]}
    assert types == set(checklist_templates.TYPES)


def item(**values) -> Item:
    return Item(**({"code": "x", "type": "yes_no", "section": "s", "label_zh": "问", "label_en": "q"} | values))


@pytest.mark.parametrize(("kind", "given", "stored"), [
    ("money", "1,234.5", "1234.50"), ("money", 12, "12.00"), ("number", "3", "3"), ("date", "2026-03-01", "2026-03-01"),
    ("yes_no", "na", "na"), ("text", "", None)])
def test_values_are_stored_in_one_form(kind, given, stored):
    assert check_value(item(type=kind), given) == stored


@pytest.mark.parametrize(("kind", "given"), [("money", "1.234"), ("money", "abc"), ("money", True), ("date", "31/3"),
                                             ("yes_no", "y"), ("choice", "z"), ("choices", ["a", "z"])])
def test_bad_values_are_refused_naming_the_item(kind, given):
    with pytest.raises(Invalid) as refused:
        check_value(item(type=kind, options=("a", "b")), given)
    assert refused.value.field == "value" and "x" in refused.value.detail


def test_an_item_shown_only_after_a_yes_and_a_no_needing_a_note():
    any_ = item(code="any", required=True)
    market = item(code="market", required=True, note_on_no=True, show_if={"item": "any", "in": ["yes"]})
    items = {"any": any_, "market": market}
    assert not visible(market, {"any": "no"}) and visible(market, {"any": "yes"})
    assert gaps(items, {"any": ("no", None)}) == []
    assert [g["field"] for g in gaps(items, {"any": ("yes", None)})] == ["market"]
    assert "note" in gaps(items, {"any": ("yes", None), "market": ("no", " ")})[0]["message"]


def test_a_required_evidence_item_is_answered_by_an_attachment():
    items = {"photo": item(code="photo", type="evidence", required=True)}
    assert [g["field"] for g in gaps(items, checklist_templates.with_attachments({}, set()))] == ["photo"]
    assert gaps(items, checklist_templates.with_attachments({}, {"photo"})) == []
    assert checklist_templates.with_attachments({"photo": ("kept", "n")}, {"photo"}) == {"photo": ("kept", "n")}


def test_a_rule_naming_a_later_item_is_refused():
    content = {"code": "t", "version": 1, "sections": [{"items": [
        {"code": "a", "type": "text", "show_if": {"item": "b"}}, {"code": "b", "type": "text"}]}]}
    with pytest.raises(Invalid):
        checklist_templates.validate_template(content)


@pytest.mark.db
def test_a_published_template_is_frozen_and_a_new_version_is_added(databases, monkeypatch):
    url = databases.new("assets_templates")
    upgrade("assets", url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        assert len(checklist_templates.load_templates(session)) == 2
        assert checklist_templates.load_templates(session) == []
    files = checklist_templates.template_files()
    changed = tuple((c, "0" * 64) if c["code"] == "inspection" else (c, d) for c, d in files)
    monkeypatch.setattr(checklist_templates, "template_files", lambda: changed)
    with Session(engine) as session, pytest.raises(Conflict):
        checklist_templates.load_templates(session)
    newer = tuple(({**c, "version": 2}, "1" * 64) for c, _ in files if c["code"] == "inspection")
    monkeypatch.setattr(checklist_templates, "template_files", lambda: files + newer)
    with Session(engine) as session, session.begin():
        assert checklist_templates.current_template(session, "inspection").version == 2
        versions = session.scalars(select(ChecklistTemplate.version).where(ChecklistTemplate.code == "inspection"))
        assert sorted(versions) == [1, 2]
    engine.dispose()
