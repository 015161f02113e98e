"""Runs (计分): recorded before they start, computed in a background thread, stored compactly.

A run's digest covers the inputs snapshot, the manual entries and the scheme's content, so the
same inputs and scheme give the same digest, and the scores follow from them alone. It is fixed
when the run is recorded; computing checks it again, so a run resumed after a restart computes
exactly what it was recorded to, or fails saying what changed.
"""

import hashlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, repeat

import numpy as np
import orjson
import structlog
from sqlalchemy import Engine, delete, update
from sqlmodel import Session, select

from services.assessment import inputs as period_inputs
from services.assessment import schemes
from services.assessment.models import InputSnapshot, Period, Run, RunResult, Scheme
from services.assessment.scheme_spec import SchemeSpec
from services.assessment.scoring import Scores, score
from services.common import audit
from services.common.database import is_sqlite
from services.common.errors import Conflict, DomainError, NotFound

log = structlog.get_logger()
RESULT_COLUMNS = ("run_id", "unit_code", "unit_name", "town_code", "class_name", "total", "grade", "rank",
                  "class_rank", "vetoes", "dimensions", "breakdown")
BATCH = 50_000  # villages whose result rows are built at once
BULK_CACHE_KIB = 128 * 1024  # SQLite page cache while a run's rows are inserted
INTERRUPTED = "服务重启，计分中断 / the service restarted while this run was computing"
CHANGED = ("记录计分后手工录入已变，无法按原样重算 / manual entries changed after the run was recorded, so it "
           "cannot be computed as it was")


class InputsChanged(DomainError):
    status, code, title = 409, "inputs_changed", "The run's inputs changed"


def get(session: Session, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise NotFound(f"没有计分 {run_id} / no run {run_id}", code="run_not_found")
    return run


def list_runs(session: Session, *, scheme_id: int | None = None, period_id: int | None = None,
              published_only: bool = False, before_id: int | None = None, limit: int = 50) -> list[Run]:
    """Runs newest first, a keyset page at a time."""
    query = select(Run).order_by(Run.id.desc()).limit(limit)
    if scheme_id is not None:
        query = query.where(Run.scheme_id == scheme_id)
    if period_id is not None:
        query = query.where(Run.period_id == period_id)
    if published_only:
        query = query.where(Run.published_at.is_not(None))
    if before_id is not None:
        query = query.where(Run.id < before_id)
    return list(session.exec(query))


def create(session: Session, scheme: Scheme, period: Period, *, actor: str, demo: bool = False) -> Run:
    """Records a queued run of a published scheme over the period's latest snapshot."""
    if scheme.status != "published":
        raise Conflict("只有已发布的方案可以计分；草稿请用 what-if / only a published scheme is run; "
                       "try a draft with what-if", code="scheme_not_published")
    snapshot = period_inputs.latest_snapshot(session, period)
    run = Run(scheme_id=scheme.id, scheme_version=scheme.version, period_id=period.id, snapshot_id=snapshot.id,
              created_by=actor, demo=demo, units=snapshot.units, digest=run_digest(session, period, snapshot, scheme)[1])
    session.add(run)
    session.flush()
    audit.record(session, actor=actor, action="create", entity="run", entity_id=str(run.id),
                 after={"scheme_id": scheme.id, "period_id": period.id, "snapshot": snapshot.digest})
    return run


def start(engine: Engine, run_id: int) -> threading.Thread:
    thread = threading.Thread(target=execute, args=(engine, run_id), name=f"run-{run_id}", daemon=True)
    thread.start()
    return thread


def _set(engine: Engine, run_id: int, **values) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(Run).where(Run.id == run_id).values(**values))


