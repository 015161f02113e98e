"""The assessment pages in Chromium: a weight error shown in place, a run with progress, the ranking and
its export, a village's breakdown, what a town officer sees, the targets, manual entry with an inline
error, what-if against the published run, and a phone's width."""

import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from services.assessment import demo_pidu, targets
from services.assessment.demo import DISTRICT, SCHEME, YEAR
from tests.browser.test_home import sign_in

pytestmark = pytest.mark.browser
ZHAITANG = "110109104000"  # the demo town officer's town
TARGETS = targets.TARGETS


@pytest.fixture
def page(browser, platform):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_errors.append(msg.text))
    yield page
    context.close()


@pytest.fixture(scope="module")
def api(platform):
    """The assessment API through the gateway, as an admin's API client."""
    key = platform.cli("create-api-key", "--name", "assessment-browser-test", "--role", "admin").stdout.split()[-1]
    with httpx.Client(base_url=platform.gateway + "/api/assessment/v1", headers={"Authorization": f"Bearer {key}"},
                      timeout=120, trust_env=False) as client:
        yield client


@pytest.fixture(scope="module")
def published(api) -> dict:
    """The published 门头沟 scheme and its 2025 period with figures gathered: the demo's, or made here."""
    schemes = [s for s in api.get("/schemes").json()["items"] if s["code"] == SCHEME["code"]]
    done = [s for s in schemes if s["status"] == "published"]
    if done:
        scheme_id = done[-1]["id"]
    else:
        created = api.post("/schemes", json=SCHEME)
        assert created.status_code == 201, created.text
        scheme_id = created.json()["id"]
        assert api.post(f"/schemes/{scheme_id}/publish").status_code == 200
    periods = [p for p in api.get("/periods").json()["items"] if (p["district_code"], p["year"]) == (DISTRICT, YEAR)]
    period_id = periods[0]["id"] if periods else api.post("/periods", json={"district_code": DISTRICT,
                                                                             "year": YEAR}).json()["id"]
    if api.get(f"/periods/{period_id}/inputs").status_code != 200:
        gathered = api.post(f"/periods/{period_id}/inputs")
        assert gathered.status_code == 201, gathered.text
    return {"scheme_id": scheme_id, "period_id": period_id}


def finished_run(api, published) -> int:
    """A run of the published scheme, computed and published to the towns."""
    run = api.post("/runs", json=published).json()
    for _ in range(300):
        if api.get(f"/runs/{run['id']}").json()["status"] == "done":
            break
        time.sleep(0.1)
    assert api.post(f"/runs/{run['id']}/publish").status_code == 200
    return run["id"]


def new_draft_version(page, scheme_id: int) -> None:
    page.goto(f"/assessment/schemes/{scheme_id}")
    expect(page.locator("[data-testid=scheme-status]")).to_have_text("已发布")
    expect(page.locator("[data-testid=weight-operating_income-0]")).to_have_count(0)  # read-only when published
    page.click("[data-testid=new-version]")
    expect(page.locator("[data-testid=scheme-status]")).to_have_text("草稿")


