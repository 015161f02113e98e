"""Debt totals and the projection on hand-computed series; new debt without approval is flagged."""

from datetime import date
from decimal import Decimal

import pytest

from services.assets.ledgers.debts import Movement, project, yearly_totals
from tests.assets.test_ledgers import village_organizations


def test_projection_of_a_straight_fall():
    found = project([(2023, Decimal("1000")), (2024, Decimal("800")), (2025, Decimal("600"))])
    assert found == {"projected": "200.00", "pace": "200.00", "pace_needed": "300.00", "on_track": False,
                     "zero_year": 2028, "latest": "600.00", "latest_year": 2025}


def test_projection_that_reaches_zero_in_time_is_on_track_and_never_below_zero():
    found = project([(2023, Decimal("900")), (2024, Decimal("600")), (2025, Decimal("300"))])
    assert found["projected"] == "0.00" and found["on_track"] and found["zero_year"] == 2026
    assert found["pace_needed"] == "150.00"


def test_an_uneven_series_is_fitted_by_least_squares():
    # x̄ = 2024, ȳ = 700; deviations of y are 300, −300, 0.
    found = project([(2023, Decimal("1000")), (2024, Decimal("400")), (2025, Decimal("700"))])
    assert found["pace"] == "150.00"  # (−1·300 + 0 + 1·0) / 2 = −150
    assert found["projected"] == "250.00"  # 700 − 150·3


def test_yearly_totals_take_each_years_end_and_today_for_this_year():
    moves = [Movement(date(2022, 5, 1), Decimal("1000"), "v1", "t1"),
             Movement(date(2023, 12, 31), Decimal("-100"), "v1", "t1"),
             Movement(date(2024, 1, 1), Decimal("-200"), "v1", "t1"),
             Movement(date(2024, 3, 1), Decimal("500"), "v2", "t1"),
             Movement(date(2025, 7, 1), Decimal("-500"), "v2", "t1")]
    as_of = date(2025, 6, 30)
    assert yearly_totals(moves, "village", as_of) == {
        "v1": [(2023, Decimal("900.00")), (2024, Decimal("700.00")), (2025, Decimal("700.00"))],
        "v2": [(2023, Decimal("0.00")), (2024, Decimal("500.00")), (2025, Decimal("500.00"))]}
    assert yearly_totals(moves, "town", as_of)["t1"][-1] == (2025, Decimal("1200.00"))


def debt_body(credit_code: str, number: str, **changes) -> dict:
    return {"credit_code": credit_code, "number": number, "creditor_kind": "enterprise", "creditor_name": "某建筑公司",
            "origin": "construction", "principal": "1000.00", "interest": "0.00", "incurred_on": "2022-05-01",
            "due_on": "2028-12-31", "disposal": "repay", "responsible_person": "王村长"} | changes


@pytest.mark.db
class TestDebtsApi:
    def test_anonymous_and_wrong_role(self, assets, as_role):
        assert assets.get("/v1/debts").status_code == 401
        assert assets.post("/v1/debts", json={}, headers=as_role("viewer")).status_code == 403

    def test_as_of_given_as_a_number_is_422_naming_it(self, assets, lead):
        response = assets.get("/v1/debts/totals", params={"as_of": "0"}, headers=lead)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "as_of"

    def test_new_debt_without_approval_is_flagged_and_with_approval_is_not(self, assets, lead, district):
        org = village_organizations(district, 1)[0]
        old = assets.post("/v1/debts", json=debt_body(org["credit_code"], "D-1"), headers=lead).json()
        new = assets.post("/v1/debts", json=debt_body(org["credit_code"], "D-2", incurred_on="2024-02-01"),
                          headers=lead).json()
        approved = assets.post("/v1/debts", json=debt_body(org["credit_code"], "D-3", incurred_on="2024-02-01",
                                                           approval_reference="门农经审〔2024〕3号",
                                                           approved_on="2024-01-20"), headers=lead).json()
        assert old["new_debt"] is False and old["flags"] == []
        assert new["new_debt"] is True and [f["code"] for f in new["flags"]] == ["new_debt_unapproved"]
        assert approved["new_debt"] is True and approved["flags"] == []

    def test_totals_projection_and_the_measure_on_a_hand_computed_series(self, assets, lead, district):
        org = village_organizations(district, 1)[0]
        debt = assets.post("/v1/debts", json=debt_body(org["credit_code"], "D-1", principal="1200.00"),
                           headers=lead).json()
        for on, amount in (("2024-06-01", "200.00"), ("2025-06-01", "200.00")):
            paid = assets.post(f"/v1/debts/{debt['id']}/repayments", json={"paid_on": on, "amount": amount},
                               headers=lead)
            assert paid.status_code == 201, paid.text
        too_much = assets.post(f"/v1/debts/{debt['id']}/repayments", json={"paid_on": "2025-07-01",
                                                                          "amount": "900.00"}, headers=lead)
        assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "amount"
        totals = assets.get("/v1/debts/totals", params={"level": "district", "as_of": "2025-12-31"},
                            headers=lead).json()["items"][0]
        assert totals["series"] == [{"year": 2023, "total": "1200.00"}, {"year": 2024, "total": "1000.00"},
                                    {"year": 2025, "total": "800.00"}]
        assert totals["projection"]["projected"] == "400.00"
        assert totals["projection"]["pace_needed"] == "400.00"
        measure = assets.get("/v1/measures/debt", params={"year": 2025}, headers=lead).json()
        village = measure["items"][0]
        assert (village["unit_code"], village["outstanding"], village["previous"], village["change"]) == (
            org["unit_code"], "800.00", "1000.00", "-200.00")
        assert measure["district"]["series"][-1] == {"year": 2025, "total": "800.00"}
