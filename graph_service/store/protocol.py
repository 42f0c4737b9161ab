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
- ``revision()`` grows with every committed write to the directory (entries
  and territories), so readers can cache derived views (the orientation graph)
  and rebuild only when it moves. Users, tokens, sessions, sign-in throttle counts and
  read audits are not directory content: writing them leaves it unchanged, so
  signing in or out never throws a read model away.

Referrals (:mod:`graph_service.domain.referral`) live in an area of their own:
they are not annuaire entries, so their writes leave ``revision()`` alone and
never appear in ``entries``/``counts``; they keep the same rules otherwise
(one transaction, optimistic version, each transition audited with it).
- every write to entries is in the change feed (:meth:`GraphStore.changes_since`), in
  commit order, each change tagged with the revision its transaction made; a revision no
  change carries (a write of territories) is a hole that readers fill by reading anew.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..domain.entities import AnyEntity, AuditEntry, Counts, EntityKind, Territory, User
from ..domain.referral import Referral, ReferralFact, ReferralQuery, ReferralTally


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What a batch upsert did: ids created, updated (content changed) and left unchanged."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One committed write to an entry, as the change feed gives it.

    ``entry`` is the entry as it stands after the write, ``None`` when the write deleted
    it; ``revision`` is the store revision that write's transaction made (``None`` for
    writes audited before revisions were recorded: readers then read anew).
    """

    seq: int
    revision: int | None
    kind: EntityKind
    id: str
    entry: AnyEntity | None


@runtime_checkable
class GraphStore(Protocol):
    """Persistence of the annuaire graph. See the module docstring for the write rules."""

    name: str
    """``"embedded"`` or ``"neo4j"``: shown in /healthz and stats."""

    def close(self) -> None: ...

    def revision(self) -> int:
        """A number that grows with every committed directory write (cache key for views)."""
        ...

    written_revision: int
    """The revision of the last directory write committed through this object (0 if
    none): a reader of the same process waits for its view to reach it (read-your-writes)."""

    def change_seq(self) -> int:
        """The audit number of the last committed write (0 if none): a view built after
        reading it follows :meth:`changes_since` from there."""
        ...

    def changes_since(self, seq: int, *, limit: int | None = None) -> list[EntryChange]:
        """Writes to entries committed after audit number ``seq``, in order, each once
        (up to ``limit``); never a write still uncommitted."""
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
        personal data (``read_contacts``), a sign-in (``sign_in``, ``sign_in_failed``), a
        coordinator's request for a correction (``request_correction``); ``detail`` goes to
        the entry's ``after``."""
        ...

    # --- users, tokens and sessions (sign-in) -------------------------------------------
    def put_user(self, user: User, *, actor: str) -> None:
        """Create or replace a user (audited without the password hash).

        Replacing a user (a new password, a new role) revokes every token and
        session it had, in the same transaction: a password reset shuts out
        whoever held the old one.
        """
        ...

    def get_user(self, username: str) -> User | None: ...

    def users(self) -> list[User]:
        """Every user, ordered by user name."""
        ...

    def delete_user(self, username: str, *, actor: str) -> bool:
        """Remove a user with every token and session of it (audited); ``False`` if unknown."""
        ...

    def put_token(self, token_hash: str, username: str, expires_at: str, *, purpose: str) -> None:
        """Keep a credential by its hash: ``purpose`` ``"api"`` (bearer token) or ``"web"``
        (page session); a credential is only ever accepted for its own purpose."""
        ...

    def token_user(self, token_hash: str, now: str, *, purpose: str) -> User | None:
        """The user a live credential of that purpose belongs to; ``None`` if unknown,
        expired or of the other purpose."""
        ...

    def delete_token(self, token_hash: str) -> None: ...

    def revoke_tokens(self, username: str, *, actor: str) -> int:
        """Delete every token and session of a user (audited); how many there were."""
        ...

    # --- sign-in throttle (shared by every process of a deployment) --------------------
    def throttle_counts(self, keys: Sequence[str], since: str) -> dict[str, tuple[int, str]]:
        """Per key, its count and the time it was last counted, for keys counted after
        ``since`` (older counts are forgotten). Keys absent count zero."""
        ...

    def count_throttle(self, keys: Sequence[str], at: str, since: str) -> None:
        """Count each key once more at ``at``, from one again when it was last counted at
        or before ``since``; forgotten keys are dropped from the store."""
        ...

    def clear_throttle(self, key: str) -> None: ...

    # --- referrals (their own area: not entries, outside revision()) ------------------------
    def create_referral(self, referral: Referral, *, actor: str) -> Referral:
        """Store a new referral at version 1, its ``sent`` step audited;
        :class:`AlreadyExists` if the code is taken."""
        ...

    def update_referral(self, referral: Referral, *, expected_version: int,
                        actor: str) -> Referral:
        """Store a transition of the stored referral (its history extended) at version +1,
        each new step audited (who, when, from, to); :class:`VersionConflict` if stale."""
        ...

    def get_referral(self, code: str) -> Referral | None:
        """The referral of a canonical code (:func:`~graph_service.domain.referral.parse_code`)."""
        ...

    def referrals(self, query: ReferralQuery) -> list[Referral]:
        """The referrals ``query`` selects, newest first (then by code)."""
        ...

    def referral_facts(self, province_code: str | None = None) -> list[ReferralFact]:
        """What indicators read of every referral (of a province: either side), no history."""
        ...

    def retire_referrals(self, *, sent_before: str, actor: str) -> int:
        """Reduce referrals sent before a time to tallies (retention), in one transaction;
        the number retired."""
        ...

    def referral_tallies(self, province_code: str | None = None) -> list[ReferralTally]:
        """The counts left of retired referrals (of a province: either side)."""
        ...
