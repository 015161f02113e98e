"""Public disclosure pages (三务公开): what a village has published, for anyone, with no sign-in.

The page reads the assets service's public endpoint as a fixed low-privilege principal; the service
itself serves only published items with no personal data, whoever asks. Answers carry an ETag, so a
phone that has the page already gets a 304.

The gateway keeps each village's answer and its rendered pages (one per language), keyed by the
published set's version (the service's ETag). At most once every REVALIDATE_SECONDS per village it
asks again with If-None-Match; the service answers 304 from one small aggregate while nothing
changed, so a busy village page costs the gateway about what a static file does, and a publication
or withdrawal shows within a second.
"""

import hashlib
import io
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import segno
from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from gateway.i18n import gettext_for
from gateway.pages.backend import call
from gateway.pages.rendering import language
from gateway.upstream import UpstreamError
from services.common.tokens import Principal

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parents[1] / "templates"))
PUBLIC = Principal(subject="public", role="viewer", kind="public")
UNIT_CODE = re.compile(r"^\d{12}$")
REVALIDATE_SECONDS = 1.0
STALE_SECONDS = 60.0  # while the service is away, a page confirmed this recently is still served (as max-age)


@dataclass
class Published:
    """A village's published set as the service last gave it, and its pages rendered from it."""

    tag: str
    village: dict
    checked: float  # when it was last asked about (set before asking, so only one request asks)
    confirmed: float  # when the service last said it is current
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # language → (body, ETag)


def _held(request: Request) -> dict[str, Published]:
    """This app's villages (one map per app, so apps built in tests never share one)."""
    state = request.app.state
    if not hasattr(state, "public_villages"):
        state.public_villages = {}
    return state.public_villages


async def _village(request: Request, unit_code: str) -> Published | None:
    if not UNIT_CODE.match(unit_code):
        return None
    held = _held(request)
    found, now = held.get(unit_code), time.monotonic()
    if found is not None and now - found.checked < REVALIDATE_SECONDS:
        return found
    headers = {}
    if found is not None:
        # One request asks again; the others meanwhile serve what is held rather than all asking at once.
        found.checked, headers = now, {"If-None-Match": found.tag}
    try:
        response = await call(request, PUBLIC, "assets", "GET", f"/v1/public/villages/{unit_code}", headers=headers)
    except UpstreamError:
        if found is None or now - found.confirmed > STALE_SECONDS:
            raise
        return found  # what was published a moment ago stays readable while the service is away
    if response.status_code == 304 and found is not None:
        found.confirmed = now
        return found
    if response.status_code != 200:
        held.pop(unit_code, None)
        return None
    held[unit_code] = Published(response.headers.get("etag", ""), response.json(), now, now)
    return held[unit_code]


def _tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _with_etag(request: Request, body: bytes, media_type: str, status: int = 200, tag: str | None = None) -> Response:
    tag = tag or _tag(body)
    headers = {"ETag": tag, "Cache-Control": "public, max-age=60", "Vary": "Cookie"}
    if status == 200 and tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def _render(request: Request, name: str, lang: str, **context) -> bytes:
    return templates.get_template(name).render(request=request, lang=lang, _=gettext_for(lang), **context).encode()


def _page(request: Request, name: str, status: int = 200, **context) -> Response:
    body = _render(request, name, language(request), **context)
    return _with_etag(request, body, "text/html; charset=utf-8", status)


@router.get("/public/villages/{unit_code}")
async def village_page(request: Request, unit_code: str) -> Response:
    published = await _village(request, unit_code)
    if published is None:
        return _page(request, "public/missing.html", 404)
    lang = language(request)
    if lang not in published.pages:
        body = _render(request, "public/village.html", lang, village=published.village)
        published.pages[lang] = (body, _tag(body))
    body, tag = published.pages[lang]
    return _with_etag(request, body, "text/html; charset=utf-8", tag=tag)


@router.get("/public/villages/{unit_code}/qr.svg")
async def village_qr(request: Request, unit_code: str) -> Response:
    """A QR code of the page's address, to print for the village notice board."""
    if await _village(request, unit_code) is None:
        return _page(request, "public/missing.html", 404)
    address = str(request.url_for("village_page", unit_code=unit_code))
    out = io.BytesIO()
    segno.make(address, error="m").save(out, kind="svg", scale=6, border=2, title=address)
    return _with_etag(request, out.getvalue(), "image/svg+xml")
