"""Rules shared by every store adapter, so that they cannot drift apart.

The adapters differ only in how they talk to their database; what a version
is, what counts as a change, which references must resolve and what an audit
entry holds are decided here once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..domain.entities import REFERENCES, AnyEntity, EntityKind, to_record
from ..domain.errors import FieldError, ValidationFailed
from .protocol import ApplyResult

META_FIELDS = frozenset({"version", "last_modified", "verified_at", "verified_by"})


def now_iso() -> str:
    """UTC timestamp with microseconds: sortable as text, unique enough for ordering."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content(entity: AnyEntity) -> dict[str, Any]:
    """The record without bookkeeping fields: what an edit can change."""
    return {k: v for k, v in to_record(entity).items() if k not in META_FIELDS}


def stamped(entity: AnyEntity, *, version: int, at: str, previous: AnyEntity | None) -> AnyEntity:
    """The entity as stored after a write: new version and time, verification kept."""
    return dataclasses.replace(
        entity,
        version=version,
        last_modified=at,
        verified_at=previous.verified_at if previous else entity.verified_at,
        verified_by=previous.verified_by if previous else entity.verified_by,
    )


def references(entity: AnyEntity) -> list[tuple[str, EntityKind, str]]:
    """(field, target kind, target id) for every non-empty reference of the entity."""
    out: list[tuple[str, EntityKind, str]] = []
    for field, target in REFERENCES[entity.kind].items():
        value = getattr(entity, field)
        ids: Iterable[str] = value if isinstance(value, tuple) else ([value] if value else [])
        out.extend((field, target, target_id) for target_id in ids)
    return out


def check_references(
    entities: Sequence[AnyEntity],
    exists: Callable[[EntityKind, list[str]], set[str]],
) -> None:
    """Raise :class:`ValidationFailed` naming each reference that points nowhere.

    ``exists(kind, ids)`` returns the ids of that kind already stored; ids
    defined in the same batch count as existing.
    """
    in_batch: dict[str, set[str]] = {}
    for e in entities:
        in_batch.setdefault(e.kind, set()).add(e.id)
    wanted: dict[EntityKind, set[str]] = {}
    for e in entities:
        for _field, kind, target in references(e):
            if target not in in_batch.get(kind, set()):
                wanted.setdefault(kind, set()).add(target)
    found = {kind: exists(kind, sorted(ids)) for kind, ids in wanted.items()}
    errors = [
        FieldError(field, f"{kind} {target!r} does not exist", f"{e.kind} {e.id}")
        for e in entities
        for field, kind, target in references(e)
        if target not in in_batch.get(kind, set()) and target not in found.get(kind, set())
    ]
    if errors:
        raise ValidationFailed(errors)


def reference_index(entity: AnyEntity) -> list[tuple[str, str]]:
    """(field, id) pairs a store indexes, so ``entries(where=...)`` and deletes find referrers."""
    return [(field, target) for field, _kind, target in references(entity)]


def check_filter(kind: EntityKind, field: str) -> None:
    """``entries(where=...)`` filters on reference fields only: refuse any other, naming it."""
    if field not in REFERENCES[kind]:
        raise ValidationFailed(
            [FieldError(field, f"cannot filter {kind} on {field}; use a reference field")]
        )


def audit_at(action: str, after: AnyEntity | None) -> str:
    """When an audited write happened: the new ``last_modified`` of an edit, else now."""
    return after.last_modified if after and action != "verify" else now_iso()


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    """One write of a batch: ``stored`` as it must be written, ``previous`` its former state."""

    action: str
    stored: AnyEntity
    previous: AnyEntity | None


def check_kinds(entities: Sequence[AnyEntity], existing: Mapping[str, AnyEntity]) -> None:
    """Refuse a batch that reuses an id already held by an entry of another kind."""
    clashes = [
        FieldError("id", f"already used by a {existing[e.id].kind}", f"{e.kind} {e.id}")
        for e in entities
        if e.id in existing and existing[e.id].kind != e.kind
    ]
    if clashes:
        raise ValidationFailed(clashes)


def plan_apply(
    entities: Sequence[AnyEntity], existing: Mapping[str, AnyEntity], at: str
) -> tuple[list[Change], ApplyResult]:
    """What ``apply`` writes, in order: new ids created, changed content updated, rest untouched.

    ``existing`` holds the stored entries of the batch's ids (checked with
    :func:`check_kinds` and :func:`check_references` first). An id given twice
    is compared with its first occurrence, as if the batch were applied entry
    by entry.
    """
    seen = dict(existing)
    changes: list[Change] = []
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    for entity in entities:
        previous = seen.get(entity.id)
        if previous is None:
            changes.append(Change("create", stamped(entity, version=1, at=at, previous=None), None))
            created.append(entity.id)
        elif content(previous) != content(entity):
            stored = stamped(entity, version=previous.version + 1, at=at, previous=previous)
            changes.append(Change("update", stored, previous))
            updated.append(entity.id)
        else:
            unchanged.append(entity.id)
        seen[entity.id] = entity
    return changes, ApplyResult(tuple(created), tuple(updated), tuple(unchanged))