def test_assessor_fixes_a_weight_runs_and_opens_a_villages_breakdown(page, published, artifacts):
    sign_in(page, "assessor")
    new_draft_version(page, published["scheme_id"])
    weight = page.locator("[data-testid=weight-operating_income-0]")
    expect(weight).to_have_value("40")
    weight.fill("45")
    page.click("main [data-testid=save-weights]")
    error = page.locator("[data-testid=error-sum-0]")
    expect(error).to_contain_text("集聚提升类")
    expect(error).to_contain_text("105")
    expect(page.locator("[data-testid=sum-0]")).to_contain_text("105")
    expect(weight).to_have_value("45")  # what was typed is kept
    expect(page.locator("[data-testid=error-sum-1]")).to_have_count(0)  # the other classes still add up
    page.screenshot(path=str(artifacts / "assessment-weights-error.png"), full_page=True)

    weight.fill("40")
    page.click("main [data-testid=save-weights]")
    expect(page.locator("[data-testid=weights-saved]")).to_be_visible()
    expect(page.locator("[data-testid=error-sum-0]")).to_have_count(0)
    page.click("main [data-testid=publish-scheme]")
    expect(page.locator("[data-testid=scheme-status]")).to_have_text("已发布")

    page.click(f"main [data-testid=start-run-{YEAR}]")
    page.wait_for_url(re.compile(r".*/assessment/runs/\d+$"))
    expect(page.locator("[data-testid=run-status]")).to_have_text("已完成", timeout=30_000)
    expect(page.locator("[data-testid=progress-bar]")).to_have_attribute("value", "100")
    rows = page.locator("[data-testid=ranking-row]")
    expect(rows.first).to_be_visible()
    page.select_option("[data-testid=filter-town]", ZHAITANG)
    expect(page.locator("#ranking")).not_to_contain_text("大台街道")
    expect(rows.first).to_contain_text("斋堂镇")
    assert "town=" + ZHAITANG in page.url
    page.screenshot(path=str(artifacts / "assessment-ranking.png"), full_page=True)

    name = rows.first.locator("[data-testid=village-link]").inner_text()
    rows.first.locator("[data-testid=village-link]").click()
    expect(page.locator("[data-testid=breakdown-title]")).to_contain_text(name)
    expect(page.locator("[data-testid=breakdown-row]")).to_have_count(len(SCHEME["indicators"]))
    expect(page.locator("[data-testid=breakdown-chart] rect:not(.reach)")).to_have_count(len(SCHEME["indicators"]) - 1)
    sentence = page.locator("[data-testid=explanation]").first.inner_text()
    assert "得" in sentence and " / " not in sentence  # the Chinese half only
    page.screenshot(path=str(artifacts / "assessment-breakdown.png"), full_page=True)
    assert page.csp_errors == []


def test_breakdown_reads_in_english(page, api, published):
    run_id = finished_run(api, published)
    code = api.get(f"/runs/{run_id}/results", params={"limit": 1}).json()["items"][0]["unit_code"]
    sign_in(page, "assessor")
    page.goto(f"/lang/en?next=/assessment/runs/{run_id}/villages/{code}")
    expect(page.locator("[data-testid=breakdown]")).to_contain_text("Operating income")
    sentence = page.locator("[data-testid=explanation]").first.inner_text()
    assert sentence.startswith("Operating income:") and "points" in sentence and "得" not in sentence


def test_town_officer_sees_published_results_of_their_villages_only(page, api, published):
    run_id = finished_run(api, published)
    hidden = api.post("/runs", json=published).json()["id"]  # never published
    sign_in(page, "town")
    page.goto("/assessment")
    expect(page.locator("[data-testid=schemes]")).to_have_count(0)
    page.goto(f"/assessment/runs/{run_id}")
    rows = page.locator("[data-testid=ranking-row]")
    expect(rows.first).to_be_visible()
    assert all("斋堂镇" in text for text in rows.all_inner_texts())
    other = next(i for i in api.get(f"/runs/{run_id}/results", params={"limit": 1000}).json()["items"]
                 if i["town_code"] != ZHAITANG)
    assert page.goto(f"/assessment/runs/{run_id}/villages/{other['unit_code']}").status == 404
    assert page.goto(f"/assessment/runs/{hidden}").status == 404


def test_targets_show_progress_and_the_pace_still_needed(page, artifacts):
    sign_in(page, "viewer")
    page.goto("/assessment/targets")
    expect(page.locator("main")).to_contain_text("郫都区")
    targets = page.locator("[data-testid=target]")
    expect(targets).to_have_count(len(TARGETS), timeout=30_000)
    expect(targets.first.locator("[data-testid=target-progress]")).to_be_visible()
    expect(page.locator("main")).to_contain_text("诗画乡村")
    page.screenshot(path=str(artifacts / "assessment-targets.png"), full_page=True)


def test_breakdown_fits_a_phone_without_sideways_scroll(browser, platform, api, published, artifacts):
    run_id = finished_run(api, published)
    code = api.get(f"/runs/{run_id}/results", params={"limit": 1}).json()["items"][0]["unit_code"]
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, "assessor")
    page.goto(f"/assessment/runs/{run_id}/villages/{code}")
    expect(page.locator("[data-testid=breakdown-chart]")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts / "assessment-phone.png"), full_page=True)
    context.close()
    assert width <= 360


