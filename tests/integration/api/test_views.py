"""An integrator switches to a subscriber view of a company it builds for, and back."""

from __future__ import annotations

import sqlalchemy as sa

from integration.api.conftest import World
from ipaas.store.accounts_tables import view_switches


def test_switch_view_and_back(world: World) -> None:
    builder = world.client("builder")
    shop_id = world.companies["shop"]
    refused = builder.post("/api/v1/switch-view", json={"company_id": world.companies["managed"]})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "AUTZ_COMPANY")
    assert (
        world.client("other_builder")
        .post("/api/v1/switch-view", json={"company_id": shop_id})
        .status_code
        == 403
    )
    assert builder.get("/api/v1/presets").status_code == 403

    switched = builder.post("/api/v1/switch-view", json={"company_id": shop_id})
    assert switched.status_code == 201
    me = builder.get("/api/v1/me").json()
    assert (me["active"]["company_id"], me["active"]["via"]) == (shop_id, "view")
    assert "user_management" not in me["features"]
    assert builder.get("/api/v1/presets").status_code == 200
    assert builder.get("/api/v1/members").status_code == 403
    assert builder.get("/api/v1/switch-view").json()["items"][0]["company_id"] == shop_id

    assert builder.delete("/api/v1/switch-view").status_code == 204
    assert builder.get("/api/v1/presets").status_code == 403
    assert builder.get("/api/v1/me").json()["active"]["role"] == "integrator"
    with world.hub.engine.connect() as conn:
        rows = conn.execute(sa.select(view_switches)).all()
    assert len(rows) == 1
    assert rows[0].ended_at is not None
    shop_audit = [e["action"] for e in world.client("shop").get("/api/v1/audit").json()["items"]]
    assert shop_audit == ["view.switch", "view.switch_back"]
    own = [e["action"] for e in builder.get("/api/v1/audit").json()["items"]]
    assert own == ["view.switch", "view.switch_back"]
