"""The dashboard in a real browser: sign in, walk every page, edit a mapping and watch the
preview, retry an error and watch it succeed, switch companies and views."""

from __future__ import annotations

import re
from typing import Any

import pytest

from e2e.conftest import shot
from ipaas.web.seed import PASSWORD, Seeded, drain_all

pytestmark = [
    pytest.mark.browser,
    # Playwright's driver pipes are closed by its own thread after the test ends.
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _login(browser: Any, base: str, email: str) -> Any:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base}/app/")
    assert "/app/login" in page.url
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/app/"))
    return page


def test_subscriber_walks_every_page_and_fixes_an_error(
    browser: Any, served: tuple[str, Seeded]
) -> None:
    base, seeded = served
    page = _login(browser, base, "sub@example.com")
    # Overview: one card per subscription, branded with the MiSP's name.
    page.wait_for_selector("[data-sub]")
    assert page.locator("[data-sub]").count() == 2
    assert page.locator(".sidebar .brand-name").inner_text() == "Northwind"
    nav = page.locator(".sidebar nav").inner_text()
    assert "Hub data" in nav
    assert "Branding" not in nav
    shot(page, "overview", docs=True)

    # Queue: the error is listed; its page tells the whole story.
    page.get_by_role("link", name="Queue & errors").click()
    row = page.locator(f'tr[data-item="{seeded.error_item_id}"]')
    assert "Error" in row.inner_text()
    row.get_by_role("link", name=f"#{seeded.error_item_id}").click()
    page.wait_for_selector("text=API calls")
    assert page.locator("details.call").count() == 3
    assert "HTTP 500" in page.locator(".alert").inner_text()
    assert "CAMP STOVE" in page.locator("section", has_text="Mapped payload").inner_text()
    shot(page, "error-story", docs=True)

    # Retry: the item goes back to the queue, a worker delivers it, the page shows Done.
    page.get_by_role("button", name="Retry").click()
    page.wait_for_selector("text=Queued again")
    drain_all(seeded.hub, seeded)
    page.wait_for_selector('[data-field="state"] >> text=Done', timeout=15_000)
    shot(page, "retried")

    # API calls: filter by status, open one.
    page.get_by_role("link", name="API calls").click()
    page.get_by_label("Status").select_option("5xx")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile("status=5xx"))
    assert page.locator("table.data tbody tr").count() == 3
    page.locator("table.data tbody tr a").first.click()
    page.wait_for_selector("text=Response excerpt")
    shot(page, "api-call")

    # Hub data: search, open a record, see versions and links, send it.
    page.get_by_role("link", name="Hub data").click()
    page.get_by_label("Id or key (prefix)").fill("TENT")
    page.get_by_role("button", name="Search").click()
    page.locator("table.data tbody tr a").first.click()
    page.wait_for_selector("text=External ids")
    assert "Acme web shop" in page.locator("section", has_text="External ids").inner_text()
    page.get_by_role("button", name="Send now").click()
    page.wait_for_selector("text=Queued for Acme ERP")
    shot(page, "record")

    # Subscriptions: settings with a masked secret, flows, initialize with progress.
    page.get_by_role("link", name="Subscriptions").click()
    page.get_by_role("link", name="Acme ERP").click()
    page.get_by_label("Base url").fill("https://erp.example.test")
    page.get_by_label("Api key").fill("s3cret-value")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_selector("text=Saved (2 changed)")
    assert page.get_by_label("Api key").input_value() != "s3cret-value"
    assert "s3cret-value" not in page.content()
    page.get_by_role("button", name="Initialize").click()
    page.wait_for_selector("text=Initialization queued")
    assert page.locator("[role=progressbar]").count() == 1
    shot(page, "subscription")

    # Mapping editor: change a formula, see the preview change, save.
    page.get_by_role("link", name="Mappings").click()
    page.get_by_role("link", name="Hub products to the ERP").click()
    page.wait_for_selector("[data-preview-ok]")
    output = page.locator("[data-preview-output]")
    assert '"channel": "web"' in output.inner_text()
    formula = page.locator('[data-k="expression"]').nth(1)
    formula.fill("$lowercase(name) & ' (hub)'")
    page.wait_for_function(
        "document.querySelector('[data-preview-output]').textContent.includes('(hub)')"
    )
    formula.fill("$lowercase(")
    page.wait_for_selector(".fm-row.has-error")
    formula.fill("$lowercase(name)")
    page.wait_for_selector("[data-preview-ok]")
    shot(page, "mapping-editor", docs=True)
    page.get_by_role("button", name="Save mapping").click()
    page.wait_for_selector("text=Mapping saved")
    assert page.locator('[data-k="expression"]').nth(1).input_value() == "$lowercase(name)"

    # Keyboard: the skip link comes first and lands on the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.context.close()


def test_roles_see_only_their_pages(browser: Any, served: tuple[str, Seeded]) -> None:
    base, seeded = served
    # A MiSP: branding and portal pages, its subscribers' monitoring.
    page = _login(browser, base, "misp@example.com")
    nav = page.locator(".sidebar nav").inner_text()
    assert "Branding" in nav
    assert "Deal registration" in nav
    assert "Hub data" not in nav
    page.get_by_role("link", name="Branding").click()
    page.get_by_label("Name").fill("Northwind Partners")
    page.get_by_role("button", name="Save branding").click()
    page.wait_for_selector("text=Branding saved")
    assert page.locator(".sidebar .brand-name").inner_text() == "Northwind Partners"
    page.get_by_role("link", name="Deal registration").click()
    page.get_by_label("Prospect company").fill("Globex")
    page.get_by_label("Contact name").fill("Hank Scorpio")
    page.get_by_label("Contact email").fill("hank@globex.example")
    page.get_by_role("button", name="Register deal").click()
    page.wait_for_selector("text=Deal with Globex registered")
    assert "Hank Scorpio" in page.locator("table.data").inner_text()
    # The MiSP switches to the subscriber company it manages.
    page.get_by_label("Company", exact=True).select_option(str(seeded.subscriber_id))
    page.locator(".role-badge", has_text="subscriber").wait_for()
    shot(page, "misp-as-subscriber")
    response = page.goto(f"{base}/app/portal/branding")
    assert response is not None
    assert response.status == 403
    page.context.close()

    # An integrator: no monitoring until it switches to a subscriber view.
    page = _login(browser, base, "int@example.com")
    assert "Overview" not in page.locator(".sidebar nav").inner_text()
    page.get_by_label("View as subscriber").select_option(str(seeded.subscriber_id))
    page.get_by_role("button", name="Switch view").click()
    page.wait_for_selector("text=Viewing")
    assert "Overview" in page.locator(".sidebar nav").inner_text()
    page.get_by_role("button", name="Back to integrator view").click()
    page.wait_for_selector("text=View as subscriber")
    page.context.close()


def test_posts_without_the_csrf_token_are_refused(served: tuple[str, Seeded]) -> None:
    import httpx

    base, seeded = served
    with httpx.Client(base_url=base) as client:
        form = client.get("/app/login")
        token = client.cookies.get("ipaas_csrf")
        assert form.status_code == 200
        client.post(
            "/app/login",
            data={"email": "sub@example.com", "password": PASSWORD, "csrf_token": token},
        )
        answer = client.post(f"/app/queue/{seeded.error_item_id}/discard")
        assert answer.status_code == 403
        answer = client.post(
            f"/app/queue/{seeded.error_item_id}/discard", data={"csrf_token": "forged"}
        )
        assert answer.status_code == 403
