"""Uploaded files: saved to a temporary path as they arrive, with their size and SHA-256, refused
past a size limit before the body is read; and the Idempotency-Key of an upload."""

import hashlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from services.common.errors import DomainError, Invalid
from services.common.http import Idempotency

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MULTIPART_SLACK = 64 * 1024


class FileTooLarge(DomainError):
    status, code, title = 413, "file_too_large", "File too large"


class LengthRequired(DomainError):
    status, code, title = 411, "length_required", "Length required"


def upload_idempotency(request: Request, actor: str, file_sha256: str) -> Idempotency:
    """Idempotency-Key for an upload: the same key with the same file and query replays the report."""
    key = request.headers.get("idempotency-key")
    if key is not None and not (1 <= len(key) <= 200):
        raise Invalid("Idempotency-Key", "must be 1 to 200 characters")
    body_hash = hashlib.sha256(f"{file_sha256}?{request.url.query}".encode()).hexdigest()
    return Idempotency(key, actor, request.method, request.url.path, body_hash)


@dataclass
class Upload:
    """An uploaded file saved to a temporary path, with its size and SHA-256."""

    path: Path
    filename: str
    size: int
    sha256: str


async def receive_upload(request: Request, *, field_name: str = "file", limit: int = MAX_UPLOAD_BYTES) -> Upload:
    """Saves the multipart field `field_name`; 413 past `limit` bytes, checked before reading the body."""
    length = request.headers.get("content-length")
    if length is None:
        raise LengthRequired("请随文件发送 Content-Length / send the upload with a Content-Length header")
    if not length.isdigit() or int(length) > limit + MULTIPART_SLACK:
        raise FileTooLarge(_too_large(limit))
    form = await request.form(max_files=1, max_fields=20)
    try:
        upload = form.get(field_name)
        if not isinstance(upload, UploadFile):
            raise Invalid(field_name, f"请在表单字段 {field_name} 中上传文件 / upload the file in form field "
                                      f"'{field_name}'")
        saved = await run_in_threadpool(_save, upload, limit)
    finally:
        await form.close()
    return saved


def _too_large(limit: int) -> str:
    return f"文件不能超过 {limit // (1024 * 1024)} MB / the file may be at most {limit // (1024 * 1024)} MB"


def _save(upload: UploadFile, limit: int) -> Upload:
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(prefix="zx-import-", delete=False) as out:
        while chunk := upload.file.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                out.close()
                Path(out.name).unlink(missing_ok=True)
                raise FileTooLarge(_too_large(limit))
            digest.update(chunk)
            out.write(chunk)
    return Upload(Path(out.name), upload.filename or "", size, digest.hexdigest())


async def uploaded_file(request: Request) -> AsyncIterator[Upload]:
    """Dependency: the request's `file`, removed from disk when the request is done."""
    upload = await receive_upload(request)
    try:
        yield upload
    finally:
        upload.path.unlink(missing_ok=True)


UploadDep = Annotated[Upload, Depends(uploaded_file)]
