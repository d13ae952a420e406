"""Use cases the HTTP API and the dashboard share: plain functions over a unit of work and
a tenant scope, free of HTTP. They never commit: the caller audits and commits."""
