"""Annual audit plan (年度审计计划): the demo district under a second, a city under a minute.

Demo: the registry's demo data served in-process, read through its API, with the assets demo's
twenty auditors and their ties. City: 20,000 organizations in 200 towns, 600 auditors (some with
town ties), K=2,000 and M=3,000. Prints the risk the solver's selection covers against a greedy
pick of the same size under the same rules; the solver must not be worse.
"""

import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from services.assets.clients.registry import read_district, snapshot_of
from services.assets.plan import demo
from services.assets.plan.feasibility import Member, Staffing
from services.assets.plan.planning import choose_targets, greedy_targets
from services.assets.plan.proposal import loads, propose
from services.assets.plan.risk import Candidate, candidates_from, score_candidates
from services.assets.plan.rules import PlanSettings
from services.common.database import make_engine
from services.common.migrate import upgrade
from services.common.tokens import Principal, TokenSigner, ensure_keypair

DEMO_SECONDS, CITY_SECONDS = 1.0, 60.0


def demo_inputs() -> tuple[list[Candidate], list[Member]]:
    from services.registry import demo as registry_demo
    from services.registry.app import create_app
    from services.registry.settings import RegistrySettings

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'registry.db'}"
        upgrade("registry", url)
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            registry_demo.load_demo(session)
        engine.dispose()
        private, public = ensure_keypair(Path(folder) / "keys")
        token = TokenSigner(private.read_text(), "zhenxing-gateway").sign(Principal("bench", "admin"), "assets")
        settings = RegistrySettings(database_url=url, var_dir=Path(folder), token_public_key=public.read_text(),
                                    log_level="WARNING")
        with TestClient(create_app(settings)) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            district = read_district(client, "110109000000", demo.CURRENT_YEAR)
    members = [Member(i, username, name, role == "lead", capacity,
                      frozenset(c for t in demo.ties_of(username, district) for c in (t.get("unit_code"), t.get("credit_code")) if c))
               for i, (username, name, role, capacity) in enumerate(demo.AUDITORS, 1)]
    return candidates_from(snapshot_of(district, ["village"]), {}), members


def city_inputs(seed: int = 1) -> tuple[list[Candidate], list[Member]]:
    rng = random.Random(seed)
    towns = 200
    candidates = [Candidate(f"N2{i:016d}", f"组织{i}", f"{i:012d}", f"村{i}", f"T{i % towns:011d}", f"镇{i % towns}",
                            Decimal(int(rng.lognormvariate(15, 1))), Decimal(int(rng.lognormvariate(13, 1))),
                            max(0, int(rng.gauss(20, 10))), last_key_audit=rng.choice([None, 2023, 2024, 2025]),
                            last_inspection=rng.choice([None, 2022, 2024, 2025]))
                  for i in range(20_000)]
    members = [Member(a, f"a{a}", f"审计员{a}", a <= 180, rng.choice([200, 210, 220]),
                      frozenset({f"T{rng.randrange(towns):011d}"}) if rng.random() < 0.3 else frozenset())
               for a in range(1, 601)]
    return candidates, members


def covered(candidates: list[Candidate], picks: list[int]) -> float:
    return round(sum(candidates[i].score for i in picks), 2)


def compare_with_greedy(candidates: list[Candidate], members: list[Member], settings: PlanSettings,
                        year: int) -> tuple[float, float]:
    candidates = sorted(candidates, key=lambda c: c.credit_code)
    score_candidates(candidates, year, settings.weights)
    staffing = Staffing(members, {})
    key_ok = [staffing.staffable(c, settings.key_team_size) for c in candidates]
    inspection_ok = [staffing.staffable(c, settings.inspection_team_size) for c in candidates]
    solver = choose_targets(candidates, year, settings, key_ok, inspection_ok)
    greedy = greedy_targets(candidates, year, settings, key_ok, inspection_ok)
    return (covered(candidates, solver.key_audits + solver.inspections),
            covered(candidates, greedy.key_audits + greedy.inspections))


def measure(label: str, candidates, members, settings: PlanSettings, limit: float) -> bool:
    started = time.perf_counter()
    proposal = propose(candidates, members, settings, year=2026, seed=7, time_limit=limit)
    seconds = time.perf_counter() - started
    days = loads(proposal.picks, settings)
    worst = max(days.get(m.id, 0) / m.capacity for m in members)
    solver, greedy = compare_with_greedy(candidates, members, settings, 2026)
    ok = seconds < limit and solver >= greedy
    print(f"{label}: {len(candidates)} organizations, {len(members)} auditors, {len(proposal.picks)} picks in "
          f"{seconds:.2f} s (limit {limit:.0f} s; {proposal.seconds}); largest load {worst:.0%}; risk covered: "
          f"solver {solver:.2f}, greedy {greedy:.2f} ({solver - greedy:+.2f}) {'ok' if ok else 'FAIL'}")
    return ok


def run() -> bool:
    candidates, members = demo_inputs()
    demo_ok = measure("demo district", candidates, members, PlanSettings(), DEMO_SECONDS)
    candidates, members = city_inputs()
    city_ok = measure("city (selection MILP, then team MILP in blocks of ~240 engagements)", candidates, members,
                      PlanSettings(key_audits=2000, inspections=3000), CITY_SECONDS)
    return demo_ok and city_ok


if __name__ == "__main__":
    raise SystemExit(0 if run() else 1)
