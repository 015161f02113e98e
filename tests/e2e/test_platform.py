"""The four real processes, through the gateway as people and other systems use them."""

import hashlib
import time

import httpx
import pytest
from sqlalchemy import text

from services.common.database import make_engine
from services.common.tokens import Principal, TokenSigner
from tests.e2e.helpers import api_key, form_token, sign_in

pytestmark = pytest.mark.db


@pytest.mark.parametrize("name", ["gateway", "registry", "assessment", "assets"])
def test_every_process_is_alive_and_ready(platform, name):
    assert httpx.get(platform.url(name) + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(platform.url(name) + "/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["migrations"] == "ok"


def test_gateway_readyz_reports_each_service(platform):
    checks = httpx.get(platform.gateway + "/readyz").json()["checks"]
    assert {checks[s] for s in ("registry", "assessment", "assets")} == {"ready"}


class TestSignIn:
    def test_right_password_signs_in_and_shows_the_user(self, platform):
        client, response = sign_in(platform.gateway, "lead")
        assert response.status_code == 303 and response.headers["location"] == "/"
        assert "zx_session" in client.cookies
        home = client.get("/")
        assert home.status_code == 200 and "审计组长 王芳" in home.text

    def test_wrong_password_fails_with_a_clear_message(self, platform):
        _client, response = sign_in(platform.gateway, "viewer", "not-the-password")
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text

    def test_repeated_wrong_passwords_lock_the_account_for_a_while(self, platform):
        codes = [sign_in(platform.gateway, "assessor", f"guess-{i}")[1].status_code for i in range(6)]
        assert codes[:5] == [401] * 5 and codes[5] == 429
        _client, locked = sign_in(platform.gateway, "assessor")  # even the right password waits
        assert locked.status_code == 429 and "分钟后再试" in locked.text

    def test_sign_out_ends_the_session(self, platform):
        client, _ = sign_in(platform.gateway, "auditor")
        cookie = client.cookies["zx_session"]
        token = form_token(client, "/")
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        replay = httpx.get(platform.gateway + "/api/registry/v1/audit", cookies={"zx_session": cookie})
        assert replay.status_code == 401

    def test_form_post_without_its_csrf_token_is_refused(self, platform):
        client, _ = sign_in(platform.gateway, "auditor")
        response = client.post("/logout", data={})
        assert response.status_code == 403 and response.json()["code"] == "csrf_token_invalid"
        assert client.get("/").status_code == 200  # still signed in

    def test_cross_site_form_post_is_refused_even_with_a_token(self, platform):
        client, _ = sign_in(platform.gateway, "auditor")
        token = form_token(client, "/")
        response = client.post("/logout", data={"csrf_token": token}, headers={"Sec-Fetch-Site": "cross-site"})
        assert response.status_code == 403


class TestApiAccess:
    def test_anonymous_api_call_is_401_problem(self, platform):
        response = httpx.get(platform.gateway + "/api/registry/v1/audit")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    def test_api_key_works_until_revoked(self, platform):
        key = api_key(platform, "district-data-centre", "admin")
        headers = {"Authorization": f"Bearer {key}"}
        assert httpx.get(platform.gateway + "/api/assets/v1/audit", headers=headers).status_code == 200
        platform.cli("revoke-api-key", "--name", "district-data-centre")
        time.sleep(2.2)  # keys are trusted for api_key_cache_seconds (2 s) after a check
        assert httpx.get(platform.gateway + "/api/assets/v1/audit", headers=headers).status_code == 401

    def test_role_without_permission_gets_403(self, platform):
        key = api_key(platform, "statistics-bureau", "viewer")
        response = httpx.get(platform.gateway + "/api/registry/v1/audit", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 403 and response.json()["code"] == "role_forbidden"

    def test_signed_in_browser_reaches_the_api_with_its_cookie(self, platform):
        client, _ = sign_in(platform.gateway, "lead")
        assert client.get("/api/registry/v1/audit").status_code == 200

    def test_a_file_uploaded_through_the_gateway_keeps_its_length(self, platform):
        headers = {"Authorization": f"Bearer {api_key(platform, 'uploader', 'admin')}"}
        rows = "区划代码,名称,上级区划代码,类型,城乡分类代码,设立日期\n110109104290,试验村,110109104000,行政村,220,2021-01-01\n"
        response = httpx.post(platform.gateway + "/api/registry/v1/imports", params={"kind": "units", "dry_run": "true"},
                              files={"file": ("units.csv", rows.encode())}, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["errors"] == []

    def test_a_get_sent_with_a_body_leaves_the_next_requests_intact(self, platform):
        """The body of a GET is not sent on; its Content-Length was, and the service read the next
        request on the pooled connection as that body (a 400 "Invalid HTTP request")."""
        headers = {"Authorization": f"Bearer {api_key(platform, 'body-on-get', 'admin')}"}
        with httpx.Client(base_url=platform.gateway, headers=headers) as client:
            for _ in range(3):
                assert client.request("GET", "/api/registry/v1/audit", content=b'{"a": 1}').status_code == 200
                assert client.get("/api/registry/v1/audit").status_code == 200

    def test_unknown_service_and_wrong_method_are_problems_with_the_usual_headers(self, platform):
        headers = {"Authorization": f"Bearer {api_key(platform, 'probe', 'admin')}"}
        for path in ("/api/nothing/v1/x", "/api/registry"):
            response = httpx.get(platform.gateway + path, headers=headers)
            assert response.status_code == 404 and response.json()["code"] == "unknown_service"
            assert response.headers["content-type"] == "application/problem+json"
        response = httpx.request("OPTIONS", platform.gateway + "/api/registry/v1/audit", headers=headers)
        assert response.status_code == 405 and "PATCH" in response.headers["allow"]
        answer = httpx.get(platform.gateway + "/api/registry/v1/audit", headers={**headers, "X-Request-ID": "probe-0001"})
        assert answer.status_code == 200 and answer.headers["x-request-id"] == "probe-0001"
        assert "script-src 'self'" in answer.headers["content-security-policy"]


class TestServiceTokens:
    def _call(self, platform, token: str) -> httpx.Response:
        return httpx.get(platform.url("registry") + "/v1/audit", headers={"Authorization": f"Bearer {token}"})

    def _gateway_signer(self, platform) -> TokenSigner:
        return TokenSigner((platform.var_dir / "keys" / "gateway-private.pem").read_text(), "zhenxing-gateway")

    def test_token_signed_by_the_gateway_is_accepted(self, platform):
        token = self._gateway_signer(platform).sign(Principal("t", "admin"), "registry")
        assert self._call(platform, token).status_code == 200

    def test_forged_token_is_401(self, platform):
        token = self._gateway_signer(platform).sign(Principal("t", "viewer"), "registry")
        header, payload, signature = token.split(".")
        forged_payload = payload[:-4] + ("AAAA" if not payload.endswith("AAAA") else "BBBB")
        response = self._call(platform, f"{header}.{forged_payload}.{signature}")
        assert response.status_code == 401 and response.json()["code"] == "token_invalid"

    def test_expired_token_is_401(self, platform):
        token = self._gateway_signer(platform).sign(Principal("t", "admin"), "registry", now=time.time() - 3600)
        response = self._call(platform, token)
        assert response.status_code == 401 and response.json()["code"] == "token_expired"

    def test_token_signed_with_another_key_is_401(self, platform, signer):
        response = self._call(platform, signer.sign(Principal("t", "admin"), "registry"))
        assert response.status_code == 401

    def test_token_for_another_service_is_401(self, platform):
        token = self._gateway_signer(platform).sign(Principal("t", "admin"), "registry")
        response = httpx.get(platform.url("assets") + "/v1/audit", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


@pytest.mark.parametrize(("column", "seconds_ago"), [("last_seen_at", 31 * 60), ("created_at", 12 * 3600 + 60)])
def test_a_session_idle_too_long_or_too_old_ends_within_the_trust_of_a_check(platform, column, seconds_ago):
    client, _ = sign_in(platform.gateway, "viewer")
    assert client.get("/api/registry/v1/units?limit=1").status_code == 200
    id_hash = hashlib.sha256(client.cookies["zx_session"].encode()).hexdigest()
    engine = make_engine(platform.database_urls["gateway"], pool_size=1)
    with engine.begin() as db:  # as if the time had passed (or another gateway process saw it so)
        db.execute(text(f"UPDATE web_session SET {column} = :at WHERE id_hash = :id"),
                   {"at": time.time() - seconds_ago, "id": id_hash})
    engine.dispose()
    time.sleep(2.2)  # a confirmed session is trusted for session_cache_seconds (2 s)
    response = client.get("/api/registry/v1/units?limit=1")
    assert response.status_code == 401 and response.json()["code"] == "not_signed_in"
    assert client.get("/").status_code in (302, 303)


def test_stopped_service_gives_503_quickly_then_recovers(platform):
    key = api_key(platform, "uptime-monitor", "admin")
    headers = {"Authorization": f"Bearer {key}"}
    platform.stop("assets")
    try:
        started = time.monotonic()
        response = httpx.get(platform.gateway + "/api/assets/v1/audit", headers=headers, timeout=5)
        elapsed = time.monotonic() - started
        assert response.status_code == 503 and elapsed < 1.0
        body = response.json()
        assert body["code"] == "service_unavailable" and body["service"] == "assets"
        assert httpx.get(platform.gateway + "/readyz").json()["checks"]["assets"] == "down"
    finally:
        platform.start("assets")
    assert httpx.get(platform.gateway + "/api/assets/v1/audit", headers=headers).status_code == 200


def test_verify_command_names_the_first_edited_row(platform):
    assert platform.cli("verify-audit").returncode == 0
    engine = make_engine(platform.database_urls["gateway"], pool_size=1)
    with engine.begin() as conn:
        original = conn.execute(text("SELECT actor FROM audit_record WHERE seq = 2")).scalar_one()
        conn.execute(text("UPDATE audit_record SET actor = 'mallory' WHERE seq = 2"))
    try:
        result = platform.cli("verify-audit", "--service", "gateway", check=False)
        assert result.returncode == 1 and "BROKEN at record 2" in result.stdout
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_record SET actor = :actor WHERE seq = 2"), {"actor": original})
        engine.dispose()
    assert platform.cli("verify-audit").returncode == 0


def test_token_for_assets_may_read_the_registry_on_the_callers_behalf(platform):
    signer = TokenSigner((platform.var_dir / "keys" / "gateway-private.pem").read_text(), "zhenxing-gateway")
    token = signer.sign(Principal("lead", "audit_lead"), "assets")
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(platform.url("registry") + "/v1/audit", headers=headers).status_code == 200
