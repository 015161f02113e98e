"""The checklist in Chromium: answers save on change; offline answers wait in the browser and reach
the server when the connection is back; a reload shows them."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_home import sign_in

pytestmark = pytest.mark.browser
ONLINE = ("democracy.party_proposal", "democracy.joint_meeting")
OFFLINE = ("democracy.members_review", "democracy.villagers_resolution", "democracy.town_review")


@pytest.fixture
def context(browser, platform):
    context = browser.new_context(base_url=platform.gateway, viewport={"width": 390, "height": 844})
    yield context
    context.close()


def item(page, code: str):
    return page.locator(f"form.answer[data-code='{code}']")


def test_answers_given_offline_reach_the_server_when_back_online(context, artifacts):
    page = context.new_page()
    sign_in(page, "auditor")
    page.goto("/engagements")
    page.locator(".engagement-card.status-in_progress a").first.click()
    expect(page.locator("[data-testid=engagement-status]")).to_be_visible()
    for code in ONLINE:
        item(page, code).locator("input[value=yes]").check()
        expect(item(page, code).locator("[data-state=saved]")).to_be_visible()

    context.set_offline(True)
    for code in OFFLINE:
        item(page, code).locator("input[value=yes]").check()
        expect(item(page, code).locator("[data-state=unsaved]")).to_be_visible()
    expect(page.locator("[data-testid=sync-state]")).to_have_attribute("data-unsent", "3")
    page.screenshot(path=artifacts / "checklist-offline.png", full_page=False)

    context.set_offline(False)
    for code in OFFLINE:
        expect(item(page, code).locator("[data-state=saved]")).to_be_visible(timeout=20_000)
    expect(page.locator("[data-testid=sync-state]")).to_have_attribute("data-unsent", "0")

    page.evaluate("localStorage.clear()")  # what follows comes from the server, not the browser's queue
    page.reload()
    for code in ONLINE + OFFLINE:
        expect(item(page, code).locator("input[value=yes]")).to_be_checked()
        expect(item(page, code).locator("[data-state=saved]")).to_be_visible()