def test_comparison_and_index_list_the_runs(page, api, published, artifacts):
    first, second = finished_run(api, published), finished_run(api, published)
    sign_in(page, "assessor")
    page.goto("/assessment")
    expect(page.locator("[data-testid=run-item]").first).to_contain_text(f"第 {second} 次计分")
    page.goto("/assessment/compare")
    page.select_option("[data-testid=compare-a]", str(first))
    page.select_option("[data-testid=compare-b]", str(second))
    page.click("main [data-testid=compare]")
    expect(page.locator("main")).to_contain_text("0 个村排名有变化")  # same scheme, same inputs
    expect(page.locator("[data-testid=no-moves]")).to_be_visible()
    page.screenshot(path=str(artifacts / "assessment-compare.png"), full_page=True)


@pytest.fixture(scope="module")
def pidu(api) -> dict:
    """郫都区's published scheme with its 2025 period, hand-reported figures and a finished run: the demo's,
    or made here."""
    found = [s for s in api.get("/schemes").json()["items"] if s["code"] == demo_pidu.SCHEME["code"]]
    published = [s for s in found if s["status"] == "published"]
    if published:
        scheme_id = published[0]["id"]
    else:
        scheme_id = api.post("/schemes", json=demo_pidu.SCHEME).json()["id"]
        assert api.post(f"/schemes/{scheme_id}/publish").status_code == 200
    periods = [p for p in api.get("/periods").json()["items"]
               if (p["district_code"], p["year"]) == (demo_pidu.DISTRICT, demo_pidu.YEAR)]
    period_id = periods[0]["id"] if periods else api.post("/periods", json={
        "district_code": demo_pidu.DISTRICT, "year": demo_pidu.YEAR}).json()["id"]
    if api.get(f"/periods/{period_id}/inputs").status_code != 200:
        assert api.post(f"/periods/{period_id}/inputs").status_code == 201
    if not api.get("/runs", params={"scheme_id": scheme_id, "period_id": period_id}).json()["items"]:
        finished_run(api, {"scheme_id": scheme_id, "period_id": period_id})
    draft = next((s for s in found if s["status"] == "draft"), None)
    return {"scheme_id": scheme_id, "period_id": period_id, "draft_id": draft["id"] if draft else None}


def test_manual_entry_shows_a_bad_figure_in_place_and_saves_a_good_one(page, api, pidu, artifacts):
    sign_in(page, "assessor")
    page.goto(f"/assessment/schemes/{pidu['scheme_id']}")
    page.click(f"main [data-testid=inputs-{demo_pidu.YEAR}]")
    expect(page.locator("[data-testid=inputs-title]")).to_contain_text(str(demo_pidu.YEAR))
    expect(page.locator("[data-testid=completeness-main_industry]")).to_be_visible()
    village = api.get(f"/periods/{pidu['period_id']}/villages").json()["items"][0]["unit_code"]
    row = page.locator(f"[data-testid=entry-row-{village}]")
    cell = row.locator(f"[data-testid=entry-{village}-consumption_scenes]")
    cell.fill("三个")
    row.locator(f"[data-testid=save-{village}]").click()
    error = page.locator(f"[data-testid=entry-row-{village}] [data-testid=error-v-consumption_scenes]")
    expect(error).to_contain_text("请输入数字")
    expect(page.locator(f"[data-testid=entry-{village}-consumption_scenes]")).to_have_value("三个")  # kept as typed
    expect(page.locator(f"[data-testid=entry-{village}-consumption_scenes]")).to_have_attribute("aria-invalid", "true")
    page.locator(f"[data-testid=entry-{village}-consumption_scenes]").fill("4")
    page.locator(f"[data-testid=evidence-{village}]").fill("")
    page.locator(f"[data-testid=save-{village}]").click()
    expect(page.locator(f"[data-testid=entry-row-{village}] [data-testid=error-evidence]")).to_contain_text("佐证材料")
    expect(page.locator(f"[data-testid=entry-row-{village}] [data-testid=error-v-consumption_scenes]")).to_have_count(0)
    page.screenshot(path=str(artifacts / "assessment-manual-entry-error.png"), full_page=True)

    page.locator(f"[data-testid=evidence-{village}]").fill("唐昌镇2025年消费场景报送表")
    page.locator(f"[data-testid=save-{village}]").click()
    expect(page.locator(f"[data-testid=saved-{village}]")).to_be_visible()
    entries = api.get(f"/periods/{pidu['period_id']}/manual-entries").json()["items"]
    saved = next(e for e in entries if (e["unit_code"], e["indicator_code"]) == (village, "consumption_scenes"))
    assert (saved["value"], saved["evidence"]) == ("4.0", "唐昌镇2025年消费场景报送表")
    assert page.csp_errors == []


