"""Spreadsheet imports of the ledgers (台账导入): assets, resources, land-related contracts and debts.

Each kind is an `Importer` for `services.common.imports`, which reads the file, reports every bad
row and applies all or nothing (or the clean rows). A row is keyed by its organization's credit code
and its number (编号) there: a new key is inserted a batch at a time, a stored one changed only in
the cells that differ (one audit record each), an equal one left alone, so the same file twice
changes nothing. An empty cell keeps what is stored. Coded values are read by code or Chinese label,
and exports write the labels, so an exported file imports back unchanged.
"""

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select
from sqlmodel import Session

from services.assets.access import LEDGER_EDITORS, actor, sees_identities
from services.assets.ledgers import contracts
from services.assets.ledgers.contract_flags import STEPS
from services.assets.ledgers.import_columns import (
    ASSET_COLUMNS,
    ASSET_KINDS,
    ASSET_STATUSES,
    CODE_LIST,
    CONTRACT_COLUMNS,
    CONTRACT_KINDS,
    CONTRACT_STATES,
    COUNTERPARTY_KINDS,
    CREDIT_CODE,
    CREDITOR_KINDS,
    DEBT_COLUMNS,
    DEBT_ORIGINS,
    DISPOSALS,
    PAYMENT_CYCLES,
    RESOURCE_COLUMNS,
    RESOURCE_KINDS,
    RESOURCE_STATUSES,
    labels_of,
)
from services.assets.ledgers.models import AssetItem, LandContract, ResourceItem, VillageDebt
from services.assets.ledgers.organizations import ledger_snapshot
from services.common import audit
from services.common.database import update_versioned
from services.common.errors import Forbidden, Invalid
from services.common.imports import (
    Column,
    ImportReport,
    Mode,
    Refusal,
    Row,
    choice,
    insert_rows,
    parse_amount,
    parse_date,
    run_import,
)
from services.common.tokens import Principal


def check_may_import(principal: Principal) -> None:
    if principal.role not in LEDGER_EDITORS:
        raise Forbidden(f"Role '{principal.role}' may not import ledgers.", code="role_forbidden")


def import_file(session: Session, path: Path, *, kind: str, principal: Principal,
                organization_of: Callable[[str], dict], mode: Mode = "all_or_nothing", dry_run: bool = False,
                file_sha256: str | None = None) -> ImportReport:
    """Checks every row and applies the file as `mode` says; the caller commits.

    `organization_of(credit_code)` gives the registry's organization (raising Invalid when unknown)."""
    check_may_import(principal)
    digest = file_sha256 or hashlib.sha256(path.read_bytes()).hexdigest()
    importer = IMPORTERS[kind](session, principal, organization_of, file_sha256=digest)
    return run_import(session, path, importer, ImportReport(kind=kind, file_sha256=digest, mode=mode,
                                                            dry_run=dry_run))


