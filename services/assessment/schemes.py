"""Schemes (考核方案): save a checked draft, publish it (frozen), start a new version from it."""

from datetime import UTC, datetime

from sqlmodel import Session, select

from services.assessment.models import Indicator, Scheme
from services.assessment.schemas import SchemeIn
from services.assessment.scheme_spec import IndicatorSpec, SchemeSpec, check
from services.common import audit
from services.common.errors import Conflict, Invalid, NotFound

INDICATOR_FIELDS = ("code", "dimension", "name_zh", "name_en", "unit", "direction", "source", "key", "method",
                    "params", "missing", "weights", "targets")


def spec_of(body: SchemeIn | dict) -> SchemeSpec:
    data = body if isinstance(body, dict) else body.model_dump()
    return SchemeSpec(
        classes=tuple(data["classes"]), default_class=data["default_class"], decimals=data["decimals"],
        dimensions=tuple((d["code"], d["name_zh"], d.get("name_en", "")) for d in data["dimensions"]),
        indicators=tuple(IndicatorSpec(**{f: i[f] for f in INDICATOR_FIELDS}) for i in data["indicators"]),
        bands=tuple((b["grade"], b["min"]) for b in data["grade_bands"]),
        class_scheme=data.get("class_scheme", "planning_class"))


def require_valid(body: SchemeIn) -> SchemeSpec:
    spec = spec_of(body)
    mistakes = check(spec)
    if mistakes:
        raise Invalid(mistakes[0].field, mistakes[0].message, code=mistakes[0].code,
                      errors=[{"field": m.field, "message": m.message, "code": m.code} for m in mistakes])
    return spec


def get(session: Session, scheme_id: int) -> Scheme:
    scheme = session.get(Scheme, scheme_id)
    if scheme is None:
        raise NotFound(f"没有考核方案 {scheme_id} / no scheme {scheme_id}", code="scheme_not_found")
    return scheme


def indicators(session: Session, scheme: Scheme) -> list[Indicator]:
    return list(session.exec(select(Indicator).where(Indicator.scheme_id == scheme.id).order_by(Indicator.position)))


def document(session: Session, scheme: Scheme) -> dict:
    """The scheme as the API shows it and takes it back."""
    return {"id": scheme.id, "code": scheme.code, "version": scheme.version, "status": scheme.status,
            "name_zh": scheme.name_zh, "name_en": scheme.name_en, "district_code": scheme.district_code,
            "class_scheme": scheme.class_scheme, "classes": scheme.classes, "default_class": scheme.default_class,
            "dimensions": scheme.dimensions, "grade_bands": scheme.grade_bands, "decimals": scheme.decimals,
            "published_at": scheme.published_at, "row_version": scheme.row_version,
            "indicators": [{f: getattr(i, f) for f in INDICATOR_FIELDS} for i in indicators(session, scheme)]}


def spec_of_scheme(session: Session, scheme: Scheme) -> SchemeSpec:
    return spec_of(document(session, scheme))


def create(session: Session, body: SchemeIn, *, actor: str, demo: bool = False) -> Scheme:
    """A new draft: version 1 of a new code, or the next version of an existing one."""
    require_valid(body)
    latest = session.exec(select(Scheme).where(Scheme.code == body.code).order_by(Scheme.version.desc())).first()
    if latest is not None and latest.status == "draft":
        raise Conflict(f"方案 {body.code} 已有草稿 {latest.id} / scheme {body.code} already has draft {latest.id}; "
                       "edit it", code="draft_exists", extra={"draft_id": latest.id})
    values = body.model_dump(exclude={"indicators"})
    scheme = Scheme(**values, version=(latest.version + 1) if latest else 1, created_by=actor, demo=demo)
    session.add(scheme)
    session.flush()
    _write_indicators(session, scheme, body)
    audit.record(session, actor=actor, action="create", entity="scheme", entity_id=str(scheme.id),
                 after={"code": scheme.code, "version": scheme.version})
    return scheme


def update(session: Session, scheme: Scheme, body: SchemeIn, *, actor: str) -> Scheme:
    require_draft(scheme)
    if body.code != scheme.code:
        raise Invalid("code", "方案代码不能修改 / a scheme's code cannot change")
    require_valid(body)
    before = document(session, scheme)
    for name, value in body.model_dump(exclude={"indicators", "code"}).items():
        setattr(scheme, name, value)
    for indicator in indicators(session, scheme):
        session.delete(indicator)
    session.flush()
    _write_indicators(session, scheme, body)
    scheme.row_version += 1
    scheme.updated_at = datetime.now(UTC)
    audit.record(session, actor=actor, action="update", entity="scheme", entity_id=str(scheme.id),
                 before=before, after=body.model_dump())
    return scheme


def publish(session: Session, scheme: Scheme, *, actor: str) -> Scheme:
    require_draft(scheme)
    scheme.status, scheme.published_by, scheme.published_at = "published", actor, datetime.now(UTC)
    scheme.row_version += 1
    audit.record(session, actor=actor, action="publish", entity="scheme", entity_id=str(scheme.id),
                 after={"code": scheme.code, "version": scheme.version})
    return scheme


def require_draft(scheme: Scheme) -> None:
    if scheme.status != "draft":
        raise Conflict(f"方案 {scheme.code} 第 {scheme.version} 版已发布，不能修改；请新建版本 / a published scheme is "
                       "frozen: create a new version", code="scheme_frozen")


def _write_indicators(session: Session, scheme: Scheme, body: SchemeIn) -> None:
    for position, item in enumerate(body.indicators):
        session.add(Indicator(scheme_id=scheme.id, position=position, **item.model_dump()))
    session.flush()
