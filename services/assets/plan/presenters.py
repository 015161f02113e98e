"""How plans, their rows and amendments look in the API's answers."""

from services.assets.plan.models import Amendment, Plan, PlanRow

PLAN_FIELDS = ("id", "year", "status", "district_code", "seed", "settings", "statistics_year", "created_by",
               "approved_by", "approved_at", "approval_reason", "demo", "version", "created_at", "updated_at")
ROW_FIELDS = ("id", "kind", "position", "credit_code", "organization_name", "unit_code", "unit_name", "town_code",
              "town_name", "risk_score", "risk_rank", "reason", "quarter", "team", "warnings", "changed_by")


def plan_view(plan: Plan, *, rows: list[PlanRow] | None = None) -> dict:
    shown = {name: getattr(plan, name) for name in PLAN_FIELDS}
    summary = plan.summary or {}
    shown["summary"] = {"risk_covered": summary.get("risk_covered"), "seconds": summary.get("seconds"),
                        "organizations": len(plan.snapshot), "loads": summary.get("loads", []),
                        "warnings": summary.get("warnings", []), "skipped": summary.get("skipped", [])}
    if rows is not None:
        shown["key_audits"] = [row_view(r) for r in rows if r.kind == "key_audit"]
        shown["inspections"] = [row_view(r) for r in rows if r.kind == "inspection"]
    return shown


def row_view(row: PlanRow) -> dict:
    return {name: getattr(row, name) for name in ROW_FIELDS}


def amendment_view(amendment: Amendment) -> dict:
    return {"id": amendment.id, "plan_id": amendment.plan_id, "row_id": amendment.row_id,
            "reason": amendment.reason, "change": amendment.change, "actor": amendment.actor, "at": amendment.at}