class LedgerImporter:
    """Rows of one ledger keyed by (credit code, `key`): new ones inserted a batch at a time, changed
    ones updated cell by cell, equal ones counted as unchanged."""

    entity, key = "", "code"
    model: type
    columns: tuple[Column, ...]

    def __init__(self, session: Session, principal: Principal, organization_of: Callable[[str], dict], *,
                 file_sha256: str):
        self.session, self.principal, self.organization_of = session, principal, organization_of
        self.actor, self.file_sha256 = actor(principal), file_sha256
        self.table = self.model.__table__
        self.applied = self.unchanged = 0
        self.organizations: dict[str, dict | Invalid] = {}
        self.seen: dict[tuple[str, str], int] = {}
        self.pending: list[dict] = []

    def apply_rows(self, rows: list[Row]) -> list[Refusal]:
        stored = self.stored_of(rows)
        refused = []
        for row in rows:
            try:
                self.apply_row(row, stored)
            except Invalid as exc:
                refused.append(Refusal.of(row, exc))
        self.write_pending()
        return refused

    def stored_of(self, rows: list[Row]) -> dict[tuple[str, str], dict]:
        codes = {r.values["credit_code"].upper() for r in rows}
        keys = {r.values[self.key] for r in rows}
        found = self.session.execute(select(self.table).where(self.table.c.credit_code.in_(codes),
                                                              self.table.c[self.key].in_(keys)))
        return {(r["credit_code"], r[self.key]): dict(r) for r in found.mappings()}

    def organization(self, credit_code: str) -> dict:
        """The registry's organization, asked once per file; a town officer's must be in their towns."""
        if not CREDIT_CODE.match(credit_code):
            raise Invalid("credit_code", "应为 18 位统一社会信用代码 / must be an 18-character credit code")
        if credit_code not in self.organizations:
            try:
                self.organizations[credit_code] = ledger_snapshot(self.organization_of(credit_code))
            except Invalid as exc:
                self.organizations[credit_code] = exc
        found = self.organizations[credit_code]
        if isinstance(found, Invalid):
            raise found
        if self.principal.role == "town_officer" and found["town_code"] not in self.principal.towns:
            raise Invalid("credit_code", "只能导入本镇的台账 / you may import only your own towns' ledgers")
        return found

    def apply_row(self, row: Row, stored: dict) -> None:
        credit_code = row.values["credit_code"].upper()
        organization = self.organization(credit_code)
        key = (credit_code, row.values[self.key])
        if key in self.seen:
            raise Invalid(self.key, f"与第 {self.seen[key]} 行重复 / repeats row {self.seen[key]}")
        self.seen[key] = row.number
        given = self.parse(row.values)
        current = stored.get(key)
        if current is None:
            self.pending.append(self.new_row(organization, given))
            self.applied += 1
            return
        changes = {name: value for name, value in given.items() if value is not None and value != current[name]}
        if not changes:
            self.unchanged += 1
            return
        merged = {**current, **changes}
        self.check(merged)  # may settle other cells too (a person's ID number goes when an enterprise comes)
        self.change(current, {name: merged[name] for name in given if merged[name] != current[name]})
        self.applied += 1

    def new_row(self, organization: dict, given: dict) -> dict:
        values = {**self.defaults(), **{k: v for k, v in given.items() if v is not None}}
        self.check(values)
        now = datetime.now(UTC)
        return {**organization, **values, "demo": False, "version": 1, "created_at": now, "updated_at": now}

    def change(self, current: dict, changes: dict) -> None:
        update_versioned(self.session, self.table, current, **changes, updated_at=datetime.now(UTC))
        audit.record(self.session, actor=self.actor, action="import", entity=self.entity,
                     entity_id=str(current["id"]), before=self.audited({k: current[k] for k in changes}),
                     after=self.audited(changes) | {"file_sha256": self.file_sha256})

    def write_pending(self) -> None:
        if not self.pending:
            return
        self.insert(self.pending)
        keys = [row[self.key] for row in self.pending]
        audit.record(self.session, actor=self.actor, action="import", entity=self.entity, entity_id=self.file_sha256,
                     after={"file_sha256": self.file_sha256, "created": len(keys), "first": keys[0], "last": keys[-1]})
        self.pending = []

    def insert(self, rows: list[dict]) -> None:
        insert_rows(self.session, self.table, rows)

    def audited(self, values: dict) -> dict:
        return values

    def defaults(self) -> dict:
        return {}

    def parse(self, values: dict) -> dict:
        """The row's cells as typed values (None where empty); raises Invalid naming the column."""
        raise NotImplementedError

    def check(self, values: dict) -> None:
        """Rules across cells, on the values a row would leave stored."""


class AssetImporter(LedgerImporter):
    entity, model, columns = "asset_item", AssetItem, ASSET_COLUMNS

    def defaults(self) -> dict:
        return {"acquired_on": None, "location": "", "status": "in_use"}

    def parse(self, values: dict) -> dict:
        return {"code": values["code"], "name": values["name"], "kind": choice(values["kind"], ASSET_KINDS, "kind"),
                "book_value": parse_amount(values["book_value"], "book_value"),
                "acquired_on": parse_date(values["acquired_on"], "acquired_on"), "location": values["location"] or None,
                "status": choice(values["status"], ASSET_STATUSES, "status")}


class ResourceImporter(LedgerImporter):
    entity, model, columns = "resource_item", ResourceItem, RESOURCE_COLUMNS

    def defaults(self) -> dict:
        return {"location": "", "status": "own_use"}

    def parse(self, values: dict) -> dict:
        area = parse_amount(values["area_mu"], "area_mu", digits=14)
        if area is not None and area <= 0:
            raise Invalid("area_mu", "面积应大于 0 / must be more than 0")
        return {"code": values["code"], "name": values["name"],
                "kind": choice(values["kind"], RESOURCE_KINDS, "kind"), "area_mu": area,
                "location": values["location"] or None, "status": choice(values["status"], RESOURCE_STATUSES, "status")}


