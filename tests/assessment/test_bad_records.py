"""A record of the registry the gathering cannot use is reported and left out; the district is still gathered."""

from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import delete, insert

from services.assessment.inputs import read_registry
from services.registry.models import ClassificationScheme, UnitClass
from tests.assessment.conftest import make_period

pytestmark = pytest.mark.db
VILLAGE = "110109104201"


@contextmanager
def stored_scheme(registry, classes: list[str]):
    """A scheme with these classes written past the API, as one stored before labels were checked;
    the first village holds the first class in 2025. Removed afterwards: the registry is shared."""
    engine = registry.app.state.engine
    schemes, unit_classes = ClassificationScheme.__table__, UnitClass.__table__
    with engine.begin() as connection:
        connection.execute(insert(schemes).values(key="broken", name="旧方案", classes=classes, builtin=False,
                                                  version=1))
        unit_id = connection.exec_driver_sql(f"SELECT id FROM unit WHERE unit_code = '{VILLAGE}'").scalar()
        connection.execute(insert(unit_classes).values(unit_id=unit_id, unit_code=VILLAGE, scheme_key="broken",
                                                       year=2025, class_name=classes[0]))
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(delete(unit_classes).where(unit_classes.c.scheme_key == "broken"))
            connection.execute(delete(schemes).where(schemes.c.key == "broken"))


def test_the_registry_lists_units_of_a_blank_class_it_stored(registry, token_for):
    with stored_scheme(registry, ["", "山区"]):
        response = registry.get("/v1/units", params={"scheme": "broken", "class_name": "", "class_year": 2025},
                                headers=token_for("admin", audience="registry"))
    assert response.status_code == 200, response.text
    assert [u["unit_code"] for u in response.json()["items"]] == [VILLAGE]


def test_a_blank_class_label_is_reported_and_the_district_still_gathered(assessment, officer, registry):
    with stored_scheme(registry, ["", "山区"]):
        period = make_period(assessment, officer, year=2025)
    report = assessment.get(f"/v1/periods/{period['id']}/inputs", headers=officer).json()
    assert report["units"] > 100
    assert report["skipped"] == [{"source": "registry", "record": "classification-schemes/broken",
                                  "field": "classes[0]", "reason": "分类名称为空 / the class label is blank"}]
    assert "class:broken:山区" in report["columns"]


def registry_refusing_class_filters(request: httpx.Request) -> httpx.Response:
    """A registry of one village that answers 422 to any class filter, as one before the fix did."""
    if request.url.path == "/v1/classification-schemes":
        return httpx.Response(200, json={"items": [{"key": "terrain", "classes": ["山区"]}]})
    if request.url.path == "/v1/units" and "scheme" in request.url.params:
        return httpx.Response(422, json={"code": "invalid"})
    if request.url.path == "/v1/units":
        return httpx.Response(200, json={"items": [{"unit_code": VILLAGE, "name": "爨底下村",
                                                    "town_code": "110109104000"}], "next_cursor": None})
    if request.url.path == "/v1/statistics":
        return httpx.Response(200, json={"items": [{"unit_code": VILLAGE, "values": {"households": "NaN",
                                                                                     "population": "312"}}]})
    return httpx.Response(200, json={"items": [], "next_cursor": None})


def test_a_class_the_registry_refuses_to_filter_by_is_reported_not_fatal():
    client = httpx.Client(base_url="http://registry", transport=httpx.MockTransport(registry_refusing_class_filters))
    document = read_registry(client, "110109000000", 2025)
    assert document["unit_codes"] == [VILLAGE] and document["columns"]["metric:population"] == [312.0]
    assert [(s["record"], s["field"]) for s in document["skipped"]] == [
        ("statistics/110109104201/2025", "values.households"), ("classification-schemes/terrain", "classes[0]")]
