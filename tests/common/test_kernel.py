"""The kernel's conventions on a real database: audit chain, If-Match, Idempotency-Key, errors."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from services.common import audit, http
from services.common.database import make_engine, update_versioned
from services.common.http import encode_cursor
from services.common.kernel_tables import audit_record, idempotency_record, kernel_metadata
from services.common.settings import ServiceSettings
from tests.common import kernel_app

pytestmark = pytest.mark.db


class NoteSettings(ServiceSettings):
    service_name: str = "registry"  # reuses the registry chain for /readyz; tables made below


@pytest.fixture
def notes(databases, key_dir, tmp_path, token_for):
    url = databases.new("kernel")
    engine = make_engine(url)
    kernel_metadata.create_all(engine)
    kernel_app.metadata.create_all(engine)
    settings = NoteSettings(database_url=url, var_dir=tmp_path, log_level="WARNING",
                            token_public_key=(key_dir / "gateway-public.pem").read_text())
    with TestClient(kernel_app.create_app(settings), raise_server_exceptions=False) as client:
        client.headers.update(token_for("town_officer", audience="registry"))
        client.engine = engine
        yield client
    engine.dispose()


def test_stale_if_match_is_refused_and_the_record_is_unchanged(notes):
    created = notes.post("/v1/notes", json={"text": "first"}).json()
    assert notes.put(f"/v1/notes/{created['id']}", json={"text": "second"}, headers={"If-Match": '"1"'}).status_code == 200
    stale = notes.put(f"/v1/notes/{created['id']}", json={"text": "lost"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert stale.json()["code"] == "stale_version"
    assert notes.get(f"/v1/notes/{created['id']}").json()["text"] == "second"


def test_missing_if_match_is_428(notes):
    created = notes.post("/v1/notes", json={"text": "first"}).json()
    response = notes.put(f"/v1/notes/{created['id']}", json={"text": "x"})
    assert response.status_code == 428
    assert response.json()["code"] == "if_match_required"


def test_replayed_idempotency_key_creates_nothing_new(notes):
    headers = {"Idempotency-Key": "abc-123"}
    first = notes.post("/v1/notes", json={"text": "once"}, headers=headers)
    second = notes.post("/v1/notes", json={"text": "once"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    with notes.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM note")).scalar_one() == 1


def test_idempotency_key_reused_with_another_body_is_422(notes):
    notes.post("/v1/notes", json={"text": "one"}, headers={"Idempotency-Key": "k1"})
    response = notes.post("/v1/notes", json={"text": "two"}, headers={"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_replay_gives_the_first_answers_etag_too(notes):
    headers = {"Idempotency-Key": "etag-kept"}
    first = notes.post("/v1/notes", json={"text": "once"}, headers=headers)
    second = notes.post("/v1/notes", json={"text": "once"}, headers=headers)
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"] == '"1"'


def test_a_failed_request_leaves_its_key_free_for_the_retry(notes):
    headers = {"Idempotency-Key": "fails-first"}
    assert notes.post("/v1/notes", json={"text": ""}, headers=headers).status_code == 422
    retried = notes.post("/v1/notes", json={"text": ""}, headers=headers)
    assert retried.status_code == 422 and retried.json()["code"] == "invalid"  # worked again, not replayed
    assert notes.post("/v1/notes", json={"text": "fixed"}, headers=headers).status_code == 201


def test_keys_expire_after_a_day_and_old_records_are_purged(notes):
    headers = {"Idempotency-Key": "yesterday"}
    first = notes.post("/v1/notes", json={"text": "old"}, headers=headers).json()
    day_ago = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
    with notes.engine.begin() as conn:
        conn.execute(update(idempotency_record).values(at=day_ago))
    again = notes.post("/v1/notes", json={"text": "old"}, headers=headers)
    assert again.status_code == 201 and again.json()["id"] != first["id"]  # an expired key is a new request
    with notes.engine.begin() as conn:
        conn.execute(update(idempotency_record).values(at=day_ago))
    with Session(notes.engine) as session, session.begin():
        http._last_purge.clear()
        assert http.purge_expired(session, datetime.now(UTC)) == 1
        assert http.purge_expired(session, datetime.now(UTC)) == 0  # at most once per PURGE_EVERY


def test_a_duplicate_unique_value_is_409_naming_the_field(notes):
    assert notes.post("/v1/notes", json={"text": "a", "title": "same"}).status_code == 201
    response = notes.post("/v1/notes", json={"text": "b", "title": "same"})
    assert response.status_code == 409 and response.json()["code"] == "duplicate"
    assert response.json()["errors"][0]["field"] == "title"


def test_a_write_that_lost_the_race_is_412_not_a_silent_overwrite(notes):
    created = notes.post("/v1/notes", json={"text": "first"}).json()
    with notes.engine.begin() as conn:  # another writer commits between this request's read and its write
        conn.execute(update(kernel_app.note).values(version=2, text="theirs"))
    with Session(notes.engine) as session, pytest.raises(StaleDataError):
        update_versioned(session, kernel_app.note, {"id": created["id"], "version": 1}, text="mine")
    assert notes.get(f"/v1/notes/{created['id']}").json()["text"] == "theirs"


def test_bad_input_names_the_field_and_saves_nothing(notes):
    response = notes.post("/v1/notes", json={"text": ""})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "text", "message": "must be a non-empty string"}]
    with notes.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM note")).scalar_one() == 0


def test_validation_error_is_problem_json_naming_the_field(notes):
    response = notes.get("/v1/notes/not-a-number")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["errors"][0]["field"] == "note_id"
    assert response.headers["x-request-id"] == body["request_id"]


def test_unexpected_error_leaks_no_trace_and_gives_a_request_id(notes):
    response = notes.put("/v1/notes/1", json={}, headers={"If-Match": "*"})  # no note 1: 404 first
    assert response.status_code == 404
    created = notes.post("/v1/notes", json={"text": "x"}).json()
    broken = notes.put(f"/v1/notes/{created['id']}", json={}, headers={"If-Match": "*"})  # KeyError inside
    assert broken.status_code == 500
    assert broken.json()["code"] == "internal_error"
    assert "Traceback" not in broken.text and "KeyError" not in broken.text
    assert broken.json()["request_id"] == broken.headers["x-request-id"]


def test_failed_request_rolls_back_its_audit_record(notes):
    created = notes.post("/v1/notes", json={"text": "x"}).json()
    notes.put(f"/v1/notes/{created['id']}", json={}, headers={"If-Match": "*"})
    with Session(notes.engine) as session:
        assert audit.count_records(session) == 1
        assert audit.verify_chain(session).ok


def _three_records(notes):
    for word in ("a", "b", "c"):
        notes.post("/v1/notes", json={"text": word})


def test_audit_chain_verifies_when_untouched(notes):
    _three_records(notes)
    with Session(notes.engine) as session:
        report = audit.verify_chain(session)
    assert report.ok and report.checked == 3


def test_audit_chain_names_an_edited_row(notes):
    _three_records(notes)
    with notes.engine.begin() as conn:
        conn.execute(update(audit_record).where(audit_record.c.seq == 2).values(actor="mallory"))
    with Session(notes.engine) as session:
        report = audit.verify_chain(session)
    assert not report.ok and report.first_bad_seq == 2 and "changed" in report.reason


def test_audit_chain_names_a_deleted_row(notes):
    _three_records(notes)
    with notes.engine.begin() as conn:
        conn.execute(delete(audit_record).where(audit_record.c.seq == 2))
    with Session(notes.engine) as session:
        report = audit.verify_chain(session)
    assert not report.ok and report.first_bad_seq == 2 and "missing" in report.reason


def test_audit_chain_notices_the_last_row_deleted(notes):
    _three_records(notes)
    with notes.engine.begin() as conn:
        conn.execute(delete(audit_record).where(audit_record.c.seq == 3))
    with Session(notes.engine) as session:
        report = audit.verify_chain(session)
    assert not report.ok and report.first_bad_seq == 3


def test_audit_list_pages_with_a_cursor(notes, token_for):
    _three_records(notes)
    lead = token_for("audit_lead", audience="registry")
    first = notes.get("/v1/audit?limit=2", headers=lead).json()
    assert [r["seq"] for r in first["items"]] == [1, 2]
    rest = notes.get(f"/v1/audit?limit=2&cursor={first['next_cursor']}", headers=lead).json()
    assert [r["seq"] for r in rest["items"]] == [3] and rest["next_cursor"] is None
    assert notes.get("/v1/audit", headers=token_for("viewer", audience="registry")).status_code == 403


def test_audit_list_filters_by_entity_and_gives_each_record_whole(notes, token_for):
    _three_records(notes)
    with Session(notes.engine) as session, session.begin():
        audit.record(session, actor="cli", action="revoke", entity="api_client", entity_id="7", before={"名": "甲"})
    lead = token_for("audit_lead", audience="registry")
    everything = notes.get("/v1/audit", headers=lead).json()["items"]
    with notes.engine.connect() as conn:
        stored = [dict(row) for row in conn.execute(select(audit_record).order_by(audit_record.c.seq)).mappings()]
    assert everything == stored and len(stored) == 4
    clients = notes.get("/v1/audit?entity=api_client", headers=lead).json()
    assert [r["seq"] for r in clients["items"]] == [4] and clients["items"][0]["before"] == '{"名":"甲"}'
    after_first = encode_cursor({"seq": 1})
    later_notes = notes.get(f"/v1/audit?entity=note&limit=1&cursor={after_first}", headers=lead).json()
    assert [r["seq"] for r in later_notes["items"]] == [2]


def test_nul_character_in_a_query_is_422_naming_the_parameter(notes, token_for):
    response = notes.get("/v1/audit?entity=a%00b", headers=token_for("audit_lead", audience="registry"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "entity"


def test_number_past_64_bits_is_422_not_500(notes):
    response = notes.get("/v1/notes/9223372036854775808")
    assert response.status_code == 422
    assert response.json()["code"] in ("out_of_range", "unstorable_value")
