"""Concurrent clients against the four real processes: no lost update, one answer per Idempotency-Key.

Run on SQLite and again on PostgreSQL, where writers really overlap (SQLite's single writer hides races).
"""

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.helpers import api_key

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def admin(platform) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key(platform, 'concurrency-' + secrets.token_hex(3), 'admin')}"}


def at_once(count: int, send) -> list[httpx.Response]:
    """`send(i, client)` from `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def one(index: int) -> httpx.Response:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            return send(index, client)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def first_item(platform, headers, path: str) -> dict:
    found = httpx.get(platform.gateway + path, params={"limit": 1}, headers=headers, timeout=30)
    assert found.status_code == 200, found.text
    return found.json()["items"][0]


EDITS = {  # what each editor changes: path of the collection, the field, and the record's address
    "unit": ("/api/registry/v1/units", "name_en", lambda item: item["unit_code"]),
    "debt": ("/api/assets/v1/debts", "creditor_name", lambda item: item["id"]),
    "contract": ("/api/assets/v1/contracts", "use", lambda item: item["id"]),
}


@pytest.mark.parametrize("editors", [2, 20])
@pytest.mark.parametrize("record", list(EDITS))
def test_concurrent_editors_with_one_etag_get_exactly_one_200(platform, admin, record, editors):
    collection, field, address = EDITS[record]
    url = f"{platform.gateway}{collection}/{address(first_item(platform, admin, collection))}"
    before = httpx.get(url, headers=admin)
    etag = before.headers["etag"]

    def edit(index: int, client: httpx.Client) -> httpx.Response:
        return client.patch(url, json={field: f"editor-{index}-{secrets.token_hex(2)}"},
                            headers={**admin, "If-Match": etag})

    answers = at_once(editors, edit)
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [412] * (editors - 1), [a.text for a in answers if a.status_code not in (200, 412)]
    assert {a.json()["code"] for a in answers if a.status_code == 412} == {"stale_version"}
    winner = next(a for a in answers if a.status_code == 200)
    after = httpx.get(url, headers=admin)
    assert int(after.headers["etag"].strip('"')) == int(etag.strip('"')) + 1
    assert after.json()[field] == winner.json()[field]


def new_debt(platform, headers, **changes) -> dict:
    """A debt of the first listed debt's organization, under a number of its own."""
    credit_code = first_item(platform, headers, "/api/assets/v1/debts")["credit_code"]
    return {"credit_code": credit_code, "number": "IDEM-" + secrets.token_hex(4), "creditor_kind": "bank",
            "creditor_name": "农商银行", "origin": "construction", "principal": "120000.00", "interest": "0.00",
            "incurred_on": "2025-03-01", "disposal": "repay", "responsible_person": "张建国", **changes}


def test_fifty_posts_with_one_key_make_one_record_and_fifty_identical_answers(platform, admin):
    body = new_debt(platform, admin)
    key = secrets.token_hex(8)

    def post(_index: int, client: httpx.Client) -> httpx.Response:
        return client.post(platform.gateway + "/api/assets/v1/debts", json=body,
                           headers={**admin, "Idempotency-Key": key})

    answers = at_once(50, post)
    assert {(a.status_code, a.content) for a in answers} == {(201, answers[0].content)}, \
        sorted({(a.status_code, a.text[:200]) for a in answers})
    assert len({a.headers["etag"] for a in answers}) == 1
    listed = httpx.get(platform.gateway + "/api/assets/v1/debts",
                       params={"credit_code": body["credit_code"], "limit": 500}, headers=admin).json()["items"]
    assert [d["number"] for d in listed].count(body["number"]) == 1


def test_the_same_key_with_another_body_is_refused_naming_the_header(platform, admin):
    body = new_debt(platform, admin)
    headers = {**admin, "Idempotency-Key": secrets.token_hex(8)}
    first = httpx.post(platform.gateway + "/api/assets/v1/debts", json=body, headers=headers)
    assert first.status_code == 201, first.text
    other = httpx.post(platform.gateway + "/api/assets/v1/debts", json={**body, "principal": "6000.00"},
                       headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_duplicate_number_without_a_key_is_a_409_or_422_naming_the_field_never_a_500(platform, admin):
    body = new_debt(platform, admin)

    def post(_index: int, client: httpx.Client) -> httpx.Response:
        return client.post(platform.gateway + "/api/assets/v1/debts", json=body, headers=admin)

    answers = at_once(10, post)
    assert sorted(a.status_code for a in answers)[0] == 201
    refused = [a for a in answers if a.status_code != 201]
    assert len(refused) == 9 and {a.status_code for a in refused} <= {409, 422}
    assert all("number" in {e["field"] for e in a.json()["errors"]} for a in refused), [a.text for a in refused]
