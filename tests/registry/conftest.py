"""Fixtures of the registry tests: a migrated registry, headers per role, builders of units."""

import pytest

from services.registry.app import create_app
from services.registry.codes import make_credit_code
from services.registry.settings import RegistrySettings

DISTRICT, TOWN, OTHER_TOWN = "110109000000", "110109104000", "110109105000"


@pytest.fixture
def registry(service_client):
    return service_client("registry", create_app, RegistrySettings)


@pytest.fixture
def as_role(token_for):
    """`as_role("town_officer", towns=(TOWN,))` gives the headers of that caller."""

    def make(role: str, towns: tuple[str, ...] = ()) -> dict[str, str]:
        return token_for(role, audience="registry", towns=towns)

    return make


@pytest.fixture
def admin(as_role):
    return as_role("admin")


@pytest.fixture
def officer(as_role):
    return as_role("town_officer", towns=(TOWN,))


def make_unit(client, headers, code: str, name: str, parent: str | None = None, **extra) -> dict:
    body = {"unit_code": code, "name": name, "parent_code": parent, **extra}
    response = client.post("/v1/units", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def district(registry, admin):
    """门头沟区 with two towns (斋堂镇, 清水镇), three villages in 斋堂镇 and one in 清水镇, from 2020."""
    make_unit(registry, admin, DISTRICT, "门头沟区", valid_from="2020-01-01")
    make_unit(registry, admin, TOWN, "斋堂镇", DISTRICT, valid_from="2020-01-01")
    make_unit(registry, admin, OTHER_TOWN, "清水镇", DISTRICT, valid_from="2020-01-01")
    for code, name, pinyin in (("110109104201", "爨底下村", "Cuandixia"), ("110109104202", "灵水村", "Lingshui"),
                               ("110109104203", "马栏村", "Malan")):
        make_unit(registry, admin, code, name, TOWN, name_pinyin=pinyin, urban_rural_code="220",
                  valid_from="2020-01-01")
    make_unit(registry, admin, "110109105201", "燕家台村", OTHER_TOWN, name_pinyin="Yanjiatai",
              urban_rural_code="220", valid_from="2020-01-01")
    return registry


def make_organization(client, headers, unit_code: str, serial: int, **extra) -> dict:
    body = {"credit_code": make_credit_code("N2", "110109", serial), "name": f"股份经济合作社{serial}",
            "level": "village", "unit_code": unit_code, "legal_representative": "王建国",
            "representative_phone": "13800000000", **extra}
    response = client.post("/v1/organizations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()
