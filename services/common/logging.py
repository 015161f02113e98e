"""Structured JSON logs with the request id bound to every line."""

import logging
import re
import sys
import time
import uuid

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars

_QUIET_PATHS = {"/healthz", "/readyz"}
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def configure_logging(level: str = "INFO", as_json: bool = True) -> None:
    renderer = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )


class RequestIdMiddleware:
    """Gives every request an id (kept from `X-Request-ID` when sane), echoes it and logs the request."""

    def __init__(self, app, service: str):
        self.app = app
        self.service = service
        self.log = structlog.get_logger()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        clear_contextvars()
        bind_contextvars(request_id=request_id, service=self.service)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.setdefault("headers", [])
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    message["headers"] = [*headers, (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if scope["path"] not in _QUIET_PATHS:
                self.log.info("request", method=scope["method"], path=scope["path"], status=status,
                              ms=round((time.perf_counter() - started) * 1000, 2))


def _incoming_id(scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None
