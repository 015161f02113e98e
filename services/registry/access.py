"""Who may change what in the registry, decided by role and by the object's town.

Every authenticated role reads. Admins change everything; a town officer (镇/街道干部) changes
only units, organizations, classes, designations and statistics of the towns their token names.
Other systems with the `integration` role may push statistics for any unit.
"""

from services.common.errors import Forbidden
from services.common.tokens import Principal

TOWN_EDITORS = ("admin", "town_officer")
STATISTICS_EDITORS = ("admin", "town_officer", "integration")


def in_towns(principal: Principal, town_code: str | None) -> bool:
    return principal.role == "admin" or (town_code is not None and town_code in principal.towns)


def require_town(principal: Principal, town_code: str | None, *, roles: tuple[str, ...] = TOWN_EDITORS) -> None:
    """403 unless the principal may change things belonging to `town_code`."""
    if principal.role not in roles:
        raise Forbidden(f"Role '{principal.role}' may not change registry data.", code="role_forbidden")
    if principal.role == "town_officer" and not in_towns(principal, town_code):
        raise Forbidden("只能修改本镇（街道）的数据 / you may change only your own towns' data.",
                        code="town_forbidden")


def require_statistics_writer(principal: Principal, town_code: str | None) -> None:
    require_town(principal, town_code, roles=STATISTICS_EDITORS)


def require_admin(principal: Principal) -> None:
    if principal.role != "admin":
        raise Forbidden("Only an administrator may do this.", code="role_forbidden")


def sees_hidden_fields(principal: Principal, town_code: str | None) -> bool:
    """The legal representative's phone: admins and the unit's own town officers only."""
    return principal.role == "admin" or (principal.role == "town_officer" and in_towns(principal, town_code))
