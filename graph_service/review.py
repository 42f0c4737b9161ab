"""What a provincial coordinator reviews: changes waiting for verification, entries gone stale.

The GraphQL API (``staleEntries``, ``changes``) and the coordinator's pages
both use these definitions of "in the province", "stale" and an entry's
history, so the page and the API cannot disagree. A change *waits for review* when the entry was
edited after its last verification (or, never verified, edited after it was
created, or created by a person rather than imported): the diff shows the state
before the first such edit against the entry as it is now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .access import Principal
from .domain.entities import (
    READ_CONTACTS,
    REQUEST_CORRECTION,
    AnyEntity,
    AuditEntry,
    Organization,
    ReferralLink,
    Service,
    Site,
    to_record,
)
from .search import Index
from .store import GraphStore
from .store.common import iso

__all__ = [
    "CLOSES_CORRECTION",
    "STALE_DAYS",
    "CorrectionRequest",
    "Diff",
    "FieldChange",
    "diff",
    "entries_of",
    "full_trail",
    "in_province",
    "open_correction",
    "open_corrections",
    "pending",
    "provinces_of",
    "readable_trail",
    "stale",
]

STALE_DAYS = 365
"""Entries not verified for twelve months are listed for a new check."""
_TRAIL_BATCH = 500
PERSONAL_FIELDS = ("person_name", "channels")
"""A contact's personal data (law 09-08) as its audit records hold it."""
_META = frozenset({"id", "version", "last_modified", "verified_at", "verified_by", "created_by"})


def entries_of(index: Index, *, with_contacts: bool) -> list[AnyEntity]:
    """Every entry of the read model; contacts only for those who may see them."""
    snap = index.snapshot
    tables: list[Iterable[AnyEntity]] = [
        snap.organizations.values(), snap.sites.values(), snap.services.values(),
        snap.links.values()]
    if with_contacts:
        tables.append(snap.contacts.values())
    return [e for table in tables for e in table]


def provinces_of(index: Index, entity: AnyEntity) -> set[str]:
    """Provinces an entry is in, from the read model (for coordinators' lists)."""
    snap = index.snapshot
    if isinstance(entity, Site):
        commune = snap.territories.get(entity.commune_code)
        return {commune.province_code} if commune and commune.province_code else set()
    if isinstance(entity, Service):
        return {p.province_code for p in snap.places.get(entity.id, ())}
    if isinstance(entity, ReferralLink):
        source = snap.services.get(entity.from_service_id)
        return provinces_of(index, source) if source else set()
    org_id = entity.id if isinstance(entity, Organization) else entity.organization_id
    org = snap.organizations.get(org_id)
    provinces = {p.province_code for p in index.org_places.get(org_id, ())}
    if org is not None and org.province_code:
        provinces.add(org.province_code)
    return provinces


def full_trail(store: GraphStore, entity_id: str) -> list[AuditEntry]:
    """The whole trail of one entry (an entry's history is short), in order."""
    out: list[AuditEntry] = []
    after = 0
    while True:
        batch = store.audit_trail(entity_id, after_seq=after, limit=_TRAIL_BATCH)
        out.extend(batch)
        if len(batch) < _TRAIL_BATCH:
            return out
        after = batch[-1].seq


def readable_trail(store: GraphStore, principal: Principal, entity_id: str) -> list[AuditEntry]:
    """An entry's trail as ``principal`` may read it, whatever page or query shows it.

    A contact's trail holds its personal data before and after each edit: reading it
    is a contact read, audited like the others; roles that may not read contacts get
    the trail with those fields blanked.
    """
    trail = full_trail(store, entity_id)
    if not any(e.entity_kind == "contact" for e in trail):
        return trail
    if principal.sees_personal_data:
        store.record_event(actor=principal.actor, action=READ_CONTACTS,
                           entity_kind="contact", entity_id=entity_id)
        return trail
    return [replace(e, before=_masked(e.before), after=_masked(e.after)) for e in trail]


