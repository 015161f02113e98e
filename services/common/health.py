"""`/healthz` says the process is alive; `/readyz` that its database answers and is migrated to head."""

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import JSONResponse

from services.common.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


def database_checks(name: str, engine) -> dict[str, str]:
    checks = {"database": "ok", "migrations": "ok"}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = current_revision(name, engine), head_revision(name)
        if current != head:
            checks["migrations"] = f"at {current}, head is {head}"
    except Exception as exc:  # noqa: BLE001 - readiness reports any database failure
        checks["database"] = f"unreachable: {type(exc).__name__}"
        checks["migrations"] = "unknown"
    return checks


def readiness(checks: dict[str, str]) -> JSONResponse:
    ready = all(v in ("ok", "ready") for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not_ready", "checks": checks},
                        status_code=200 if ready else 503)


NOT_READY: dict[int | str, dict[str, Any]] = {503: {"description": "Not ready: the checks say which part failed (or the gateway's problem when "
                        "the service is down)",
                    "content": {"application/json": {}, "application/problem+json": {}}}}


@router.get("/readyz", responses=NOT_READY)
def readyz(request: Request) -> JSONResponse:
    return readiness(database_checks(request.app.state.settings.service_name, request.app.state.engine))
