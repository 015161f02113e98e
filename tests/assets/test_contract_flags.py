"""Each flag rule on hand-made contracts, at and beyond its edge; the columnwise rules and the loop agree."""

import random
from datetime import date, timedelta

import pytest

from services.assets.ledgers.contract_flags import (
    STEPS,
    FlagSettings,
    columns_from,
    flag_contracts,
    flag_one_by_one,
    reasons_of,
)

TODAY = date(2026, 6, 15)
SETTINGS = FlagSettings()


def clean(**changes) -> dict:
    """A contract that breaks no rule: full procedure in order, paid up, mid-term, 1000 a year per 亩."""
    contract = {"id": 1, "town_code": "110109104000", "kind": "arable", "area_mu": 10.0, "rent_cents": 1_000_000,
                "received_cents": 10_000_000, "cycle_months": 12, "signed_on": date(2020, 3, 10),
                "term_start": date(2020, 4, 1), "term_end": date(2035, 3, 31), "state": "performing",
                "procedure": {step: date(2020, 1, 1) + timedelta(days=7 * i) for i, step in enumerate(STEPS[:6])}
                | {"result_public": date(2020, 3, 20)}}
    contract.update(changes)
    return contract


def flags(*contracts: dict) -> list[set[str]]:
    """Both implementations, which must agree."""
    contracts = list(contracts)
    columnwise = flag_contracts(columns_from(contracts), SETTINGS, TODAY)
    loop = flag_one_by_one(contracts, SETTINGS, TODAY)
    assert [columnwise.codes(i) for i in range(len(contracts))] == loop
    return loop


def peers(price_cents_per_mu: list[int], **changes) -> list[dict]:
    return [clean(id=i, rent_cents=p * 10, **changes) for i, p in enumerate(price_cents_per_mu)]


def test_a_contract_that_breaks_no_rule_raises_none():
    assert flags(clean()) == [set()]


def test_a_missing_step_is_flagged_and_named():
    procedure = {k: v for k, v in clean()["procedure"].items() if k != "deliberation"}
    assert flags(clean(procedure=procedure)) == [{"procedure"}]
    contracts = [clean(procedure=procedure)]
    flagged = flag_contracts(columns_from(contracts), SETTINGS, TODAY)
    reason = reasons_of(flagged, 0, "arable", SETTINGS)[0]["reason"]
    assert "党员大会审议" in reason and "deliberation" in reason


def test_steps_on_the_same_day_are_in_order_but_one_a_day_early_is_not():
    procedure = clean()["procedure"]
    same_day = procedure | {"consultation": procedure["proposal"]}
    early = procedure | {"consultation": procedure["proposal"] - timedelta(days=1)}
    assert flags(clean(procedure=same_day), clean(procedure=early)) == [set(), {"procedure"}]


def test_signing_before_the_resolution_is_public_or_result_public_before_signing_is_out_of_order():
    procedure = clean()["procedure"]
    signed_early = clean(signed_on=procedure["resolution_public"] - timedelta(days=1))
    result_early = clean(procedure=procedure | {"result_public": date(2020, 3, 9)})
    at_edge = clean(signed_on=procedure["resolution_public"], procedure=procedure | {
        "result_public": procedure["resolution_public"]})
    assert flags(signed_early, result_early, at_edge) == [{"procedure"}, {"procedure"}, set()]


def test_term_at_the_maximum_passes_and_a_day_more_is_too_long():
    start = date(2020, 4, 1)
    at_max = clean(term_start=start, term_end=date(2050, 4, 1))
    beyond = clean(term_start=start, term_end=date(2050, 4, 2))
    forest = clean(kind="forest", term_start=start, term_end=date(2050, 4, 2))
    assert flags(at_max, beyond, forest) == [set(), {"term_too_long"}, set()]


def test_price_at_the_fraction_of_the_median_passes_and_below_it_is_low():
    # five peers at 100 yuan per 亩: the median is 100; half of it is 50.
    at_edge = peers([10_000, 10_000, 10_000, 10_000, 5_000])
    below = peers([10_000, 10_000, 10_000, 10_000, 4_999])
    assert flags(*at_edge)[-1] == set()
    assert flags(*below)[-1] == {"low_price"}


