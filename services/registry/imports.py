"""Spreadsheet imports of the registry (表格导入): units, organizations and a year's statistics.

The columns of each kind, the checks of a row against what is stored, and the writes; reading,
header mapping, the row report and all-or-nothing are `services.common.imports`. New rows go in
with Core executemany a batch at a time, with one audit record per batch and a change-feed row
per key (as the demo loader does); an edited row goes through the function the API uses, with
its own audit record. A row equal to what is stored writes nothing, so importing the same file
again changes nothing. An empty cell leaves the stored value as it is.
"""

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from services.common.errors import Forbidden, Invalid
from services.common.imports import (
    Column,
    ImportReport,
    Mode,
    Refusal,
    Row,
    choice,
    insert_rows,
    parse_date,
    run_import,
)
from services.common.tokens import Principal
from services.registry import access, codes, organizations, statistics, units
from services.registry.changes import record_bulk_changes
from services.registry.models import Organization, StatisticValue, Unit

unit_table, org_table, value_table = Unit.__table__, Organization.__table__, StatisticValue.__table__

KINDS = ("units", "organizations", "statistics")
DEFAULT_SOURCE = "表格导入 / spreadsheet import"
UNIT_KINDS = {"区": "district", "镇": "town", "乡": "town", "街道": "subdistrict", "行政村": "village",
              "村": "village", "社区": "community", "涉农社区": "community"}
KIND_LABELS = {"district": "区", "town": "镇", "subdistrict": "街道", "village": "行政村", "community": "涉农社区"}
ORG_LEVELS = {"镇级": "town", "村级": "village", "组级": "group"}
LEVEL_LABELS = {v: k for k, v in ORG_LEVELS.items()}
ORG_STATUSES = {"正常": "active", "暂停": "suspended", "注销": "deregistered"}
STATUS_LABELS = {v: k for k, v in ORG_STATUSES.items()}

UNIT_COLUMNS = (
    Column("unit_code", "区划代码", required=True, max_length=12, aliases=("统计用区划代码", "代码")),
    Column("name", "名称", required=True, max_length=100, aliases=("单位名称", "村名")),
    Column("parent_code", "上级区划代码", max_length=12, aliases=("上级代码",)),
    Column("kind", "类型", max_length=12),
    Column("name_pinyin", "拼音", max_length=200),
    Column("name_en", "英文名称", max_length=200),
    Column("urban_rural_code", "城乡分类代码", max_length=3),
    Column("valid_from", "设立日期", max_length=10),
)
ORGANIZATION_COLUMNS = (
    Column("credit_code", "统一社会信用代码", required=True, max_length=18),
    Column("name", "组织名称", required=True, max_length=200, aliases=("名称",)),
    Column("level", "层级", max_length=10),
    Column("unit_code", "所属区划代码", required=True, max_length=12, aliases=("区划代码",)),
    Column("legal_representative", "法定代表人", max_length=100),
    Column("representative_phone", "联系电话", max_length=30),
    Column("registered_on", "登记日期", max_length=10),
    Column("status", "状态", max_length=20),
)


def statistic_columns(metrics: list[dict]) -> tuple[Column, ...]:
    """A unit and year per row, then one column per metric of the catalogue (named in Chinese or by key)."""
    fixed = (Column("unit_code", "区划代码", required=True, max_length=12, aliases=("统计用区划代码",)),
             Column("name", "名称", read_only=True, aliases=("单位名称", "村名")),
             Column("year", "年度", max_length=4, aliases=("年份",)),
             Column("source", "数据来源", max_length=200, aliases=("来源",)))
    return fixed + tuple(Column(m["key"], m["name"], max_length=40, aliases=(m["name_en"],)) for m in metrics)


def check_may_import(principal: Principal, kind: str) -> None:
    """Admins and town officers import everything; other systems (integration) statistics only."""
    allowed = access.STATISTICS_EDITORS if kind == "statistics" else access.TOWN_EDITORS
    if principal.role not in allowed:
        raise Forbidden(f"Role '{principal.role}' may not import {kind}.", code="role_forbidden")


def import_file(session: Session, path: Path, *, kind: str, principal: Principal, mode: Mode = "all_or_nothing",
                dry_run: bool = False, year: int | None = None, file_sha256: str | None = None) -> ImportReport:
    """Checks every row of the file and applies it as `mode` says; the caller commits."""
    check_may_import(principal, kind)
    digest = file_sha256 or hashlib.sha256(path.read_bytes()).hexdigest()
    importer = {"units": UnitImporter, "organizations": OrganizationImporter,
                "statistics": StatisticsImporter}[kind](session, principal, file_sha256=digest, year=year)
    report = ImportReport(kind=kind, file_sha256=digest, mode=mode, dry_run=dry_run)
    return run_import(session, path, importer, report)


