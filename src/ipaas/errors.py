"""The error tree of ipaas, grouped by what the caller should do.

Domain errors carry no HTTP status: ``ipaas.api`` maps them to answers in one table.
"""

from __future__ import annotations


class IpaasError(Exception):
    """Something went wrong in ipaas."""

    code = "INTL_ERROR"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or (self.__doc__ or "error").strip().splitlines()[0]
        self.field = field
        super().__init__(self.message)


class RetriableError(IpaasError):
    """A transient failure: try again later (429, 5xx, timeouts, lost connections)."""

    code = "INTL_RETRIABLE"

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class RateLimitedError(RetriableError):
    """The external system asked us to slow down (HTTP 429)."""

    code = "INTL_RATE_LIMITED"


class FatalError(IpaasError):
    """A permanent failure: retrying will not help until something is changed."""

    code = "BIZL_FATAL"


class ConfigurationError(FatalError):
    """The configuration is incomplete or invalid."""

    code = "VALD_CONFIGURATION"


class ValidationError(FatalError):
    """Input does not match what is expected."""

    code = "VALD_INVALID"


class UnknownDataTypeError(ValidationError):
    """The data type is not one the hub knows."""

    code = "VALD_UNKNOWN_DATA_TYPE"


class RecordValidationError(ValidationError):
    """A record does not match its data type's schema."""

    code = "VALD_RECORD"

    def __init__(
        self, data_type: str, problems: list[tuple[str, str]], message: str | None = None
    ) -> None:
        self.data_type = data_type
        self.problems = problems
        first_field = problems[0][0] if problems else None
        text = message or "; ".join(f"{f or '(record)'}: {reason}" for f, reason in problems)
        super().__init__(f"invalid {data_type}: {text}", field=first_field)


class NotFoundError(IpaasError):
    """The object does not exist, or the caller may not see it."""

    code = "NFND_NOT_FOUND"


class ConflictError(IpaasError):
    """The change conflicts with what is stored (a duplicate, a stale version)."""

    code = "BIZL_CONFLICT"


class DuplicateExternalIdError(ConflictError):
    """The external id is already linked to another hub record."""

    code = "BIZL_DUPLICATE_EXTERNAL_ID"


class SkippedRecord(IpaasError):
    """The record is deliberately not processed (a filter said so)."""

    code = "BIZL_SKIPPED"


class MappingError(FatalError):
    """A mapping failed; ``field`` names the target field."""

    code = "VALD_MAPPING"


class AuthenticationError(IpaasError):
    """The caller is not who they claim to be."""

    code = "AUTH_FAILED"


class PermissionDeniedError(IpaasError):
    """The caller may not do this."""

    code = "AUTZ_DENIED"
