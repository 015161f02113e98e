"""Request values are read only in the formats the OpenAPI publishes, not in pydantic's lax extras."""

from datetime import date, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from services.common.formats import IsoDate, JsonBool

day, flag = TypeAdapter(IsoDate), TypeAdapter(JsonBool)


def test_an_iso_day_is_read_as_that_day():
    assert day.validate_python("2024-02-29") == date(2024, 2, 29)
    assert day.validate_python(date(2024, 2, 29)) == date(2024, 2, 29)


@pytest.mark.parametrize("value", [0, "0", 1700000000, "1700000000", "20240229", "2024-02-29T00:00:00",
                                   datetime(2024, 2, 29), "2023-02-29"])
def test_a_timestamp_datetime_or_impossible_day_is_refused(value):
    with pytest.raises(ValidationError):
        day.validate_python(value)


def test_the_published_schema_is_still_a_date_string():
    assert day.json_schema() == {"type": "string", "format": "date"}


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_a_json_boolean_is_only_true_or_false(value):
    with pytest.raises(ValidationError):
        flag.validate_python(value)
    assert flag.validate_python(True) is True and flag.json_schema() == {"type": "boolean"}
