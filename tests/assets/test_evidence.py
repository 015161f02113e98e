"""Evidence (证据材料) through the API: type judged by content, stored once by its hash, thumbnails of
bounded size turned upright, served only to those who see the engagement, frozen with the checklist."""

import io

import pytest
from PIL import Image
from pypdf import PdfWriter

from tests.assets.fieldwork import answer, approve_plan, fill, step, team_headers

pytestmark = pytest.mark.db
ITEM = "democracy.minutes"


def png(width: int = 1000, height: int = 600, color: str = "seagreen") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_turned(width: int = 400, height: int = 200) -> bytes:
    """A landscape JPEG whose EXIF says "turn a quarter clockwise to show" (orientation 6), as phones write."""
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(out, "JPEG", exif=exif)
    return out.getvalue()


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def upload(client, engagement_id: int, headers: dict, name: str, content: bytes, **fields):
    data = {"item_code": ITEM} | {k: str(v) for k, v in fields.items()}
    return client.post(f"/v1/engagements/{engagement_id}/evidence", headers=headers, data=data,
                       files={"file": (name, content, "application/octet-stream")})


@pytest.fixture
def started(assets, as_role, lead, staffed):
    """An inspection whose team has started it, and its member's headers."""
    target = next(e for e in approve_plan(assets, lead) if e["kind"] == "inspection")
    member, _ = team_headers(as_role, target)
    assert step(assets, target["id"], "start", member).status_code == 200
    return target, member


def stored_blobs(client) -> list:
    return sorted((client.app.state.settings.var_dir / "evidence" / "blobs").rglob("*"), key=str)


class TestLadder:
    def test_anonymous_is_refused(self, assets, started):
        target, _ = started
        assert upload(assets, target["id"], {}, "a.png", png()).status_code == 401

    def test_an_integration_client_may_not_upload(self, assets, as_role, started):
        target, _ = started
        assert upload(assets, target["id"], as_role("integration"), "a.png", png()).status_code == 403

    def test_an_auditor_of_another_team_can_neither_attach_nor_fetch(self, assets, as_role, lead, started):
        target, member = started
        made = upload(assets, target["id"], member, "minutes.png", png()).json()
        team = {m["username"] for m in target["team"]}
        engagements = assets.get("/v1/engagements", params={"limit": 500}, headers=lead).json()["items"]
        other = as_role("auditor", next(m["username"] for e in engagements for m in e["team"]
                                        if m["username"] not in team))
        assert upload(assets, target["id"], other, "mine.png", png(color="red")).status_code == 404
        for path in (f"/v1/engagements/{target['id']}/evidence", f"/v1/evidence/{made['id']}",
                     f"/v1/evidence/{made['id']}/content", f"/v1/evidence/{made['id']}/thumbnail"):
            assert assets.get(path, headers=other).status_code in (403, 404), path
        assert assets.get(f"/v1/evidence/{made['id']}/content", headers=as_role("viewer")).status_code == 200

    def test_a_png_named_pdf_is_refused_naming_the_field(self, assets, started):
        target, member = started
        refused = upload(assets, target["id"], member, "invoice.pdf", png())
        assert refused.status_code == 422
        assert refused.json()["code"] == "file_type_mismatch"
        assert refused.json()["errors"][0]["field"] == "file" and ".pdf" in refused.json()["detail"]

    def test_text_named_jpg_is_refused_naming_the_field(self, assets, started):
        target, member = started
        refused = upload(assets, target["id"], member, "photo.jpg", "村委会会议记录\n".encode() * 50)
        assert refused.status_code == 422
        assert refused.json()["code"] == "file_type_refused" and refused.json()["errors"][0]["field"] == "file"

    def test_a_cut_off_image_is_refused(self, assets, started):
        target, member = started
        for name, content in (("cut.png", png()[:200]), ("cut.jpg", jpeg_turned()[:900])):
            refused = upload(assets, target["id"], member, name, content)
            assert refused.status_code == 422 and refused.json()["code"] == "image_damaged", name
            assert refused.json()["errors"][0]["field"] == "file"

    def test_too_large_a_file_is_refused_before_it_is_stored(self, assets, started):
        target, member = started
        assets.app.state.settings.evidence_max_bytes = 4096
        refused = upload(assets, target["id"], member, "big.png", png(color="white") + b"\0" * 5000)
        assert refused.status_code == 413 and refused.json()["errors"][0]["field"] == "file"
        assert stored_blobs(assets) == []

    def test_too_many_pixels_is_refused_before_decoding(self, assets, started):
        target, member = started
        assets.app.state.settings.evidence_max_pixels = 100_000
        refused = upload(assets, target["id"], member, "wide.png", png(1000, 1000))
        assert refused.status_code == 422 and refused.json()["code"] == "image_too_large"

    def test_the_place_is_needed_and_must_exist(self, assets, started):
        target, member = started
        nowhere = assets.post(f"/v1/engagements/{target['id']}/evidence", headers=member,
                              files={"file": ("a.png", png(), "image/png")})
        assert nowhere.status_code == 422 and nowhere.json()["errors"][0]["field"] == "item_code"
        unknown = upload(assets, target["id"], member, "a.png", png(), item_code="no.such")
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "item_code"
        assert upload(assets, target["id"], member, "a.png", png(), finding_id=999999).status_code == 404


