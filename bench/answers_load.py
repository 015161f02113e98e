"""Auditors saving checklist answers through the gateway: 16 and then 64 at once, on SQLite and PostgreSQL.

Each backend gets fresh databases, the demo and the four real processes (`tests.platform`). Every
client is a team member signed in at the gateway, two to a checklist, saving one answer after
another as the checklist page does: PUT with If-Match the version it last saw; a
412 (the other member changed that item) gives it the current version, as the page shows the
conflict. The two split the checklist's items, but one save in ten picks from the whole list, so
true conflicts happen. Every save carries a note no other save uses, so afterwards each stored
answer is traced to the save that wrote it: its version must be the number of 200s for that item
and its value and note those of the highest (nothing lost, nothing written twice), and the assets
service's audit trail must hold one record per 200.

Two windows a level, on the same checklists. The bars' window has each auditor pause between
saves, on average PAUSE seconds (exponential): a person reads the next item and taps, so a save
every half second is already ten times quicker than anyone fills a checklist, and 64 such
auditors ask for about 125 saves a second. The capacity window that follows has no pause at all:
it shows the most the platform saves a second, and, by Little's law, a save's mean time is then
the number of clients over that rate (16 clients within 60 ms would need some 400 saves a second
through the gateway, 64 within 100 ms over 1,000), so its latencies are printed, not judged.

The load runs in a process of its own (`python -m bench.answers_load --client RESULT`), as in
bench/load.py. ZX_BENCH_ANSWERS_SECONDS shortens the 60 s windows for trial runs.
"""

import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx
import uvloop
from sqlalchemy import text
from sqlmodel import Session, select

from bench.databases import postgres_databases
from bench.load import Result
from bench.report import HEADER, Bar, machine_clock, ms, other_work, row, title
from gateway.auth import accounts
from gateway.demo import DEMO_USERS
from gateway.models import User
from services.common.database import make_engine
from tests.platform import APPS, Platform

LEVELS = {16: 0.060, 64: 0.100}  # concurrent auditors: p99 bar in seconds
SECONDS = float(os.environ.get("ZX_BENCH_ANSWERS_SECONDS", "60"))
PAUSE = 0.5  # mean seconds an auditor takes between two saves in the bars' window
CAPACITY_SECONDS = min(SECONDS, 15.0)
WARMUP = 1.0
CLIENTS_PER_CHECKLIST = 2
OTHERS_SHARE = 0.1
PASSWORD = "bench-answers-2026"
REQUEST_TIMEOUT = 15.0
LOCKED = "database is locked"
VALUES = {"yes_no": "yes", "number": "3", "money": "12345.60", "text": "情况正常", "date": "2026-03-31",
          "evidence": []}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Outcome:
    """One level's window: the timing, and what the stored answers say about the saves."""

    result: Result
    saved: int
    conflicts: int
    lost: int
    duplicated: int
    locked: int
    problems: list[str]
    capacity: Result | None = None  # the window without pauses, on the same checklists


def run() -> bool:
    started, clock = time.monotonic(), machine_clock()
    bars = []
    for backend in ("sqlite", "postgresql"):
        bars += measure_backend(backend)
    title(f"answers load: {sum(bar.passed for bar in bars)} of {len(bars)} bars met "
          f"in {time.monotonic() - started:.0f} s")
    print(f"  {other_work(clock)}")
    for bar in bars:
        print(bar.line())
    return bool(bars) and all(bar.passed for bar in bars)


