"""What a provincial coordinator reviews: changes waiting for verification, entries gone stale.

"In the province" and "stale" are the API's own definitions
(:mod:`graph_service.api.queries`' ``staleEntries``), and an entry's history is
the API's ``changes`` trail, imported here in one place so that the page and
the API cannot disagree. A change *waits for review* when the entry was
edited after its last verification (or, never verified, edited after it was
created): the diff shows the state before the first such edit against the
entry as it is now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..api.audit import _trail as audit_trail
from ..api.queries import _entries as entries_of
from ..api.queries import _provinces as provinces_of
from ..domain.entities import AnyEntity, AuditEntry, to_record
from ..store import GraphStore
from .pages import Index

__all__ = ["STALE_DAYS", "Diff", "FieldChange", "diff", "pending", "stale"]

STALE_DAYS = 365
"""Entries not verified for twelve months are listed for a new check."""
_META = frozenset({"id", "version", "last_modified", "verified_at", "verified_by"})


def in_province(index: Index, province: str) -> list[AnyEntity]:
    """Every entry of the province (contacts included: coordinators are signed in)."""
    return [e for e in entries_of(index, with_contacts=True)
            if province in provinces_of(index, e)]


def pending(entries: Iterable[AnyEntity]) -> list[AnyEntity]:
    """Entries edited since their last verification, last edited first."""
    waiting = [e for e in entries
               if not e.is_verified and (e.verified_at is not None or e.version > 1)]
    return sorted(waiting, key=lambda e: (e.last_modified, e.id), reverse=True)


def stale(entries: Iterable[AnyEntity], now: datetime | None = None) -> list[AnyEntity]:
    """Entries never verified or verified over :data:`STALE_DAYS` ago, never-verified first."""
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=STALE_DAYS)).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
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


def diff(store: GraphStore, entity: AnyEntity) -> Diff:
    """The changes of ``entity`` since its last verification, from the audit trail."""
    trail = [e for e in audit_trail(store, entity.id) if e.action != "read_contacts"]
    verified = max((i for i, e in enumerate(trail) if e.action == "verify"), default=-1)
    updates = [e for e in trail[verified + 1:] if e.action == "update"]
    before = updates[0].before if updates else None
    after = to_record(entity)
    names = [k for k in after if k not in _META]
    fields = tuple(FieldChange(k, (before or {}).get(k), after.get(k)) for k in names)
    return Diff(entity, before is None, fields, tuple(trail))
