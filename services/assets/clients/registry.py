"""What the plan reads from the registry (村庄名录), over its public HTTP API only.

`read_district` takes any httpx.Client (the registry's URL with the caller's token, or an
in-process client in tests and the demo loader) and returns plain data; the plan's `risk.candidates_from`
turns that data and this service's history into the planner's candidates.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from services.common.peers import all_pages, get_json

METRICS = ("collective_assets", "collective_total_income", "government_investment", "public_complaints")
LOOK_BACK = 3  # years to go back for the latest figures


@dataclass
class District:
    """The registry's answers the plan needs, as plain data (also what the demo loader passes in)."""

    code: str
    towns: dict[str, str]
    units: dict[str, str]
    organizations: list[dict]
    statistics_year: int | None = None
    statistics: dict[str, dict] = field(default_factory=dict)
    skipped: list[dict] = field(default_factory=list)  # records left out, each with the reason


def read_district(client: httpx.Client, district_code: str, year: int) -> District:
    """Towns, village-level units, organizations and the latest figures before `year`."""
    prefix = district_code[:6]
    towns = {u["unit_code"]: u["name"] for u in all_pages(client, "/v1/units", level="town", code=prefix)}
    units = {u["unit_code"]: u["name"] for u in all_pages(client, "/v1/units", level="village", code=prefix)}
    skipped: list[dict] = []
    organizations = [o for o in all_pages(client, "/v1/organizations")
                     if o.get("town_code") in towns and _usable(o, skipped)]
    statistics_year, statistics = _latest_statistics(client, year, set(towns), skipped)
    return District(district_code, towns, units, organizations, statistics_year, statistics, skipped)


def _usable(organization: dict, skipped: list[dict]) -> bool:
    """Whether the plan can name the organization; one it cannot (a blank name or code, stored before
    they were checked) is left out and named in `skipped`, so one bad record does not stop the plan."""
    for name in ("credit_code", "name", "unit_code"):
        value = organization.get(name)
        if not isinstance(value, str) or not value.strip():
            skipped.append({"source": "registry", "record": f"organizations/{organization.get('credit_code')}",
                            "field": name, "reason": "为空 / is blank"})
            return False
    return True


def registry_client(base_url: str, authorization: str, *, timeout: float = 20.0,
                    shared: httpx.Client | None = None) -> httpx.Client:
    """A client that reads the registry as the caller: their own bearer token goes along.

    `shared` (an in-process client in tests) replaces the network, nothing else."""
    headers = {"Authorization": authorization}
    if shared is not None:
        shared.headers.update(headers)
        return shared
    return httpx.Client(base_url=base_url, headers=headers, timeout=timeout, trust_env=False)


def _latest_statistics(client: httpx.Client, year: int, towns: set[str],
                       skipped: list[dict]) -> tuple[int | None, dict]:
    for earlier in range(year - 1, year - 1 - LOOK_BACK, -1):
        found = get_json(client, "/v1/statistics", year=earlier, metrics=",".join(METRICS))
        items = {i["unit_code"]: _numbers(i, earlier, skipped) for i in found["items"] if i["town_code"] in towns}
        if items:
            return earlier, items
    return None, {}


def _numbers(item: dict, year: int, skipped: list[dict]) -> dict:
    """The item's values that are finite numbers; any other is left out (read as 0) and named in `skipped`."""
    kept = {}
    for key, value in item["values"].items():
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            number = None
        if number is None or not number.is_finite():
            skipped.append({"source": "registry", "record": f"statistics/{item['unit_code']}/{year}",
                            "field": f"values.{key}", "reason": "不是有限数值 / not a finite number"})
        else:
            kept[key] = value
    return kept


def snapshot_of(district: District, levels: list[str]) -> list[dict]:
    """One plain entry per active organization of the planned levels: what the plan keeps."""
    entries = []
    for org in sorted(district.organizations, key=lambda o: o["credit_code"]):
        if org["status"] != "active" or org["level"] not in levels:
            continue
        values = district.statistics.get(org["unit_code"], {})
        size = Decimal(str(values.get("collective_assets", 0))) + Decimal(str(values.get("collective_total_income", 0)))
        entries.append({"credit_code": org["credit_code"], "name": org["name"], "unit_code": org["unit_code"],
                        "unit_name": district.units.get(org["unit_code"], district.towns.get(org["unit_code"], "")),
                        "town_code": org["town_code"], "town_name": district.towns.get(org["town_code"], ""),
                        "economic_size": str(size),
                        "government_investment": str(values.get("government_investment", "0")),
                        "public_complaints": int(Decimal(str(values.get("public_complaints", 0))))})
    return entries