def execute(engine: Engine, run_id: int) -> None:
    """Computes and stores a run; any failure is recorded on the run with its reason."""
    try:
        _set(engine, run_id, status="running", progress=5, started_at=datetime.now(UTC))
        with Session(engine) as session:
            run = get(session, run_id)
            scheme = schemes.get(session, run.scheme_id)
            spec = schemes.spec_of_scheme(session, scheme)
            document, digest = prepared(session, run.period_id, session.get(InputSnapshot, run.snapshot_id), scheme)
            if run.digest is not None and digest != run.digest:
                raise InputsChanged(CHANGED)
        _set(engine, run_id, progress=20)
        scores = score(spec, period_inputs.inputs_for(document, document.pop("_manual"), spec))
        _set(engine, run_id, progress=50)
        with Session(engine) as session, session.begin():
            session.execute(delete(RunResult).where(RunResult.run_id == run_id))
            store_results(session, run_id, spec, document, scores)
            session.execute(update(Run).where(Run.id == run_id).values(
                status="done", progress=100, digest=digest, finished_at=datetime.now(UTC)))
    except Exception as exc:  # the run must end failed with its reason, never stay running
        log.exception("run_failed", run_id=run_id)
        _set(engine, run_id, status="failed", reason=str(exc)[:2000], finished_at=datetime.now(UTC))


def run_digest(session: Session, period: Period, snapshot: InputSnapshot, scheme: Scheme) -> tuple[list, str]:
    """The manual entries a run reads, and the digest of everything it reads (without loading the snapshot)."""
    manual = [(e.unit_code, e.indicator_code, e.value) for e in period_inputs.manual_entries(session, period)]
    content = schemes.document(session, scheme)
    for volatile in ("id", "status", "published_at", "row_version"):
        content.pop(volatile)
    digest = hashlib.sha256(orjson.dumps([snapshot.digest, manual, content], option=orjson.OPT_SORT_KEYS,
                                         default=str)).hexdigest()
    return manual, digest


def prepared(session: Session, period_id: int, snapshot: InputSnapshot, scheme: Scheme) -> tuple[dict, str]:
    """The snapshot's document with the manual entries, and the digest of everything a run reads."""
    manual, digest = run_digest(session, period_inputs.get_period(session, period_id), snapshot, scheme)
    document = orjson.loads(snapshot.payload)
    document["_manual"] = manual
    return document, digest


def result_rows(run_id: int, spec: SchemeSpec, document: dict, scores: Scores,
                part: slice = slice(None)) -> list[tuple]:
    """One tuple per village of `part` (in RESULT_COLUMNS order), built a column at a time: the JSON texts
    from one serialization of each matrix, the labels by one take, the tuples by zip."""
    scale = 10.0 ** spec.decimals
    points, vetoed = scores.points[part], scores.vetoed[part]
    villages, indicators = points.shape
    breakdown = np.empty((villages, 2 * indicators))
    breakdown[:, :indicators] = scores.raw[part]
    np.divide(points, scale, out=breakdown[:, indicators:])
    vetoes = ["[]"] * villages
    codes = np.array(scores.codes, dtype=object)
    for i in np.flatnonzero(vetoed.any(axis=1)).tolist():
        vetoes[i] = orjson.dumps(codes[vetoed[i]].tolist()).decode()
    return list(zip(repeat(run_id, villages), document["unit_codes"][part], document["names"][part],
                    document["towns"][part], _labels(spec.classes, scores.class_index[part]),
                    (scores.total[part] / scale).tolist(), _labels([band[0] for band in spec.bands], scores.grade[part]),
                    scores.rank[part].tolist(), scores.class_rank[part].tolist(), vetoes,
                    _rows_of(scores.dimensions[part] / scale), _rows_of(breakdown), strict=True))


def result_batches(run_id: int, spec: SchemeSpec, document: dict, scores: Scores) -> Iterator[list[tuple]]:
    """The rows of result_rows, BATCH villages at a time."""
    for start in range(0, len(document["unit_codes"]), BATCH):
        yield result_rows(run_id, spec, document, scores, slice(start, start + BATCH))


