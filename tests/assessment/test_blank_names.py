"""Blank names, codes and class labels of a scheme are refused, naming the field."""

import pytest

from tests.assessment.conftest import scheme_body

pytestmark = pytest.mark.db
BLANK = "不能为空或只含空白 / must not be empty or blank"


def test_a_blank_class_label_is_refused(assessment, officer):
    response = assessment.post("/v1/schemes", json=scheme_body(classes=["  "]), headers=officer)
    assert response.status_code == 422
    assert {"field": "classes.0", "message": BLANK} in response.json()["errors"]


def test_a_blank_indicator_name_is_refused(assessment, officer):
    body = scheme_body()
    body["indicators"][1]["name_zh"] = ""
    response = assessment.post("/v1/schemes", json=body, headers=officer)
    assert response.status_code == 422
    assert {"field": "indicators.1.name_zh", "message": BLANK} in response.json()["errors"]
