"""What the registry's route modules share: role aliases, fast JSON responses, page cursors and queries."""

from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from services.common.auth import CurrentPrincipal, require_roles
from services.common.http import (  # noqa: F401 - routes take it from here
    decode_cursor,
    encode_cursor,
    etag,
    json_response,
)
from services.common.tokens import Principal
from services.registry.access import STATISTICS_EDITORS, TOWN_EDITORS

M = TypeVar("M", bound=BaseModel)


Reader = CurrentPrincipal
Editor = Annotated[Principal, Depends(require_roles(*TOWN_EDITORS))]
StatisticsEditor = Annotated[Principal, Depends(require_roles(*STATISTICS_EDITORS))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
UnitCode = Annotated[str, Path(pattern=r"^\d{12}$", description="12-digit statistical division code")]


def actor(principal: Principal) -> str:
    return f"{principal.kind}:{principal.subject}"


def page(items: list, *, total: int, next_position: dict | None) -> dict:
    return {"items": items, "next_cursor": encode_cursor(next_position) if next_position else None, "total": total}


class Paging(BaseModel):
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None


def parse_query(model: type[M], request: Request) -> M:
    """The query string validated by the model in one step; a bad value is the usual 422 naming the field.

    For lists with many filters: FastAPI reads and checks declared parameters one by one, which
    for the unit list's twenty cost more than its query. Document the fields with
    `openapi_extra=query_parameters(Model)`.
    """
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in exc.errors()]) from None


def query_parameters(*models: type[BaseModel]) -> dict:
    """The OpenAPI `parameters` of the models' fields, for routes that read them with `parse_query`."""
    parameters = []
    for model in models:
        schema = model.model_json_schema()
        required = set(schema.get("required", ()))
        parameters += [{"name": name, "in": "query", "required": name in required, "schema": field}
                       for name, field in schema["properties"].items()]
    return {"parameters": parameters}


def position(cursor: str | None) -> dict | None:
    return decode_cursor(cursor)


def after_id(cursor: str | None) -> int:
    found = decode_cursor(cursor)
    return int(found.get("id", 0)) if found else 0
