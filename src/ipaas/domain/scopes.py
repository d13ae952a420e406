"""Directions, methods and scopes (``product/created``) of events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ipaas.domain.data_types import get_data_type
from ipaas.errors import ValidationError


class Direction(StrEnum):
    TO_HUB = "to_hub"
    FROM_HUB = "from_hub"


class Method(StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"


class Action(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    INITIALIZE = "initialize"
    POLL = "poll"
    ALL = "all"


_ACTION_METHOD = {
    Action.CREATED: Method.CREATE,
    Action.UPDATED: Method.UPDATE,
    Action.DELETED: Method.DELETE,
    Action.INITIALIZE: Method.READ,
    Action.POLL: Method.READ,
    Action.ALL: Method.READ,
}


@dataclass(frozen=True, slots=True)
class Scope:
    """A data type and an action, written ``product/created``."""

    data_type: str
    action: Action

    @classmethod
    def parse(cls, text: str) -> Scope:
        """Parse ``data_type/action``; raises ``ValidationError`` naming what is wrong."""
        data_type, sep, action = text.partition("/")
        if not sep:
            raise ValidationError(f"scope {text!r} must look like 'product/created'", field="scope")
        get_data_type(data_type)
        try:
            return cls(data_type, Action(action))
        except ValueError:
            choices = ", ".join(a.value for a in Action)
            raise ValidationError(
                f"unknown action {action!r} in scope {text!r}; choose one of {choices}",
                field="scope",
            ) from None

    @property
    def method(self) -> Method:
        """The queue method an event of this scope starts with."""
        return _ACTION_METHOD[self.action]

    def __str__(self) -> str:
        return f"{self.data_type}/{self.action.value}"
