"""The assets service: supervision of village collective funds, assets and resources (三资)."""

from fastapi import FastAPI

from services.assets.disclosure import routes as disclosure_routes
from services.assets.fieldwork import routes as fieldwork_routes
from services.assets.fieldwork import routes_checklists, routes_engagements, routes_findings
from services.assets.fieldwork.routes_evidence import router as evidence_router
from services.assets.ledgers import routes as ledgers_routes
from services.assets.plan import routes as plan_routes
from services.assets.plan import routes_auditors
from services.assets.reports import routes as reports_routes
from services.assets.settings import AssetsSettings, get_settings
from services.common.application import build_service_app


def create_app(settings: AssetsSettings | None = None) -> FastAPI:
    return build_service_app(
        settings or get_settings(), title="Zhenxing assets",
        description="Annual audit plan, engagements, checklists, findings and rectification; the asset, contract "
                    "and debt ledgers, the special review and public disclosure (三资监管).",
        routers=[routes_auditors.router, plan_routes.router, routes_engagements.router, fieldwork_routes.router,
                 routes_findings.router, routes_checklists.router, ledgers_routes.router,
                 disclosure_routes.router, evidence_router, reports_routes.router])