def _labels(names: list[str], index: np.ndarray) -> list[str]:
    return np.array(names, dtype=object)[index].tolist()


def _rows_of(matrix: np.ndarray) -> list[str]:
    """Each row of a float matrix as a JSON list (NaN as null), from one serialization of the whole."""
    if matrix.shape[0] == 0:
        return []
    text = orjson.dumps(np.ascontiguousarray(matrix, dtype=np.float64), option=orjson.OPT_SERIALIZE_NUMPY).decode()
    return ["[" + row + "]" for row in text[2:-2].split("],[")]


def store_results(session: Session, run_id: int, spec: SchemeSpec, document: dict, scores: Scores) -> None:
    """Writes a run's rows on the driver's own bulk path, COPY on PostgreSQL and executemany on SQLite, a
    batch at a time: PostgreSQL stores one batch while the next is built, and no more than a batch of
    rows is held in memory."""
    batches = result_batches(run_id, spec, document, scores)
    connection = session.connection()
    raw = connection.connection.driver_connection
    if is_sqlite(connection.engine):
        _insert_sqlite(raw, chain.from_iterable(batches))
        return
    with raw.cursor() as cursor, cursor.copy(f"COPY runresult ({', '.join(RESULT_COLUMNS)}) FROM STDIN") as copy:
        for rows in batches:
            for row in rows:
                copy.write_row(row)


def _insert_sqlite(raw, rows: Iterable[tuple]) -> None:
    """The tuples go to sqlite3 as they are: SQLAlchemy's per-row parameter handling cost more than the
    insert itself. For the insert the page cache holds the three indexes being filled, which are written
    in another order than the rows arrive; with SQLite's default 2 MB their pages went to the WAL again
    and again (500,000 rows: 8.0 s of CPU, 4.3 s with the larger cache). The pooled connection gets its
    usual cache back before the commit, which writes the dirty pages as it would anyway."""
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        raw.executemany(f"INSERT INTO runresult ({', '.join(RESULT_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(RESULT_COLUMNS))})", rows)
    finally:
        raw.execute(f"PRAGMA cache_size = {int(cache)}")


@dataclass
class Recovery:
    resumed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)


def recover(engine: Engine) -> Recovery:
    """At startup: a run a stopped process left queued or running is computed again from its stored snapshot
    (runs are deterministic) when what it reads is unchanged, or else marked failed with the reason."""
    found = Recovery()
    with Session(engine) as session, session.begin():
        for run in session.exec(select(Run).where(Run.status.in_(("queued", "running")))).all():
            reason = _unresumable(session, run)
            if reason:
                run.status, run.reason, run.finished_at = "failed", reason, datetime.now(UTC)
                found.failed.append(run.id)
            else:
                run.status, run.progress, run.started_at = "queued", 0, None
                found.resumed.append(run.id)
            audit.record(session, actor="system:startup", action="fail" if reason else "resume", entity="run",
                         entity_id=str(run.id), after={"reason": reason} if reason else None)
    found.threads = [start(engine, run_id) for run_id in found.resumed]
    return found


def _unresumable(session: Session, run: Run) -> str | None:
    """Why a stale run cannot be computed again as it was recorded; None when it can."""
    snapshot = session.get(InputSnapshot, run.snapshot_id)
    scheme = session.get(Scheme, run.scheme_id)
    if run.digest is None or snapshot is None or scheme is None or scheme.status != "published":
        return INTERRUPTED
    if run_digest(session, period_inputs.get_period(session, run.period_id), snapshot, scheme)[1] != run.digest:
        return f"{INTERRUPTED}; {CHANGED}"
    return None


def publish(session: Session, run: Run, *, actor: str) -> Run:
    if run.status != "done":
        raise Conflict("只有完成的计分可以发布 / only a finished run is published", code="run_not_done")
    run.published_at, run.published_by = datetime.now(UTC), actor
    audit.record(session, actor=actor, action="publish", entity="run", entity_id=str(run.id))
    return run
