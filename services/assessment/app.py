"""The assessment service: indicator schemes, inputs, scoring runs, rankings and plan targets."""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.assessment import routes, runs
from services.assessment.settings import AssessmentSettings, get_settings
from services.common.application import build_service_app


def create_app(settings: AssessmentSettings | None = None) -> FastAPI:
    app = build_service_app(
        settings or get_settings(), title="Zhenxing assessment",
        description="Indicator schemes (考核方案), data collection, scoring runs and rankings.",
        routers=[routes.router])
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with started(app) as state:
            # A run a stopped process did not finish is resumed or failed with its reason, never left running.
            runs.recover(app.state.engine)
            yield state

    app.router.lifespan_context = lifespan
    return app
