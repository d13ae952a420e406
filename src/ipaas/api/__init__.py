"""The HTTP API (``/api/v1``). How to write an endpoint, the one obvious way:

1. A module ``ipaas/api/<resource>.py`` (or ``api/resources/``) with a router from a factory
   in ``ipaas.api.routing``: ``router = feature_router(Feature.X, "/things")``. Every route
   then needs feature X in the caller's current company (403 ``AUTZ_FEATURE`` otherwise;
   the table is ``ipaas.domain.roles.FEATURES``). ``personal_router`` is for the caller's own
   account, ``public_router`` only for authentication. A test walks the app and fails on any
   ``/api`` route without such a declaration. Add the router to ``ipaas.api.v1.ROUTERS``.
2. Endpoints are plain ``def`` functions taking ``ctx: Ctx`` (``ipaas.api.context``): the
   ``Principal`` (user, company, role, switched view), the unit of work, repositories, audit.
3. Tenant isolation: every repository method on tenant-owned rows takes ``ctx.tenant`` (a
   ``TenantScope``: where new rows go, which companies are visible) and raises
   ``NotFoundError`` for rows outside it, exactly as for rows that do not exist (404).
4. Bodies subclass ``RequestBody`` (``extra="forbid"``: unknown fields are 422
   ``VALD_UNKNOWN_FIELD`` naming the field); ids use ``IdPath`` / ``IdField``; fields a role
   may not set raise ``FieldNotAllowedError(field=...)`` (403 ``AUTZ_FIELD``).
5. Errors: raise ``ipaas.errors`` classes (or subclasses with their own ``code``); the table
   in ``ipaas.api.errors`` turns them into ``{"error": {"code", "message", "field"}}``.
6. Lists: ``page: PageDep`` and ``make_page(repo.page(ctx.tenant, page.after_id,
   page.fetch), page, Out.of, id_of)``.
7. Changes: ``ctx.audit("thing.verb", "thing", id, {"changed": [...]})`` then
   ``ctx.commit()``; a mutating request that commits without an audit entry fails.

See docs/api.md for the HTTP side (login, keys, errors) with curl.
"""
