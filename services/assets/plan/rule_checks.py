"""Re-checking a plan after a person changed it: each broken rule becomes a warning beside its row.

Pure: rows as dicts (kind, credit_code, unit_code, town_code, risk_rank, team), auditors as
`Member`s. The solver's own plans come back with no warnings; a swap or a team change may not.
"""

from collections import Counter

from services.assets.plan.feasibility import Member, town_needs
from services.assets.plan.risk import Candidate
from services.assets.plan.rules import PlanSettings


def warning(rule: str, message: str, **extra) -> dict:
    return {"rule": rule, "message": message, **extra}


def review_rows(rows: list[dict], members: dict[int, Member], settings: PlanSettings, *, year: int,
                previous: dict[str, set[int]], history: dict[str, dict]) -> list[list[dict]]:
    """Warnings per row, in the rows' order."""
    over = over_capacity(rows, members, settings)
    return [_row_warnings(row, members, settings, year, previous.get(row["credit_code"], set()),
                          history.get(row["credit_code"], {}), over) for row in rows]


def _row_warnings(row, members, settings, year, previous, past, over) -> list[dict]:
    found = _team_shape(row, members, settings)
    for entry in row["team"]:
        member = members.get(entry["auditor_id"])
        if member is None:
            continue
        if member.blocked & {row["credit_code"], row["unit_code"], row["town_code"]}:
            found.append(warning("conflict_of_interest", f"{member.name} 已申报与该村或该镇有关联，应回避 / "
                                 f"{member.name} declared a tie to this village or town", auditor_id=member.id))
        if member.id in previous:
            found.append(warning("same_as_last_year", f"{member.name} 去年已参加该组织的审计检查 / "
                                 f"{member.name} was on this organization last year", auditor_id=member.id))
        if member.id in over:
            days, capacity = over[member.id]
            found.append(warning("capacity", f"{member.name} 计划 {days} 天，超过可用 {capacity} 天 / {member.name} "
                                 f"is planned for {days} days, over their {capacity}", auditor_id=member.id))
    if row["kind"] == "key_audit" and past.get("last_key_audit") == year - 1 and row["risk_rank"] > settings.rotation_top:
        found.append(warning("rotation", f"去年已重点审计，且风险排名第{row['risk_rank']}位，不在前{settings.rotation_top}位 / "
                             f"key audit last year too, and risk rank {row['risk_rank']} is outside the top "
                             f"{settings.rotation_top}"))
    return found


def _team_shape(row: dict, members: dict[int, Member], settings: PlanSettings) -> list[dict]:
    found = []
    size = settings.team_size(row["kind"])
    unknown = [e for e in row["team"] if e["auditor_id"] not in members]
    if unknown:
        found.append(warning("inactive_auditor", "审计组中有非在岗审计人员 / the team has someone who is not an "
                             "active auditor"))
    if len(row["team"]) < size:
        found.append(warning("team_size", f"审计组至少 {size} 人，现有 {len(row['team'])} 人 / the team needs at "
                             f"least {size} people, has {len(row['team'])}"))
    leads = sum(1 for e in row["team"] if e["auditor_id"] in members and members[e["auditor_id"]].lead)
    if leads != 1:
        found.append(warning("team_lead", f"审计组应有且只有一名组长，现有 {leads} 名 / the team needs exactly one "
                             f"lead, has {leads}"))
    return found


def over_capacity(rows: list[dict], members: dict[int, Member], settings: PlanSettings) -> dict[int, tuple[int, int]]:
    days: Counter[int] = Counter()
    for row in rows:
        for entry in row["team"]:
            days[entry["auditor_id"]] += settings.days(row["kind"])
    return {i: (d, members[i].capacity) for i, d in days.items() if i in members and d > members[i].capacity}


def review_plan(rows: list[dict], candidates: list[Candidate], settings: PlanSettings) -> list[dict]:
    """Warnings about the plan as a whole: its counts and every town's minimums."""
    found = []
    counts = Counter(row["kind"] for row in rows)
    for kind, wanted in (("key_audit", settings.key_audits), ("inspection", settings.inspections)):
        if counts[kind] != wanted:
            found.append(warning("count", f"{kind}: 计划 {wanted} 个，现有 {counts[kind]} 个 / {wanted} planned, "
                                 f"{counts[kind]} in the plan", kind=kind))
    names = {c.town_code: c.town_name for c in candidates}
    for town, needs in town_needs(candidates, settings).items():
        for kind, need in zip(("key_audit", "inspection"), needs, strict=True):
            have = sum(1 for row in rows if row["town_code"] == town and row["kind"] == kind)
            if have < need:
                found.append(warning("town_coverage", f"{names[town]} {kind} 至少 {need} 个，现有 {have} 个 / "
                                     f"{names[town]} needs at least {need} of {kind}, has {have}", town_code=town))
    return found
