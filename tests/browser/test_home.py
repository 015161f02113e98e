"""The sign-in and home pages in headless Chromium, in Chinese and English, at desk and phone widths."""

import pytest

from gateway.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, platform):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.csp_errors = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_errors.append(msg.text))
    yield page
    context.close()


def sign_in(page, username: str = "lead") -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_home_renders_in_chinese_then_english(page, artifacts):
    sign_in(page)
    assert "审计组长 王芳" in page.inner_text("[data-testid=current-user]")
    page.wait_for_selector("[data-service=registry].state-ready")
    assert "村庄名录" in page.inner_text("[data-testid=services]")
    page.screenshot(path=str(artifacts / "home-zh.png"), full_page=True)

    page.click("a[hreflang=en]")
    page.wait_for_selector("text=Welcome")
    assert "Registry" in page.inner_text("[data-testid=services]")
    assert "Audit lead" in page.inner_text("[data-testid=current-user]")
    page.screenshot(path=str(artifacts / "home-en.png"), full_page=True)

    page.goto("/")  # the choice persists
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.csp_errors == []


def test_wrong_password_shows_the_message_in_the_page(page):
    page.goto("/login")
    page.fill("input[name=username]", "viewer")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.inner_text("[data-testid=login-error]")


def test_phone_width_has_no_sideways_scroll(browser, platform, artifacts):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, "town")
    page.wait_for_selector("[data-service=assets]")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=str(artifacts / "home-phone.png"), full_page=True)
    context.close()
    assert width <= 360
