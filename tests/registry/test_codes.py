"""Pure checks of division codes and credit codes, no database."""

import pytest

from services.common.errors import Invalid
from services.registry.codes import (
    check_credit_code,
    check_unit_code,
    credit_check_char,
    make_credit_code,
    organization_check_char,
)

REAL_CODES = ["91350100M000100Y43", "91110108551385082Q"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_credit_codes_pass(code):
    check_credit_code(code)


@pytest.mark.parametrize("prefix", ["N1", "N2", "N3"])
def test_collective_organization_prefixes_are_accepted(prefix):
    code = make_credit_code(prefix, "110109", 104201)
    check_credit_code(code)
    assert code.startswith(prefix) and len(code) == 18


def test_wrong_check_character_is_refused_with_expected_one():
    wrong = "91350100M000100Y44"
    with pytest.raises(Invalid) as caught:
        check_credit_code(wrong)
    assert caught.value.field == "credit_code"
    message = caught.value.errors[0]["message"]
    assert "校验位应为 3" in message and "check character should be 3" in message


def test_wrong_check_character_of_a_collective_code_names_the_expected_one():
    good = make_credit_code("N2", "110109", 42)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(Invalid) as caught:
        check_credit_code(wrong)
    assert f"should be {good[17]}" in caught.value.errors[0]["message"]


def test_wrong_organization_code_check_is_refused():
    body = "12345678"
    bad_org = "X" if organization_check_char(body) != "X" else "0"
    first17 = "N2110109" + body + bad_org
    with pytest.raises(Invalid) as caught:
        check_credit_code(first17 + credit_check_char(first17))
    assert "organization code check character" in caught.value.errors[0]["message"]


@pytest.mark.parametrize("code", ["N2110109", "N211010900001234IO", "n2110109000012343r"[:17], "N2ABCDEF000012343R"])
def test_malformed_credit_codes_are_refused(code):
    with pytest.raises(Invalid):
        check_credit_code(code)


def test_organization_check_maps_ten_and_eleven():
    assert organization_check_char("D2143569") == "X"  # a GB 11714 example: D2143569-X
    bodies = [f"{n:08d}" for n in range(200)]
    assert "0" in {organization_check_char(b) for b in bodies}


@pytest.mark.parametrize("code,level,parent", [
    ("110109000000", "district", None),
    ("110109104000", "town", "110109000000"),
    ("110109104201", "village", "110109104000"),
])
def test_good_division_codes_pass(code, level, parent):
    check_unit_code(code, level, parent)


@pytest.mark.parametrize("code,level,parent,needle", [
    ("11010910400", "town", "110109000000", "12"),
    ("1101091040ab", "village", "110109104000", "12"),
    ("110109104001", "town", "110109000000", "级"),
    ("110109104000", "village", "110109104000", "级"),
    ("110110104000", "town", "110109000000", "110109"),
    ("110109105201", "village", "110109104000", "110109104"),
    ("110109104201", "village", None, "parent"),
])
def test_bad_division_codes_are_refused(code, level, parent, needle):
    with pytest.raises(Invalid) as caught:
        check_unit_code(code, level, parent)
    assert needle in caught.value.errors[0]["message"]
