"""The assets service: supervision of village collective funds, assets and resources (三资)."""

from fastapi import FastAPI

from services.assets import (
    routes_auditors,
    routes_checklists,
    routes_engagements,
    routes_fieldwork,
    routes_findings,
    routes_ledgers,
    routes_plans,
    routes_public,
    routes_reports,
)
from services.assets.routes_evidence import router as evidence_router
from services.assets.settings import AssetsSettings, get_settings
from services.common.application import build_service_app


def create_app(settings: AssetsSettings | None = None) -> FastAPI:
    return build_service_app(
        settings or get_settings(), title="Zhenxing assets",
        description="Annual audit plan, engagements, checklists, findings and rectification; the asset, contract "
                    "and debt ledgers, the special review and public disclosure (三资监管).",
        routers=[routes_auditors.router, routes_plans.router, routes_engagements.router, routes_fieldwork.router,
                 routes_findings.router, routes_checklists.router, routes_ledgers.router,
                 routes_public.router, evidence_router, routes_reports.router])
