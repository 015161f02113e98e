"""The frame every service's `create_app` fills: lifespan, errors, request ids, health, audit."""

from collections.abc import Iterable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from services.common import audit_routes, health
from services.common.database import make_engine
from services.common.errors import install_error_handlers
from services.common.guards import NulByteGuard
from services.common.logging import RequestIdMiddleware, configure_logging
from services.common.settings import ServiceSettings
from services.common.tokens import TokenVerifier


def build_service_app(settings: ServiceSettings, *, title: str, description: str,
                      routers: Iterable[APIRouter]) -> FastAPI:
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

    app = FastAPI(title=title, description=description, version="1", lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(NulByteGuard)
    app.add_middleware(RequestIdMiddleware, service=settings.service_name)
    app.include_router(health.router)
    app.include_router(audit_routes.router)
    for router in routers:
        app.include_router(router)
    return app