class RegistryImporter:
    """Checks a batch against what is stored, row by row, writing new rows a batch at a time."""

    entity, key = "", ""
    table: Table

    def __init__(self, session: Session, principal: Principal, *, file_sha256: str, year: int | None = None):
        self.session, self.principal, self.file_sha256, self.year = session, principal, file_sha256, year
        self.actor = f"{principal.kind}:{principal.subject}"
        self.applied = self.unchanged = 0
        self.pending: dict = {}

    def apply_rows(self, rows: list[Row]) -> list[Refusal]:
        refused = []
        self.look_up(rows)
        for row in rows:
            if self.pending_key(row) in self.pending or self.parent_pending(row):
                self.write_pending()
            try:
                self.apply_row(row)
            except Invalid as exc:
                refused.append(Refusal.of(row, exc))
        self.write_pending()
        return refused

    def check_town(self, town_code: str | None) -> None:
        """A town officer's row must belong to one of their towns."""
        if self.principal.role == "town_officer" and not access.in_towns(self.principal, town_code):
            raise Invalid("unit_code", "只能导入本镇（街道）的数据 / you may import only your own towns' rows")

    def record_created(self, keys: list[str]) -> None:
        record_bulk_changes(self.session, actor=self.actor, action="create", entity=self.entity, keys=keys,
                            summary={"import": self.entity, "file_sha256": self.file_sha256, "rows": len(keys),
                                     "first": keys[0], "last": keys[-1]})

    def parent_pending(self, row: Row) -> bool:
        return False

    def look_up(self, rows: list[Row]) -> None: ...

    def pending_key(self, row: Row): ...

    def apply_row(self, row: Row) -> None: ...

    def write_pending(self) -> None:
        """Inserts the pending rows, keyed by `key`, and keeps them with their new ids as known."""
        if not self.pending:
            return
        made = insert_rows(self.session, self.table, list(self.pending.values()), key=self.key)
        for key, row_id in made.items():
            self.known[key] = {**self.pending[key], "id": row_id}
        self.record_created(list(self.pending))
        self.pending = {}


class UnitImporter(RegistryImporter):
    entity, columns, table, key = "unit", UNIT_COLUMNS, unit_table, "unit_code"

    def look_up(self, rows: list[Row]) -> None:
        wanted = {r.values["unit_code"] for r in rows} | {r.values["parent_code"] for r in rows}
        self.known, self.closed_until = {}, {}
        for r in self.session.execute(select(unit_table).where(unit_table.c.unit_code.in_(wanted))).mappings():
            if r["valid_to"] is None:
                self.known[r["unit_code"]] = dict(r)
            else:
                self.closed_until[r["unit_code"]] = max(r["valid_to"], self.closed_until.get(r["unit_code"], date.min))

    def pending_key(self, row: Row) -> str:
        return row.values["unit_code"]

    def parent_pending(self, row: Row) -> bool:
        return row.values["parent_code"] in self.pending

    def apply_row(self, row: Row) -> None:
        values = row.values
        stored = self.known.get(values["unit_code"])
        if stored is None:
            self.pending[values["unit_code"]] = self.new_unit(values)
        else:
            self.check_town(stored["town_code"])
            changes = unit_changes(stored, values)
            if not changes:
                self.unchanged += 1
                return
            self.known[stored["unit_code"]] = units.update_unit(self.session, stored, changes, actor=self.actor)
        self.applied += 1

    def new_unit(self, values: dict) -> dict:
        code, parent_code = values["unit_code"], values["parent_code"] or None
        parent = self.known.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            raise Invalid("parent_code", f"上级区划代码 {parent_code} 不是现存单位 / {parent_code} is not an existing unit")
        self.check_town(parent["town_code"] if parent else None)
        level = child_level(parent)
        codes.check_unit_code(code, level, parent_code)
        kind = choice(values["kind"], UNIT_KINDS, "kind") or units.DEFAULT_KIND[level]
        codes.check_kind(level, kind)
        codes.check_urban_rural_code(values["urban_rural_code"] or None)
        on = parse_date(values["valid_from"], "valid_from") or units.today()
        if parent and parent["valid_from"] > on:
            raise Invalid("valid_from", "不能早于上级单位的设立日期 / must not precede the parent's valid_from")
        if self.closed_until.get(code, date.min) > on:
            raise Invalid("unit_code", f"区划代码 {code} 在 {on} 已被使用 / code {code} is in use on {on}")
        now = datetime.now(UTC)
        return {"unit_code": code, "level": level, "kind": kind, "name": values["name"],
                "name_pinyin": values["name_pinyin"] or None, "name_en": values["name_en"] or None,
                "urban_rural_code": values["urban_rural_code"] or None, "parent_id": parent["id"] if parent else None,
                "parent_code": parent_code, "town_code": code if level == "town" else (parent or {}).get("town_code"),
                "valid_from": on, "valid_to": None, "demo": False, "version": 1, "created_at": now, "updated_at": now}



