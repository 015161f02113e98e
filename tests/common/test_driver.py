"""Statements run on the driver's cursor give the rows `Connection.execute` gives."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Boolean, Column, Date, Integer, MetaData, Numeric, String, Table, bindparam, func, insert, select

from services.common.database import make_engine
from services.common.driver_select import driver_select

pytestmark = pytest.mark.db

metadata = MetaData()
village = Table("village", metadata, Column("id", Integer, primary_key=True), Column("name", String(40)),
                Column("founded", Date), Column("demo", Boolean), Column("income", Numeric(18, 2)))
ROWS = [{"id": 1, "name": "东村", "founded": date(2001, 5, 1), "demo": True, "income": Decimal("12.50")},
        {"id": 2, "name": "西村", "founded": date(2010, 1, 31), "demo": False, "income": Decimal("0.00")},
        {"id": 3, "name": "南村", "founded": None, "demo": None, "income": None}]


@pytest.fixture(scope="module")
def engine(databases):
    engine = make_engine(databases.new("driver"))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(village), ROWS)
    yield engine
    engine.dispose()


def test_rows_equal_those_of_execute_with_dates_booleans_and_numbers(engine):
    statement = (select(village).where(village.c.founded <= bindparam("on"), village.c.name != bindparam("skip"))
                 .order_by(village.c.id).limit(bindparam("limit", type_=Integer)))
    values = {"on": date(2005, 1, 1), "skip": "西村", "limit": 5}
    with engine.connect() as connection:
        expected = [tuple(row) for row in connection.execute(statement, values)]
        found = driver_select(statement, connection.dialect).rows(connection, values)
    assert found == expected == [(1, "东村", date(2001, 5, 1), True, Decimal("12.50"))]
    assert isinstance(found[0][3], bool)


def test_null_values_and_a_count_come_back_as_they_are(engine):
    everything = select(village).order_by(village.c.id)
    counted = select(func.count()).select_from(village).where(village.c.demo.is_(None))
    with engine.connect() as connection:
        assert driver_select(everything, connection.dialect).rows(connection, {})[2] == (3, "南村", None, None, None)
        assert driver_select(counted, connection.dialect).rows(connection, {}) == [(1,)]


def test_the_same_statement_is_compiled_once(engine):
    statement = select(village.c.name).where(village.c.id == bindparam("id"))
    with engine.connect() as connection:
        assert driver_select(statement, connection.dialect) is driver_select(statement, connection.dialect)


def test_expanding_parameters_are_refused_at_compile_time(engine):
    statement = select(village.c.name).where(village.c.id.in_(bindparam("ids", expanding=True)))
    with engine.connect() as connection, pytest.raises(ValueError, match="expanding"):
        driver_select(statement, connection.dialect)


def test_a_value_the_database_refuses_raises_what_execute_raises(engine):
    """On PostgreSQL a year past 32 bits was the driver's own error, which no handler knew: a 500."""
    statement = select(village.c.id).where(village.c.id == bindparam("id", type_=Integer))
    raised = []
    for run in (lambda c: c.execute(statement, {"id": 2**40}).all(),
                lambda c: driver_select(statement, c.dialect).rows(c, {"id": 2**40})):
        with engine.connect() as connection:
            try:
                run(connection)
                raised.append(None)
            except Exception as exc:  # noqa: BLE001 - the kind is what is compared
                raised.append(type(exc))
    assert raised[0] is raised[1]