def measure_backend(backend: str) -> list[Bar]:
    title(f"answers load on {backend}: {', '.join(map(str, LEVELS))} auditors, {CLIENTS_PER_CHECKLIST} to a "
          f"checklist, {SECONDS:.0f} s each after {WARMUP:.0f} s warm-up, through the gateway")
    clock = machine_clock()
    with tempfile.TemporaryDirectory(prefix="zx-bench-answers-") as tmp, databases(backend, Path(tmp)) as urls:
        if urls is None:
            return []
        platform = Platform(var_dir=Path(tmp), database_urls=urls)
        try:
            platform.start_all()
            outcomes = run_levels(platform)
            locked_in_logs = sum((platform.var_dir / f"{name}.log").read_text(errors="replace").count(LOCKED)
                                 for name in ("assets", "gateway"))
        finally:
            platform.stop_all()
    print(HEADER)
    for level, outcome in outcomes.items():
        print(row(f"{backend} paced", level, outcome.result))
        print(row(f"{backend} flat out", level, outcome.capacity))
    for level, outcome in outcomes.items():
        print(f"  {level} auditors: {outcome.saved} saved, {outcome.conflicts} conflicts (412), "
              f"{outcome.lost} lost, {outcome.duplicated} duplicated, {outcome.locked} '{LOCKED}'")
        for problem in outcome.problems[:5]:
            print(f"    {problem}")
    print(f"  '{LOCKED}' in the services' logs: {locked_in_logs}; {other_work(clock)}")
    bars = [bar for level, outcome in outcomes.items() for bar in check(backend, level, outcome)]
    bars.append(Bar(f"{backend}: no '{LOCKED}' in the logs", locked_in_logs == 0, str(locked_in_logs)))
    for bar in bars:
        print(bar.line())
    return bars


def check(backend: str, level: int, outcome: Outcome) -> list[Bar]:
    p99 = outcome.result.percentile(0.99)
    return [
        Bar(f"{backend}, {level} auditors pausing {PAUSE} s on average: p99 < {ms(LEVELS[level])} ms",
            p99 < LEVELS[level], f"{ms(p99)} ms"),
        Bar(f"{backend}, {level} auditors: every answer 200 or 412", outcome.result.errors == 0,
            f"{outcome.result.errors} errors"),
        Bar(f"{backend}, {level} auditors: no answer lost or duplicated", outcome.lost + outcome.duplicated == 0,
            f"{outcome.lost} lost, {outcome.duplicated} duplicated of {outcome.saved}"),
        Bar(f"{backend}, {level} auditors: no '{LOCKED}'", outcome.locked == 0, str(outcome.locked)),
    ]


@contextmanager
def databases(backend: str, tmp: Path) -> Iterator[dict[str, str] | None]:
    """Empty databases for the four processes; None when PostgreSQL cannot be reached."""
    if backend == "sqlite":
        yield {name: f"sqlite:///{tmp / name}.db" for name in APPS}
        return
    with postgres_databases(APPS) as urls:
        yield urls


def run_levels(platform: Platform) -> dict[int, Outcome]:
    """Each level on checklists of its own, started fresh."""
    key = platform.cli("create-api-key", "--name", "bench-answers", "--role", "admin").stdout.strip()
    admin = httpx.Client(base_url=platform.gateway + "/api/assets", timeout=60,
                         headers={"Authorization": f"Bearer {key}"})
    free = planned_engagements(admin)
    outcomes = {}
    for level in LEVELS:
        count = level // CLIENTS_PER_CHECKLIST
        chosen, free = free[:count], free[count:]
        if len(chosen) < count:
            raise RuntimeError(f"only {len(chosen)} planned engagements with a team of two left for {level} clients")
        clients = prepare(platform, admin, chosen)
        audited_before = answer_audits(platform)
        result, records = drive(clients, "paced", PAUSE, SECONDS)
        capacity, flat_out = drive(clients, "flat-out", 0.0, CAPACITY_SECONDS)
        for key in ("saved", "problems"):
            records[key] += flat_out[key]
        records["conflicts"] += flat_out["conflicts"]
        records["locked"] += flat_out["locked"]
        outcomes[level] = verify(platform, admin, chosen, result, records, audited_before)
        outcomes[level].capacity = capacity
        print(f"  {level} auditors done: pausing {PAUSE} s, {result.rps:.0f} saves/s, p99 "
              f"{ms(result.percentile(0.99))} ms; without pauses {capacity.rps:.0f} saves/s, p99 "
              f"{ms(capacity.percentile(0.99))} ms", flush=True)
    admin.close()
    return outcomes


