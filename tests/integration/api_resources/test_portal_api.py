"""Portal content through HTTP: branding, knowledgebase and training articles (search,
visible by role), resources, deal registration, and the subscriber's view of them."""

from __future__ import annotations

from resources_support import World, error_of


def test_branding_resources_and_the_subscriber_view(sqlite_world: World) -> None:
    misp = sqlite_world.client("misp")
    put = misp.put(
        "/api/v1/portal/branding",
        json={
            "name": "Acme MSP",
            "logo_url": "https://cdn.example.test/logo.png",
            "primary_color": "#112233",
        },
    )
    assert put.status_code == 200, put.text
    bad = misp.put("/api/v1/portal/branding", json={"name": "x", "primary_color": "blue"})
    assert error_of(bad)["field"] == "primary_color"
    assert (
        sqlite_world.client("shop").put("/api/v1/portal/branding", json={"name": "x"}).status_code
        == 403
    )
    made = misp.post(
        "/api/v1/portal/resources",
        json={"kind": "link", "title": "Onboarding", "url": "https://example.test/start"},
    )
    assert made.status_code == 201, made.text
    bad_url = misp.post(
        "/api/v1/portal/resources", json={"kind": "link", "title": "x", "url": "javascript:1"}
    )
    assert error_of(bad_url)["field"] == "url"
    managed = sqlite_world.client("managed")
    assert managed.get("/api/v1/portal/view/branding").json()["name"] == "Acme MSP"
    assert [r["title"] for r in managed.get("/api/v1/portal/view/resources").json()["items"]] == [
        "Onboarding"
    ]
    # An independent subscriber sees none of it.
    shop = sqlite_world.client("shop")
    assert shop.get("/api/v1/portal/view/branding").json() is None
    assert shop.get("/api/v1/portal/view/resources").json()["items"] == []
    assert shop.get("/api/v1/portal/resources").status_code == 403


def test_articles_are_searchable_and_shown_by_role(sqlite_world: World) -> None:
    misp = sqlite_world.client("misp")
    for title, roles in (
        ("Mapping orders", ["subscriber"]),
        ("Internal runbook", ["misp"]),
        ("Retrying errors", ["subscriber", "misp"]),
    ):
        answer = misp.post(
            "/api/v1/portal/knowledgebase",
            json={"title": title, "body": f"# {title}\nHow to handle *orders*.", "roles": roles},
        )
        assert answer.status_code == 201, answer.text
    found = misp.get("/api/v1/portal/knowledgebase", params={"q": "RUNBOOK"}).json()["items"]
    assert [a["title"] for a in found] == ["Internal runbook"]
    managed = sqlite_world.client("managed")
    shown = managed.get("/api/v1/portal/view/knowledgebase").json()["items"]
    assert [a["title"] for a in shown] == ["Mapping orders", "Retrying errors"]
    searched = managed.get("/api/v1/portal/view/knowledgebase", params={"q": "retry"}).json()
    assert [a["title"] for a in searched["items"]] == ["Retrying errors"]
    wrong_role = misp.post(
        "/api/v1/portal/knowledgebase", json={"title": "x", "body": "y", "roles": ["admin"]}
    )
    assert error_of(wrong_role)["field"] == "roles.0"
    training = misp.post(
        "/api/v1/portal/training",
        json={"title": "Course 1", "body": "Welcome", "roles": ["subscriber"]},
    ).json()
    assert [t["title"] for t in managed.get("/api/v1/portal/training").json()["items"]] == [
        "Course 1"
    ]
    assert managed.get(f"/api/v1/portal/training/{training['id']}").status_code == 200
    denied = managed.post("/api/v1/portal/training", json={"title": "mine", "body": "x"})
    assert denied.status_code == 403
    assert (
        sqlite_world.client("shop").get(f"/api/v1/portal/training/{training['id']}").status_code
        == 404
    )
    builder = sqlite_world.client("builder")
    assert builder.get(f"/api/v1/portal/training/{training['id']}").status_code == 404


def test_deal_registration(sqlite_world: World) -> None:
    misp = sqlite_world.client("misp")
    deal = misp.post(
        "/api/v1/portal/deals",
        json={
            "prospect": "Bakery Ltd",
            "contact_name": "Ann",
            "contact_email": "ann@bakery.test",
            "integration_ids": [1],
        },
    )
    assert deal.status_code == 201, deal.text
    assert deal.json()["status"] == "registered"
    moved = misp.patch(f"/api/v1/portal/deals/{deal.json()['id']}", json={"status": "won"})
    assert moved.json()["status"] == "won"
    bad = misp.patch(f"/api/v1/portal/deals/{deal.json()['id']}", json={"status": "maybe"})
    assert error_of(bad)["field"] == "status"
    bad_email = misp.post(
        "/api/v1/portal/deals",
        json={"prospect": "x", "contact_name": "y", "contact_email": "nope"},
    )
    assert error_of(bad_email)["field"] == "contact_email"
    assert sqlite_world.client("shop").get("/api/v1/portal/deals").status_code == 403
    assert (
        sqlite_world.client("misp", "managed")
        .get(f"/api/v1/portal/deals/{deal.json()['id']}")
        .status_code
        == 403
    )