def child_level(parent: dict | None) -> str:
    if parent is None:
        return "district"
    if parent["level"] == "village":
        raise Invalid("parent_code", "村级单位下不能再设单位 / a village-level unit has no children")
    return {"district": "town", "town": "village"}[parent["level"]]


def unit_changes(stored: dict, values: dict) -> dict:
    """What the row changes of a stored unit; its name, parent and kind change only by adjustment."""
    if values["name"] != stored["name"]:
        raise Invalid("name", f"与登记名称“{stored['name']}”不同，更名须经区划调整 / differs from the registered "
                              f"name {stored['name']}; a rename goes through an adjustment")
    if values["parent_code"] and values["parent_code"] != stored["parent_code"]:
        raise Invalid("parent_code", f"与登记的上级 {stored['parent_code']} 不同，变更隶属须经区划调整 / differs "
                                     "from the registered parent; re-parenting goes through an adjustment")
    kind = choice(values["kind"], UNIT_KINDS, "kind")
    if kind and kind != stored["kind"]:
        raise Invalid("kind", f"与登记的类型 {KIND_LABELS[stored['kind']]} 不同 / differs from the registered kind "
                              f"{stored['kind']}")
    return {k: values[k] for k in units.EDITABLE if values[k] and values[k] != stored[k]}


class OrganizationImporter(RegistryImporter):
    entity, columns, table, key = "organization", ORGANIZATION_COLUMNS, org_table, "credit_code"

    def look_up(self, rows: list[Row]) -> None:
        credit_codes = {organizations.normalize_code(r.values["credit_code"]) for r in rows}
        found = self.session.execute(select(org_table).where(org_table.c.credit_code.in_(credit_codes)))
        self.known = {r["credit_code"]: dict(r) for r in found.mappings()}
        unit_codes = {r.values["unit_code"] for r in rows}
        open_units = self.session.execute(select(unit_table.c.id, unit_table.c.unit_code, unit_table.c.town_code).where(
            unit_table.c.unit_code.in_(unit_codes), unit_table.c.valid_to.is_(None)))
        self.units = {r["unit_code"]: dict(r) for r in open_units.mappings()}

    def pending_key(self, row: Row) -> str:
        return organizations.normalize_code(row.values["credit_code"])

    def apply_row(self, row: Row) -> None:
        code = organizations.normalize_code(row.values["credit_code"])
        codes.check_credit_code(code)
        stored = self.known.get(code)
        if stored is None:
            self.pending[code] = self.new_organization(code, row.values)
        else:
            self.check_town(stored["town_code"])
            changes = organization_changes(stored, row.values)
            if not changes:
                self.unchanged += 1
                return
            self.known[code] = organizations.update_organization(self.session, stored, changes, actor=self.actor)
        self.applied += 1

    def new_organization(self, code: str, values: dict) -> dict:
        unit = self.units.get(values["unit_code"])
        if unit is None:
            raise Invalid("unit_code", f"区划代码 {values['unit_code']} 不是现存单位 / {values['unit_code']} is not "
                                       "an existing unit")
        self.check_town(unit["town_code"])
        level = choice(values["level"], ORG_LEVELS, "level") or codes.COLLECTIVE_PREFIXES.get(code[:2])
        if level is None:
            raise Invalid("level", "必填（镇级/村级/组级）/ required: town, village or group")
        now = datetime.now(UTC)
        return {"credit_code": code, "name": values["name"], "level": level, "unit_id": unit["id"],
                "unit_code": unit["unit_code"], "town_code": unit["town_code"],
                "legal_representative": values["legal_representative"] or None,
                "representative_phone": values["representative_phone"] or None,
                "registered_on": parse_date(values["registered_on"], "registered_on"),
                "status": choice(values["status"], ORG_STATUSES, "status") or "active", "demo": False, "version": 1,
                "created_at": now, "updated_at": now}



