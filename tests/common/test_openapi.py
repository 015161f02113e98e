"""The OpenAPI documents every problem an operation can answer, derived from what the route is made of."""

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.testclient import TestClient
from pydantic import BaseModel

from services.common.application import build_service_app
from services.common.auth import require_roles
from services.common.downloads import XlsxResponse
from services.common.errors import PROBLEM, Conflict
from services.common.http import IdempotencyDep, check_if_match
from services.common.settings import ServiceSettings
from services.common.tokens import Principal
from services.common.uploads import UploadDep

router = APIRouter(prefix="/v1/notes")
Writer = Annotated[Principal, Depends(require_roles("town_officer"))]


class NoteIn(BaseModel):
    text: str


@router.get("")
def list_notes(_: Writer):
    return {"items": []}


@router.post("", status_code=201)
def create_note(body: NoteIn, _: Writer, idem: IdempotencyDep):
    return {}


@router.get("/{note_id}")
def read_note(note_id: int, _: Writer):
    return {}


@router.patch("/{note_id}")
def edit_note(note_id: int, body: NoteIn, _: Writer):
    return {}


def _close(request: Request) -> None:
    check_if_match(request, 1, required=False)
    raise Conflict("closed already", extra={"status": "closed", "closed_by": "someone"})


@router.post("/{note_id}/close")
def close_note(note_id: int, request: Request, _: Writer):
    _close(request)


@router.post("/{note_id}/copies", status_code=201)
def copy_note(note_id: int, _: Writer):
    return {}


@router.post("/imports")
def import_notes(_: Writer, upload: UploadDep):
    return {}


@router.post("/{note_id}/photos", status_code=201)
def attach_photo(note_id: int, photo: Annotated[UploadFile, File()], _: Writer):
    return {}


@router.get("/export.xlsx", response_class=XlsxResponse)
def export_notes(_: Writer):
    return XlsxResponse(b"PK")


@pytest.fixture(scope="module")
def app(tmp_path_factory, key_dir):
    settings = ServiceSettings(service_name="registry", log_level="WARNING",
                               var_dir=tmp_path_factory.mktemp("openapi"),
                               token_public_key=(key_dir / "gateway-public.pem").read_text())
    return build_service_app(settings, title="notes", description="", routers=[router])


@pytest.fixture(scope="module")
def schema(app) -> dict:
    return app.openapi()


def _statuses(schema: dict, method: str, path: str) -> set[int]:
    return {int(code) for code in schema["paths"][path][method]["responses"] if code[0] in "45"}


def test_every_problem_is_problem_json_with_the_shared_schema(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code[0] in "45" and path != "/readyz":
                    assert response["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}, (
                        method, path, code)
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    assert problem["additionalProperties"] is True


def test_fastapis_validation_error_shape_is_gone(schema):
    assert "HTTPValidationError" not in str(schema)


@pytest.mark.parametrize("method, path, expected", [
    ("get", "/healthz", {422, 503}),
    ("get", "/v1/notes", {401, 403, 422, 503}),
    ("get", "/v1/notes/{note_id}", {401, 403, 404, 422, 503}),
    ("post", "/v1/notes", {400, 401, 403, 404, 409, 422, 503}),
    ("patch", "/v1/notes/{note_id}", {400, 401, 403, 404, 409, 412, 422, 428, 503}),
    ("post", "/v1/notes/{note_id}/close", {401, 403, 404, 409, 412, 422, 428, 503}),
    ("post", "/v1/notes/{note_id}/copies", {401, 403, 404, 409, 422, 503}),
    ("post", "/v1/notes/imports", {400, 401, 403, 409, 411, 413, 422, 503}),
    ("post", "/v1/notes/{note_id}/photos", {400, 401, 403, 404, 409, 413, 422, 503}),
])
def test_statuses_follow_from_method_path_body_and_dependencies(schema, method, path, expected):
    assert _statuses(schema, method, path) == expected


def test_an_upload_documents_its_multipart_body(schema):
    body = schema["paths"]["/v1/notes/imports"]["post"]["requestBody"]
    assert body["content"]["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"


def test_a_download_documents_its_media_type(schema):
    content = schema["paths"]["/v1/notes/export.xlsx"]["get"]["responses"]["200"]["content"]
    assert list(content) == [XlsxResponse.media_type]


def test_extra_members_never_replace_the_problems_own(app, token_for):
    with TestClient(app) as client:
        response = client.post("/v1/notes/1/close", headers=token_for("town_officer", audience="registry"))
    body = response.json()
    assert response.status_code == 409 and body["status"] == 409 and body["closed_by"] == "someone"
