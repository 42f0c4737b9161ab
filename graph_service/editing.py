"""The one write path of people's edits: permission, validation, then the store.

GraphQL mutations and web forms both call :class:`Editor`, so the rules
(who may edit what, which fields are valid, that a verification is not an
edit) cannot differ between the two. Imports and the seed bypass the policy
(they are run by an operator) but not validation.
"""

from __future__ import annotations

import dataclasses
import uuid

from .access import (
    Principal,
    check_can_edit,
    check_can_verify,
    check_can_write,
    scope_of,
    verifies_own_edits,
)
from .domain.entities import REQUEST_CORRECTION, AnyEntity, EntityKind
from .domain.errors import NotFound, ValidationFailed, VersionConflict
from .domain.validation import correction_message_errors, validate_entity
from .store.protocol import GraphStore

__all__ = ["Editor", "new_id"]


def new_id(kind: EntityKind) -> str:
    """The id of an entry someone creates (a page, the API): readable kind, random rest."""
    return f"{kind}-{uuid.uuid4().hex[:12]}"


class Editor:
    """Creates, updates and verifies entries on behalf of a signed-in user."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def validate(self, entity: AnyEntity) -> None:
        """Raise :class:`ValidationFailed` listing every bad field of ``entity``."""
        errors = validate_entity(
            entity,
            territory_level=lambda code: _level(self.store, code),
        )
        if errors:
            raise ValidationFailed(errors)

    def create(self, principal: Principal, entity: AnyEntity) -> AnyEntity:
        self.validate(entity)
        check_can_write(principal, self.store, entity, None)
        stored = self.store.create(_submitted(entity, principal), actor=principal.actor)
        return self._maybe_verify(principal, stored)

    def update(self, principal: Principal, entity: AnyEntity, expected_version: int) -> AnyEntity:
        """Replace an entry; the user must be allowed on its old and new scope and references."""
        current = self.store.get(entity.kind, entity.id)
        if current is None:
            raise NotFound(entity.kind, entity.id)
        check_can_edit(principal, scope_of(self.store, current), f"{entity.kind} {entity.id}")
        self.validate(entity)
        check_can_write(principal, self.store, entity, current)
        stored = self.store.update(entity, expected_version=expected_version,
                                   actor=principal.actor)
        return self._maybe_verify(principal, stored)

    def remove(self, principal: Principal, kind: EntityKind, id: str,
               expected_version: int) -> None:
        """Remove an entry nobody points to any more (a site given up): who may edit it may
        remove it, at the version shown; the store refuses it while another entry names it,
        and the audit trail keeps its last content."""
        current = self.store.get(kind, id)
        if current is None:
            raise NotFound(kind, id)
        check_can_edit(principal, scope_of(self.store, current), f"{kind} {id}")
        self.store.delete(kind, id, expected_version=expected_version, actor=principal.actor)

    def verify(self, principal: Principal, kind: EntityKind, id: str,
               expected_version: int) -> AnyEntity:
        """Record that ``principal`` checked the entry at ``expected_version`` (the one shown)."""
        current = self.store.get(kind, id)
        if current is None:
            raise NotFound(kind, id)
        check_can_verify(principal, scope_of(self.store, current), f"{kind} {id}")
        return self.store.verify(kind, id, actor=principal.actor,
                                 expected_version=expected_version)

    def request_correction(self, principal: Principal, kind: EntityKind, id: str,
                           expected_version: int, message: str) -> AnyEntity:
        """Send the entry back to its organisation with ``message`` (what to correct).

        Who may verify an entry may ask for its correction, about the version they reviewed
        (:class:`VersionConflict` if it changed since: the association may have corrected it
        already). The request is audited, not written to the entry (its version stays); the
        entry's next update or verification closes it (:func:`graph_service.review.
        open_correction`). Returns the entry as it is.
        """
        current = self.store.get(kind, id)
        if current is None:
            raise NotFound(kind, id)
        check_can_verify(principal, scope_of(self.store, current), f"{kind} {id}")
        errors = correction_message_errors(message)
        if errors:
            raise ValidationFailed(errors)
        if current.version != expected_version:
            raise VersionConflict(kind, id, expected_version, current.version)
        self.store.record_event(actor=principal.actor, action=REQUEST_CORRECTION,
                                entity_kind=kind, entity_id=id,
                                detail={"message": message.strip(),
                                        "version": str(expected_version)})
        return current

    def _maybe_verify(self, principal: Principal, stored: AnyEntity) -> AnyEntity:
        if verifies_own_edits(principal):
            return self.store.verify(stored.kind, stored.id, actor=principal.actor,
                                     expected_version=stored.version)
        return stored


def _submitted(entity: AnyEntity, principal: Principal) -> AnyEntity:
    """A new entry as a person submits it: unverified, marked with who created it (so a
    coordinator's review list shows it, unlike the never-verified entries of an import)."""
    return dataclasses.replace(entity, verified_at=None, verified_by=None,
                               created_by=principal.actor)


def _level(store: GraphStore, code: str) -> str | None:
    territory = store.territory(code)
    return territory.level if territory is not None else None