def test_a_png_and_a_pdf_are_attached_listed_and_served(assets, as_role, started):
    target, member = started
    image = png()
    made = upload(assets, target["id"], member, "会议记录.png", image)
    assert made.status_code == 201, made.text
    shown = made.json()
    assert (shown["media_type"], shown["width"], shown["height"], shown["purpose"]) == ("image/png", 1000, 600, "answer")
    assert shown["filename"] == "会议记录.png" and shown["size"] == len(image)

    paper = pdf()
    document = upload(assets, target["id"], member, "minutes.PDF", paper)
    assert document.status_code == 201, document.text
    assert document.json()["media_type"] == "application/pdf" and document.json()["thumbnail_href"] is None

    listed = assets.get(f"/v1/engagements/{target['id']}/evidence", params={"item_code": ITEM}, headers=member)
    assert [e["id"] for e in listed.json()["items"]] == [shown["id"], document.json()["id"]]

    content = assets.get(f"/v1/evidence/{shown['id']}/content", headers=member)
    assert content.content == image and content.headers["content-type"] == "image/png"
    assert "sandbox" in content.headers["content-security-policy"]
    download = assets.get(f"/v1/evidence/{document.json()['id']}/content", headers=member)
    assert download.content == paper
    assert download.headers["content-disposition"].startswith("attachment")
    assert assets.get(f"/v1/evidence/{document.json()['id']}/thumbnail", headers=member).status_code == 404

    history = assets.get("/v1/audit", params={"entity": "evidence"}, headers=as_role("admin")).json()["items"]
    assert [r["action"] for r in history] == ["attach", "attach"]


def test_the_thumbnail_is_a_jpeg_of_bounded_size(assets, started):
    target, member = started
    made = upload(assets, target["id"], member, "wide.png", png(1000, 600)).json()
    thumb = assets.get(made["thumbnail_href"], headers=member)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == "JPEG" and image.size == (320, 192)
    again = assets.get(made["thumbnail_href"], headers=member | {"If-None-Match": thumb.headers["etag"]})
    assert again.status_code == 304


def test_a_phone_photo_is_shown_upright(assets, started):
    target, member = started
    made = upload(assets, target["id"], member, "IMG_0001.JPG", jpeg_turned(400, 200)).json()
    assert (made["width"], made["height"]) == (200, 400)
    with Image.open(io.BytesIO(assets.get(made["thumbnail_href"], headers=member).content)) as image:
        assert image.size == (160, 320)


def test_the_same_content_is_stored_once(assets, started):
    target, member = started
    image = png(color="navy")
    first = upload(assets, target["id"], member, "a.png", image)
    resent = upload(assets, target["id"], member, "a.png", image)
    elsewhere = upload(assets, target["id"], member, "b.png", image, item_code="cash.count")
    assert (first.status_code, resent.status_code, elsewhere.status_code) == (201, 200, 201)
    assert resent.json()["id"] == first.json()["id"] != elsewhere.json()["id"]
    assert [p.name for p in stored_blobs(assets) if p.is_file()] == [first.json()["sha256"]]


def test_a_wrong_photo_is_taken_off_while_the_checklist_is_open(assets, as_role, started):
    target, member = started
    viewer = as_role("viewer")
    wrong = upload(assets, target["id"], member, "wrong.png", png(color="pink")).json()
    assert assets.delete(f"/v1/evidence/{wrong['id']}", headers=viewer).json()["code"] == "not_team_member"
    assert assets.delete(f"/v1/evidence/{wrong['id']}", headers=member).status_code == 204
    assert assets.get(f"/v1/evidence/{wrong['id']}", headers=member).status_code == 404
    history = assets.get("/v1/audit", params={"entity": "evidence"}, headers=as_role("admin")).json()["items"]
    assert [r["action"] for r in history] == ["attach", "detach"]


def test_a_submitted_checklist_takes_no_more_evidence_but_a_rectification_does(assets, as_role, lead, started):
    target, member = started
    saved = fill(assets, target["id"], member, no=frozenset({"cash.count"}))
    assert "disposals.market" not in saved  # required, but hidden: disposals.any is "no"
    kept = upload(assets, target["id"], member, "kept.png", png(color="plum")).json()
    assert step(assets, target["id"], "submit", member).status_code == 200
    frozen = upload(assets, target["id"], member, "late.png", png())
    assert frozen.status_code == 409 and frozen.json()["code"] == "checklist_frozen"
    assert assets.delete(f"/v1/evidence/{kept['id']}", headers=member).status_code == 409
    assert answer(assets, target["id"], "cash.count", member, "yes", version=1).status_code == 409

    finding = assets.get(f"/v1/engagements/{target['id']}/findings", headers=member).json()["items"][0]
    early = upload(assets, target["id"], member, "fix.png", png(color="gold"), item_code="",
                   finding_id=finding["id"])
    assert early.status_code == 201 and early.json()["purpose"] == "finding"
    assert step(assets, target["id"], "accept", lead).status_code == 200
    fixed = upload(assets, target["id"], member, "fixed.png", png(color="olive"), item_code="",
                   finding_id=finding["id"])
    assert fixed.status_code == 201 and fixed.json()["purpose"] == "rectification"
    listed = assets.get(f"/v1/engagements/{target['id']}/evidence", params={"finding_id": finding["id"]},
                        headers=as_role("auditor", member_name(target)))
    assert [e["purpose"] for e in listed.json()["items"]] == ["finding", "rectification"]


def member_name(engagement: dict) -> str:
    return next(m["username"] for m in engagement["team"] if not m["lead"])
