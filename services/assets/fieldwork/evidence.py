"""Evidence (证据材料): photos and files attached to a checklist item, a finding or its rectification.

A file is judged by its content, never by its name: its type is read from its bytes (JPEG, PNG,
WebP, PDF, XLSX, DOCX), a name whose extension says otherwise is refused, an image is opened and
its pixels counted before anything is decoded (decompression bombs). The content is stored once
under its sha256, whatever the number of attachments; images get a bounded JPEG thumbnail turned
as their EXIF orientation says. Who may attach follows the stage: checklist items while the
checklist is open (like answers), findings while they may be edited, rectifications while the
village rectifies.
"""

import hashlib
import io
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import filetype
from PIL import Image, ImageOps
from sqlalchemy import select
from sqlmodel import Session

from services.assets.fieldwork import checklist_templates, engagements, findings
from services.assets.fieldwork.access import engagement_scope
from services.assets.fieldwork.answers import _context as answer_context
from services.assets.fieldwork.models import Engagement, Evidence, Rectification
from services.common import audit
from services.common.errors import Conflict, DomainError, Invalid, NotFound
from services.common.tokens import Principal

# What may come in, by the type its content shows, with the extensions a name may carry for it.
ALLOWED = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
}
IMAGES = ("image/jpeg", "image/png", "image/webp")
THUMBNAIL_EDGE = 320
ORIENTATION, QUARTER_TURNS = 0x0112, (5, 6, 7, 8)  # EXIF orientations that turn the picture a quarter
CHUNK = 64 * 1024
ALLOWED_NAMES = "JPEG、PNG、WebP、PDF、XLSX、DOCX"


class TooLarge(DomainError):
    status, code, title = 413, "file_too_large", "File too large"


@dataclass(frozen=True)
class Checked:
    """An upload that passed the content checks, with its thumbnail when it is an image."""

    content: bytes
    sha256: str
    media_type: str
    filename: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


class Store(Protocol):
    """Where contents live, by key; the local folder below, or an S3-compatible bucket behind the same three calls."""

    def put(self, key: str, content: bytes) -> bool: ...

    def has(self, key: str) -> bool: ...

    def chunks(self, key: str) -> Iterator[bytes]: ...


class LocalStore:
    """Files under `var_dir/evidence/`: `blobs/ab/<sha256>` and `thumbs/<sha256>.jpg`, written atomically."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key outside the store: {key}")
        return path

    def has(self, key: str) -> bool:
        return self._path(key).is_file()

    def put(self, key: str, content: bytes) -> bool:
        """Writes the content unless it is there already; False when it was."""
        path = self._path(key)
        if path.is_file():
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return True

    def chunks(self, key: str) -> Iterator[bytes]:
        with self._path(key).open("rb") as source:
            while block := source.read(CHUNK):
                yield block


def blob_key(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}"


def thumbnail_key(sha256: str) -> str:
    return f"thumbs/{sha256}.jpg"


def read_limited(source: BinaryIO, limit: int) -> bytes:
    """The upload's bytes, refused as soon as they pass the limit."""
    parts, total = [], 0
    while block := source.read(CHUNK):
        total += len(block)
        if total > limit:
            message = f"文件不能超过 {limit:,} 字节 / the file may have at most {limit:,} bytes"
            raise TooLarge(f"file: {message}", errors=[{"field": "file", "message": message}], extra={"limit": limit})
        parts.append(block)
    return b"".join(parts)


