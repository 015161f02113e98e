"""Every demo role, in Chinese and in English, on a 360 px phone, walks every page the pages link to.

From the home page, two links deep; one page per shape of address, so a list's first item stands for
all of its items. A page fails the walk when it answers 5xx, shows raw JSON, logs a console error or a
CSP violation, or is wider than the phone.
"""

import contextlib
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from gateway.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ROLES = ("admin", "lead", "auditor", "assessor", "town", "viewer")
PHONE = {"width": 360, "height": 740}
SKIPPED = re.compile(r"^/(logout|lang/|api/|static/)|\.(xlsx|pdf|csv|png)$|/(export|download)")
DEPTH = 2


def shape(path: str, query: str) -> str:
    """The address with its numbers and codes blanked: /villages/110109104201 and /villages/110109104202 agree."""
    keys = sorted(part.split("=", 1)[0] for part in query.split("&") if part)
    return re.sub(r"/[0-9A-Z]*[0-9][0-9A-Z]*(?=/|$)", "/#", path) + ("?" + "&".join(keys) if keys else "")


def links(page, origin: str) -> list[str]:
    found = page.eval_on_selector_all("a[href]", "anchors => anchors.map(a => a.href)")
    kept = []
    for href in found:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin and not SKIPPED.search(parts.path):
            kept.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return kept


def sign_in(page, username: str, lang: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    if lang == "en":
        page.goto("/lang/en?next=/")


def visit(page, address: str) -> list[str]:
    """The faults of one page: its answer, its body and its width at 360 px."""
    page.console_errors.clear()
    response = page.goto(address)
    with contextlib.suppress(PlaywrightTimeout):  # a page that polls never goes idle; what it loaded is checked
        page.wait_for_load_state("networkidle", timeout=3000)
    faults = []
    if response is None or response.status >= 500:
        faults.append(f"answered {response.status if response else 'nothing'}")
    elif "json" in response.headers.get("content-type", ""):
        faults.append(f"shows raw JSON ({response.headers['content-type']})")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        faults.append(f"{width} px wide at {PHONE['width']}")
    faults.extend(f"console: {text}" for text in page.console_errors)
    return faults


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_linked_page_opens_cleanly_for_the_role(browser, platform, role, lang):
    context = browser.new_context(base_url=platform.gateway, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    sign_in(page, role, lang)
    seen, frontier, faults = {shape("/", "")}, ["/"], {}
    for _depth in range(DEPTH + 1):
        following = []
        for address in frontier:
            if found := visit(page, address):
                faults[address] = found
            for link in links(page, platform.gateway):
                parts = urlsplit(link)
                if shape(parts.path, parts.query) not in seen:
                    seen.add(shape(parts.path, parts.query))
                    following.append(link)
        frontier = following
    context.close()
    assert len(seen) > 3, f"{role} reached only {sorted(seen)}"
    assert faults == {}, "\n".join(f"{address}: {'; '.join(found)}" for address, found in faults.items())
