"""The year's dashboard in Chromium on a phone: progress, charts, the overdue list and the report links,
in Chinese and in English, with no CSP complaint; a report downloads as a PDF."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_home import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, platform):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_errors.append(msg.text))
    yield page
    context.close()


def test_the_dashboard_shows_the_year_in_chinese_and_english(page, artifacts):
    sign_in(page, "lead")
    page.goto("/reports?year=2026")
    expect(page.locator("h1")).to_contain_text("年度监管看板 2026")
    expect(page.locator("[data-testid=progress-key_audit]")).to_contain_text("计划 60 个")
    expect(page.locator("[data-testid=progress-inspection]")).to_contain_text("计划 90 个")
    for chart in ("severity", "category", "town"):
        expect(page.locator(f"[data-testid=chart-{chart}] rect").first).to_be_visible()
    assert page.locator("[data-testid=chart-severity] rect").count() == 3
    assert int(page.inner_text("[data-testid=findings-total]")) > 0
    expect(page.locator("[data-testid=overdue-list] li").first).to_contain_text("逾期")
    assert page.locator("[data-testid=report-pdf]").count() == 150
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    page.screenshot(path=artifacts / "dashboard-zh.png", full_page=True)

    href = page.locator("[data-testid=overdue-list] a[download]").first.get_attribute("href")
    report = page.request.get(href)
    assert report.status == 200 and report.headers["content-type"] == "application/pdf"
    assert report.body().startswith(b"%PDF")

    page.goto("/lang/en?next=/reports")
    expect(page.locator("h1")).to_contain_text("Year's dashboard")
    expect(page.locator("[data-testid=progress-key_audit]")).to_contain_text("of 60 accepted or closed")
    expect(page.locator("[data-testid=chart-severity] text").first).to_have_text("Minor")  # as the badges say
    expect(page.locator("[data-testid=overdue-list] li").first).to_contain_text("days overdue")
    page.screenshot(path=artifacts / "dashboard-en.png", full_page=True)
    assert page.csp_errors == []
