"""HTTP conventions every service keeps: ETags with If-Match, Idempotency-Key, opaque cursors."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.responses import Response

from services.common.auth import CurrentPrincipal
from services.common.errors import Conflict, Invalid, PreconditionFailed, PreconditionRequired
from services.common.kernel_tables import idempotency_record


def etag(version: int) -> str:
    return f'"{version}"'


def json_response(payload: Any, *, status: int = 200, version: int | None = None) -> Response:
    """orjson straight to bytes for hot paths: no per-row model validation; Decimals and dates as strings."""
    headers = {"ETag": etag(version)} if version is not None else None
    return Response(orjson.dumps(payload, default=str, option=orjson.OPT_NON_STR_KEYS), status_code=status,
                    media_type="application/json",
                    headers=headers)


def check_if_match(request: Request, version: int, *, required: bool = True) -> None:
    """412 when the client edited an older version; 428 when it did not say which version."""
    header = request.headers.get("if-match")
    if header is None:
        if required:
            raise PreconditionRequired("Send If-Match with the ETag you last read.", code="if_match_required")
        return
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    if "*" not in tags and etag(version) not in tags:
        raise PreconditionFailed(f"The record changed since you read it (now version {version}); "
                                 "reload and apply your change again.", code="stale_version",
                                 extra={"current_etag": etag(version)})


def encode_cursor(position: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(position, default=str)).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        value = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise Invalid("cursor", "is not a cursor this service gave out") from None
    if not isinstance(value, dict):
        raise Invalid("cursor", "is not a cursor this service gave out")
    return value


IDEMPOTENCY_TTL = timedelta(hours=24)
IDEMPOTENCY_WAIT_MS = 10_000  # below every gateway timeout: a duplicate waits this long for the first
PURGE_EVERY = timedelta(minutes=10)
IN_PROGRESS = 0
_last_purge: dict[str, datetime] = {}
_KEPT_HEADERS = ("etag", "location")


class Idempotency:
    """Claims an `Idempotency-Key` before the work and replays the first answer to every repeat.

    The claim is a row inserted in the request's own transaction, so it commits together with
    the work and its answer, or vanishes with them when the work fails. A concurrent repeat's
    insert waits on that row's uncommitted unique entry (PostgreSQL), or on SQLite's write lock,
    for at most IDEMPOTENCY_WAIT_MS, then replays what the first stored: the same status and body.
    """

    def __init__(self, key: str | None, actor: str, method: str, path: str, body_hash: str):
        self.key, self.actor, self.method, self.path, self.body_hash = key, actor, method, path, body_hash

    def replay(self, session: Session) -> Response | None:
        """The stored answer to a repeated key; None when this request claimed the key and does the work."""
        if not self.key:
            return None
        now = datetime.now(UTC)
        purge_expired(session, now)
        if self._claim(session, now):
            return None
        row = self._stored(session)
        if row is None or row["at"] < (now - IDEMPOTENCY_TTL).isoformat():
            self._forget(session)
            return self.replay(session)
        if row["status"] == IN_PROGRESS:
            self._check_same_request(row)
            raise _in_progress()
        return self._answer(row)

    def peek(self, session: Session) -> Response | None:
        """The stored answer if the key's work is done, without claiming it: for a read before long work."""
        row = self._stored(session) if self.key else None
        if row is None or row["status"] == IN_PROGRESS:
            return None
        if row["at"] < (datetime.now(UTC) - IDEMPOTENCY_TTL).isoformat():
            return None
        return self._answer(row)

    def _check_same_request(self, row) -> None:
        if row["body_hash"] != self.body_hash or row["path"] != self.path or row["method"] != self.method:
            raise Invalid("Idempotency-Key", "已用于另一个请求 / was already used for a different request",
                          code="idempotency_key_reused")

    def _answer(self, row) -> Response:
        self._check_same_request(row)
        headers = {**orjson.loads(row["headers"] or "{}"), "Idempotent-Replayed": "true"}
        return Response(row["response"], status_code=row["status"], media_type="application/json",
                        headers=headers)

    def remember(self, session: Session, payload: Any, status: int = 201,
                 headers: dict[str, str] | None = None) -> Response:
        """The answer, stored under the claimed key in the same transaction as the work."""
        # Money stays exact: Decimal becomes a string, never a float.
        body = orjson.dumps(jsonable_encoder(payload, custom_encoder={Decimal: str}))
        if self.key:
            kept = {k: v for k, v in (headers or {}).items() if k.lower() in _KEPT_HEADERS}
            session.execute(update(idempotency_record).where(*self._which()).values(
                status=status, response=body.decode(), headers=orjson.dumps(kept).decode()))
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    def _which(self) -> tuple:
        return idempotency_record.c.actor == self.actor, idempotency_record.c.key == self.key

    def _claim(self, session: Session, now: datetime) -> bool:
        row = {"actor": self.actor, "key": self.key, "method": self.method, "path": self.path,
               "body_hash": self.body_hash, "status": IN_PROGRESS, "response": "", "at": now.isoformat()}
        insert = (dialect_insert(session)(idempotency_record).values(**row).on_conflict_do_nothing()
                  .returning(idempotency_record.c.id))
        if session.get_bind().dialect.name != "postgresql":
            return session.execute(insert).first() is not None
        session.execute(text(f"SET LOCAL lock_timeout = {IDEMPOTENCY_WAIT_MS}"))
        try:
            claimed = session.execute(insert).first() is not None
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available: the first is still working
                raise _in_progress() from None
            raise
        session.execute(text("SET LOCAL lock_timeout = 0"))
        return claimed

    def _stored(self, session: Session):
        return session.execute(select(idempotency_record).where(*self._which())).mappings().first()

    def _forget(self, session: Session) -> None:
        session.execute(delete(idempotency_record).where(*self._which()))


def _in_progress() -> Conflict:
    return Conflict("同一 Idempotency-Key 的请求仍在处理，请稍后重试 / "
                    "a request with this Idempotency-Key is still being handled; retry it shortly",
                    code="idempotency_in_progress", headers={"Retry-After": "1"})


def dialect_insert(session: Session):
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def purge_expired(session: Session, now: datetime) -> int:
    """Deletes idempotency records older than a day, at most once per PURGE_EVERY per database."""
    url = str(session.get_bind().url)
    if now - _last_purge.get(url, datetime.min.replace(tzinfo=UTC)) < PURGE_EVERY:
        return 0
    _last_purge[url] = now
    cutoff = (now - IDEMPOTENCY_TTL).isoformat()
    return session.execute(delete(idempotency_record).where(idempotency_record.c.at < cutoff)).rowcount


async def idempotency(request: Request, principal: CurrentPrincipal) -> Idempotency:
    key = request.headers.get("idempotency-key")
    if key is not None and not (1 <= len(key) <= 200):
        raise Invalid("Idempotency-Key", "must be 1 to 200 characters")
    body = await request.body()
    return Idempotency(key, f"{principal.kind}:{principal.subject}", request.method, request.url.path,
                       hashlib.sha256(body).hexdigest())


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