def planned_engagements(admin: httpx.Client) -> list[dict]:
    """Planned engagements whose team has two or more auditors without a demo account of another role."""
    demo_accounts = {username for username, *_ in DEMO_USERS}
    found, cursor = [], None
    while True:
        page = admin.get("/v1/engagements", params={"limit": 500, **({"cursor": cursor} if cursor else {})})
        page.raise_for_status()
        found += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    return [e for e in found if e["status"] == "planned" and len(e["team"]) >= CLIENTS_PER_CHECKLIST
            and not {m["username"] for m in e["team"]} & demo_accounts]


def prepare(platform: Platform, admin: httpx.Client, chosen: list[dict]) -> list[dict]:
    """Starts each checklist and signs in two of its team: one client description per auditor."""
    sessions: dict[str, dict[str, str]] = {}
    clients = []
    for engagement in chosen:
        eid = engagement["id"]
        version = admin.get(f"/v1/engagements/{eid}").headers["ETag"]
        admin.post(f"/v1/engagements/{eid}/start", headers={"If-Match": version}).raise_for_status()
        checklist = admin.get(f"/v1/engagements/{eid}/checklist").json()
        items = [[i["code"], item_value(i)] for s in checklist["sections"] for i in s["items"]]
        for member in engagement["team"][:CLIENTS_PER_CHECKLIST]:
            username = member["username"]
            if username not in sessions:
                sessions[username] = signed_in_headers(platform, username)
            clients.append({"url": f"{platform.gateway}/api/assets/v1/engagements/{eid}/answers/",
                            "headers": sessions[username], "engagement_id": eid, "items": items,
                            "share": len(clients) % CLIENTS_PER_CHECKLIST, "name": f"{username}@{eid}"})
    return clients


def item_value(item: dict):
    if item["type"] == "choice":
        return item["options"][0]["code"]
    if item["type"] == "choices":
        return [o["code"] for o in item["options"][:2]]
    return VALUES[item["type"]]


def signed_in_headers(platform: Platform, username: str) -> dict[str, str]:
    """The auditor's gateway account (made here) signed in: its session cookie and CSRF token."""
    engine = make_engine(platform.database_urls["gateway"], pool_size=1)
    with Session(engine) as session, session.begin():
        if session.exec(select(User).where(User.username == username)).first() is None:
            accounts.create_user(session, username=username, password=PASSWORD, role="auditor",
                                 display_name=f"审计员 {username}", actor="bench")
    engine.dispose()
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        token = CSRF.search(client.get("/login").text).group(1)
        client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"})
        csrf = CSRF.search(client.get("/").text).group(1)
        return {"Cookie": f"zx_session={client.cookies['zx_session']}", "X-CSRF-Token": csrf}


def answer_audits(platform: Platform) -> int:
    engine = make_engine(platform.database_urls["assets"], pool_size=1)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM audit_record WHERE entity = 'answer'")).scalar_one()
    engine.dispose()
    return count


def verify(platform: Platform, admin: httpx.Client, chosen: list[dict], result: Result, records: dict,
           audited_before: int) -> Outcome:
    """Traces every stored answer of the level's checklists to the saves that answered 200."""
    saves: dict[tuple[int, str], list[tuple[int, str, object, str]]] = {}
    for eid, code, version, value, note, name in records["saved"]:
        saves.setdefault((eid, code), []).append((version, value, note, name))
    lost, duplicated, problems = 0, 0, []
    for engagement in chosen:
        checklist = admin.get(f"/v1/engagements/{engagement['id']}/checklist").json()
        for item in (i for s in checklist["sections"] for i in s["items"]):
            mine = sorted(saves.get((engagement["id"], item["code"]), []), key=lambda s: s[0])
            stored = item["answer"]
            versions = [s[0] for s in mine]
            duplicated += len(versions) - len(set(versions))
            if not mine:
                lost += stored is not None
                continue
            last = mine[-1]
            if stored is None or (stored["version"], stored["note"], stored["value"]) != (last[0], last[2], last[1]):
                lost += 1
                problems.append(f"{engagement['id']}/{item['code']}: stored {stored}, last saved {last}")
            elif len(set(versions)) == len(versions) and versions != list(range(1, len(versions) + 1)):
                lost += 1
                problems.append(f"{engagement['id']}/{item['code']}: versions saved {versions}")
    audited = answer_audits(platform) - audited_before
    if audited != len(records["saved"]):
        duplicated += max(0, audited - len(records["saved"]))
        lost += max(0, len(records["saved"]) - audited)
        problems.append(f"{audited} answer records in the audit trail for {len(records['saved'])} saves")
    return Outcome(result, len(records["saved"]), records["conflicts"], lost, duplicated, records["locked"],
                   problems + records["problems"][:5])


