"""The gateway: sign-in, pages, and the services' APIs behind one door."""

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from gateway import proxy
from gateway.auth.principals import RecentlyChecked
from gateway.auth.security import SecurityHeadersMiddleware
from gateway.auth.signin import SignInRequired, redirect_to_sign_in
from gateway.pages import assessment, assessment_inputs, fieldwork, home, ledgers, plans, public, reports, villages
from gateway.settings import GatewaySettings, get_settings
from gateway.upstream import make_upstreams
from services.common.application import HotPathApp, hot_path
from services.common.database import make_engine
from services.common.errors import install_error_handlers
from services.common.health import database_checks, readiness
from services.common.health import router as health_router
from services.common.logging import RequestIdMiddleware, configure_logging
from services.common.tokens import TokenSigner, ensure_keypair

STATIC = __file__.rsplit("/", 1)[0] + "/static"


def _signer(settings: GatewaySettings) -> TokenSigner:
    pem = settings.token_private_key
    if not pem:
        private, _public = ensure_keypair(settings.var_dir / "keys")
        pem = private.read_text()
    return TokenSigner(pem, settings.token_issuer)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = make_engine(settings.resolved_database_url())
        app.state.tokens = proxy.TokenCache(_signer(settings))
        app.state.api_keys = RecentlyChecked(settings.api_key_cache_seconds)
        app.state.web_sessions = RecentlyChecked(settings.session_cache_seconds)
        app.state.upstreams = make_upstreams(settings)
        yield
        for upstream in app.state.upstreams.values():
            await upstream.close()
        app.state.engine.dispose()

    app = HotPathApp(title="Zhenxing gateway", version="1", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    install_error_handlers(app)
    app.add_exception_handler(SignInRequired, redirect_to_sign_in)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestIdMiddleware, service="gateway")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        checks = await run_in_threadpool(database_checks, "gateway", request.app.state.engine)
        checks.update(await home.service_states(request))
        return readiness(checks)

    app.include_router(health_router)
    app.include_router(home.router)
    app.include_router(villages.router)
    app.include_router(plans.router)
    app.include_router(fieldwork.router)
    app.include_router(public.router)
    app.include_router(assessment.router)
    app.include_router(assessment_inputs.router)
    app.include_router(ledgers.router)
    app.include_router(reports.router)
    # The API is the gateway's hot path: within the middleware above, past the router only pages need.
    app.hot_prefix = (proxy.PREFIX, hot_path(proxy.proxy))
    return app
