"""What a create does when it meets a record the target system already has."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ipaas.mapping.model import CollisionMethod


class CollisionAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class CollisionDecision:
    """The transfer engine's orders for one create.

    ``action`` says which call to make; ``link`` whether to store the external id link
    afterwards; ``remap`` whether to map the record again with the update collection
    (the existing record is treated as the one to update) before sending.
    """

    action: CollisionAction
    link: bool = False
    remap: bool = False
    reason: str = ""


def decide_collision(
    collision_method: CollisionMethod | str, existing_external_id: str | None
) -> CollisionDecision:
    """Decide what a create does given the id of the record it collides with, if any.

    Without a collision (``existing_external_id`` is None) the create goes ahead and is
    linked. With one: ``error`` fails the record; ``update_and_link`` updates the existing
    record with the create's output and links it; ``remap_and_link`` links it and maps the
    record again as an update; ``update_no_link`` updates it but stores no link, so later
    changes arrive as creates again (for targets that own their ids).
    """
    method = CollisionMethod(collision_method)
    if existing_external_id is None:
        return CollisionDecision(CollisionAction.CREATE, link=True, reason="no existing record")
    found = f"the record already exists as {existing_external_id!r}"
    if method is CollisionMethod.ERROR:
        return CollisionDecision(CollisionAction.ERROR, reason=f"{found} (collision method error)")
    if method is CollisionMethod.UPDATE_AND_LINK:
        return CollisionDecision(CollisionAction.UPDATE, link=True, reason=f"{found}: update, link")
    if method is CollisionMethod.REMAP_AND_LINK:
        return CollisionDecision(
            CollisionAction.UPDATE, link=True, remap=True, reason=f"{found}: remap, update, link"
        )
    return CollisionDecision(CollisionAction.UPDATE, reason=f"{found}: update without a link")