def organization_changes(stored: dict, values: dict) -> dict:
    """What the row changes of a stored organization; its unit and level are not changed by import."""
    if values["unit_code"] != stored["unit_code"]:
        raise Invalid("unit_code", f"与登记的所属单位 {stored['unit_code']} 不同 / differs from the registered unit "
                                   f"{stored['unit_code']}")
    level = choice(values["level"], ORG_LEVELS, "level")
    if level and level != stored["level"]:
        raise Invalid("level", f"与登记的层级 {LEVEL_LABELS[stored['level']]} 不同 / differs from the registered level")
    given = {"name": values["name"], "legal_representative": values["legal_representative"] or None,
             "representative_phone": values["representative_phone"] or None,
             "registered_on": parse_date(values["registered_on"], "registered_on"),
             "status": choice(values["status"], ORG_STATUSES, "status")}
    return {k: v for k, v in given.items() if v is not None and v != stored[k]}


class StatisticsImporter(RegistryImporter):
    entity = "statistic"

    def __init__(self, session: Session, principal: Principal, **kwargs):
        super().__init__(session, principal, **kwargs)
        metrics = statistics.list_metrics(session)
        self.columns = statistic_columns(metrics)
        self.types = {m["key"]: m["type"] for m in metrics}

    def look_up(self, rows: list[Row]) -> None:
        unit_codes = {r.values["unit_code"] for r in rows}
        found = self.session.execute(select(unit_table.c.id, unit_table.c.unit_code, unit_table.c.town_code,
                                            unit_table.c.valid_to).where(unit_table.c.unit_code.in_(unit_codes))
                                     .order_by(unit_table.c.valid_from))
        # The open row of a code, else its latest one: a past year's figures may belong to a closed unit.
        self.units = {}
        for r in found.mappings():
            held = self.units.get(r["unit_code"])
            if held is None or held["valid_to"] is not None:
                self.units[r["unit_code"]] = dict(r)
        years = {self.year_of(r.values, strict=False) for r in rows} - {None}
        # By unit only: in a big import PostgreSQL's planner still takes the table for small and, given
        # the year too, scans the whole year's index every batch.
        stored = self.session.execute(select(value_table.c.unit_code, value_table.c.year, value_table.c.metric_key,
                                             value_table.c.value).where(value_table.c.unit_code.in_(unit_codes)))
        self.stored = {(r.unit_code, r.year, r.metric_key): r.value for r in stored if r.year in years}

    def year_of(self, values: dict, *, strict: bool = True) -> int | None:
        text = values["year"]
        if not text:
            if self.year is None and strict:
                raise Invalid("year", "必填（列或 ?year=）/ required, as a column or ?year=")
            return self.year
        if not (text.isascii() and text.isdigit() and 1949 <= int(text) <= 2100):
            if strict:
                raise Invalid("year", "应为 1949-2100 之间的年份 / must be a year from 1949 to 2100")
            return None
        if strict and self.year is not None and int(text) != self.year:
            raise Invalid("year", f"与所选年度 {self.year} 不同 / differs from the chosen year {self.year}")
        return int(text)

    def pending_key(self, row: Row) -> tuple[str, str]:
        return row.values["unit_code"], row.values["year"] or str(self.year)

    def apply_row(self, row: Row) -> None:
        values = row.values
        unit = self.units.get(values["unit_code"])
        if unit is None:
            raise Invalid("unit_code", f"没有区划代码为 {values['unit_code']} 的单位 / no unit with code "
                                       f"{values['unit_code']}")
        self.check_town(unit["town_code"])
        year = self.year_of(values)
        given = {key: statistics.parse_value(values[key], kind, field=key) for key, kind in self.types.items()
                 if values.get(key)}
        new = {k: v for k, v in given.items() if (unit["unit_code"], year, k) not in self.stored}
        changed = {k: v for k, v in given.items() if self.stored.get((unit["unit_code"], year, k), v) != v}
        if not new and not changed:
            self.unchanged += 1
            return
        source = values["source"] or DEFAULT_SOURCE
        if changed:
            statistics.record_statistics(self.session, unit, year=year, values=changed, source=source,
                                         actor=self.actor)
        self.stored |= {(unit["unit_code"], year, k): v for k, v in given.items()}
        if new:
            self.pending[self.pending_key(row)] = [self.value_row(unit, year, k, v, source) for k, v in new.items()]
        self.applied += 1

    def value_row(self, unit: dict, year: int, key: str, value, source: str) -> dict:
        return {"unit_id": unit["id"], "unit_code": unit["unit_code"], "metric_key": key, "year": year,
                "value": value, "source": source, "entered_by": self.actor, "entered_at": datetime.now(UTC),
                "demo": False}

    def write_pending(self) -> None:
        if not self.pending:
            return
        rows = [r for batch in self.pending.values() for r in batch]
        insert_rows(self.session, value_table, rows)
        self.record_created([f"{r['unit_code']}/{r['year']}/{r['metric_key']}" for r in rows])
        self.pending = {}