class ContractImporter(LedgerImporter):
    entity, model, columns, key = "land_contract", LandContract, CONTRACT_COLUMNS, "number"

    def defaults(self) -> dict:
        return {"use": "", "payment_cycle_months": 12, "state": "performing", "procedure": {}, "asset_ids": [],
                "resource_ids": [], "received": 0}

    def parse_cells(self, values: dict) -> dict:
        parsed = {"number": values["number"],
                  "counterparty_kind": choice(values["counterparty_kind"], COUNTERPARTY_KINDS, "counterparty_kind"),
                  "counterparty_name": values["counterparty_name"],
                  "counterparty_credit_code": values["counterparty_credit_code"].upper() or None,
                  "counterparty_id_number": values["counterparty_id_number"].upper() or None,
                  "kind": choice(values["kind"], CONTRACT_KINDS, "kind"), "use": values["use"] or None,
                  "area_mu": parse_amount(values["area_mu"], "area_mu", digits=14),
                  "signed_on": parse_date(values["signed_on"], "signed_on"),
                  "term_start": parse_date(values["term_start"], "term_start"),
                  "term_end": parse_date(values["term_end"], "term_end"),
                  "annual_rent": parse_amount(values["annual_rent"], "annual_rent"),
                  "payment_cycle_months": _cycle(values["payment_cycle_months"]),
                  "state": choice(values["state"], CONTRACT_STATES, "state"), "procedure": _procedure(values)}
        return parsed

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_ids: dict[tuple[str, str], dict[str, int]] = {}

    def parse(self, values: dict) -> dict:
        parsed = self.parse_cells(values)
        credit_code = values["credit_code"].upper()
        for column, item_type, field in (("resource_codes", "resource", "resource_ids"),
                                         ("asset_codes", "asset", "asset_ids")):
            codes = [c for c in CODE_LIST.split(values[column]) if c]
            if codes:
                known = self.ids_of(item_type, credit_code)
                unknown = [c for c in codes if c not in known]
                if unknown:
                    raise Invalid(column, f"该组织没有编号为 {'、'.join(unknown[:5])} 的{'资源' if item_type == 'resource' else '资产'}"
                                          f" / the organization has no {item_type} {', '.join(unknown[:5])}")
                parsed[field] = [known[c] for c in codes]
            else:
                parsed[field] = None
        return parsed

    def ids_of(self, item_type: str, credit_code: str) -> dict[str, int]:
        """The organization's items by code, read once per file."""
        if (item_type, credit_code) not in self.item_ids:
            model = AssetItem if item_type == "asset" else ResourceItem
            found = self.session.execute(select(model.code, model.id).where(model.credit_code == credit_code))
            self.item_ids[item_type, credit_code] = dict(found.all())
        return self.item_ids[item_type, credit_code]

    def apply_row(self, row: Row, stored: dict) -> None:
        # A masked ID number as an export shows it to most roles stands for the stored one.
        shown = row.values["counterparty_id_number"]
        if "*" in shown:
            current = stored.get((row.values["credit_code"].upper(), row.values["number"]))
            if current is None or contracts.mask_id_number(current["counterparty_id_number"]) != shown:
                raise Invalid("counterparty_id_number", "应为完整的 18 位身份证号 / must be the whole 18-character "
                                                        "ID number")
            row = Row(row.number, row.values | {"counterparty_id_number": current["counterparty_id_number"]})
        super().apply_row(row, stored)

    def check(self, values: dict) -> None:
        given = {"counterparty_credit_code": values.get("counterparty_credit_code"),
                 "counterparty_id_number": values.get("counterparty_id_number"),
                 "counterparty_kind": values["counterparty_kind"]}
        contracts.check_counterparty(given)
        values.update(given)
        contracts.check_term(values)
        if values["signed_on"] > values["term_end"]:
            raise Invalid("signed_on", "签订日期不能晚于终止日期 / must not be after term_end")

    def insert(self, rows: list[dict]) -> None:
        # Core executemany rather than COPY: the JSON columns need SQLAlchemy's bind processing.
        self.session.execute(insert(self.table), rows)

    def audited(self, values: dict) -> dict:
        if values.get("counterparty_id_number"):
            return values | {"counterparty_id_number": contracts.mask_id_number(values["counterparty_id_number"])}
        return values