def check_upload(content: bytes, filename: str, *, max_pixels: int) -> Checked:
    """Type by content, the name's extension agreeing with it, images opened safely; or Invalid naming `file`."""
    if not content:
        raise Invalid("file", "文件为空 / the file is empty")
    kind = filetype.guess(content)
    media_type = kind.mime if kind else None
    if media_type not in ALLOWED:
        raise Invalid("file", f"只接受 {ALLOWED_NAMES} 文件，此文件内容不是 / the content is not one of {ALLOWED_NAMES}",
                      code="file_type_refused")
    name = _clean_name(filename) or "evidence" + ALLOWED[media_type][0]
    extension = Path(name).suffix.lower()
    if extension and extension not in ALLOWED[media_type]:
        raise Invalid("file", f"文件内容是 {kind.extension.upper()}，与扩展名 {extension} 不符 / the content is "
                              f"{kind.extension.upper()}, not what the name's {extension} says", code="file_type_mismatch")
    checked = Checked(content, hashlib.sha256(content).hexdigest(), media_type, name)
    if media_type in IMAGES:
        return _with_thumbnail(checked, max_pixels)
    return checked


def _clean_name(filename: str) -> str:
    """The name's last part without control characters, at most 200 characters, the extension kept."""
    name = "".join(c for c in filename.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable()).strip(" .")
    if len(name) > 200:
        stem, extension = os.path.splitext(name)
        name = stem[: 200 - len(extension)] + extension
    return name


def _complete(content: bytes, media_type: str) -> None:
    """Refuses a cut-off image. Pillow's own check cannot be relied on: WeasyPrint, in the same process,
    sets `ImageFile.LOAD_TRUNCATED_IMAGES` for everyone, and a cut-off image then decodes half grey."""
    if media_type == "image/jpeg":
        if content.rfind(b"\xff\xd9") < 0:  # end of image; motion photos carry more after it
            raise OSError("no end of image")
        return
    with Image.open(io.BytesIO(content)) as image:
        image.verify()  # chunk lengths and checksums to the end


def _with_thumbnail(checked: Checked, max_pixels: int) -> Checked:
    try:
        _complete(checked.content, checked.media_type)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(checked.content))
            width, height = image.size  # read from the header; nothing decoded yet
            if width * height > max_pixels:
                raise Invalid("file", f"图片像素过多（{width}×{height}）/ the image has too many pixels "
                                      f"({width}×{height}); at most {max_pixels}", code="image_too_large")
            if image.getexif().get(ORIENTATION) in QUARTER_TURNS:
                width, height = height, width
            image.draft("RGB", (THUMBNAIL_EDGE * 2, THUMBNAIL_EDGE * 2))  # JPEG decodes at a fraction of its size
            thumb = _thumbnail(ImageOps.exif_transpose(image))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid("file", "图片像素过多 / the image has too many pixels", code="image_too_large") from None
    except (OSError, SyntaxError, ValueError):
        raise Invalid("file", "图片已损坏，无法打开 / the image is damaged and cannot be opened",
                      code="image_damaged") from None
    return Checked(checked.content, checked.sha256, checked.media_type, checked.filename, width, height, thumb)


def _thumbnail(image: Image.Image) -> bytes:
    image.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE))
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def store_for(var_dir: Path) -> Store:
    return LocalStore(var_dir / "evidence")


def _target(session: Session, principal: Principal, engagement_id: int, item_code: str | None,
            finding_id: int | None) -> tuple[Engagement, str]:
    """The engagement and the stage of the attachment, if the principal may attach there now."""
    if not item_code and finding_id is None:
        raise Invalid("item_code", "须指明底稿条目或问题 / give the checklist item or the finding (finding_id)")
    engagement = engagements.get_engagement(session, principal, engagement_id)
    purpose = "answer"
    if item_code:
        found = answer_context(session, engagement_id, principal)  # who may answer, and only while open
        if item_code not in checklist_templates.template_items(session, found.template_id):
            raise Invalid("item_code", f"底稿中没有 {item_code} / the checklist has no item {item_code}")
    if finding_id is not None:
        purpose = _finding_stage(session, principal, engagement, finding_id)
    return engagement, purpose


