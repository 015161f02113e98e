"""Who may see and change what in the assets service, by role and by object.

Audit leads (and admins) run the plan and read auditors' ties (confidential). An auditor sees
their own auditor record and the engagements whose team includes them; a town officer the
engagements in their towns; viewers and the assessment office read every engagement.
"""

from typing import Annotated

from fastapi import Depends

from services.common.auth import CurrentPrincipal, require_roles
from services.common.errors import Forbidden
from services.common.tokens import Principal

Lead = Annotated[Principal, Depends(require_roles("audit_lead"))]
Reader = CurrentPrincipal
ENGAGEMENT_READERS = ("admin", "audit_lead", "auditor", "town_officer", "viewer", "assessment_officer")
EngagementReader = Annotated[Principal, Depends(require_roles(*ENGAGEMENT_READERS))]


def actor(principal: Principal) -> str:
    return f"{principal.kind}:{principal.subject}"


def sees_everyone(principal: Principal) -> bool:
    return principal.role in ("admin", "audit_lead")


# The ledgers (台账): assets and resources, land-related contracts, debts. Town officers keep and read
# their towns'; the audit office and viewers read all; ID numbers are whole only for those who need them.
LEDGER_READERS = ("admin", "audit_lead", "auditor", "town_officer", "viewer", "assessment_officer")
LEDGER_EDITORS = ("admin", "audit_lead", "town_officer")
LedgerReader = Annotated[Principal, Depends(require_roles(*LEDGER_READERS))]
LedgerEditor = Annotated[Principal, Depends(require_roles(*LEDGER_EDITORS))]
Reviewer = Annotated[Principal, Depends(require_roles("audit_lead", "auditor"))]


def sees_identities(principal: Principal) -> bool:
    """Whole ID numbers: admins and audit leads only."""
    return principal.role in ("admin", "audit_lead")


def ledger_scope(query, model, principal: Principal):
    """Narrows a ledger query (any table with `town_code`) to the principal's towns when they have towns."""
    if principal.role == "town_officer":
        return query.where(model.town_code.in_(principal.towns or ("",)))
    return query


def require_town(principal: Principal, town_code: str) -> None:
    if principal.role == "town_officer" and town_code not in principal.towns:
        raise Forbidden("只能维护本镇的台账 / only your towns' ledgers", code="town_forbidden")
