"""Which engagements a person sees: an auditor those whose team includes them, a town officer those in
their towns, everyone else with a reading role all of them."""

from sqlalchemy import exists, select

from services.assets.fieldwork.models import Engagement, EngagementMember
from services.common.tokens import Principal


def engagement_scope(query, principal: Principal):
    """Narrows an engagement query to what the principal may see."""
    if principal.role == "auditor":
        mine = exists().where(EngagementMember.engagement_id == Engagement.id,
                              EngagementMember.username == principal.subject)
        return query.where(mine)
    if principal.role == "town_officer":
        return query.where(Engagement.town_code.in_(principal.towns or ("",)))
    return query


def visible_engagements(principal: Principal):
    return engagement_scope(select(Engagement), principal)