def _cycle(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) not in PAYMENT_CYCLES:
        raise Invalid("payment_cycle_months", "应为 1、3、6 或 12 个月 / must be 1, 3, 6 or 12 months")
    return int(text)


def _procedure(values: dict) -> dict | None:
    """四议一审两公开 as step → {"on", "document"}; None when the row gives no step (keep what is stored)."""
    steps = {}
    for step in STEPS:
        on = parse_date(values[f"{step}_on"], f"{step}_on")
        if on is not None:
            steps[step] = {"on": on.isoformat(), "document": values[f"{step}_document"]}
        elif values[f"{step}_document"]:
            raise Invalid(f"{step}_on", "有文号须填日期 / a document reference needs its date")
    return steps or None


class DebtImporter(LedgerImporter):
    entity, model, columns, key = "village_debt", VillageDebt, DEBT_COLUMNS, "number"

    def defaults(self) -> dict:
        return {"interest": 0, "due_on": None, "approval_reference": None, "approved_on": None}

    def parse(self, values: dict) -> dict:
        principal = parse_amount(values["principal"], "principal")
        if principal is not None and principal <= 0:
            raise Invalid("principal", "本金应大于 0 / must be more than 0")
        return {"number": values["number"],
                "creditor_kind": choice(values["creditor_kind"], CREDITOR_KINDS, "creditor_kind"),
                "creditor_name": values["creditor_name"], "origin": choice(values["origin"], DEBT_ORIGINS, "origin"),
                "principal": principal, "interest": parse_amount(values["interest"], "interest"),
                "incurred_on": parse_date(values["incurred_on"], "incurred_on"),
                "due_on": parse_date(values["due_on"], "due_on"),
                "approval_reference": values["approval_reference"] or None,
                "approved_on": parse_date(values["approved_on"], "approved_on"),
                "disposal": choice(values["disposal"], DISPOSALS, "disposal"),
                "responsible_person": values["responsible_person"]}

    def check(self, values: dict) -> None:
        if values.get("due_on") and values["due_on"] < values["incurred_on"]:
            raise Invalid("due_on", "到期日不能早于发生日 / must not be before incurred_on")


IMPORTERS = {"assets": AssetImporter, "resources": ResourceImporter, "contracts": ContractImporter,
             "debts": DebtImporter}


def export_cells(kind: str, row: dict, principal: Principal, item_codes: dict[tuple[str, int], str] | None = None) -> list:
    """One stored row in the columns of its import, coded values as their Chinese labels; a contract's
    let items by their codes (`item_codes`: (item type, id) → code)."""
    labels = {"kind": {"assets": ASSET_KINDS, "resources": RESOURCE_KINDS, "contracts": CONTRACT_KINDS}.get(kind, {}),
              "status": ASSET_STATUSES if kind == "assets" else RESOURCE_STATUSES,
              "counterparty_kind": COUNTERPARTY_KINDS, "state": CONTRACT_STATES, "creditor_kind": CREDITOR_KINDS,
              "origin": DEBT_ORIGINS, "disposal": DISPOSALS}
    shown = dict(row)
    if kind == "contracts":
        if not sees_identities(principal):
            shown["counterparty_id_number"] = contracts.mask_id_number(shown["counterparty_id_number"])
        for step in STEPS:
            entry = (shown["procedure"] or {}).get(step) or {}
            shown[f"{step}_on"], shown[f"{step}_document"] = entry.get("on"), entry.get("document")
        for item_type, field, column in (("resource", "resource_ids", "resource_codes"),
                                         ("asset", "asset_ids", "asset_codes")):
            codes = [(item_codes or {}).get((item_type, i)) for i in shown[field] or []]
            shown[column] = "、".join(c for c in codes if c) or None
    cells = []
    for column in IMPORTERS[kind].columns:
        value = shown.get(column.key)
        if column.key in labels and isinstance(value, str):
            value = labels_of(labels[column.key]).get(value, value)
        if isinstance(value, date):
            value = value.isoformat()
        cells.append(value)
    return cells
