"""HTTP routes of the ledgers: inventory (资产清查), land-related contracts (涉地经济合同) and debts (村级债务)."""

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from services.assets.access import LedgerEditor, LedgerReader, actor, require_town
from services.assets.clients.registry import registry_client
from services.assets.ledgers import contracts, debts, exports, import_columns, inventory, ledger_imports
from services.assets.ledgers.contract_flags import FLAGS, FlagSettings
from services.assets.ledgers.organizations import OrganizationDirectory, ledger_snapshot, organization_snapshot
from services.assets.ledgers.schemas import (
    AssetIn,
    AssetPatch,
    CheckIn,
    ContractIn,
    ContractPatch,
    DebtIn,
    DebtPatch,
    PaymentIn,
    RepaymentIn,
    ResourceIn,
    ResourcePatch,
    RoundIn,
)
from services.common.database import SessionDep
from services.common.downloads import XLSX, XlsxResponse
from services.common.errors import Invalid
from services.common.formats import IsoDate
from services.common.http import IdempotencyDep, check_if_match, decode_cursor, encode_cursor, etag, json_response
from services.common.imports import Mode, refused
from services.common.limits import time_limit
from services.common.uploads import UploadDep, upload_idempotency

router = APIRouter(tags=["ledgers"])
Limit = Annotated[int, Query(ge=1, le=500)]
Flag = Literal[FLAGS]  # type: ignore[valid-type]
LedgerKind = Literal[import_columns.KINDS]  # type: ignore[valid-type]


def _today() -> date:
    return datetime.now(UTC).date()


def _organization(request: Request, who, credit_code: str) -> dict:
    organization = ledger_snapshot(organization_snapshot(request, credit_code))
    require_town(who, organization["town_code"])
    return organization


NULLABLE = {"acquired_on", "counterparty_credit_code", "counterparty_id_number", "due_on", "approval_reference",
            "approved_on"}


def _changes(body) -> dict:
    """The fields a PATCH sent; null only where the field may be empty."""
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name not in NULLABLE:
            raise Invalid(name, "不能为空 / may not be null")
    if not changes:
        raise Invalid("body", "没有要修改的字段 / send at least one field to change")
    if changes.get("procedure") is not None:
        changes["procedure"] = body.model_dump(include={"procedure"}, mode="json")["procedure"]
    return changes


def _page(items: list[dict], limit: int, key: str = "id") -> dict:
    return {"items": items, "next_cursor": encode_cursor({key: items[-1][key]}) if len(items) == limit else None}


def _after(cursor: str | None) -> int:
    return int((decode_cursor(cursor) or {}).get("id", 0))


