"""The demo loader: realistic counts, valid codes, and a second run that changes nothing."""

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.common import audit
from services.common.database import make_engine
from services.common.migrate import upgrade
from services.registry import demo
from services.registry.codes import check_credit_code, check_unit_code
from services.registry.models import Change, Organization, StatisticValue, Unit

pytestmark = pytest.mark.db
unit = Unit.__table__


@pytest.fixture(scope="module")
def loaded(databases):
    url = databases.new("registry_demo")
    upgrade("registry", url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        made = demo.load_demo(session)
    yield engine, made
    engine.dispose()


def count(engine, query) -> int:
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def village_level_now(engine, prefix: str) -> int:
    return count(engine, select(func.count()).where(unit.c.level == "village", unit.c.valid_to.is_(None),
                                                    unit.c.unit_code.startswith(prefix)))


def test_two_districts_with_their_village_level_units(loaded):
    engine, made = loaded
    assert set(made) == {"门头沟区", "郫都区"}
    assert village_level_now(engine, "110109") == 180
    assert village_level_now(engine, "510117") == 98
    communities = count(engine, select(func.count()).where(unit.c.kind == "community", unit.c.valid_to.is_(None),
                                                           unit.c.unit_code.startswith("510117")))
    assert communities == 21


def test_second_run_changes_nothing(loaded):
    engine, _ = loaded
    tables = [Unit.__table__, Organization.__table__, StatisticValue.__table__, Change.__table__]
    before = [count(engine, select(func.count()).select_from(t)) for t in tables]
    with Session(engine) as session, session.begin():
        assert demo.load_demo(session) == {}
    assert [count(engine, select(func.count()).select_from(t)) for t in tables] == before


def test_zhaitang_keeps_the_demo_officers_town_code(loaded):
    engine, _ = loaded
    with engine.connect() as conn:
        name = conn.execute(select(unit.c.name).where(unit.c.unit_code == "110109104000")).scalar_one()
    assert name == "斋堂镇"


def test_codes_are_valid_and_everything_is_marked_demo(loaded):
    engine, _ = loaded
    with engine.connect() as conn:
        units = conn.execute(select(unit)).mappings().all()
        credit_codes = conn.execute(select(Organization.__table__.c.credit_code)).scalars().all()
    for row in units:
        check_unit_code(row["unit_code"], row["level"], row["parent_code"])
    for code in credit_codes:
        check_credit_code(code)
    assert {c[:2] for c in credit_codes} == {"N1", "N2", "N3"}
    assert all(row["demo"] for row in units)


def test_five_years_of_statistics_with_a_realistic_spread(loaded):
    engine, _ = loaded
    values = StatisticValue.__table__
    with engine.connect() as conn:
        years = conn.execute(select(values.c.year).distinct().order_by(values.c.year)).scalars().all()
        income = conn.execute(select(values.c.value).where(
            values.c.metric_key == "collective_operating_income", values.c.year == 2025)).scalars().all()
    assert years == [2021, 2022, 2023, 2024, 2025]
    assert min(income) < 100_000 < 500_000 < max(income)
    with Session(engine) as session:
        assert audit.verify_chain(session).ok


def test_merges_of_the_second_district_are_recorded(loaded):
    engine, _ = loaded
    closed = count(engine, select(func.count()).where(unit.c.valid_to.is_not(None), unit.c.unit_code.startswith("510117")))
    assert closed == 10
