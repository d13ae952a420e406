"""The declarative ``rest`` connector: any JSON REST API described by a ``RestConfig``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from ipaas.connectors.base import (
    Connector,
    ExternalRecord,
    PollPage,
    WebhookEvent,
    WebhookRequest,
    WriteResult,
)
from ipaas.connectors.pagination import PageRequest
from ipaas.connectors.paths import fill_structure, fill_template, get_path, resolve_settings
from ipaas.connectors.rest.config import DataTypeConfig, Endpoint, RestConfig
from ipaas.connectors.rest.watermark import Watermark, parse_timestamp
from ipaas.connectors.rest.webhooks import WebhookHandler
from ipaas.errors import ConfigurationError, FatalError, NotFoundError, ValidationError

#: A list that keeps asking for more pages than this is taken to be looping.
MAX_PAGES = 100_000


class RestConnector(Connector):
    """Talks to a JSON REST API as its ``RestConfig`` (from the integration) describes.

    ``config`` may name settings as ``${name}``; ``webhook_registration`` is what
    ``enable_webhooks`` returned (its signing secrets verify deliveries).
    """

    name = "rest"
    title = "REST API (declarative)"
    config_model: ClassVar[type[RestConfig]] = RestConfig

    def __init__(
        self,
        settings: Mapping[str, Any],
        http: Any,
        *,
        config: RestConfig | Mapping[str, Any],
        webhook_registration: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(settings, http)
        # Validate before resolving, so defaults that name settings are resolved too.
        model = (
            config if isinstance(config, RestConfig) else RestConfig.model_validate(dict(config))
        )
        raw = model.model_dump(by_alias=True)
        self.config = RestConfig.model_validate(resolve_settings(raw, self.settings))
        self.auth = self.config.auth.build()
        self.webhooks = WebhookHandler(self, self.config.webhooks, webhook_registration or {})

    # -- CRUD -----------------------------------------------------------------------------

    async def read(self, data_type: str, external_id: str) -> ExternalRecord:
        dt = self._data_type(data_type)
        endpoint = self._endpoint(dt, "read", data_type)
        response = await self._call(endpoint, {"id": external_id}, not_found=True)
        record = get_path(_json(response), endpoint.record_path)
        if isinstance(record, list):
            record = record[0] if record else None
        if not isinstance(record, dict):
            raise NotFoundError(f"{data_type} {external_id} not found")
        return self._external(dt, record)

    async def create(
        self, data_type: str, record: dict[str, Any], *, idempotency_key: str | None = None
    ) -> WriteResult:
        dt = self._data_type(data_type)
        endpoint = self._endpoint(dt, "create", data_type)
        headers = {}
        if idempotency_key and self.config.idempotency_header:
            headers[self.config.idempotency_header] = idempotency_key
        response = await self._call(endpoint, record, body=record, headers=headers)
        return self._write_result(dt, endpoint, response, None)

    async def update(self, data_type: str, external_id: str, record: dict[str, Any]) -> WriteResult:
        dt = self._data_type(data_type)
        endpoint = self._endpoint(dt, "update", data_type)
        values = {**record, "id": external_id}
        response = await self._call(endpoint, values, body=record)
        return self._write_result(dt, endpoint, response, external_id)

    async def delete(self, data_type: str, external_id: str) -> None:
        dt = self._data_type(data_type)
        endpoint = self._endpoint(dt, "delete", data_type)
        await self._call(endpoint, {"id": external_id}, expected=(404, 410))

    async def find(self, data_type: str, match: dict[str, Any]) -> ExternalRecord | None:
        dt = self._data_type(data_type)
        if dt.find is None:
            return None
        try:
            params = fill_structure(dt.find.params, lambda name: _need(match, name))
        except KeyError:
            return None
        try:
            response = await self._call(dt.find, match, params=params, not_found=True)
        except (NotFoundError, ValidationError):
            return None
        found = get_path(_json(response), dt.find.record_path)
        candidates = found if isinstance(found, list) else [found] if found else []
        for item in candidates:
            if isinstance(item, dict) and all(
                str(item[k]) == str(v) for k, v in match.items() if k in item
            ):
                return self._external(dt, item)
        return None

    # -- polling --------------------------------------------------------------------------

    async def poll(self, data_type: str, since: str | None) -> AsyncIterator[PollPage]:
        """Pages of records changed after ``since`` (see ``rest.watermark``)."""
        dt = self._data_type(data_type)
        endpoint = self._endpoint(dt, "list", data_type)
        polling = dt.polling
        start = Watermark.parse(since)
        best = start.copy()
        params = {**endpoint.params, **polling.params}
        value = start.query_value(inclusive=polling.since_inclusive, style=polling.since_format)
        if value is not None and polling.updated_since_param:
            params[polling.updated_since_param] = value
        paginator = dt.pagination.build()
        request: PageRequest | None = paginator.first(PageRequest(self._url(endpoint.path), params))
        pages = 0
        while request is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise FatalError(f"polling {data_type} did not end after {MAX_PAGES} pages")
            response = await self._send("GET", request.url, params=request.params)
            body = _json(response)
            items = get_path(body, endpoint.record_path) or []
            if not isinstance(items, list):
                raise FatalError(f"polling {data_type}: {endpoint.record_path!r} is not a list")
            records = []
            for item in items:
                record = self._external(dt, item)
                if start.seen(record.updated_at, record.external_id):
                    continue
                records.append(record)
                best.advance(record.updated_at, record.external_id)
            following = paginator.next(request, response, body, len(items))
            if following == request:
                following = None
            last = following is None
            if last or polling.sorted_by_updated:
                watermark = best.dump() or since
            else:
                # Unsorted lists: resuming mid-way from the newest time seen could skip
                # older records on later pages, so the watermark moves only at the end.
                watermark = since
            yield PollPage(records=records, watermark=watermark)
            request = following

    # -- webhooks -------------------------------------------------------------------------

    async def enable_webhooks(self, callback_url: str, scopes: list[str]) -> dict[str, Any]:
        return await self.webhooks.enable(callback_url, scopes)

    async def disable_webhooks(self, registration: dict[str, Any]) -> None:
        await self.webhooks.disable(registration)

    def verify_webhook(self, request: WebhookRequest) -> None:
        self.webhooks.verify(request)

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        return self.webhooks.parse(request)

    # -- the rest -------------------------------------------------------------------------

    async def test_connection(self) -> None:
        if self.config.test_path:
            await self._send("GET", self._url(self.config.test_path))

    async def close(self) -> None:
        close = getattr(self.http, "close", None)
        if close is not None:
            await close()

    def _data_type(self, data_type: str) -> DataTypeConfig:
        try:
            return self.config.data_types[data_type]
        except KeyError:
            raise ConfigurationError(
                f"the rest connector is not configured for {data_type!r}", field="data_types"
            ) from None

    @staticmethod
    def _endpoint(dt: DataTypeConfig, which: str, data_type: str) -> Endpoint:
        endpoint: Endpoint | None = getattr(dt, which)
        if endpoint is None:
            raise ConfigurationError(
                f"no {which} endpoint is configured for {data_type}",
                field=f"data_types.{data_type}.{which}",
            )
        return endpoint

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return self.config.base_url.rstrip("/") + "/" + path.lstrip("/")

    async def _call(
        self,
        endpoint: Endpoint,
        values: Mapping[str, Any],
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        not_found: bool = False,
        expected: tuple[int, ...] = (),
    ) -> httpx.Response:
        try:
            path = fill_template(
                endpoint.path, lambda name: quote(str(_need(values, name)), safe="")
            )
            query = (
                params
                if params is not None
                else fill_structure(endpoint.params, lambda name: _need(values, name))
            )
        except KeyError as missing:
            raise ValidationError(
                f"{endpoint.method} {endpoint.path} needs {missing.args[0]!r}, "
                "which the record lacks",
                field=str(missing.args[0]),
            ) from None
        payload = None
        if body is not None:
            payload = {endpoint.body_wrap: body} if endpoint.body_wrap else body
        return await self._send(
            endpoint.method,
            self._url(path),
            params=query,
            json=payload,
            headers=headers,
            not_found=not_found,
            expected=expected,
        )

    async def _send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        not_found: bool = False,
        expected: tuple[int, ...] = (),
    ) -> httpx.Response:
        """One authenticated call; after a 401 the auth strategy may refresh once."""
        for attempt in (1, 2):
            all_headers = {**self.config.headers, **(headers or {})}
            all_params = dict(params or {})
            await self.auth.apply(self.http, all_headers, all_params)
            allow = (*expected, 401) if attempt == 1 else expected
            response: httpx.Response = await self.http.request(
                method,
                url,
                params=all_params or None,
                json=json,
                headers=all_headers,
                timeout=self.config.timeout_s,
                not_found=not_found,
                expected=allow,
            )
            if response.status_code == 401 and 401 not in expected:
                if attempt == 1 and await self.auth.refresh(self.http):
                    continue
                raise FatalError(f"{method} {self.http.redactor.url(url)}: HTTP 401 unauthorized")
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _external(self, dt: DataTypeConfig, record: Any) -> ExternalRecord:
        if not isinstance(record, dict):
            raise FatalError("the API returned a record that is not a JSON object")
        external_id = get_path(record, dt.id_field)
        if external_id is None:
            raise FatalError(f"the API returned a record without its id field {dt.id_field!r}")
        updated = parse_timestamp(get_path(record, dt.updated_field)) if dt.updated_field else None
        deleted = bool(get_path(record, dt.deleted_field)) if dt.deleted_field else False
        return ExternalRecord(str(external_id), record, updated_at=updated, deleted=deleted)

    def _write_result(
        self, dt: DataTypeConfig, endpoint: Endpoint, response: httpx.Response, known: str | None
    ) -> WriteResult:
        body = _json(response) if response.content else None
        record = get_path(body, endpoint.record_path) if body is not None else None
        if isinstance(record, dict) and get_path(record, dt.id_field) is not None:
            return WriteResult(str(get_path(record, dt.id_field)), record)
        if known is not None:
            return WriteResult(known, record if isinstance(record, dict) else None)
        location = response.headers.get("location")
        if location:
            return WriteResult(location.rstrip("/").rsplit("/", 1)[-1])
        raise FatalError(f"the create answer holds no {dt.id_field!r} and no Location header")


def _need(values: Mapping[str, Any], name: str) -> Any:
    value = get_path(values, name)
    if value is None:
        raise KeyError(name)
    return value


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise FatalError(
            f"{response.request.method} answered {response.status_code} with a body "
            "that is not JSON"
        ) from None
