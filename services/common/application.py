"""The frame every service's `create_app` fills: lifespan, errors, request ids, health, audit."""

from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common import audit_routes, health
from services.common.database import make_engine
from services.common.errors import install_error_handlers, problem_for
from services.common.logging import RequestIdMiddleware, configure_logging
from services.common.openapi import describe_problems
from services.common.settings import ServiceSettings
from services.common.tokens import TokenVerifier
from services.common.unstorable_input import NulByteGuard

Endpoint = Callable[[Request], Awaitable[Response]]


class HotPathApp(FastAPI):
    """FastAPI, except that a few hot paths skip its router and dependency solving.

    Route matching and dependency solving cost as much CPU as a one-town page of units itself
    (measured with py-spy on the registry's list). A hot path is the one exception: it still runs
    inside every middleware the app was given (`add_middleware`: request id and its log line, the
    NUL guard, security headers, and any added later), built from the app's own list the first time
    a request comes, so no middleware can be skipped by it. Errors become the same problem as
    elsewhere; the endpoint checks the caller itself, as the routes' dependencies would.
    """

    hot_gets: Mapping[str, ASGIApp] = {}
    hot_prefix: tuple[str, ASGIApp] | None = None
    _wrapped: dict[ASGIApp, ASGIApp] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            hot = self.hot_gets.get(scope["path"]) if scope["method"] in ("GET", "HEAD") else None
            if hot is None and self.hot_prefix and scope["path"].startswith(self.hot_prefix[0]):
                hot = self.hot_prefix[1]
            if hot is not None:
                scope["app"] = self
                return await self._within_middleware(hot)(scope, receive, send)
        await super().__call__(scope, receive, send)

    def _within_middleware(self, endpoint: ASGIApp) -> ASGIApp:
        if self._wrapped is None:
            self._wrapped = {}
        if endpoint not in self._wrapped:
            wrapped = endpoint
            for cls, args, kwargs in reversed(self.user_middleware):  # outermost first, as Starlette builds
                wrapped = cls(wrapped, *args, **kwargs)
            self._wrapped[endpoint] = wrapped
        return self._wrapped[endpoint]


def hot_path(endpoint: Endpoint) -> ASGIApp:
    """An endpoint taking the request and giving a response, as an ASGI app for `HotPathApp`."""

    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        except Exception as exc:  # noqa: BLE001 - every failure leaves as its problem, as in FastAPI
            response = await problem_for(request, exc)
        await response(scope, receive, send)

    return answer


def build_service_app(settings: ServiceSettings, *, title: str, description: str,
                      routers: Iterable[APIRouter], hot_gets: Mapping[str, Endpoint] | None = None) -> FastAPI:
    """`hot_gets`: path to endpoint, for GET (and HEAD) routes that the routers also declare, so that
    OpenAPI describes them."""
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = make_engine(settings.resolved_database_url())
        app.state.extra_engines = []  # engines a service makes for itself later, disposed with the main one
        app.state.verifier = TokenVerifier(settings.public_key_pem(), settings.token_issuer,
                                           audience=settings.service_name)
        yield
        for engine in (app.state.engine, *app.state.extra_engines):
            engine.dispose()

    app = HotPathApp(title=title, description=description, version="1", lifespan=lifespan)
    app.hot_gets = {path: hot_path(endpoint) for path, endpoint in (hot_gets or {}).items()}
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(NulByteGuard)
    app.add_middleware(RequestIdMiddleware, service=settings.service_name)
    app.include_router(health.router)
    app.include_router(audit_routes.router)
    for router in routers:
        app.include_router(router)
    describe_problems(app, hot_paths=app.hot_gets)
    return app
