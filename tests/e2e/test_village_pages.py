"""The village pages offer each person only what the registry lets them do (as a browser without JavaScript)."""

import re

import pytest

from tests.e2e.helpers import form_token, sign_in

pytestmark = pytest.mark.db

TOWN = "110109104000"  # the demo town officer's town (斋堂镇)
VILLAGE_LINK = re.compile(r'href="/villages/(\d{12})"')


def village_codes(html: str) -> set[str]:
    return set(VILLAGE_LINK.findall(html))


def test_a_town_officers_list_holds_only_their_own_towns_villages(platform):
    client, _ = sign_in(platform.gateway, "town")
    listed = village_codes(client.get("/villages").text)
    asked_elsewhere = village_codes(client.get("/villages", params={"town": "110109105000"}).text)
    assert listed and all(code.startswith(TOWN[:9]) for code in listed | asked_elsewhere)


def test_a_town_officer_may_edit_their_towns_village_and_not_anothers(platform):
    client, _ = sign_in(platform.gateway, "town")
    own = sorted(village_codes(client.get("/villages").text))[0]
    viewer, _ = sign_in(platform.gateway, "viewer")
    other = next(code for code in sorted(village_codes(viewer.get("/villages").text)) if not code.startswith(TOWN[:9]))
    assert f'href="/villages/{own}/edit"' in client.get(f"/villages/{own}").text
    elsewhere = client.get(f"/villages/{other}")
    assert elsewhere.status_code == 200 and f'href="/villages/{other}/edit"' not in elsewhere.text
    assert client.get(f"/villages/{other}/edit").status_code == 403


def test_a_viewer_is_offered_no_edit_form_no_import_and_no_figure_form(platform):
    client, _ = sign_in(platform.gateway, "viewer")
    listing = client.get("/villages").text
    assert 'href="/villages/import"' not in listing
    code = sorted(village_codes(listing))[0]
    page = client.get(f"/villages/{code}").text
    assert f'href="/villages/{code}/edit"' not in page and f'action="/villages/{code}/statistics"' not in page
    for path in (f"/villages/{code}/edit", "/villages/import"):
        refused = client.get(path)
        assert refused.status_code == 403 and "您的角色无权查看" in refused.text and "Role '" not in refused.text
    posted = client.post(f"/villages/{code}/edit", data={"csrf_token": form_token(client, "/villages"), "version": "1"})
    assert posted.status_code == 403 and "您的角色无权查看" in posted.text


def test_an_admin_is_offered_edit_and_import(platform):
    client, _ = sign_in(platform.gateway, "admin")
    listing = client.get("/villages").text
    assert 'href="/villages/import"' in listing
    code = sorted(village_codes(listing))[0]
    assert f'href="/villages/{code}/edit"' in client.get(f"/villages/{code}").text
    assert client.get(f"/villages/{code}/edit").status_code == 200
