"""The demo storefront: a small Shopify-like shop with its own SQLite database.

Run it with ``ipaas demo-system shop --port 8101 [--db PATH] [--seed-products N]`` or build
it in-process with :func:`create_shop_app`. Field names and shapes are the shop's own, not
the hub's canonical model.

Authentication: header ``X-Shop-Token: <api token>`` (``DemoSettings.shop_api_token``,
default ``shop-demo-token``) on every ``/api`` call; otherwise 401 ``{"errors": "..."}``.

Endpoints (``{resource}`` is ``products``, ``customers`` or ``orders``; singular
``product``, ``customer``, ``order``):

- ``GET /api/{resource}?limit=50&updated_at_min=<iso>&include_deleted=true`` ->
  ``{"<resource>": [...]}``, ordered by ``updated_at`` then ``id``; ``updated_at_min`` is
  inclusive. More pages: header ``Link: <...?limit=N&page_info=<cursor>>; rel="next"``;
  follow it as is (the cursor carries the filters). Filters: ``products?sku=X`` (any
  variant), ``customers?email=X``, ``orders?email=X``, ``orders?name=%231001``.
  ``include_deleted=true`` adds tombstones: the last record plus ``deleted_at``.
- ``GET /api/{resource}/{id}`` -> ``{"<singular>": {...}}`` (404 if absent or deleted)
- ``POST /api/{resource}`` ``{"<singular>": {...}}`` -> 201 ``{"<singular>": {...}}``
- ``PUT /api/{resource}/{id}`` ``{"<singular>": {fields to change}}`` -> 200
- ``DELETE /api/{resource}/{id}`` -> 200 ``{}`` (404 if absent)
- ``GET /api/inventory_levels?sku=X&location=main&updated_at_min=..`` ->
  ``{"inventory_levels": [{"sku", "location", "available", "updated_at"}]}``
- ``POST /api/inventory_levels/set`` ``{"sku", "location", "available"}`` ->
  ``{"inventory_level": {...}}``; at ``main`` it is also the variant's ``inventory_quantity``
- ``POST /api/webhooks`` ``{"webhook": {"topic": "products/create", "address": url}}`` -> 201
  ``{"webhook": {"id", "topic", "address", "format", "created_at"}}``;
  ``GET /api/webhooks`` -> ``{"webhooks": [...]}``; ``DELETE /api/webhooks/{id}`` -> 200

Records: product ``{"id", "title", "body_html", "vendor", "product_type", "status":
active|draft|archived, "tags": "a, b", "variants": [{"id", "sku", "price": "19.99",
"compare_at_price", "barcode", "weight" (grams), "inventory_quantity", "option1",
"option2"}], "created_at", "updated_at"}``; customer ``{"id", "email", "first_name",
"last_name", "phone", "accepts_marketing", "default_address": {"address1", "city", "zip",
"country_code", ...}, ...}``; order ``{"id", "name": "#1001", "order_number", "email",
"currency", "financial_status": paid|pending|refunded, "fulfillment_status", "line_items":
[{"id", "sku", "title", "quantity", "price"}], "billing_address", "shipping_address",
"subtotal_price", "total_tax", "total_price", ...}`` (totals computed; tax is
``vat_rate`` on top unless ``total_tax`` is given). Timestamps are ISO 8601 in UTC.

Errors: 422 ``{"errors": {"<field>": ["message"]}}`` (a taken customer email too),
404 ``{"errors": "Not Found"}``, 429 with ``Retry-After`` under the chaos rate limit.

``POST`` honours ``Idempotency-Key``: a repeated key answers the first result again (with
``Idempotent-Replayed: true``) instead of creating a duplicate.

Webhooks: after each committed change (API or generator) the shop POSTs the full record
(tombstone with ``deleted_at`` for deletes) to every address registered for the topic
(``products/create|update|delete``, ``customers/...``, ``orders/...``,
``inventory_levels/update``), with headers ``X-Shop-Topic``, ``X-Shop-Webhook-Id`` (a
UUID, the same on retries) and ``X-Shop-Hmac-Sha256`` = base64 HMAC-SHA256 of the raw
body keyed with ``DemoSettings.shop_webhook_secret`` (see ``signing.verify_shop_signature``).
Delivery is in the background with a few retries.

Demo-only admin endpoints without auth: see :mod:`ipaas.demo.systems.admin`.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ipaas.demo.systems import _http
from ipaas.demo.systems.admin import admin_router
from ipaas.demo.systems.chaos import install_chaos
from ipaas.demo.systems.settings import DemoSettings
from ipaas.demo.systems.shop_system import SHOP_RESOURCES, WEBHOOKS, ShopSystem
from ipaas.demo.systems.store import Query, parse_timestamp
from ipaas.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError

_LISTABLE = {**SHOP_RESOURCES, "inventory_levels": "inventory_level"}
# Query parameter -> JSON path ("sku" of products is searched in every variant).
_FILTERS: dict[str, dict[str, str]] = {
    "products": {"sku": "$.variants[*].sku"},
    "customers": {"email": "$.email"},
    "orders": {"email": "$.email", "name": "$.name"},
    "inventory_levels": {"sku": "$.sku", "location": "$.location"},
}


def _error_body(status: int, message: str) -> dict[str, Any]:
    return {"errors": message}


def create_shop_app(db_path: str | None = None, settings: DemoSettings | None = None) -> FastAPI:
    """The storefront as an ASGI app; ``app.state.system`` is its :class:`ShopSystem`.

    ``db_path`` None means a temporary database, removed by ``system.close()`` (which
    the server's shutdown calls; in-process users call it themselves).
    """
    system = ShopSystem(db_path, settings)
    app = FastAPI(
        title="Demo storefront", docs_url="/docs", lifespan=_http.lifespan_closing(system)
    )
    app.state.system = system
    install_chaos(app, system.chaos, _error_body)
    _install_error_handlers(app)
    app.include_router(admin_router(system))
    app.include_router(_api_router(system))
    return app


def _install_error_handlers(app: FastAPI) -> None:
    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        field = getattr(exc, "field", None) or "base"
        message = str(exc)
        return JSONResponse({"errors": {field: [message]}}, status_code=422)

    async def not_found(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"errors": "Not Found"}, status_code=404)

    async def unauthorized(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"errors": str(exc)}, status_code=401)

    app.add_exception_handler(ValidationError, invalid)
    app.add_exception_handler(ConflictError, invalid)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(AuthenticationError, unauthorized)


def _api_router(shop: ShopSystem) -> APIRouter:
    def authenticate(request: Request) -> None:
        token = request.headers.get("X-Shop-Token", "")
        if not hmac.compare_digest(token.encode(), shop.settings.shop_api_token.encode()):
            raise AuthenticationError("[API] Invalid API key or access token")

    router = APIRouter(prefix="/api", dependencies=[Depends(authenticate)])

    @router.get("/webhooks")
    async def list_webhooks() -> dict[str, Any]:
        return {"webhooks": shop.webhooks_list()}

    @router.post("/webhooks", status_code=201)
    async def add_webhook(request: Request) -> Response:
        body = await _http.json_object(request, "webhook")
        topic, address = body.get("topic"), body.get("address")
        if not isinstance(address, str):
            raise ValidationError("address can't be blank", field="address")

        def create() -> dict[str, Any]:
            return {"webhook": shop.add_webhook(str(topic), address)}

        return _http.idempotent_create(shop, request, create)

    @router.delete("/webhooks/{webhook_id}")
    async def delete_webhook(webhook_id: int) -> dict[str, Any]:
        if shop.store.delete(WEBHOOKS, str(webhook_id)) is None:
            raise NotFoundError(f"webhook {webhook_id} not found")
        return {}

    @router.post("/inventory_levels/set")
    async def set_inventory(request: Request) -> dict[str, Any]:
        from ipaas.demo.systems import _fields as f

        body = await _http.json_object(request)
        sku = f.text(body, "sku", required=True)
        location = f.text(body, "location") or "main"
        available = f.integer(body.get("available"), "available", minimum=None)
        assert sku is not None
        return {"inventory_level": shop.set_inventory(sku, location, available)}

    @router.get("/{resource}")
    async def list_records(request: Request, resource: str, response: Response) -> Any:
        if resource not in _LISTABLE:
            raise NotFoundError(f"unknown resource {resource}")
        params = request.query_params
        limit = _http.page_size(_int_param(params.get("limit"), "limit"), shop, "limit")
        if params.get("page_info"):
            state = _http.decode_cursor(params["page_info"], "page_info")
        else:
            state = _first_page_state(resource, dict(params))
        equals: dict[str, str] = {_FILTERS[resource][k]: v for k, v in state["eq"].items()}
        any_equals = {}
        if "$.variants[*].sku" in equals:
            any_equals[("$.variants", "$.sku")] = equals.pop("$.variants[*].sku")
        after = state.get("after")
        query = Query(
            updated_since=state.get("since"),
            after=(after[0], int(after[1])) if after else None,
            include_deleted=bool(state.get("deleted")),
            equals=equals,
            any_equals=any_equals,
        )
        documents = shop.store.list(resource, query, limit=limit + 1)
        page, more = documents[:limit], len(documents) > limit
        if more:
            last = page[-1]
            cursor = _http.encode_cursor({**state, "after": [last.updated_at, last.seq]})
            url = request.url.replace_query_params(limit=limit, page_info=cursor)
            response.headers["Link"] = f'<{url}>; rel="next"'
        return {resource: [shop.present(d) for d in page]}

    @router.get("/{resource}/{record_id}")
    async def get_record(resource: str, record_id: int) -> dict[str, Any]:
        _check(resource)
        return {SHOP_RESOURCES[resource]: shop.get(resource, record_id)}

    @router.post("/{resource}", status_code=201)
    async def create_record(request: Request, resource: str) -> Response:
        singular = _check(resource)
        body = await _http.json_object(request, singular)
        return _http.idempotent_create(
            shop, request, lambda: {singular: shop.create(resource, body)}
        )

    @router.put("/{resource}/{record_id}")
    async def update_record(request: Request, resource: str, record_id: int) -> dict[str, Any]:
        singular = _check(resource)
        body = await _http.json_object(request, singular)
        return {singular: shop.update(resource, record_id, body)}

    @router.delete("/{resource}/{record_id}")
    async def delete_record(resource: str, record_id: int) -> dict[str, Any]:
        _check(resource)
        shop.delete(resource, record_id)
        return {}

    return router


def _check(resource: str) -> str:
    if resource not in SHOP_RESOURCES:
        raise NotFoundError(f"unknown resource {resource}")
    return SHOP_RESOURCES[resource]


def _int_param(value: str | None, field: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"{field} must be a whole number", field=field) from None


def _first_page_state(resource: str, params: dict[str, str]) -> dict[str, Any]:
    since = params.get("updated_at_min")
    return {
        "since": parse_timestamp(since, "updated_at_min") if since else None,
        "deleted": params.get("include_deleted", "").lower() == "true",
        "eq": {name: params[name] for name in _FILTERS[resource] if params.get(name)},
    }
