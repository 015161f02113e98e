"""Public disclosure: an anonymous visitor sees what a village published and nothing else, and never a
whole ID number, through the service's public route and the gateway's page, whatever they send."""

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app as create_gateway
from gateway.settings import GatewaySettings
from services.common.migrate import upgrade
from tests.assets.test_ledgers import ID_NUMBER, add_contract, village_organizations

pytestmark = pytest.mark.db
UNPUBLISHED = "尚未公开的草稿"
CRAFTED = ["../../etc/passwd", "..%2F..%2Fv1%2Fcontracts", "110109104201%00", "%00", "1" * 5000, "abc",
           "110109104201'--", "000000000000", "110109104201.json", "%E4%B8%AD"]


@pytest.fixture
def published(assets, lead, district):
    """One village with published finances and contracts, a draft and a withdrawn item; another village too."""
    org, other = village_organizations(district, 2)
    add_contract(assets, lead, org["credit_code"], "C-person")
    add_contract(assets, lead, org["credit_code"], "C-company", counterparty_kind="enterprise",
                 counterparty_name="京西农业发展有限公司", counterparty_id_number=None,
                 counterparty_credit_code="91110109MA01ABCD2" + _credit_check("91110109MA01ABCD2"))

    def publication(credit_code, kind, title, publish=True, **extra):
        body = {"credit_code": credit_code, "kind": kind, "period": "2026-Q1", "title": title, **extra}
        made = assets.post("/v1/disclosures", json=body, headers=lead)
        assert made.status_code == 201, made.text
        if publish:
            assert assets.post(f"/v1/disclosures/{made.json()['id']}/publish", json={"published_on": "2026-04-10"},
                               headers=lead).status_code == 200
        return made.json()

    publication(org["credit_code"], "finance", "2026年一季度财务公开（旧）",
                finance={"income": "100.00", "spending": "50.00"})
    publication(org["credit_code"], "finance", "2026年一季度财务公开",
                finance={"income": "120000.00", "spending": "80000.00", "notes": f"经办人身份证 {ID_NUMBER}"})
    publication(org["credit_code"], "contracts", "2026年一季度合同公开")
    publication(org["credit_code"], "audit", UNPUBLISHED, publish=False)
    withdrawn = publication(org["credit_code"], "audit", "已撤回的公开", publish=True)
    assets.post(f"/v1/disclosures/{withdrawn['id']}/withdraw", headers=lead)
    publication(other["credit_code"], "finance", "另一村的财务公开")
    return org, other


def _credit_check(code17: str) -> str:
    from services.assets.ledgers.contracts import credit_check_character

    return credit_check_character(code17)


def assert_nothing_private(text: str) -> None:
    assert ID_NUMBER not in text
    assert UNPUBLISHED not in text and "已撤回的公开" not in text
    assert "张建国" not in text


def test_anonymous_visitor_reads_only_the_published_items(assets, published):
    org, _other = published
    response = assets.get(f"/v1/public/villages/{org['unit_code']}")
    assert response.status_code == 200
    village = response.json()
    assert [i["title"] for i in village["items"]["finance"]] == ["2026年一季度财务公开"]
    assert village["items"]["finance"][0]["content"]["income"] == "120000.00"
    assert village["items"]["finance"][0]["published_on"] == "2026-04-10"
    counterparties = {c["counterparty"] for c in village["items"]["contracts"][0]["content"]["contracts"]}
    assert counterparties == {"张**", "京西农业发展有限公司"}
    assert village["items"]["audit"] == []
    assert "另一村的财务公开" not in response.text
    assert [h["current"] for h in village["history"] if "财务" in h["title"]] == [True, False]
    assert "110101********" in response.text  # the ID number a lead typed in a note, masked
    assert_nothing_private(response.text)


def test_every_crafted_code_is_a_404_with_nothing_private(assets, published):
    for code in CRAFTED:
        response = assets.get(f"/v1/public/villages/{code}")
        assert response.status_code in (404, 422), code
        assert_nothing_private(response.text)


def test_other_routes_still_need_a_token(assets, published):
    for path in ("/v1/disclosures", "/v1/contracts", "/v1/debts", "/v1/inventory/assets", "/v1/reviews"):
        assert assets.get(path).status_code == 401


@pytest.fixture
def gateway(assets, databases, key_dir, tmp_path):
    url = databases.new("gateway_public")
    upgrade("gateway", url)
    settings = GatewaySettings(database_url=url, var_dir=tmp_path, log_level="WARNING",
                               token_private_key=(key_dir / "gateway-private.pem").read_text(),
                               token_public_key=(key_dir / "gateway-public.pem").read_text())
    with TestClient(create_gateway(settings)) as client:
        upstream = client.app.state.upstreams["assets"]
        upstream.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=assets.app), base_url="http://assets")
        yield client


