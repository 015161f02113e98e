"""What the registry's route modules share: role aliases, fast JSON responses, page cursors."""

from typing import Annotated, Any

import orjson
from fastapi import Depends, Path
from starlette.responses import Response

from services.common.auth import CurrentPrincipal, require_roles
from services.common.http import decode_cursor, encode_cursor, etag
from services.common.tokens import Principal
from services.registry.access import STATISTICS_EDITORS, TOWN_EDITORS

Reader = CurrentPrincipal
Editor = Annotated[Principal, Depends(require_roles(*TOWN_EDITORS))]
StatisticsEditor = Annotated[Principal, Depends(require_roles(*STATISTICS_EDITORS))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
UnitCode = Annotated[str, Path(pattern=r"^\d{12}$", description="12-digit statistical division code")]


def actor(principal: Principal) -> str:
    return f"{principal.kind}:{principal.subject}"


def json_response(payload: Any, *, status: int = 200, version: int | None = None) -> Response:
    """orjson straight to bytes: lists stay fast, dates become ISO strings, no float ever leaks in."""
    headers = {"ETag": etag(version)} if version is not None else None
    return Response(orjson.dumps(payload, default=str), status_code=status, media_type="application/json",
                    headers=headers)


def page(items: list, *, total: int, next_position: dict | None) -> dict:
    return {"items": items, "next_cursor": encode_cursor(next_position) if next_position else None, "total": total}


def position(cursor: str | None) -> dict | None:
    return decode_cursor(cursor)


def after_id(cursor: str | None) -> int:
    found = decode_cursor(cursor)
    return int(found.get("id", 0)) if found else 0