def _masked(record: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if record is None else {
        k: (None if k in PERSONAL_FIELDS else v) for k, v in record.items()}


def in_province(index: Index, province: str) -> list[AnyEntity]:
    """Every entry of the province (contacts included: coordinators are signed in)."""
    return [e for e in entries_of(index, with_contacts=True)
            if province in provinces_of(index, e)]


def pending(entries: Iterable[AnyEntity]) -> list[AnyEntity]:
    """Entries edited since their last verification or created by a person (not imported)
    and never verified, last edited first."""
    waiting = [e for e in entries if not e.is_verified and (
        e.verified_at is not None or e.version > 1 or e.created_by is not None)]
    return sorted(waiting, key=lambda e: (e.last_modified, e.id), reverse=True)


def stale(
    entries: Iterable[AnyEntity], older_than_days: int = STALE_DAYS, now: datetime | None = None
) -> list[AnyEntity]:
    """Entries never verified or verified over ``older_than_days`` ago, never-verified first."""
    cutoff = iso((now or datetime.now(UTC)) - timedelta(days=older_than_days))
    old = [e for e in entries if e.verified_at is None or e.verified_at < cutoff]
    return sorted(old, key=lambda e: (e.verified_at or "", e.kind, e.id))


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: Any
    after: Any

    @property
    def changed(self) -> bool:
        return bool(self.before != self.after)


@dataclass(frozen=True, slots=True)
class Diff:
    """An entry's unverified changes: every field before and after, and its history."""

    entity: AnyEntity
    created: bool
    """No state was ever verified or edited before: the whole entry is new."""
    fields: tuple[FieldChange, ...]
    history: tuple[AuditEntry, ...]


def diff(store: GraphStore, principal: Principal, entity: AnyEntity) -> Diff:
    """The changes of ``entity`` since its last verification, from the audit trail
    (a contact's diff is a read of its personal data: see :func:`readable_trail`)."""
    trail = [e for e in readable_trail(store, principal, entity.id)
             if e.action != READ_CONTACTS]
    verified = max((i for i, e in enumerate(trail) if e.action == "verify"), default=-1)
    updates = [e for e in trail[verified + 1:] if e.action == "update"]
    before = updates[0].before if updates else None
    after = to_record(entity)
    names = [k for k in after if k not in _META]
    fields = tuple(FieldChange(k, (before or {}).get(k), after.get(k)) for k in names)
    return Diff(entity, before is None, fields, tuple(trail))


CLOSES_CORRECTION = frozenset({"update", "verify", "delete"})
"""What answers a request for a correction: the entry edited (by its association or anyone
allowed), verified as it is, or deleted."""


@dataclass(frozen=True, slots=True)
class CorrectionRequest:
    """A coordinator's open request to correct an entry, as the audit trail holds it."""

    at: str
    actor: str
    message: str
    version: int
    """The version the coordinator reviewed when asking."""


def open_correction(trail: Sequence[AuditEntry]) -> CorrectionRequest | None:
    """The last correction asked for in ``trail`` (one entry's, in order), unless something
    in :data:`CLOSES_CORRECTION` came after it.

    The request is an audit event (:data:`~graph_service.domain.entities.REQUEST_CORRECTION`)
    and is closed by the next write of the entry, so no state of its own can disagree with
    the entry: the page, ``changes`` and « Mon organisation » all read it from here.
    """
    found: CorrectionRequest | None = None
    for event in trail:
        if event.action == REQUEST_CORRECTION and event.after:
            found = CorrectionRequest(event.at, event.actor, str(event.after.get("message", "")),
                                      int(event.after.get("version", 0)))
        elif event.action in CLOSES_CORRECTION:
            found = None
    return found


def open_corrections(store: GraphStore, ids: Iterable[str]) -> dict[str, CorrectionRequest]:
    """The open requests among the entries ``ids`` (an organisation's few entries)."""
    out = {}
    for entity_id in ids:
        request = open_correction(full_trail(store, entity_id))
        if request is not None:
            out[entity_id] = request
    return out
