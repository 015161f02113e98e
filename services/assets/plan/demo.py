"""Demo data (演示数据) of the assets service: twenty auditors with some declared ties, the current
year's plan approved (its engagements made) and a draft for the next year. Loading again changes nothing.

The registry data comes in as plain data (`registry.District`), so the loader needs no registry
server: the command line reads it through the registry's API in-process.
"""

from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from services.assets.clients.registry import District, snapshot_of
from services.assets.demo import ACTOR, CURRENT_YEAR, NEXT_YEAR
from services.assets.plan import approval, auditors, lifecycle
from services.assets.plan.models import Plan
from services.assets.plan.rules import PlanSettings

SEED = 20260101
# The loader runs outside any request: it may take as long as the planner allowed before the limits were tiered.
DEMO_SOLVE_SECONDS = 60.0
# (username, name, role, capacity): 'lead' and 'auditor' are the gateway's demo users.
AUDITORS = [("lead", "审计组长 王芳（演示）", "lead", 220), ("auditor", "审计员 李强（演示）", "auditor", 200)] + [
    (f"demo-lead-{i}", f"审计组长 {name}（演示）", "lead", 220) for i, name in enumerate(["赵敏", "孙立", "周洁", "吴刚", "郑爽"], 2)
] + [(f"demo-auditor-{i}", f"审计员 {name}（演示）", "auditor", 200 + 10 * (i % 3))
     for i, name in enumerate(["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十", "郑一", "冯二",
                               "陈三", "褚四", "卫五"], 2)]
TOWNS = {"斋堂镇": "110109104000", "清水镇": "110109109000", "龙泉镇": "110109101000"}


def load_demo(session: Session, district: District) -> dict[str, int]:
    """Makes what is missing; returns how many auditors, ties and plans it made."""
    made = {"auditors": 0, "ties": 0, "plans": 0}
    for username, name, role, capacity in AUDITORS:
        if auditors.find_by_username(session, username) is None:
            auditor = auditors.create_auditor(session, {"username": username, "name": name, "role": role,
                                                        "capacity_days": capacity}, actor=ACTOR, demo=True)
            made["ties"] += _declare_ties(session, auditor, district)
            made["auditors"] += 1
    made["plans"] += _plan(session, district, CURRENT_YEAR, approve=True)
    made["plans"] += _plan(session, district, NEXT_YEAR, approve=False)
    return made


def _declare_ties(session: Session, auditor, district: District) -> int:
    ties = ties_of(auditor.username, district)
    for tie in ties:
        auditors.declare_tie(session, auditor, tie, actor=ACTOR, demo=True)
    return len(ties)


def ties_of(username: str, district: District) -> list[dict]:
    """A few plausible ties: a home village, relatives in a village, a past job, a whole town."""
    villages = sorted(code for code in district.units if code[:9] + "000" in district.towns)
    organizations = sorted(o["credit_code"] for o in district.organizations if o["level"] == "village")
    declared = date(2026, 1, 5)
    found = {
        "auditor": [{"kind": "town", "unit_code": TOWNS["斋堂镇"], "reason": "配偶在斋堂镇政府任职（演示）"}],
        "lead": [{"kind": "home_village", "unit_code": villages[3] if villages else None, "reason": "户籍所在村（演示）"}],
        "demo-auditor-2": [{"kind": "relatives_village", "unit_code": villages[20] if len(villages) > 20 else None,
                            "reason": "父母居住在该村（演示）"}],
        "demo-auditor-3": [{"kind": "past_employment", "credit_code": organizations[10] if len(organizations) > 10
                            else None, "reason": "曾任该社会计（2019—2022，演示）"}],
        "demo-auditor-4": [{"kind": "town", "unit_code": TOWNS["清水镇"], "reason": "曾任清水镇农经站站长（演示）"}],
        "demo-lead-3": [{"kind": "home_village", "unit_code": villages[60] if len(villages) > 60 else None,
                         "reason": "户籍所在村（演示）"}],
    }.get(username, [])
    return [tie | {"declared_on": declared} for tie in found if tie.get("unit_code") or tie.get("credit_code")]


def _plan(session: Session, district: District, year: int, *, approve: bool) -> int:
    if session.scalars(select(Plan).where(Plan.year == year)).first():
        return 0
    settings = PlanSettings()
    snapshot = snapshot_of(district, settings.levels)
    inputs = lifecycle.read_inputs(session, year)
    proposal = lifecycle.propose_plan(snapshot, inputs, settings, year=year, seed=SEED, time_limit=DEMO_SOLVE_SECONDS)
    plan = lifecycle.generate(session, year=year, settings=settings, seed=SEED, snapshot=snapshot,
                              statistics_year=district.statistics_year, district_code=district.code, actor=ACTOR,
                              proposal=proposal, inputs=inputs, skipped=district.skipped, demo=True)
    if approve:
        approval.approve(session, plan, reason=None, actor=ACTOR)
    return 1
