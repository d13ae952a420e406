"""Every dashboard page in a real browser (a screenshot of each for review), the mapping
editor's rows, collections, lookup tables and samples, members, and keyboard navigation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.conftest import shot
from e2e.test_dashboard import _login
from ipaas.web.seed import Seeded

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _visible_inputs(row: Any) -> list[str]:
    return [
        str(k)
        for k in row.locator(".fm-detail [data-k]").evaluate_all(
            "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.k)"
        )
    ]


def test_mapping_editor_rows_show_the_inputs_of_their_type(
    browser: Any, served: tuple[str, Seeded]
) -> None:
    base, seeded = served
    page = _login(browser, base, "sub@example.com")
    page.goto(f"{base}/app/subscriptions/{seeded.erp_id}/mappings")
    page.get_by_role("link", name="Hub products to the ERP").click()
    page.wait_for_selector("[data-preview-ok]")
    rows = page.locator("li.fm-row")
    assert _visible_inputs(rows.nth(0)) == ["source", "default"]
    assert _visible_inputs(rows.nth(1)) == ["expression", "default"]
    assert _visible_inputs(rows.nth(3)) == ["value"]
    # The type select shows its value and the target is readable.
    assert rows.nth(1).get_by_label("Type").input_value() == "formula"
    target = rows.nth(3).get_by_label("Target field")
    assert target.evaluate("e => e.scrollWidth <= e.clientWidth")

    # A new row, typed entirely from the keyboard: target, type, source, default.
    page.get_by_role("button", name="+ Add field").click()
    new = rows.nth(4)
    page.keyboard.type("state")
    page.keyboard.press("Tab")
    new.get_by_label("Type").select_option("lookup")
    assert _visible_inputs(new) == ["source", "table", "default"]
    new.get_by_label("Source path").fill("status")
    page.wait_for_selector("li.fm-row.has-error")  # a lookup needs a table
    assert "needs a table" in new.locator(".fm-error").inner_text()
    new.get_by_label("Type").select_option("static")
    new.get_by_label("Value").fill('"open"')
    page.wait_for_function(
        "document.querySelector('[data-preview-output]').textContent.includes('open')"
    )
    # Pick another sample: the preview maps it.
    picker = page.get_by_label(re.compile("Pick a recent hub record"))
    options = picker.locator("option").all_inner_texts()
    assert len(options) >= 3
    picker.select_option(index=1)
    sku = picker.locator("option").nth(1).inner_text().split(" · ")[1]
    page.wait_for_function(
        f"document.querySelector('[data-preview-output]').textContent.includes('{sku}')"
    )
    shot(page, "mapping-editor-rows")
    page.get_by_role("button", name="Save mapping").click()
    page.wait_for_selector("text=Mapping saved")
    assert page.locator("li.fm-row").count() == 5

    # A new collection and a new lookup table.
    page.get_by_role("link", name="Mappings", exact=True).click()
    page.get_by_label("Name", exact=True).first.fill("Hub customers to the ERP")
    page.get_by_label("Data type").select_option("customer")
    page.get_by_role("button", name="Create collection").click()
    page.wait_for_selector("text=Created Hub customers to the ERP")
    assert "No field mappings yet" in page.locator("form[data-mapping-editor]").inner_text()
    assert "No hub records of this type yet" in page.locator(".preview-panel").inner_text()
    page.get_by_role("link", name="Mappings", exact=True).click()
    form = page.locator("form", has_text="New lookup table")
    form.get_by_label("Name").fill("erp_status")
    form.get_by_label("Entries").fill("active = A\ndraft = D")
    form.get_by_role("button", name="Create lookup table").click()
    page.wait_for_selector("text=Lookup table erp_status created")
    shot(page, "mappings")
    page.context.close()


def test_members_invite_and_remove(browser: Any, served: tuple[str, Seeded]) -> None:
    import httpx

    base, _ = served
    page = _login(browser, base, "sub@example.com")
    page.goto(f"{base}/app/portal/users")
    assert "Olga Ops" in page.locator("table.data").inner_text()
    page.get_by_label("Email", exact=True).fill("new.person@example.com")
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_selector("text=Invitation for new.person@example.com")
    token = page.get_by_label("Invitation token").input_value()
    assert len(token) > 20
    assert token not in page.url
    shot(page, "users-invited")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove ops@example.com").click()
    page.wait_for_selector("text=Removed ops@example.com")
    assert "Olga Ops" not in page.locator("table.data").inner_text()
    # The last member stays: no remove button, and the route refuses.
    assert page.get_by_role("button", name="Remove sub@example.com").count() == 0
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=base, cookies=cookies) as client:
        # A role the company's kind does not have is refused, naming the role.
        answer = client.post(
            "/app/portal/users/2/role", data={"role": "misp", "csrf_token": csrf or ""}
        )
        assert answer.status_code == 403
        assert "may have the role subscriber, not misp" in answer.text
    page.context.close()


UNLABELLED = """Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby'))
  .map(e => e.name || e.id || e.outerHTML.slice(0, 60))"""
FOCUS = """(() => { const e = document.activeElement, s = getComputedStyle(e);
  return { name: (e.id || e.getAttribute('aria-label') || e.textContent || '').trim(),
           tag: e.tagName, inMain: !!e.closest('main'), inNav: !!e.closest('nav'),
           ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 } })()"""


def test_keyboard_through_login_and_overview(browser: Any, served: tuple[str, Seeded]) -> None:
    from ipaas.web.seed import PASSWORD

    base, _ = served
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base}/app/")
    focus = lambda: page.evaluate(FOCUS)  # noqa: E731
    # Sign in without a mouse: the email field has focus, Tab walks to password and button.
    assert focus()["name"] == "email"
    page.keyboard.type("sub@example.com")
    page.keyboard.press("Tab")
    assert focus()["name"] == "password"
    assert focus()["ring"]
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    button = focus()
    assert (button["name"], button["tag"], button["ring"]) == ("Sign in", "BUTTON", True)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-sub]")
    # The overview: the skip link comes first, shows itself and jumps into the content.
    page.keyboard.press("Tab")
    assert focus()["name"] == "Skip to content"
    box = page.get_by_role("link", name="Skip to content").bounding_box()
    assert box is not None
    assert box["x"] >= 0
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    first = focus()
    assert first["inMain"]
    assert first["ring"]
    shot(page, "keyboard-focus")
    # The navigation: Tab after the skip link walks its links in order; Enter follows one.
    page.goto(f"{base}/app/")
    page.keyboard.press("Tab")
    names = []
    for _ in range(3):
        page.keyboard.press("Tab")
        now = focus()
        assert now["inNav"]
        assert now["ring"]
        names.append(now["name"])
    assert names == ["Overview", "Queue & errors", "API calls"]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/app/api-calls"))
    # Tables: their links are reachable by Tab, each with a visible ring.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('table')"):
            break
    assert page.evaluate("!!document.activeElement.closest('table')")
    assert focus()["ring"]
    context.close()


PAGES = [
    ("queue", "/app/queue"),
    ("queue-errors", "/app/queue?state=error"),
    ("api-calls", "/app/api-calls"),
    ("records", "/app/records"),
    ("subscriptions", "/app/subscriptions"),
    ("subscribe", "/app/subscriptions/new"),
    ("training", "/app/portal/training"),
    ("users", "/app/portal/users"),
]


def test_every_page_renders(browser: Any, served: tuple[str, Seeded]) -> None:
    base, seeded = served
    page = _login(browser, base, "sub@example.com")
    for name, path in PAGES:
        response = page.goto(f"{base}{path}")
        assert response is not None
        assert response.status == 200, path
        assert page.locator("h1").count() == 1, path
        assert page.evaluate(UNLABELLED) == [], path
        shot(page, name)
    for name, path in [
        ("record-versions", f"/app/records/{seeded.record_ids[0]}"),
        ("subscription-settings", f"/app/subscriptions/{seeded.shop_id}"),
        ("error-story-page", f"/app/queue/{seeded.error_item_id}"),
    ]:
        page.goto(f"{base}{path}")
        assert page.evaluate(UNLABELLED) == [], path
        shot(page, name)
    page.context.close()
    page = _login(browser, base, "misp@example.com")
    for name, path in [
        ("branding", "/app/portal/branding"),
        ("knowledgebase", "/app/portal/knowledgebase"),
        ("deals", "/app/portal/deals"),
        ("misp-overview", "/app/"),
    ]:
        page.goto(f"{base}{path}")
        assert page.evaluate(UNLABELLED) == [], path
        shot(page, name)
    page.context.close()
    page = _login(browser, base, "int@example.com")
    shot(page, "integrator-home")
    page.context.close()
