"""The import page in Chromium: a file with bad rows gets a row report and changes nothing."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_home import sign_in

pytestmark = pytest.mark.browser

HEADER = "区划代码,名称,年度,数据来源,户数\n"


@pytest.fixture
def page(browser, platform):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def upload(page, tmp_path, text: str, button: str) -> None:
    path = tmp_path / "figures.csv"
    path.write_text(text, encoding="utf-8-sig")
    page.goto("/villages/import")
    page.select_option("select[name=kind]", "statistics")
    page.set_input_files("[data-testid=import-file]", str(path))
    page.click(f"main button[value={button}]")


def test_bad_rows_are_reported_and_nothing_is_imported(page, tmp_path, artifacts):
    sign_in(page, "town")
    rows = ["110109104201,爨底下村,2025,镇统计站,660", "110109104202,,2025,镇统计站,many",
            "12345,,2025,镇统计站,10", "110109104203,,1800,镇统计站,10", "110109104204,,2025,镇统计站,300"]
    upload(page, tmp_path, HEADER + "\n".join(rows) + "\n", "apply")
    report = page.locator("[data-testid=import-report]")
    expect(report).to_be_visible()
    expect(page.locator("[data-testid=import-error]")).to_have_count(3)
    assert [page.locator("[data-testid=import-error] td").nth(i * 4).inner_text() for i in range(3)] == ["3", "4", "5"]
    page.screenshot(path=str(artifacts / "import-report.png"), full_page=True)
    page.goto("/villages/110109104201")
    assert "660" not in page.inner_text("#statistics")


def test_clean_file_imports(page, tmp_path):
    sign_in(page, "town")
    upload(page, tmp_path, HEADER + "110109104201,爨底下村,2025,镇统计站,661\n", "apply")
    expect(page.locator("[data-testid=import-report] .ok")).to_be_visible()
    page.goto("/villages/110109104201")
    assert "661" in page.inner_text("#statistics")
