"""Public disclosure pages (三务公开): what a village has published, for anyone, with no sign-in.

The page reads the assets service's public endpoint as a fixed low-privilege principal; the service
itself serves only published items with no personal data, whoever asks. Answers carry an ETag, so a
phone that has the page already gets a 304.
"""

import hashlib
import io
import re

import segno
from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from gateway.backend import call
from gateway.i18n import gettext_for
from gateway.pages import language
from services.common.tokens import Principal

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=__file__.rsplit("/", 1)[0] + "/templates")
PUBLIC = Principal(subject="public", role="viewer", kind="public")
UNIT_CODE = re.compile(r"^\d{12}$")


async def _village(request: Request, unit_code: str) -> dict | None:
    if not UNIT_CODE.match(unit_code):
        return None
    response = await call(request, PUBLIC, "assets", "GET", f"/v1/public/villages/{unit_code}")
    return response.json() if response.status_code == 200 else None


def _with_etag(request: Request, body: bytes, media_type: str, status: int = 200) -> Response:
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "public, max-age=60", "Vary": "Cookie"}
    if status == 200 and tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def _page(request: Request, name: str, status: int = 200, **context) -> Response:
    lang = language(request)
    body = templates.get_template(name).render(request=request, lang=lang, _=gettext_for(lang), **context)
    return _with_etag(request, body.encode(), "text/html; charset=utf-8", status)


@router.get("/public/villages/{unit_code}")
async def village_page(request: Request, unit_code: str) -> Response:
    village = await _village(request, unit_code)
    if village is None:
        return _page(request, "public/missing.html", 404)
    return _page(request, "public/village.html", village=village)


@router.get("/public/villages/{unit_code}/qr.svg")
async def village_qr(request: Request, unit_code: str) -> Response:
    """A QR code of the page's address, to print for the village notice board."""
    if await _village(request, unit_code) is None:
        return _page(request, "public/missing.html", 404)
    address = str(request.url_for("village_page", unit_code=unit_code))
    out = io.BytesIO()
    segno.make(address, error="m").save(out, kind="svg", scale=6, border=2, title=address)
    return _with_etag(request, out.getvalue(), "image/svg+xml")
