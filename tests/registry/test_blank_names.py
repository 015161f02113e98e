"""Names, codes and class labels that are empty or blank are refused at the edge, naming the field."""

import pytest

from services.registry.codes import make_credit_code
from tests.registry.conftest import DISTRICT, TOWN

pytestmark = pytest.mark.db
BLANK = "不能为空或只含空白 / must not be empty or blank"


def scheme(**changes) -> dict:
    return {"key": "terrain", "name": "地形", "classes": ["山区", "平原"], **changes}


def refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert {"field": field, "message": BLANK} in response.json()["errors"]


@pytest.mark.parametrize(("changes", "field"), [({"classes": [""]}, "classes.0"),
                                                ({"classes": ["山区", "  "]}, "classes.1"),
                                                ({"name": " "}, "name")])
def test_a_blank_class_or_scheme_name_is_refused(registry, admin, changes, field):
    refused(registry.post("/v1/classification-schemes", json=scheme(**changes), headers=admin), field)


def test_class_labels_are_kept_without_surrounding_blanks(registry, admin):
    response = registry.post("/v1/classification-schemes", json=scheme(classes=[" 山区 ", "平原"]), headers=admin)
    assert response.status_code == 201 and response.json()["classes"] == ["山区", "平原"]


def test_a_blank_class_of_a_unit_is_refused(district, admin):
    registry = district
    registry.post("/v1/classification-schemes", json=scheme(), headers=admin)
    response = registry.post("/v1/units/110109104201/classes", json={"scheme_key": "terrain", "year": 2024,
                                                                     "class_name": "\t"}, headers=admin)
    refused(response, "class_name")


def test_a_blank_unit_name_is_refused(registry, admin):
    refused(registry.post("/v1/units", json={"unit_code": DISTRICT, "name": " \u3000"}, headers=admin), "name")


def test_a_blank_organization_name_is_refused(district, admin):
    body = {"credit_code": make_credit_code("N2", "110109", 1), "name": "", "level": "town", "unit_code": TOWN}
    refused(district.post("/v1/organizations", json=body, headers=admin), "name")