def _finding_stage(session: Session, principal: Principal, engagement: Engagement, finding_id: int) -> str:
    finding, owner = findings.get_finding(session, principal, finding_id)
    if owner.id != engagement.id:
        raise Invalid("finding_id", f"问题 {finding_id} 不属于本任务 / finding {finding_id} is not this engagement's")
    if engagement.status in findings.RECTIFYING:
        findings._require_rectifier(session, engagement, principal)
        if session.get(Rectification, finding.id).status in ("verified", "accepted"):
            raise Conflict("整改已核实，不能再附证据 / the rectification is closed", code="rectification_closed")
        return "rectification"
    findings._require_editor(session, engagement, principal)
    return "finding"


def attach(session: Session, principal: Principal, store: Store, *, engagement_id: int, checked: Checked,
           item_code: str | None, finding_id: int | None, actor: str) -> tuple[Evidence, bool]:
    """Attaches a checked file; the same content attached again to the same place is the first attachment."""
    engagement, purpose = _target(session, principal, engagement_id, item_code, finding_id)
    same = session.scalars(select(Evidence).where(
        Evidence.engagement_id == engagement.id, Evidence.sha256 == checked.sha256,
        Evidence.item_code.is_(None) if not item_code else Evidence.item_code == item_code,
        Evidence.finding_id.is_(None) if finding_id is None else Evidence.finding_id == finding_id)).first()
    if same is not None:
        return same, False
    store.put(blob_key(checked.sha256), checked.content)
    if checked.thumbnail is not None:
        store.put(thumbnail_key(checked.sha256), checked.thumbnail)
    row = Evidence(engagement_id=engagement.id, item_code=item_code or None, finding_id=finding_id, purpose=purpose,
                   sha256=checked.sha256, media_type=checked.media_type, size=len(checked.content),
                   filename=checked.filename, width=checked.width, height=checked.height,
                   thumbnail=checked.thumbnail is not None, uploaded_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="attach", entity="evidence", entity_id=str(row.id),
                 after=evidence_view(row))
    return row, True


def detach(session: Session, principal: Principal, row: Evidence, *, actor: str) -> None:
    """Removes an attachment where it could be attached now (a wrong photo, while the checklist is open).
    The stored content stays: other attachments may share it, and the audit trail names it."""
    _target(session, principal, row.engagement_id, row.item_code, row.finding_id)
    audit.record(session, actor=actor, action="detach", entity="evidence", entity_id=str(row.id),
                 before=evidence_view(row))
    session.delete(row)
    session.flush()


def list_evidence(session: Session, principal: Principal, engagement_id: int, *, item_code: str | None = None,
                  finding_id: int | None = None) -> list[Evidence]:
    engagements.get_engagement(session, principal, engagement_id)
    query = select(Evidence).where(Evidence.engagement_id == engagement_id)
    if item_code:
        query = query.where(Evidence.item_code == item_code)
    if finding_id is not None:
        query = query.where(Evidence.finding_id == finding_id)
    return list(session.scalars(query.order_by(Evidence.id)))


def get_evidence(session: Session, principal: Principal, evidence_id: int) -> Evidence:
    """The attachment if the principal may see its engagement; anyone else's is simply not found."""
    query = engagement_scope(select(Evidence).join(Engagement, Engagement.id == Evidence.engagement_id)
                             .where(Evidence.id == evidence_id), principal)
    found = session.scalars(query).first()
    if found is None:
        raise NotFound(f"没有编号为 {evidence_id} 的证据 / no evidence {evidence_id}", code="evidence_not_found")
    return found


def evidence_view(row: Evidence) -> dict:
    return {"id": row.id, "engagement_id": row.engagement_id, "item_code": row.item_code,
            "finding_id": row.finding_id, "purpose": row.purpose, "sha256": row.sha256,
            "media_type": row.media_type, "size": row.size, "filename": row.filename, "width": row.width,
            "height": row.height, "thumbnail": row.thumbnail, "uploaded_by": row.uploaded_by,
            "uploaded_at": row.uploaded_at.isoformat(),
            "href": f"/v1/evidence/{row.id}/content",
            "thumbnail_href": f"/v1/evidence/{row.id}/thumbnail" if row.thumbnail else None}
