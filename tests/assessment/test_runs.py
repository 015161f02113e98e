"""Storing a run: every village's row read back as scored, on the driver's bulk path of each database."""

import math

import numpy as np
import orjson
import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from bench.assessment_scoring import make_document, scheme_body
from services.assessment import inputs, runs, schemes
from services.assessment.models import Period, Run, RunResult
from services.assessment.schemas import SchemeIn
from services.assessment.scoring import score
from services.common.database import is_sqlite, make_engine
from services.common.errors import Invalid
from services.common.migrate import upgrade

pytestmark = pytest.mark.db
VILLAGES = 400


@pytest.fixture(scope="module")
def stored(databases):
    """A 40-indicator run over 400 villages (some values missing, some vetoed), computed and stored in batches."""
    url = databases.new("assessment_runs")
    upgrade("assessment", url)
    engine = make_engine(url, pool_size=1)
    body = scheme_body()
    spec = schemes.spec_of(SchemeIn(**body))
    document = make_document(spec, VILLAGES)
    with Session(engine) as session, session.begin():
        scheme = schemes.create(session, SchemeIn(**body), actor="test")
        schemes.publish(session, scheme, actor="test")
        period = Period(district_code=document["district_code"], year=document["year"], created_by="test")
        session.add(period)
        session.flush()
        inputs.store_snapshot(session, period, document, actor="test")
        run_id = runs.create(session, scheme, period, actor="test").id
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runs, "BATCH", 150)  # three batches: 150, 150 and 100 villages
        runs.execute(engine, run_id)
    yield engine, run_id, spec, document
    engine.dispose()


def test_every_village_reads_back_as_scored(stored):
    engine, run_id, spec, document = stored
    expected = score(spec, inputs.inputs_for(document, [], spec))
    with Session(engine) as session:
        assert session.get(Run, run_id).status == "done"
        found = {r.unit_code: r for r in session.exec(select(RunResult).where(RunResult.run_id == run_id)).scalars()}
    assert sorted(found) == sorted(document["unit_codes"])
    assert expected.vetoed.any() and np.isnan(expected.raw).any()
    k = len(spec.indicators)
    for i, code in enumerate(document["unit_codes"]):
        row = found[code]
        values = orjson.loads(row.breakdown)
        raw = [None if math.isnan(v) else v for v in expected.raw[i].tolist()]
        assert values[:k] == raw
        assert values[k:] == (expected.points[i] / 100).tolist()
        assert orjson.loads(row.dimensions) == (expected.dimensions[i] / 100).tolist()
        assert orjson.loads(row.vetoes) == [c for c, v in zip(expected.codes, expected.vetoed[i], strict=True) if v]
        assert (row.unit_name, row.town_code) == (document["names"][i], document["towns"][i])
        assert (row.total, row.rank, row.class_rank) == (expected.total[i] / 100, expected.rank[i],
                                                         expected.class_rank[i])
        assert row.grade == spec.bands[expected.grade[i]][0]
        assert row.class_name == spec.classes[expected.class_index[i]] == document["classes"]["planning_class"][i]


def test_storing_leaves_the_pooled_sqlite_connection_with_its_usual_page_cache(stored):
    engine = stored[0]
    if not is_sqlite(engine):
        pytest.skip("the page cache is set for SQLite's insert only")
    with engine.connect() as connection:  # the pool's one connection, the one that stored the run
        assert connection.execute(text("PRAGMA cache_size")).scalar() == -2000


def test_a_manual_entry_names_a_village_of_the_latest_snapshot_only(databases):
    """Villages are kept per snapshot digest: a regathered period that lost a village refuses entries for it."""
    engine = make_engine(databases.new("assessment_villages"), pool_size=1)
    upgrade("assessment", str(engine.url.render_as_string(hide_password=False)))
    spec = schemes.spec_of(SchemeIn(**scheme_body()))
    first = make_document(spec, 5)
    second = orjson.loads(orjson.dumps(first)) | {"unit_codes": first["unit_codes"][:4] + ["510117999998"]}
    gone, kept = first["unit_codes"][4], first["unit_codes"][0]
    entry = {"indicator_code": "x", "value": 1.0, "evidence": "镇报送表", "actor": "test"}
    with Session(engine) as session, session.begin():
        period = Period(district_code=first["district_code"], year=first["year"], created_by="test")
        session.add(period)
        session.flush()
        inputs.store_snapshot(session, period, first, actor="test")
        inputs.enter_manual(session, period, unit_code=gone, **entry)
        inputs.store_snapshot(session, period, second, actor="test")
        with pytest.raises(Invalid) as refused:
            inputs.enter_manual(session, period, unit_code=gone, **entry)
        assert refused.value.code == "unit_not_in_period"
        inputs.enter_manual(session, period, unit_code=kept, **entry)
        inputs.enter_manual(session, period, unit_code="510117999998", **entry)
        assert inputs.snapshot_villages(inputs.latest_snapshot(session, period)).codes == tuple(second["unit_codes"])
    engine.dispose()