def drive(clients: list[dict], label: str, pause: float, seconds: float) -> tuple[Result, dict]:
    """Runs the clients in a process of their own; returns the window's timing and every save."""
    with tempfile.TemporaryDirectory(prefix="zx-answers-") as folder:
        answer = Path(folder) / "result.json"
        subprocess.run([sys.executable, "-m", "bench.answers_load", "--client", str(answer)],
                       input=json.dumps({"clients": clients, "label": label, "pause": pause, "seconds": seconds}),
                       text=True, check=True, timeout=WARMUP + seconds + REQUEST_TIMEOUT + 60)
        found = json.loads(answer.read_text())
    return Result(**found.pop("result")), found


async def _auditor(session: aiohttp.ClientSession, client: dict, number: int, window: tuple[float, float],
                   found: dict, label: str, pause: float) -> None:
    """Saves answers one after another until the window closes, each with a note no one else writes."""
    rng = random.Random(f"{label}{number}")
    items = client["items"]
    mine = [item for n, item in enumerate(items) if n % CLIENTS_PER_CHECKLIST == client["share"]]
    versions: dict[str, int] = {}
    start, end = window
    sent = 0
    while (began := time.perf_counter()) < end:
        code, value = rng.choice(items if rng.random() < OTHERS_SHARE else mine)
        sent += 1
        note = f"{client['name']} {label} #{sent}"
        headers = client["headers"] | {"If-Match": f'"{versions.get(code, 0)}"'}
        status, body = 0, ""
        try:
            async with session.put(client["url"] + code, json={"value": value, "note": note},
                                   headers=headers) as response:
                status, body = response.status, await response.text()
        except (TimeoutError, aiohttp.ClientError) as exc:
            body = repr(exc)
        done = time.perf_counter()
        if status == 200:
            saved = json.loads(body)
            versions[code] = saved["version"]
            found["saved"].append((client["engagement_id"], code, saved["version"], saved["value"], note,
                                   client["name"]))
        elif status == 412:
            versions[code] = int(json.loads(body)["current_etag"].strip('"'))
            found["conflicts"] += began >= start
        else:
            found["locked"] += LOCKED in body
            found["problems"].append(f"{client['name']} {code}: {status} {body[:200]}")
        if began >= start:
            found["timing"].append((done - began, done - start, status in (200, 412)))
        if pause:
            await asyncio.sleep(rng.expovariate(1 / pause))


async def _drive(clients: list[dict], label: str, pause: float, seconds: float) -> dict:
    found = {"saved": [], "conflicts": 0, "locked": 0, "problems": [], "timing": []}
    connector = aiohttp.TCPConnector(limit=len(clients))
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
                                     cookie_jar=aiohttp.DummyCookieJar()) as session:
        start = time.perf_counter() + WARMUP
        window = (start, start + seconds)
        tasks = [asyncio.create_task(_auditor(session, client, n, window, found, label, pause))
                 for n, client in enumerate(clients)]
        await asyncio.sleep(max(0.0, start - time.perf_counter()))
        cpu_before = time.process_time()
        await asyncio.gather(*tasks)
        client_cpu = time.process_time() - cpu_before
    timing = found.pop("timing")
    found["result"] = {"seconds": seconds, "latencies": [t[0] for t in timing], "finished_at": [t[1] for t in timing],
                       "errors": sum(1 for t in timing if not t[2]), "client_cpu": client_cpu}
    return found


def client_main(result_file: str) -> None:
    given = json.load(sys.stdin)
    found = uvloop.run(_drive(given["clients"], given["label"], given["pause"], given["seconds"]))
    Path(result_file).write_text(json.dumps(found))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        client_main(sys.argv[2])
    else:
        sys.exit(0 if run() else 1)
