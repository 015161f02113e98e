"""Domain exceptions and their one translation into RFC 9457 problem+json."""

import re
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

PROBLEM = "application/problem+json"
log = structlog.get_logger()


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str = "", *, code: str | None = None, errors: list[dict] | None = None,
                 headers: dict[str, str] | None = None, extra: dict[str, Any] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.code = code or self.code
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str = "", **kwargs: Any):
        kwargs.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kwargs)


class PreconditionFailed(DomainError):
    status, code, title = 412, "precondition_failed", "Precondition failed"


class PreconditionRequired(DomainError):
    status, code, title = 428, "precondition_required", "Precondition required"


class MethodNotAllowed(DomainError):
    status, code, title = 405, "method_not_allowed", "Method not allowed"


class TooManyRequests(DomainError):
    status, code, title = 429, "too_many_requests", "Too many requests"


class Unavailable(DomainError):
    status, code, title = 503, "unavailable", "Service unavailable"


class Invalid(DomainError):
    """Bad input naming the field: `Invalid("unit_code", "must be 12 digits")`."""

    status, code, title = 422, "invalid", "Invalid input"

    def __init__(self, field: str, message: str, **kwargs: Any):
        kwargs.setdefault("errors", [{"field": field, "message": message}])
        super().__init__(f"{field}: {message}", **kwargs)
        self.field = field


def problem(status: int, title: str, detail: str, code: str, request: Request | None = None,
            errors: list[dict] | None = None, headers: dict[str, str] | None = None,
            extra: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": f"urn:zhenxing:problem:{code}", "title": title,
                            "status": status, "detail": detail, "code": code}
    if errors is not None:
        body["errors"] = errors
    if request is not None:
        body["instance"] = request.url.path
        body["request_id"] = request.scope.get("state", {}).get("request_id", "")
        # A 500 leaves through the outermost middleware, past the one that adds this header.
        headers = {**(headers or {}), "X-Request-ID": body["request_id"]}
    # Extra members add detail but never replace the problem's own: a report's "status" is not the HTTP one.
    body.update({name: value for name, value in (extra or {}).items() if name not in body})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _field_name(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


async def _domain(request: Request, exc: DomainError) -> JSONResponse:
    return problem(exc.status, exc.title, exc.detail, exc.code, request, exc.errors, exc.headers, exc.extra)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [{"field": _field_name(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Invalid input", detail, "invalid", request, errors)


_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               406: "not_acceptable", 409: "conflict", 413: "too_large", 415: "unsupported_media_type"}


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    return problem(exc.status_code, str(exc.detail), str(exc.detail), code, request,
                   headers=getattr(exc, "headers", None))


async def _unstorable(request: Request, exc: DataError) -> JSONResponse:
    log.warning("unstorable_value", path=request.url.path, error=str(exc.orig))
    return problem(422, "Invalid input", "A value cannot be stored as given (too long, out of range or "
                   "with forbidden characters).", "unstorable_value", request)


async def _out_of_range(request: Request, exc: OverflowError) -> JSONResponse:
    # SQLite refuses integers past 64 bits before PostgreSQL would; both mean the same to a caller.
    return problem(422, "Invalid input", "A number is out of range.", "out_of_range", request)


_PG_KEY = re.compile(r"Key \((?P<fields>[^)]*)\)=")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<fields>.+)$")


def conflicting_fields(exc: IntegrityError) -> list[str]:
    """The columns a unique violation names, from PostgreSQL's detail or SQLite's message."""
    detail = getattr(getattr(exc.orig, "diag", None), "message_detail", None) or ""
    if found := _PG_KEY.search(detail):
        return [name.strip() for name in found["fields"].split(",")]
    if found := _SQLITE_UNIQUE.search(str(exc.orig).strip()):
        return [name.strip().rsplit(".", 1)[-1] for name in found["fields"].split(",")]
    return []


def _is_unique_violation(exc: IntegrityError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
    """A unique violation is a 409 naming the field; another broken constraint a 409 on the reference."""
    log.warning("integrity_error", path=request.url.path, error=str(exc.orig).splitlines()[0])
    if _is_unique_violation(exc):
        fields = conflicting_fields(exc) or ["body"]
        errors = [{"field": name, "message": "已存在相同的值 / a record with this value already exists"}
                  for name in fields]
        return problem(409, "Conflict", f"{', '.join(fields)}: 已存在 / already exists", "duplicate", request,
                       errors)
    return problem(409, "Conflict", "引用的记录不存在或仍被引用 / the change breaks a reference between "
                   "records; reload and try again", "constraint_violated", request)


async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
    """Another edit committed between this request's read and its write (the versioned UPDATE matched no row)."""
    return problem(412, "Precondition failed", "记录已被他人修改，请刷新后重做 / the record changed since you "
                   "read it; reload and apply your change again", "stale_version", request)


async def _database_busy(request: Request, exc: OperationalError) -> JSONResponse:
    # The last line of defence: SQLite's writer waited out its busy timeout. Retrying is the answer.
    if "database is locked" not in str(exc.orig):
        return await _unexpected(request, exc)
    log.warning("database_locked", path=request.url.path)
    return problem(503, "Service unavailable", "数据库正忙，请稍后重试 / the database is busy; retry in a moment",
                   "database_busy", request, headers={"Retry-After": "2"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected_error", path=request.url.path)
    return problem(500, "Internal error", "An unexpected error happened; quote the request id.",
                   "internal_error", request)


_HANDLERS = ((DomainError, _domain), (RequestValidationError, _validation), (StarletteHTTPException, _http),
             (DataError, _unstorable), (OverflowError, _out_of_range), (IntegrityError, _integrity),
             (StaleDataError, _stale), (OperationalError, _database_busy))


async def problem_for(request: Request, exc: Exception) -> JSONResponse:
    """The problem for a failure outside FastAPI's handlers (the fast paths), chosen as they would."""
    for kind, handler in _HANDLERS:
        if isinstance(exc, kind):
            return await handler(request, exc)
    return await _unexpected(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    for kind, handler in _HANDLERS:
        app.add_exception_handler(kind, handler)
    app.add_exception_handler(Exception, _unexpected)
