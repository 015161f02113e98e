"""The village registry pages in Chromium: live search, a village's page, edit errors in place."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_home import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, platform):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_search_filters_the_list_as_you_type(page, artifacts):
    sign_in(page, "viewer")
    page.goto("/villages")
    before = page.inner_text("[data-testid=village-total]")
    page.fill("[data-testid=village-search]", "爨底下")
    expect(page.locator("[data-testid=village-row]")).to_have_count(1)
    assert "爨底下村" in page.inner_text("#results")
    assert page.inner_text("[data-testid=village-total]") != before
    assert "q=" in page.url  # the search is in the address, so it can be shared and reloaded
    page.screenshot(path=str(artifacts / "villages-search.png"), full_page=True)


def test_village_page_shows_profile_organization_and_figures(page, artifacts):
    sign_in(page, "viewer")
    page.goto("/villages/110109104201")
    assert page.inner_text("[data-testid=village-name]").startswith("爨底下村")
    assert "股份经济合作社" in page.content()
    assert page.locator("svg.bars rect").count() >= 5
    page.screenshot(path=str(artifacts / "village-page.png"), full_page=True)


def test_bad_edit_shows_the_fields_error_in_chinese_then_english(page, artifacts):
    sign_in(page, "town")
    page.goto("/villages/110109104201/edit")
    page.fill("input[name=urban_rural_code]", "99x")
    page.click("main button[type=submit]")
    error = page.wait_for_selector("[data-testid=error-urban_rural_code]")
    assert "城乡分类代码" in error.inner_text() or "代码" in error.inner_text()
    page.screenshot(path=str(artifacts / "village-edit-error.png"), full_page=True)
    page.goto("/lang/en?next=/villages/110109104201/edit")
    page.fill("input[name=urban_rural_code]", "99x")
    page.click("main button[type=submit]")
    assert "code" in page.wait_for_selector("[data-testid=error-urban_rural_code]").inner_text().lower()


def test_bad_figure_is_refused_with_the_fields_message(page):
    sign_in(page, "town")
    page.goto("/villages/110109104201")
    page.fill("input[name=year]", "2025")
    page.fill("input[name=value]", "lots")
    page.fill("input[name=source]", "镇统计站")
    page.click("text=保存数据")
    assert "数字" in page.wait_for_selector("[data-testid=error-value]").inner_text()
    assert page.input_value("input[name=source]") == "镇统计站"  # nothing typed is lost


def test_town_officer_is_not_offered_another_towns_edit_form(page):
    sign_in(page, "town")
    page.goto("/villages/110109102201")  # not in 斋堂镇
    assert page.locator("a[href='/villages/110109102201/edit']").count() == 0
    response = page.goto("/villages/110109102201/edit")
    assert response.status == 403 and page.locator("[data-testid=forbidden]").is_visible()
    assert page.locator("input[name=name_en]").count() == 0
