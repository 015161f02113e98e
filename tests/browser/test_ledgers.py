"""The ledgers in Chromium: the contract ledger filters by flag; a village's public page fits a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_home import sign_in

pytestmark = pytest.mark.browser
PUBLISHED_VILLAGE = "110109102201"  # the demo data publishes this village's finances and contracts


@pytest.fixture
def page(browser, platform):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_choosing_a_flag_shows_only_contracts_carrying_it(page, artifacts):
    sign_in(page, "viewer")
    page.goto("/ledgers/contracts")
    rows = page.locator("[data-testid=contract-row]")
    expect(rows.first).to_be_visible()
    expect(rows.filter(has_not=page.locator("[data-flag=arrears]")).first).to_be_visible()

    page.select_option("[data-testid=contract-flag]", "arrears")
    expect(page.locator("#results [data-testid=contract-count][data-filter-flag=arrears]")).to_have_count(1)
    expect(rows.first).to_be_visible()
    expect(rows.filter(has_not=page.locator("[data-flag=arrears]"))).to_have_count(0)
    assert "flag=arrears" in page.url  # the filter is in the address, so it can be shared and reloaded
    assert "欠缴租金" in rows.first.inner_text()  # the flag's reason in words
    page.screenshot(path=str(artifacts / "ledger-contracts-arrears.png"), full_page=True)


def test_viewer_sees_persons_id_numbers_masked(page):
    sign_in(page, "viewer")
    page.goto("/ledgers/contracts")
    expect(page.locator("[data-testid=contract-row]").first).to_be_visible()
    assert page.locator("#results").inner_text().count("********") > 0


def test_debt_dashboard_draws_the_years_and_the_2027_projection(page, artifacts):
    sign_in(page, "lead")
    page.goto("/ledgers/debts")
    expect(page.locator("svg.debt-bars rect.projected")).to_have_count(1)
    assert page.locator("svg.debt-bars rect").count() >= 3
    expect(page.locator("[data-testid=pace-needed]")).not_to_be_empty()
    expect(page.locator("[data-testid=debt-town]").first).to_be_visible()
    page.screenshot(path=str(artifacts / "ledger-debts.png"), full_page=True)


def test_public_village_page_fits_a_phone_without_signing_in(browser, platform, artifacts):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    response = page.goto(f"/public/villages/{PUBLISHED_VILLAGE}")
    expect(page.locator("[data-testid=public-village]")).to_contain_text("村")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth]")
    page.screenshot(path=str(artifacts / "public-village-phone.png"), full_page=True)
    final_url = page.url
    context.close()
    assert response.status == 200
    assert "/login" not in final_url
    assert max(widths) <= 360


def test_a_reviewer_records_an_outcome_and_the_board_moves_on(page, artifacts):
    sign_in(page, "auditor")
    page.goto("/ledgers/reviews")
    total = page.locator("[data-testid=review-total]")
    decided = int(total.get_attribute("data-decided"))
    item = page.locator("[data-testid=review-item][data-status=open]").first
    expect(item).to_be_visible()
    selector = "#" + item.get_attribute("id")
    assert item.locator("[data-flag]").count() >= 1  # each flag with its reason
    expect(item.locator("[data-testid=review-contract]")).not_to_be_empty()  # and the contract's facts
    assert "********" not in item.inner_text()
    assert page.locator("[data-testid=review-town-row]").count() >= 1

    page.locator(f"{selector} input[value=renegotiated]").check()
    page.locator(f"{selector} [data-testid=review-save]").click()
    expect(page.locator(f"{selector} [data-testid=review-error]")).to_be_visible()  # renegotiating needs a note
    expect(total).to_have_attribute("data-decided", str(decided))

    page.locator(f"{selector} [data-testid=review-note]").fill("已与承包方重新协商，补签协议")
    expect(page.locator(f"{selector} input[value=renegotiated]")).to_be_checked()  # the choice was kept
    page.locator(f"{selector} [data-testid=review-save]").click()
    expect(page.locator(f"{selector} [data-testid=review-outcome][data-outcome=renegotiated]")).to_be_visible()
    expect(total).to_have_attribute("data-decided", str(decided + 1))
    page.screenshot(path=str(artifacts / "ledger-review-board.png"), full_page=True)

    page.reload()
    expect(page.locator(selector)).to_have_count(0)  # the open list no longer holds it
    page.select_option("[data-testid=review-status]", "decided")
    expect(page.locator("#review-items [data-testid=review-count][data-filter-status=decided]")).to_have_count(1)
    expect(page.locator(f"{selector} [data-testid=review-outcome]")).to_be_visible()


def test_the_yearly_inventory_round_marks_items_one_by_one(page, artifacts):
    sign_in(page, "lead")
    page.goto("/ledgers/assets")
    page.select_option("[data-testid=inventory-town]", "110109104000")
    org = page.locator("[data-testid=inventory-org] option:nth-child(2)")
    expect(org).to_be_attached()
    # A person takes longer than this: the swapped-in form listens once htmx has settled it.
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    expect(page).to_have_url(re.compile(r"town=110109104000"))
    credit_code = org.get_attribute("value")
    page.select_option("[data-testid=inventory-org]", credit_code)
    expect(page.locator("[data-testid=inventory-asset]").first).to_be_visible(timeout=15_000)
    assert page.locator("[data-testid=inventory-resource]").count() >= 1
    assert f"org={credit_code}" in page.url

    page.goto(f"/ledgers/assets?town=110109104000&org={credit_code}&year=2025")  # the demo's closed round
    expect(page.locator("[data-testid=round-summary]")).to_have_attribute("data-status", "closed")
    expect(page.locator("[data-testid=inventory-mark][data-outcome='']")).to_have_count(0)
    expect(page.locator("[data-testid=mark-confirmed]")).to_have_count(0)

    page.goto(f"/ledgers/assets?town=110109104000&org={credit_code}&year=2027")
    page.locator("[data-testid=start-round]").click()
    summary = page.locator("[data-testid=round-summary]")
    expect(summary).to_have_attribute("data-status", "open")
    unchecked = int(summary.get_attribute("data-unchecked"))
    assert unchecked >= 1
    page.locator("[data-testid=inventory-asset]").first.locator("[data-testid=mark-missing]").click()
    expect(summary).to_have_attribute("data-unchecked", str(unchecked - 1))
    expect(page.locator("[data-testid=inventory-asset]").first.locator("[data-testid=inventory-mark]")) \
        .to_have_attribute("data-outcome", "missing")

    page.locator("[data-testid=close-round]").click()  # items are left: the service refuses, in words
    expect(page.locator("[data-testid=inventory-problem]")).to_be_visible()
    expect(summary).to_have_attribute("data-status", "open")
    page.screenshot(path=str(artifacts / "ledger-inventory-round.png"), full_page=True)


def test_a_ledger_exported_from_the_import_page_imports_back_unchanged(page, tmp_path, artifacts):
    sign_in(page, "lead")
    page.goto("/ledgers/import")
    with page.expect_download() as download:
        page.click("[data-testid=export-debts]")
    exported = tmp_path / "debts.xlsx"
    download.value.save_as(exported)

    page.select_option("[data-testid=import-kind]", "debts")
    page.set_input_files("[data-testid=import-file]", str(exported))
    page.click("main button[value=apply]")
    report = page.locator("[data-testid=import-report]")
    expect(report).to_be_visible()
    expect(report.locator(".ok")).to_be_visible()
    text = report.inner_text()
    assert "已导入：0 行有变化" in text or "Imported: 0 rows changed" in text

    bad = tmp_path / "bad.csv"
    bad.write_text("统一社会信用代码,债务编号,债权人类型,债权人,债务成因,本金,发生日期,化解方式,责任人\n"
                   "N21101091020100000,D-X,银行,某银行,工程建设,-5,2024-01-01,偿还,王某\n", encoding="utf-8-sig")
    page.set_input_files("[data-testid=import-file]", str(bad))
    page.click("main button[value=check]")
    expect(page.locator("[data-testid=import-error]")).to_have_count(1)
    assert page.locator("[data-testid=import-error] td").first.inner_text() == "2"
    page.screenshot(path=str(artifacts / "ledger-import-report.png"), full_page=True)


def test_a_viewer_follows_the_review_progress_without_its_items(page):
    sign_in(page, "viewer")
    page.goto("/ledgers/reviews")
    expect(page.locator("[data-testid=review-town-row]").first).to_be_visible()
    expect(page.locator("[data-testid=review-item]")).to_have_count(0)


@pytest.mark.parametrize("path", ["/ledgers/reviews", "/ledgers/import",
                                  "/ledgers/assets?town=110109104000&org=", "/ledgers/contracts"])
def test_ledger_pages_fit_a_phone(browser, platform, artifacts, path):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, "auditor")
    page.goto(path)
    expect(page.locator("main h1")).to_be_visible()
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth]")
    page.screenshot(path=str(artifacts / f"ledger-phone-{path.split('/')[2].split('?')[0]}.png"), full_page=True)
    context.close()
    assert max(widths) <= 360, widths