def test_what_if_shows_how_ranks_would_change_against_the_published_run(page, api, pidu, artifacts):
    draft_id = pidu["draft_id"]
    if draft_id is None:
        body = {**demo_pidu.SCHEME, "indicators": [dict(i) for i in demo_pidu.SCHEME["indicators"]]}
        for indicator in body["indicators"]:  # income counts for more, the art project for less
            if indicator["code"] in ("operating_income", "art_village"):
                indicator["weights"] = {c: (20 if indicator["code"] == "operating_income" else 5)
                                        for c in demo_pidu.CLASSES}
        created = api.post("/schemes", json=body)
        assert created.status_code == 201, created.text
        draft_id = created.json()["id"]
    sign_in(page, "assessor")
    page.goto(f"/assessment/schemes/{draft_id}")
    page.click("main [data-testid=what-if-link]")
    page.select_option("[data-testid=what-if-period]", str(pidu["period_id"]))
    page.click("main [data-testid=what-if-run]")
    summary = page.locator("[data-testid=what-if-summary]")
    expect(summary).to_contain_text("个村排名会变化")
    moved = int(re.search(r"(\d+) 个村排名会变化", summary.inner_text()).group(1))
    assert moved > 0
    expect(page.locator("[data-testid=what-if-row]")).to_have_count(98)
    page.check("[data-testid=what-if-moved-only]")
    page.click("main [data-testid=what-if-run]")
    expect(page.locator("[data-testid=what-if-row]")).to_have_count(moved)
    changes = page.locator("[data-testid=what-if-change]").all_inner_texts()
    assert all(c.startswith(("▲", "▼")) for c in changes)
    page.screenshot(path=str(artifacts / "assessment-what-if.png"), full_page=True)
    assert page.csp_errors == []


def test_the_ranking_exports_to_excel(page, api, published):
    run_id = finished_run(api, published)
    sign_in(page, "assessor")
    page.goto(f"/assessment/runs/{run_id}")
    link = page.locator("[data-testid=export]")
    expect(link).to_be_visible()
    answer = page.request.get(link.get_attribute("href"))
    assert answer.status == 200 and "spreadsheetml" in answer.headers["content-type"]
    assert answer.body()[:2] == b"PK"


def test_inputs_and_what_if_fit_a_phone_without_sideways_scroll(browser, platform, pidu, artifacts):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, "assessor")
    widths = {}
    for name, path in (("inputs", f"/assessment/schemes/{pidu['scheme_id']}/periods/{pidu['period_id']}/inputs"),
                       ("what-if", f"/assessment/schemes/{pidu['scheme_id']}/what-if?period_id={pidu['period_id']}")):
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(artifacts / f"assessment-{name}-phone.png"))
    context.close()
    assert widths == {"inputs": 360, "what-if": 360}


def test_manual_entry_works_without_javascript(browser, platform, api, pidu):
    context = browser.new_context(base_url=platform.gateway, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "assessor")
    village = api.get(f"/periods/{pidu['period_id']}/villages").json()["items"][1]["unit_code"]
    page.goto(f"/assessment/schemes/{pidu['scheme_id']}/periods/{pidu['period_id']}/inputs")
    page.locator(f"[data-testid=entry-{village}-toilet_rate]").fill("九十")
    page.locator(f"[data-testid=save-{village}]").click()
    expect(page.locator(f"[data-testid=entry-row-{village}] [data-testid=error-v-toilet_rate]")).to_contain_text("请输入数字")
    expect(page.locator(f"[data-testid=entry-{village}-toilet_rate]")).to_have_value("九十")
    page.locator(f"[data-testid=entry-{village}-toilet_rate]").fill("96.5")
    page.locator(f"[data-testid=evidence-{village}]").fill("卫生厕所普查表")
    page.locator(f"[data-testid=save-{village}]").click()
    expect(page.locator(f"[data-testid=saved-{village}]")).to_be_visible()
    assert f"saved={village}" in page.url
    context.close()
    entries = api.get(f"/periods/{pidu['period_id']}/manual-entries").json()["items"]
    saved = next(e for e in entries if (e["unit_code"], e["indicator_code"]) == (village, "toilet_rate"))
    assert (saved["value"], saved["evidence"]) == ("96.5", "卫生厕所普查表")
