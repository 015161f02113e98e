"""The audit plan pages in Chromium: regenerate with progress, reasons, a team swap, approval, roles, phone width."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_home import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, platform):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_errors.append(msg.text))
    yield page
    context.close()


def open_plan(page, year: int) -> None:
    page.goto("/plans")
    page.click(f"[data-testid=plan-{year}]")
    expect(page.locator("[data-testid=plan-title]")).to_contain_text(str(year))


def regenerate_showing_progress(page) -> None:
    """The answer is held back until the spinner and the disabled button have been seen."""
    held = []
    pattern = re.compile(r".*/plans/\d+/regenerate$")
    page.route(pattern, lambda route: held.append(route))
    page.fill("[data-testid=setting-seed]", "7")
    page.click("[data-testid=regenerate]")
    expect(page.locator("[data-testid=regenerate-progress]")).to_be_visible()
    expect(page.locator("[data-testid=regenerate]")).to_be_disabled()
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    page.unroute(pattern)
    expect(page.locator("[data-testid=notice]")).to_be_visible()
    expect(page.locator("[data-testid=regenerate-progress]")).to_be_hidden()


def swap_second_member(page) -> str:
    """Replaces the second member of the first inspection's team; returns the newcomer's name."""
    row = page.locator("[data-testid=inspection-list] [data-testid=plan-row]").first
    row_id = row.get_attribute("data-row")
    row.locator("[data-testid=change-row]").click()
    member = page.locator("[data-testid=row-form] [data-testid=team-member-1]")
    expect(member).to_be_visible()
    current = {page.locator(f"[data-testid=row-form] [data-testid=team-member-{i}]").input_value() for i in range(3)}
    options = member.locator("option")
    choice = next(o for o in (options.nth(i) for i in range(options.count()))
                  if o.get_attribute("value") and o.get_attribute("value") not in current
                  and "组长" not in o.inner_text())
    name = choice.inner_text().strip()
    member.select_option(choice.get_attribute("value"))
    page.click("[data-testid=save-row]")
    expect(page.locator(f"#row-{row_id} [data-testid=team]")).to_contain_text(name)
    return name


def approve(page) -> None:
    reason = page.locator("[data-testid=approve-reason]")
    if reason.get_attribute("required") is not None:
        reason.fill("已与审计组核实，提示事项可接受（测试）")
    page.click("[data-testid=approve]")
    if page.locator("[data-testid=approve-error]").count():
        reason.fill("已与审计组核实，提示事项可接受（测试）")
        page.click("[data-testid=approve]")
    expect(page.locator("[data-testid=plan-status]")).to_have_text("已批准")


def test_lead_regenerates_swaps_and_approves_the_draft(page, artifacts):
    sign_in(page, "lead")
    open_plan(page, 2027)
    expect(page.locator("[data-testid=plan-status]")).to_have_text("草稿")
    regenerate_showing_progress(page)
    expect(page.locator("[data-testid=key_audit-list] [data-testid=plan-row]")).to_have_count(60)
    expect(page.locator("[data-testid=inspection-list] [data-testid=plan-row]")).to_have_count(90)
    reason = page.locator("[data-testid=key_audit-list] [data-testid=reason]").first.inner_text()
    assert reason.strip() and "/" not in reason  # the Chinese half only
    expect(page.locator("[data-testid=loads-chart] rect")).to_have_count(20)
    page.screenshot(path=str(artifacts / "plan-zh.png"), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 2400})

    swap_second_member(page)
    approve(page)
    expect(page.locator("[data-testid=change-row]").first).to_have_text("调整")
    assert page.csp_errors == []


def test_a_proposed_plan_with_an_impossible_setting_is_explained_beside_the_field(page):
    sign_in(page, "lead")
    page.goto("/plans")
    if page.locator("[data-testid=plan-2028]").count() == 0:
        page.fill("main input[name=year]", "2028")
        page.click("[data-testid=propose]")
        page.wait_for_url(re.compile(r".*/plans/\d+$"))
    else:
        page.click("[data-testid=plan-2028]")
    page.click("text=更多参数")
    page.fill("[data-testid=setting-min_key_audits_per_town]", "50")
    page.click("[data-testid=regenerate]")
    expect(page.locator("[data-testid=regenerate-error]")).to_contain_text("无法生成计划")
    expect(page.locator("[data-testid=setting-min_key_audits_per_town]")).to_have_attribute("aria-invalid", "true")


def test_plan_fits_a_phone_without_sideways_scroll(browser, platform, artifacts):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, "lead")
    open_plan(page, 2026)
    expect(page.locator("[data-testid=plan-row]").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts / "plan-phone.png"), full_page=True, clip={"x": 0, "y": 0, "width": 360, "height": 2200})
    context.close()
    assert width <= 360


def test_an_auditor_may_not_open_the_ties_page(page):
    sign_in(page, "auditor")
    response = page.goto("/auditors/ties")
    assert response.status == 403
    expect(page.locator("[data-testid=forbidden]")).to_contain_text("审计组长")


def test_a_lead_reads_the_auditors_ties(page):
    sign_in(page, "lead")
    page.goto("/auditors/ties")
    expect(page.locator("[data-testid=auditor-row]")).to_have_count(20)
    expect(page.locator("[data-testid=ties]")).to_contain_text("户籍所在村")