def test_low_price_needs_enough_peers_of_the_same_kind_in_the_same_town():
    too_few = peers([10_000, 10_000, 10_000, 1_000])
    other_town = peers([10_000] * 4) + [clean(id=9, rent_cents=10_000, town_code="110109109000")]
    other_kind = peers([10_000] * 4) + [clean(id=9, rent_cents=10_000, kind="forest")]
    assert flags(*too_few)[-1] == set()
    assert flags(*other_town)[-1] == set()
    assert flags(*other_kind)[-1] == set()


def test_arrears_count_instalments_begun_after_the_grace_days():
    # Annual rent 10,000 in advance from 2025-06-16: the second instalment begins 2026-06-16.
    start, end = date(2025, 6, 16), date(2035, 6, 15)
    paid_one = clean(term_start=start, term_end=end, signed_on=date(2020, 3, 10), received_cents=1_000_000)
    owing = clean(term_start=start, term_end=end, received_cents=999_999)
    assert flags(paid_one, owing) == [set(), {"arrears"}]
    # 30 days after an instalment begins it is due: 2025-05-16 + 30 days = 2025-06-15 (today).
    just_due = clean(term_start=date(2025, 5, 16), term_end=end, received_cents=1_000_000)
    not_yet = clean(term_start=date(2025, 5, 17), term_end=end, received_cents=1_000_000)
    assert flags(just_due, not_yet) == [{"arrears"}, set()]


def test_quarterly_rent_is_due_a_quarter_at_a_time():
    contract = clean(term_start=date(2026, 1, 1), term_end=date(2030, 12, 31), cycle_months=3,
                     received_cents=500_000)  # two quarters of 10,000 a year; 2026-04-01 + 30 days ≤ today
    assert flags(contract) == [set()]
    assert flags(clean(**{**contract, "received_cents": 499_999})) == [{"arrears"}]


def test_past_its_end_still_performed_overruns_but_an_ended_one_does_not():
    ended_yesterday = dict(term_start=date(2016, 6, 15), term_end=TODAY - timedelta(days=1),
                           received_cents=10_000_000)
    assert flags(clean(**ended_yesterday), clean(**ended_yesterday, state="ended")) == [{"overrun"}, set()]


def test_expiring_within_the_days_set_and_not_a_day_later():
    at_edge = clean(term_start=date(2016, 9, 13), term_end=TODAY + timedelta(days=90))
    beyond = clean(term_start=date(2016, 9, 14), term_end=TODAY + timedelta(days=91))
    today = clean(term_start=date(2016, 6, 15), term_end=TODAY)
    assert flags(at_edge, beyond, today) == [{"expiring"}, set(), {"expiring"}]


def test_a_terminated_contract_raises_nothing():
    assert flags(clean(state="terminated", procedure={}, received_cents=0)) == [set()]


def test_reasons_name_the_amount_and_the_median():
    contracts = peers([10_000] * 4 + [1_000], received_cents=0)
    flagged = flag_contracts(columns_from(contracts), SETTINGS, TODAY)
    reasons = {r["code"]: r["reason"] for r in reasons_of(flagged, 4, "arable", SETTINGS)}
    assert "100.00" in reasons["low_price"] and "10.00" in reasons["low_price"]
    assert "欠缴租金" in reasons["arrears"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columnwise_and_loop_agree_on_random_contracts(seed):
    rng = random.Random(seed)
    contracts = []
    for i in range(400):
        start = date(2010, 1, 1) + timedelta(days=rng.randrange(6000))
        procedure = {s: start - timedelta(days=rng.randrange(60)) for s in STEPS if rng.random() > 0.05}
        contracts.append(clean(id=i, town_code=rng.choice(["t1", "t2"]), kind=rng.choice(["arable", "forest"]),
                               area_mu=rng.choice([0.0, 3.5, 10.0, 120.25]), rent_cents=rng.randrange(1, 10**8),
                               received_cents=rng.randrange(10**9), cycle_months=rng.choice([1, 3, 6, 12]),
                               signed_on=start - timedelta(days=rng.randrange(40)), term_start=start,
                               term_end=start + timedelta(days=rng.randrange(300, 20000)), procedure=procedure,
                               state=rng.choice(["performing", "performing", "ended", "terminated"])))
    found = flags(*contracts)
    assert any(found) and not all(found)
