"""HTTP conventions every service keeps: ETags with If-Match, Idempotency-Key, opaque cursors."""

import base64
import hashlib
from decimal import Decimal
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from services.common.auth import CurrentPrincipal
from services.common.errors import Conflict, Invalid, PreconditionFailed, PreconditionRequired
from services.common.kernel import idempotency_record


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


class Idempotency:
    """Replays the first response to a repeated `Idempotency-Key`; refuses the key reused with another body."""

    def __init__(self, key: str | None, actor: str, method: str, path: str, body_hash: str):
        self.key, self.actor, self.method, self.path, self.body_hash = key, actor, method, path, body_hash

    def replay(self, session: Session) -> JSONResponse | None:
        if not self.key:
            return None
        row = session.execute(select(idempotency_record).where(
            idempotency_record.c.actor == self.actor, idempotency_record.c.key == self.key)).mappings().first()
        if row is None:
            return None
        if row["body_hash"] != self.body_hash or row["path"] != self.path or row["method"] != self.method:
            raise Invalid("Idempotency-Key", "was already used for a different request",
                          code="idempotency_key_reused")
        return JSONResponse(orjson.loads(row["response"]), status_code=row["status"],
                            headers={"Idempotent-Replayed": "true"})

    def remember(self, session: Session, payload: Any, status: int = 201,
                 headers: dict[str, str] | None = None) -> JSONResponse:
        # Money stays exact: Decimal becomes a string, never a float.
        content = jsonable_encoder(payload, custom_encoder={Decimal: str})
        if self.key:
            try:
                with session.begin_nested():
                    session.execute(insert(idempotency_record).values(
                        actor=self.actor, key=self.key, method=self.method, path=self.path,
                        body_hash=self.body_hash, status=status, response=orjson.dumps(content).decode(),
                        at=datetime.now(UTC).isoformat()))
            except IntegrityError:
                raise Conflict("Another request with this Idempotency-Key is being handled; retry it.",
                               code="idempotency_in_progress") from None
        return JSONResponse(content, status_code=status, headers=headers)


async def idempotency(request: Request, principal: CurrentPrincipal) -> Idempotency:
    key = request.headers.get("idempotency-key")
    if key is not None and not (1 <= len(key) <= 200):
        raise Invalid("Idempotency-Key", "must be 1 to 200 characters")
    body = await request.body()
    return Idempotency(key, f"{principal.kind}:{principal.subject}", request.method, request.url.path,
                       hashlib.sha256(body).hexdigest())


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