def test_the_public_page_needs_no_sign_in_and_shows_only_what_was_published(gateway, published):
    org, _other = published
    page = gateway.get(f"/public/villages/{org['unit_code']}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "2026年一季度财务公开" in page.text and "京西农业发展有限公司" in page.text and "张**" in page.text
    assert "另一村的财务公开" not in page.text
    assert_nothing_private(page.text)
    again = gateway.get(f"/public/villages/{org['unit_code']}", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304
    qr = gateway.get(f"/public/villages/{org['unit_code']}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml" and "<svg" in qr.text


def test_a_village_that_does_not_exist_is_a_plain_404_page(gateway, published):
    for code in ["110109999999", *CRAFTED]:
        for suffix in ("", "/qr.svg"):
            response = gateway.get(f"/public/villages/{code}{suffix}")
            assert response.status_code == 404, code
            assert_nothing_private(response.text)
    missing = gateway.get("/public/villages/110109999999")
    assert "text/html" in missing.headers["content-type"] and 'data-testid="public-missing"' in missing.text
    assert gateway.get("/api/assets/v1/public/villages/110109999999").status_code == 401


def test_the_service_answers_304_while_the_published_set_is_unchanged(assets, lead, published):
    org, _other = published
    path = f"/v1/public/villages/{org['unit_code']}"
    first = assets.get(path)
    tag = first.headers["etag"]
    assert assets.get(path, headers={"If-None-Match": tag}).status_code == 304
    drafted = assets.post("/v1/disclosures", json={"credit_code": org["credit_code"], "kind": "audit",
                                                   "period": "2026", "title": "2026年审计结果公开"}, headers=lead).json()
    assert assets.get(path, headers={"If-None-Match": tag}).status_code == 304  # a draft changes nothing public
    assets.post(f"/v1/disclosures/{drafted['id']}/publish", json={}, headers=lead)
    changed = assets.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag and "2026年审计结果公开" in changed.text
    assets.post(f"/v1/disclosures/{drafted['id']}/withdraw", headers=lead)
    assert assets.get(path, headers={"If-None-Match": changed.headers["etag"]}).status_code == 200
    assert assets.get(path).headers["etag"] == tag


def test_the_gateway_page_follows_a_publication_and_a_withdrawal(gateway, assets, lead, published, monkeypatch):
    from gateway.pages import public as public_pages

    org, _other = published
    page = f"/public/villages/{org['unit_code']}"
    monkeypatch.setattr(public_pages, "REVALIDATE_SECONDS", 3600.0)
    before = gateway.get(page)
    drafted = assets.post("/v1/disclosures", json={"credit_code": org["credit_code"], "kind": "audit",
                                                   "period": "2026", "title": "2026年审计结果公开"}, headers=lead).json()
    assets.post(f"/v1/disclosures/{drafted['id']}/publish", json={}, headers=lead)
    assert "2026年审计结果公开" not in gateway.get(page).text  # held until it is time to ask again
    monkeypatch.setattr(public_pages, "REVALIDATE_SECONDS", 0.0)
    shown = gateway.get(page)
    assert "2026年审计结果公开" in shown.text and shown.headers["etag"] != before.headers["etag"]
    assets.post(f"/v1/disclosures/{drafted['id']}/withdraw", headers=lead)
    after = gateway.get(page)
    assert "2026年审计结果公开" not in after.text and after.headers["etag"] == before.headers["etag"]
    assert_nothing_private(after.text)


def test_a_page_read_a_moment_ago_stays_readable_while_the_service_is_away(gateway, published, monkeypatch):
    from gateway.pages import public as public_pages

    org, other = published
    page = f"/public/villages/{org['unit_code']}"
    before = gateway.get(page)

    def refuse(request):
        raise httpx.ConnectError("the assets service is down", request=request)

    gateway.app.state.upstreams["assets"].client = httpx.AsyncClient(transport=httpx.MockTransport(refuse),
                                                                     base_url="http://assets")
    monkeypatch.setattr(public_pages, "REVALIDATE_SECONDS", 0.0)
    held = gateway.get(page)
    assert held.status_code == 200 and held.text == before.text
    assert gateway.get(f"/public/villages/{other['unit_code']}").status_code == 503  # never read: no page to hold
    monkeypatch.setattr(public_pages, "STALE_SECONDS", 0.0)
    assert gateway.get(page).status_code == 503
