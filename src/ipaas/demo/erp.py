"""The demo ERP: a small Business-Central-like ERP with its own SQLite database.

Run it with ``ipaas demo-system erp --port 8102 [--db PATH] [--seed-products N]`` or build
it in-process with :func:`create_erp_app`. Fields are PascalCase, the ERP's own.

Authentication: OAuth2 client credentials. ``POST /oauth/token`` (form fields
``grant_type=client_credentials``, ``client_id``, ``client_secret``; defaults
``erp-demo-client`` / ``erp-demo-secret``) -> ``{"access_token", "token_type": "Bearer",
"expires_in": 3600}`` (``DemoSettings.erp_token_ttl_s``). Then ``Authorization: Bearer
<token>`` on every ``/v1`` call. Wrong credentials: 401 ``{"error": "invalid_client"}``;
a missing, unknown or expired token: 401 ``{"error": {"code": "Unauthorized", "message":
"token expired"}}`` with ``WWW-Authenticate: Bearer error="invalid_token"``.

Endpoints (``{entity}`` is ``items``, ``customers``, ``salesOrders`` or ``stock``):

- ``GET /v1/{entity}?$top=50&$skip=0&modifiedSince=<iso>&includeDeleted=true`` ->
  ``{"value": [...], "@odata.nextLink": url}`` (the link only when there is more); ordered
  by ``LastModified`` then creation; ``modifiedSince`` is inclusive. Offset paging: a
  record changed during a walk moves to the end, so poll with ``modifiedSince`` = the
  largest ``LastModified`` seen and drop repeats. Filters: ``customers?email=X``,
  ``items?ean=X``, ``salesOrders?externalDocumentNo=X``, ``salesOrders?customerNo=X``.
  ``includeDeleted=true`` adds tombstones: the last record plus ``"@removed": {"reason":
  "deleted"}``.
- ``GET /v1/{entity}/{key}`` -> the record (404 if absent or deleted)
- ``POST /v1/{entity}`` -> 201 with the record; keys are assigned when absent (items
  ``I00001``, customers ``C00001``, salesOrders ``SO00001``; stock needs ``ItemNo``);
  409 if the key exists.
- ``PATCH /v1/{entity}/{key}`` (fields to change) -> 200 with the record
- ``DELETE /v1/{entity}/{key}`` -> 204 (404 if absent)
- ``POST /v1/subscriptions`` ``{"notificationUrl", "resource": "items"}`` -> 201 ``{"id",
  "notificationUrl", "resource", "createdAt", "secret": "whsec_<base64>"}`` (the secret is
  shown only here); ``GET /v1/subscriptions`` -> ``{"value": [...]}``;
  ``DELETE /v1/subscriptions/{id}`` -> 204

Records: item ``{"ItemNo", "Description", "UnitPrice": 19.99, "CurrencyCode", "NetWeight"
(kg), "Blocked", "ItemCategoryCode", "Ean", "LastModified"}``; customer ``{"CustomerNo",
"Name", "EMail", "PhoneNo", "Address", "City", "PostCode", "CountryCode", ...}``; sales
order ``{"OrderNo", "ExternalDocumentNo", "CustomerNo", "OrderDate": "2026-01-31",
"CurrencyCode", "Status": Open|Released, "Lines": [{"LineNo", "ItemNo", "Quantity",
"UnitPrice"}], "AmountIncludingVAT", ...}`` (the customer and the items must exist:
``DemoSettings.erp_strict_references``); stock ``{"ItemNo", "LocationCode", "Inventory",
...}`` (the item must exist). ``LastModified`` is ISO 8601 UTC ending in ``Z``.

Errors: ``{"error": {"code", "message", "target": "<field>"}}`` with 400 (invalid), 404,
409 (exists), 429 (chaos rate limit, with ``Retry-After``).

``POST`` honours ``Idempotency-Key`` (a repeated key answers the first result again, with
``Idempotent-Replayed: true``).

Notifications: Standard Webhooks. Body ``{"value": [{"resource": "items", "changeType":
"created|updated|deleted", "key": "SKU-000001"}, ...]}`` (changes within
``webhook_batch_window_s`` share one notification; read the record yourself), headers
``webhook-id``, ``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}" keyed with the base64-decoded secret>`` (see
``signing.verify_standard_webhooks``).

Demo-only admin endpoints without auth: see :mod:`ipaas.demo.systems.admin`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ipaas.demo.systems import _http
from ipaas.demo.systems.admin import admin_router
from ipaas.demo.systems.chaos import install_chaos
from ipaas.demo.systems.erp_system import ERP_KEYS, SUBSCRIPTIONS, ErpSystem
from ipaas.demo.systems.settings import DemoSettings
from ipaas.demo.systems.store import Query, parse_timestamp
from ipaas.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError

_FILTERS = {
    "customers": {"email": "$.EMail"},
    "items": {"ean": "$.Ean"},
    "salesOrders": {"externalDocumentNo": "$.ExternalDocumentNo", "customerNo": "$.CustomerNo"},
    "stock": {"locationCode": "$.LocationCode"},
}
_CODES = {400: "BadRequest", 401: "Unauthorized", 404: "NotFound", 409: "EntityExists",
          429: "TooManyRequests", 500: "InternalServerError"}  # fmt: skip


def _error_body(status: int, message: str, target: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": _CODES.get(status, "Error"), "message": message}
    if target:
        error["target"] = target
    return {"error": error}


def create_erp_app(db_path: str | None = None, settings: DemoSettings | None = None) -> FastAPI:
    """The ERP as an ASGI app; ``app.state.system`` is its :class:`ErpSystem`.

    ``db_path`` None means a temporary database, removed by ``system.close()``.
    """
    system = ErpSystem(db_path, settings)
    app = FastAPI(title="Demo ERP", docs_url="/docs", lifespan=_http.lifespan_closing(system))
    app.state.system = system
    install_chaos(app, system.chaos, _error_body)
    _install_error_handlers(app)
    app.include_router(admin_router(system))
    app.include_router(_oauth_router(system))
    app.include_router(_api_router(system))
    return app


def _install_error_handlers(app: FastAPI) -> None:
    def handler(status: int) -> Any:
        async def handle(request: Request, exc: Exception) -> JSONResponse:
            body = _error_body(status, str(exc), getattr(exc, "field", None))
            headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'} if status == 401 else {}
            return JSONResponse(body, status_code=status, headers=headers)

        return handle

    app.add_exception_handler(ValidationError, handler(400))
    app.add_exception_handler(NotFoundError, handler(404))
    app.add_exception_handler(ConflictError, handler(409))
    app.add_exception_handler(AuthenticationError, handler(401))


def _oauth_router(erp: ErpSystem) -> APIRouter:
    router = APIRouter()

    @router.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        try:
            answer = erp.issue_token(
                str(form.get("client_id", "")), str(form.get("client_secret", ""))
            )
        except AuthenticationError:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    return router


def _api_router(erp: ErpSystem) -> APIRouter:
    def authenticate(request: Request) -> None:
        erp.check_token(request.headers.get("Authorization", ""))

    router = APIRouter(prefix="/v1", dependencies=[Depends(authenticate)])

    @router.post("/subscriptions", status_code=201)
    async def subscribe(request: Request) -> Response:
        body = await _http.json_object(request)
        url, entity = body.get("notificationUrl"), body.get("resource")
        if not isinstance(url, str):
            raise ValidationError("notificationUrl is required", field="notificationUrl")
        return _http.idempotent_create(erp, request, lambda: erp.subscribe(url, str(entity)))

    @router.get("/subscriptions")
    async def subscriptions() -> dict[str, Any]:
        return {"value": erp.subscriptions()}

    @router.delete("/subscriptions/{subscription_id}", status_code=204)
    async def unsubscribe(subscription_id: str) -> Response:
        if erp.store.delete(SUBSCRIPTIONS, subscription_id) is None:
            raise NotFoundError(f"subscription {subscription_id} does not exist", field="id")
        return Response(status_code=204)

    @router.get("/{entity}")
    async def list_records(request: Request, entity: str) -> dict[str, Any]:
        _check(entity)
        params = request.query_params
        top = _http.page_size(_int(params.get("$top"), "$top"), erp, "$top")
        skip = _int(params.get("$skip"), "$skip") or 0
        if skip < 0:
            raise ValidationError("$skip must be at least 0", field="$skip")
        since = params.get("modifiedSince")
        filters = _FILTERS.get(entity, {})
        query = Query(
            updated_since=parse_timestamp(since, "modifiedSince") if since else None,
            include_deleted=params.get("includeDeleted", "").lower() == "true",
            equals={path: params[name] for name, path in filters.items() if params.get(name)},
        )
        documents = erp.store.list(entity, query, limit=top + 1, offset=skip)
        answer: dict[str, Any] = {"value": [erp.present(d) for d in documents[:top]]}
        if len(documents) > top:
            next_url = request.url.include_query_params(**{"$top": top, "$skip": skip + top})
            answer["@odata.nextLink"] = str(next_url)
        return answer

    @router.get("/{entity}/{key}")
    async def get_record(entity: str, key: str) -> dict[str, Any]:
        _check(entity)
        return erp.get(entity, key)

    @router.post("/{entity}", status_code=201)
    async def create_record(request: Request, entity: str) -> Response:
        _check(entity)
        body = await _http.json_object(request)
        return _http.idempotent_create(erp, request, lambda: erp.create(entity, body))

    @router.patch("/{entity}/{key}")
    async def update_record(request: Request, entity: str, key: str) -> dict[str, Any]:
        _check(entity)
        return erp.update(entity, key, await _http.json_object(request))

    @router.delete("/{entity}/{key}", status_code=204)
    async def delete_record(entity: str, key: str) -> Response:
        _check(entity)
        erp.delete(entity, key)
        return Response(status_code=204)

    return router


def _check(entity: str) -> None:
    if entity not in ERP_KEYS:
        raise NotFoundError(f"unknown entity {entity}", field="entity")


def _int(value: str | None, field: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError(f"{field} must be a whole number", field=field) from None
