"""HTTP routes of evidence (证据材料): upload to an engagement, list, download and thumbnail.

The upload is checked before the database is touched (the `checked_upload` dependency runs before
the session's, so SQLite's write lock is not held while a photo is read and shrunk); then who may
attach there and whether the checklist is still open, then the file is stored and recorded.
"""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.responses import Response, StreamingResponse

from services.assets.access import EngagementReader, actor
from services.assets.fieldwork import evidence
from services.assets.fieldwork.evidence import Checked
from services.common.database import SessionDep
from services.common.errors import NotFound
from services.common.http import json_response

router = APIRouter(tags=["evidence"])
# Stored content never changes under its id; a download is never run as a page of the gateway's origin.
DOWNLOAD_HEADERS = {"Cache-Control": "private, max-age=86400, immutable", "X-Content-Type-Options": "nosniff",
                    "Content-Security-Policy": "default-src 'none'; sandbox"}


def checked_upload(request: Request, file: Annotated[UploadFile, File()]) -> Checked:
    settings = request.app.state.settings
    content = evidence.read_limited(file.file, settings.evidence_max_bytes)
    return evidence.check_upload(content, file.filename or "", max_pixels=settings.evidence_max_pixels)


@router.post("/v1/engagements/{engagement_id}/evidence", status_code=201,
             responses={200: {"description": "The same content was attached here before: that attachment"}})
def upload(engagement_id: int, request: Request, who: EngagementReader,
           checked: Annotated[Checked, Depends(checked_upload)], session: SessionDep,
           item_code: Annotated[str | None, Form(max_length=40)] = None,
           finding_id: Annotated[int | None, Form()] = None):
    """A photo or file for a checklist item (`item_code`) and/or a finding (`finding_id`); the same
    content sent again to the same place answers 200 with the first attachment."""
    store = evidence.store_for(request.app.state.settings.var_dir)
    row, made = evidence.attach(session, who, store, engagement_id=engagement_id, checked=checked,
                                item_code=item_code, finding_id=finding_id, actor=actor(who))
    return json_response(evidence.evidence_view(row), status=201 if made else 200)


@router.get("/v1/engagements/{engagement_id}/evidence")
def list_evidence(engagement_id: int, request: Request, session: SessionDep, who: EngagementReader,
                  item_code: str | None = None, finding_id: int | None = None):
    """The attachments, oldest first, and `max_bytes`, the largest file taken (a phone checks before sending)."""
    found = evidence.list_evidence(session, who, engagement_id, item_code=item_code, finding_id=finding_id)
    return json_response({"items": [evidence.evidence_view(row) for row in found], "next_cursor": None,
                          "max_bytes": request.app.state.settings.evidence_max_bytes})


@router.get("/v1/evidence/{evidence_id}")
def read_evidence(evidence_id: int, session: SessionDep, who: EngagementReader):
    return json_response(evidence.evidence_view(evidence.get_evidence(session, who, evidence_id)))


@router.delete("/v1/evidence/{evidence_id}", status_code=204)
def remove(evidence_id: int, session: SessionDep, who: EngagementReader):
    """Takes a wrong attachment off while it could still be attached (409 once the checklist is submitted)."""
    evidence.detach(session, who, evidence.get_evidence(session, who, evidence_id), actor=actor(who))
    return Response(status_code=204)


def _send(request: Request, key: str, media_type: str, size: int | None, disposition: str, tag: str) -> Response:
    headers = DOWNLOAD_HEADERS | {"ETag": f'"{tag}"', "Content-Disposition": disposition}
    if request.headers.get("if-none-match") == f'"{tag}"':
        return Response(status_code=304, headers=headers)
    store = evidence.store_for(request.app.state.settings.var_dir)
    if not store.has(key):
        raise NotFound("证据文件不在存储中 / the stored file is missing", code="evidence_file_missing")
    if size is not None:
        headers["Content-Length"] = str(size)
    return StreamingResponse(store.chunks(key), media_type=media_type, headers=headers)


@router.get("/v1/evidence/{evidence_id}/content")
def download(evidence_id: int, request: Request, session: SessionDep, who: EngagementReader):
    """The file as uploaded: images inline, anything else as an attachment."""
    row = evidence.get_evidence(session, who, evidence_id)
    kind = "inline" if row.media_type in evidence.IMAGES else "attachment"
    disposition = f"{kind}; filename*=UTF-8''{quote(row.filename)}"
    return _send(request, evidence.blob_key(row.sha256), row.media_type, row.size, disposition, row.sha256)


@router.get("/v1/evidence/{evidence_id}/thumbnail")
def thumbnail(evidence_id: int, request: Request, session: SessionDep, who: EngagementReader):
    """A JPEG at most 320 pixels on its longer edge, upright; 404 for a file that is not an image."""
    row = evidence.get_evidence(session, who, evidence_id)
    if not row.thumbnail:
        raise NotFound("此证据不是图片，没有缩略图 / this evidence is not an image", code="no_thumbnail")
    return _send(request, evidence.thumbnail_key(row.sha256), "image/jpeg", None, "inline", "t" + row.sha256)
