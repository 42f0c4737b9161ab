"""The one interface every store adapter implements.

Services (orientation, coverage, import/export, the API) only ever see this
protocol, which is why the embedded SQLite store and the Neo4j store are
interchangeable; ``tests/test_store_contract.py`` runs the same suite over
both to prove it. Adapters are synchronous: async callers go through
:func:`graph_service.store.run_blocking`.

Write rules every adapter keeps:

- each write is one transaction: it happens whole or not at all;
- ``create`` sets version 1, every ``update`` adds one, and an update based on
  a stale version raises :class:`VersionConflict` and changes nothing (no audit
  row either);
- every write appends audit entries (who, when, before, after) in the same
  transaction; ``verify`` is audited as a verification, not an edit, and does
  not change the version;
- references (``REFERENCES`` in the domain) must point at existing entries of
  the right kind, otherwise :class:`ValidationFailed` names the field;
- ``revision()`` grows with every committed write, so readers can cache
  derived views (the orientation graph) and rebuild only when it moves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..domain.entities import AnyEntity, AuditEntry, Counts, EntityKind, Territory, User


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What a batch upsert did: ids created, updated (content changed) and left unchanged."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


@runtime_checkable
class GraphStore(Protocol):
    """Persistence of the annuaire graph. See the module docstring for the write rules."""

    name: str
    """``"embedded"`` or ``"neo4j"``: shown in /healthz and stats."""

    def close(self) -> None: ...

    def revision(self) -> int:
        """A number that grows with every committed write (cache key for derived views)."""
        ...

    # --- reference territories -------------------------------------------------------
    def put_territories(self, territories: Sequence[Territory]) -> int:
        """Insert or replace reference territories (not audited: they come from the census)."""
        ...

    def territories(self, level: str | None = None) -> list[Territory]:
        """All territories, or those of one level, ordered by code."""
        ...

    def territory(self, code: str) -> Territory | None: ...

    # --- entries ---------------------------------------------------------------------
    def get(self, kind: EntityKind, id: str) -> AnyEntity | None: ...

    def get_many(self, kind: EntityKind, ids: Sequence[str]) -> list[AnyEntity | None]:
        """Entries in the order of ``ids`` (``None`` where missing), in one round trip."""
        ...

    def entries(
        self,
        kind: EntityKind,
        *,
        where: Mapping[str, str] | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[AnyEntity]:
        """Entries of a kind ordered by id, keyset-paginated (``id > after``).

        ``where`` filters on reference fields only (``organization_id``,
        ``from_service_id``, ``site_ids``…): equality, or membership for tuple
        fields. Other filters belong to the services, over the whole graph.
        """
        ...

    def counts(self) -> Counts: ...

    def create(self, entity: AnyEntity, *, actor: str) -> AnyEntity:
        """Store a new entry (version 1); :class:`AlreadyExists` if the id is taken."""
        ...

    def update(self, entity: AnyEntity, *, expected_version: int, actor: str) -> AnyEntity:
        """Replace an entry's content if ``expected_version`` is current; return it at +1."""
        ...

    def delete(self, kind: EntityKind, id: str, *, expected_version: int, actor: str) -> None:
        """Remove an entry nothing else points to (else :class:`ValidationFailed`)."""
        ...

    def verify(self, kind: EntityKind, id: str, *, actor: str,
               expected_version: int) -> AnyEntity:
        """Record that ``actor`` checked the entry now; not an edit, version unchanged.

        :class:`VersionConflict` (nothing written) if the entry is no longer at
        ``expected_version``, the version the verifier reviewed.
        """
        ...

    def apply(self, entities: Sequence[AnyEntity], *, actor: str) -> ApplyResult:
        """Upsert a batch all-or-nothing (import, seed).

        New ids are created, entries whose content differs are updated (version
        +1, audited), identical ones are left untouched, so applying the same
        batch twice changes nothing. References may point inside the batch.
        """
        ...

    # --- audit -----------------------------------------------------------------------
    def audit_trail(
        self, entity_id: str | None = None, *, after_seq: int = 0, limit: int = 100
    ) -> list[AuditEntry]:
        """Audit entries in order, for one entry or all, from ``after_seq`` on."""
        ...

    def record_event(self, *, actor: str, action: str, entity_kind: str, entity_id: str,
                     detail: Mapping[str, str] | None = None) -> None:
        """Audit an event that writes nothing (``revision()`` stays): a read of contacts'
        personal data (``read_contacts``), a sign-in (``sign_in``, ``sign_in_failed``);
        ``detail`` goes to the entry's ``after``."""
        ...

    # --- users and tokens (the API's sign-in) ---------------------------------------------
    def put_user(self, user: User, *, actor: str) -> None:
        """Create or replace a user (audited without the password hash)."""
        ...

    def get_user(self, username: str) -> User | None: ...

    def put_token(self, token_hash: str, username: str, expires_at: str) -> None: ...

    def token_user(self, token_hash: str, now: str) -> User | None:
        """The user a live token belongs to; ``None`` if unknown or expired."""
        ...

    def delete_token(self, token_hash: str) -> None: ...

