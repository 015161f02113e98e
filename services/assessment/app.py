"""The assessment service: indicator schemes, inputs, scoring runs, rankings and plan targets."""

from fastapi import FastAPI

from services.assessment.settings import AssessmentSettings, get_settings
from services.common.application import build_service_app


def create_app(settings: AssessmentSettings | None = None) -> FastAPI:
    return build_service_app(
        settings or get_settings(), title="Zhenxing assessment",
        description="Indicator schemes (考核方案), data collection, scoring runs and rankings.",
        routers=[])