@router.post("/v1/inventory/assets", status_code=201)
def add_asset(body: AssetIn, request: Request, session: SessionDep, who: LedgerEditor, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    values = body.model_dump(exclude={"credit_code"})
    item = inventory.add_item(session, "asset", _organization(request, who, body.credit_code), values, actor=actor(who))
    return idem.remember(session, inventory.item_view("asset", item), headers={"ETag": etag(item.version)})


@router.post("/v1/inventory/resources", status_code=201)
def add_resource(body: ResourceIn, request: Request, session: SessionDep, who: LedgerEditor, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    values = body.model_dump(exclude={"credit_code"})
    item = inventory.add_item(session, "resource", _organization(request, who, body.credit_code), values,
                              actor=actor(who))
    return idem.remember(session, inventory.item_view("resource", item), headers={"ETag": etag(item.version)})


@router.get("/v1/inventory/{item_type}")
def list_items(item_type: Literal["assets", "resources"], session: SessionDep, who: LedgerReader,
               town: str | None = None, unit: str | None = None, credit_code: str | None = None,
               status: str | None = None, kind: str | None = None, limit: Limit = 200, cursor: str | None = None):
    kind_of = item_type.removesuffix("s")
    found = inventory.list_items(session, who, kind_of, town=town, unit=unit, credit_code=credit_code, status=status,
                                 kind=kind, limit=limit, after=_after(cursor))
    return json_response(_page([inventory.item_view(kind_of, i) for i in found], limit))


@router.get("/v1/inventory/{item_type}/{item_id}")
def read_item(item_type: Literal["assets", "resources"], item_id: int, session: SessionDep, who: LedgerReader):
    kind_of = item_type.removesuffix("s")
    item = inventory.get_item(session, who, kind_of, item_id)
    return json_response(inventory.item_view(kind_of, item), version=item.version)


@router.patch("/v1/inventory/assets/{item_id}")
def edit_asset(item_id: int, body: AssetPatch, request: Request, session: SessionDep, who: LedgerEditor):
    """Changes the fields sent; If-Match with the ETag last read (412 when stale, 428 when missing)."""
    return _edit_item("asset", item_id, body, request, session, who)


@router.patch("/v1/inventory/resources/{item_id}")
def edit_resource(item_id: int, body: ResourcePatch, request: Request, session: SessionDep, who: LedgerEditor):
    return _edit_item("resource", item_id, body, request, session, who)


def _edit_item(kind_of: str, item_id: int, body, request: Request, session, who):
    item = inventory.get_item(session, who, kind_of, item_id)
    check_if_match(request, item.version)
    inventory.change_item(session, kind_of, item, _changes(body), actor=actor(who))
    return json_response(inventory.item_view(kind_of, item), version=item.version)


@router.get("/v1/inventory-idle")
def idle(session: SessionDep, who: LedgerReader):
    """Idle assets and resources by town, to be put to use (盘活闲置)."""
    return json_response({"items": inventory.idle_by_town(session, who), "next_cursor": None})


@router.post("/v1/inventory-rounds", status_code=201)
def start_round(body: RoundIn, request: Request, session: SessionDep, who: LedgerEditor):
    organization = _organization(request, who, body.credit_code)
    found = inventory.start_round(session, body.year, organization, actor=actor(who))
    return json_response(inventory.round_view(session, found), status=201)


@router.get("/v1/inventory-rounds")
def list_rounds(session: SessionDep, who: LedgerReader, credit_code: str | None = None,
                year: Annotated[int | None, Query(ge=2000, le=2100)] = None):
    """Rounds newest year first, without their checks (read one round for those)."""
    found = inventory.list_rounds(session, who, credit_code=credit_code, year=year)
    return json_response({"items": [{k: v for k, v in inventory.round_view(session, r).items() if k != "checks"}
                                    for r in found], "next_cursor": None})


@router.get("/v1/inventory-rounds/{round_id}")
def read_round(round_id: int, session: SessionDep, who: LedgerReader):
    return json_response(inventory.round_view(session, inventory.get_round(session, who, round_id)))


@router.put("/v1/inventory-rounds/{round_id}/checks")
def check_item(round_id: int, body: CheckIn, session: SessionDep, who: LedgerEditor):
    """Marks one item confirmed, changed, missing or new (who and when are recorded)."""
    found = inventory.get_round(session, who, round_id)
    item = inventory.get_item(session, who, body.item_type, body.item_id)
    inventory.check_item(session, found, body.item_type, item, body.outcome, body.note, actor=actor(who))
    return json_response(inventory.round_view(session, found))


@router.post("/v1/inventory-rounds/{round_id}/close")
def close_round(round_id: int, session: SessionDep, who: LedgerEditor):
    found = inventory.close_round(session, inventory.get_round(session, who, round_id), actor=actor(who))
    return json_response(inventory.round_view(session, found))


@router.post("/v1/contracts", status_code=201)
def add_contract(body: ContractIn, request: Request, session: SessionDep, who: LedgerEditor, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    values = body.model_dump(exclude={"credit_code"}, mode="json")
    values.update(body.model_dump(include={"area_mu", "annual_rent", "signed_on", "term_start", "term_end"}))
    contract = contracts.create_contract(session, _organization(request, who, body.credit_code), values,
                                         actor=actor(who))
    return idem.remember(session, contracts.contract_view(contract, who), headers={"ETag": f'"{contract.version}"'})


@router.get("/v1/contracts")
def list_contracts(session: SessionDep, who: LedgerReader, town: str | None = None, unit: str | None = None,
                   credit_code: str | None = None, kind: str | None = None, state: str | None = None,
                   flag: Flag | None = None, flagged: bool = False, as_of: IsoDate | None = None,
                   limit: Limit = 100, cursor: str | None = None):
    """The contract ledger with each contract's flags as of `as_of` (today); `flag` keeps one flag's contracts."""
    flags = contracts.flags_by_contract(session, FlagSettings(), as_of or _today())
    ids = None
    if flag:
        ids = {cid for cid, found in flags.items() if any(f["code"] == flag for f in found)}
    elif flagged:
        ids = set(flags)
    found = contracts.list_contracts(session, who, town=town, unit=unit, credit_code=credit_code, kind=kind,
                                     state=state, ids=ids, limit=limit, after=_after(cursor))
    return json_response(_page([contracts.contract_view(c, who, flags.get(c.id, [])) for c in found], limit))


@router.get("/v1/contracts/{contract_id}")
def read_contract(contract_id: int, session: SessionDep, who: LedgerReader):
    contract = contracts.get_contract(session, who, contract_id)
    flags = contracts.flags_by_contract(session, FlagSettings(), _today()).get(contract.id, [])
    return json_response(contracts.contract_view(contract, who, flags), version=contract.version)


@router.patch("/v1/contracts/{contract_id}")
def edit_contract(contract_id: int, body: ContractPatch, request: Request, session: SessionDep, who: LedgerEditor):
    """Changes the fields sent; If-Match with the ETag last read (412 when stale, 428 when missing)."""
    contract = contracts.get_contract(session, who, contract_id)
    check_if_match(request, contract.version)
    contracts.change_contract(session, contract, _changes(body), actor=actor(who))
    flags = contracts.flags_by_contract(session, FlagSettings(), _today()).get(contract.id, [])
    return json_response(contracts.contract_view(contract, who, flags), version=contract.version)


@router.post("/v1/contracts/{contract_id}/payments", status_code=201)
def add_payment(contract_id: int, body: PaymentIn, session: SessionDep, who: LedgerEditor, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    contract = contracts.get_contract(session, who, contract_id)
    if body.paid_on < contract.signed_on:
        raise Invalid("paid_on", "不能早于合同签订日 / must not be before the contract was signed")
    contracts.record_payment(session, contract, body.model_dump(), actor=actor(who))
    return idem.remember(session, contracts.contract_view(contract, who))


@router.post("/v1/debts", status_code=201)
def add_debt(body: DebtIn, request: Request, session: SessionDep, who: LedgerEditor, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    debt = debts.create_debt(session, _organization(request, who, body.credit_code),
                             body.model_dump(exclude={"credit_code"}), actor=actor(who))
    return idem.remember(session, debts.debt_view(debt, debt.principal + debt.interest, _today()),
                         headers={"ETag": etag(debt.version)})


@router.get("/v1/debts")
def list_debts(session: SessionDep, who: LedgerReader, town: str | None = None, unit: str | None = None,
               credit_code: str | None = None, limit: Limit = 200, cursor: str | None = None):
    found = debts.list_debts(session, who, town=town, unit=unit, credit_code=credit_code, limit=limit,
                             after=_after(cursor))
    owed = debts.outstanding_now(session, found)
    return json_response(_page([debts.debt_view(d, owed[d.id], _today()) for d in found], limit))


@router.get("/v1/debts/totals")
def debt_totals(session: SessionDep, who: LedgerReader, level: Literal["village", "town", "district"] = "district",
                as_of: IsoDate | None = None):
    """Outstanding at each year's end since 2023 (this year: on `as_of`), with the projection to 2027-12-31."""
    series = debts.yearly_totals(debts.movements(session, who), level, as_of or _today())
    return json_response({"items": [{"key": key, "series": [{"year": y, "total": f"{t:.2f}"} for y, t in points],
                                     "projection": debts.project(points)} for key, points in series.items()],
                          "next_cursor": None})


@router.get("/v1/debts/{debt_id}")
def read_debt(debt_id: int, session: SessionDep, who: LedgerReader):
    debt = debts.get_debt(session, who, debt_id)
    return json_response(debts.debt_view(debt, debts.outstanding_now(session, [debt])[debt.id], _today()),
                         version=debt.version)


@router.patch("/v1/debts/{debt_id}")
def edit_debt(debt_id: int, body: DebtPatch, request: Request, session: SessionDep, who: LedgerEditor):
    """Changes the fields sent; If-Match with the ETag last read (412 when stale, 428 when missing)."""
    debt = debts.get_debt(session, who, debt_id)
    check_if_match(request, debt.version)
    debts.change_debt(session, debt, _changes(body), actor=actor(who))
    return json_response(debts.debt_view(debt, debts.outstanding_now(session, [debt])[debt.id], _today()),
                         version=debt.version)


@router.post("/v1/debts/{debt_id}/repayments", status_code=201)
def add_repayment(debt_id: int, body: RepaymentIn, session: SessionDep, who: LedgerEditor, idem: IdempotencyDep):
    if replay := idem.replay(session):
        return replay
    debt = debts.get_debt(session, who, debt_id)
    debts.record_repayment(session, debt, body.model_dump(), actor=actor(who))
    return idem.remember(session, debts.debt_view(debt, debts.outstanding_now(session, [debt])[debt.id], _today()))


@router.get("/v1/measures/debt")
def debt_measures(session: SessionDep, who: LedgerReader, year: Annotated[int, Query(ge=2000, le=2100)]):
    """Per village: outstanding at the year's end, its change, unapproved new debts; the district's projection."""
    return json_response(debts.debt_measures(session, who, year))


@router.post("/v1/imports")
def import_ledger(kind: LedgerKind, request: Request, who: LedgerEditor, upload: UploadDep, session: SessionDep,
                  mode: Mode = "all_or_nothing", dry_run: bool = False):
    """Checks every row of an uploaded .xlsx or .csv ledger (assets, resources, contracts or debts), then
    applies it: 200 with the row report, or 422 with the same report when the file has errors in
    `all_or_nothing` mode and applying was asked (nothing applied)."""
    idem = upload_idempotency(request, actor(who), upload.sha256)
    if replay := idem.replay(session):
        return replay
    settings, shared = request.app.state.settings, getattr(request.app.state, "registry_client", None)
    client = registry_client(settings.registry_url, request.headers["authorization"],
                             timeout=settings.registry_timeout, shared=shared)
    directory = OrganizationDirectory(client, lambda code: organization_snapshot(request, code))
    try:
        with time_limit(settings.import_seconds):
            report = ledger_imports.import_file(session, upload.path, kind=kind, principal=who, mode=mode,
                                                dry_run=dry_run, organization_of=directory,
                                                file_sha256=upload.sha256)
    finally:
        if shared is None:
            client.close()
    if report.status == "rejected" and not dry_run:
        raise refused(report)
    return idem.remember(session, report.as_dict(), status=200)


@router.get("/v1/exports/{kind}.xlsx", response_class=XlsxResponse)
def export_ledger(kind: LedgerKind, session: SessionDep, who: LedgerReader) -> FileResponse:
    """The ledger in the columns its import reads; ID numbers masked as the reader sees them."""
    with tempfile.NamedTemporaryFile(prefix="zx-export-", suffix=".xlsx", delete=False) as file:
        path = Path(file.name)
    try:
        exports.write_ledger(path, session, who, kind)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return FileResponse(path, media_type=XLSX, filename=f"{kind}-{_today()}.xlsx",
                        background=BackgroundTask(path.unlink, missing_ok=True))
