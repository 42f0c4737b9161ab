"""The Neo4j store: the same graph over Bolt, for deployments that outgrow one machine.

The data live in Neo4j (a server, a cluster, Aura) and any number of stateless
service processes share them. The graph is the annuaire as it reads in Neo4j
Browser: one node per entry labelled with its kind, its references as typed
relationships, territories nested by ``IN``; audit entries, users, tokens and
the revision counter are nodes too (see ``cypher/*.cypher``, where every query
lives). The rules of :mod:`.protocol` hold as in the embedded store, decided
by :mod:`.common`: each write is one managed transaction (retried by the
driver on transient errors, bulk rows sent in ``UNWIND`` batches inside it),
versions are checked inside the transaction that writes, under the graph's
write lock.

When the server cannot be reached, every call fails within about
``NEO4J_TIMEOUT`` seconds with :class:`StoreUnavailable`, and the same store
object works again as soon as the server is back (the driver reconnects).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Concatenate, LiteralString, ParamSpec, TypeVar, cast

from neo4j import GraphDatabase, ManagedTransaction, Record, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ConfigurationError,
    ConnectionPoolError,
    ResultFailedError,
    ServiceUnavailable,
    SessionExpired,
    TransactionError,
    TransientError,
)

from ..domain.entities import (
    AnyEntity,
    AuditEntry,
    Counts,
    EntityKind,
    Site,
    Territory,
    User,
    from_record,
    territory_from_record,
    to_record,
)
from ..domain.errors import (
    AlreadyExists,
    NotFound,
    StoreUnavailable,
)
from ..domain.referral import (
    OPEN_STATUSES,
    Referral,
    ReferralFact,
    ReferralQuery,
    ReferralTally,
)
from ..settings import Settings
from .common import (
    ENTRY_WRITES,
    TALLY_KEYS,
    Change,
    audit_at,
    audit_entry,
    check_filter,
    check_kinds,
    check_references,
    check_version,
    counts_from,
    dumps,
    entry_change,
    found_or_raise,
    last_writes,
    now_iso,
    plan_apply,
    public_user_json,
    query_parameters,
    record_json,
    references,
    referral_audits,
    referral_columns,
    referral_created,
    referral_from_json,
    referral_updated,
    refuse_referenced,
    stamped,
    tallies_of,
    tally_from,
    user_from_json,
    user_json,
    verified,
)
from .cypher import Queries
from .protocol import ApplyResult, EntryChange

__all__ = ["Neo4jStore"]

_BATCH = 1000
"""Rows per ``UNWIND`` statement: big enough to amortise a round trip, small per message."""
_PAGE = 5000
"""Most rows one read asks for: ArcadeDB sizes its sort buffer by ``LIMIT`` (and reads it as a
32-bit int), so longer lists are read page by page."""
_UNAVAILABLE = (
    ServiceUnavailable, SessionExpired, ConnectionPoolError, TransactionError, ResultFailedError,
    TransientError, AuthError, ConfigurationError,
)
"""Driver errors meaning "the database cannot serve us now", as opposed to a bug in a query."""

S = TypeVar("S", bound="Neo4jStore")
P = ParamSpec("P")
T = TypeVar("T")
Run = Callable[..., list[Record]]
"""``run("file:statement", **parameters)``: a statement's records, in or out of a transaction."""


def _unavailable_as_typed(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[S, P], T]:
    """Turn the driver's connection failures into :class:`StoreUnavailable` (no stack shown)."""

    @functools.wraps(method)
    def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(self, *args, **kwargs)
        except _UNAVAILABLE as exc:
            raise StoreUnavailable(
                f"Neo4j {self.uri} (database {self.database!r}) unavailable: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    return wrapper



def _chunks(rows: Sequence[T]) -> list[Sequence[T]]:
    return [rows[i : i + _BATCH] for i in range(0, len(rows), _BATCH)]


class _Tx:
    """One write transaction: statements by name, audit numbering, whether the graph changed."""

    def __init__(self, tx: ManagedTransaction, text: Callable[[str], LiteralString],
                 last_seq: int, revision: int | None) -> None:
        self._tx, self._text, self.seq, self.changed = tx, text, last_seq, False
        self.revision = revision
        """The revision this transaction makes if it changes the graph (``None``: not
        counted), carried by its audit entries."""

    def run(self, name: str, **parameters: Any) -> list[Record]:
        result = self._tx.run(self._text(name), parameters)
        records = list(result)
        self.changed = self.changed or result.consume().counters.contains_updates
        return records

    def audit(self, actor: str, action: str, entity_kind: str, entity_id: str,
              before: str | None = None, after: str | None = None,
              at: str | None = None) -> dict[str, Any]:
        """The next audit entry of this transaction (``before``/``after`` as JSON)."""
        self.seq += 1
        return {"seq": self.seq, "at": at or now_iso(), "actor": actor, "action": action,
                "entity_kind": entity_kind, "entity_id": entity_id, "before": before,
                "after": after, "revision": self.revision}

    def audit_write(self, actor: str, action: str, entity: AnyEntity,
                    before: AnyEntity | None, after: AnyEntity | None) -> dict[str, Any]:
        """The audit entry of a write to an entry, with the before/after records."""
        return self.audit(actor, action, entity.kind, entity.id,
                          record_json(before), record_json(after), audit_at(action, after))


class Neo4jStore:
    """:class:`~graph_service.store.protocol.GraphStore` over a Neo4j (Bolt) database.

    Opening applies ``cypher/schema.cypher`` (idempotent) and creates the
    revision counter if missing; it raises :class:`StoreUnavailable` when the
    server cannot be reached. The password goes to the driver only: it is
    neither kept on the object nor shown by ``repr``.
    """

    name = "neo4j"

    def __init__(
        self, uri: str, *, user: str, password: str, database: str, timeout: float = 5.0
    ) -> None:
        if not uri:
            raise StoreUnavailable("NEO4J_URI is not set: the neo4j store needs a Bolt URI")
        self.uri, self.user, self.database = uri, user, database
        self._queries = Queries()
        self._write_lock = threading.Lock()
        self.written_revision = 0
        try:
            self._driver = GraphDatabase.driver(
                uri, auth=(user, password), connection_timeout=timeout,
                connection_acquisition_timeout=timeout, max_transaction_retry_time=timeout,
            )
        except (ValueError, ConfigurationError) as exc:
            raise StoreUnavailable(f"NEO4J_URI {uri!r} is not a Bolt URI: {exc}") from exc
        try:
            self._open()
        except BaseException:
            self._driver.close()
            raise

    @classmethod
    def from_settings(cls, settings: Settings) -> Neo4jStore:
        return cls(
            settings["NEO4J_URI"], user=settings["NEO4J_USER"],
            password=settings.secret("NEO4J_PASSWORD"), database=settings["NEO4J_DATABASE"],
            timeout=settings["NEO4J_TIMEOUT"],
        )

    def __repr__(self) -> str:
        return f"<Neo4jStore {self.uri} database={self.database!r} user={self.user!r}>"

    @_unavailable_as_typed
    def _open(self) -> None:
        for statement in self._queries.schema:
            self._driver.execute_query(cast(LiteralString, statement), database_=self.database)
        self._driver.execute_query(self._text("meta:init"), database_=self.database)

    def close(self) -> None:
        self._driver.close()

    # --- running statements ------------------------------------------------------------
    def _text(self, name: str) -> LiteralString:
        return cast(LiteralString, self._queries[name])

    def _read(self, name: str, **parameters: Any) -> list[Record]:
        result = self._driver.execute_query(
            self._text(name), parameters, database_=self.database, routing_=RoutingControl.READ
        )
        return list(result.records)

    def _pages(
        self, name: str, cursor: str, after: Any, limit: int | None, **parameters: Any
    ) -> list[Record]:
        """Up to ``limit`` (or all) records of a keyset-paginated read, ``_PAGE`` at a time."""
        records: list[Record] = []
        while limit is None or len(records) < limit:
            want = _PAGE if limit is None else min(_PAGE, limit - len(records))
            page = self._read(name, after=after, limit=want, **parameters)
            records += page
            if len(page) < want:
                break
            after = page[-1][cursor]
        return records

    def _write(self, work: Callable[[_Tx], T], *, counted: bool = True) -> T:
        """Run ``work`` in one managed write transaction, holding the graph's write lock.

        The revision grows if a statement of ``work`` changed the graph, unless the
        write is not ``counted`` (a logged read, users, credentials, throttle counts:
        not directory content). ``work`` may run more than once (the driver retries
        transient errors), so it computes everything from what it reads in the
        transaction.
        """

        def unit(tx: ManagedTransaction) -> T:
            lock = tx.run(self._text("meta:lock")).single(strict=True)
            state = _Tx(tx, self._text, lock["audit_seq"],
                        lock["revision"] + 1 if counted else None)
            value = work(state)
            tx.run(self._text("meta:commit"), audit_seq=state.seq,
                   revisions=int(state.changed and counted)).consume()
            written.append(state.revision if state.changed else None)
            return value

        written: list[int | None] = []  # the last try's, once committed
        bookmarks = self._driver.execute_query_bookmark_manager
        with (
            self._write_lock,
            self._driver.session(database=self.database, bookmark_manager=bookmarks) as session,
        ):
            value = session.execute_write(unit)
            self.written_revision = max(self.written_revision, written[-1] or 0)
            return value

    @_unavailable_as_typed
    def revision(self) -> int:
        return int(self._read("meta:revision")[0]["revision"])

    @_unavailable_as_typed
    def change_seq(self) -> int:
        return int(self._read("meta:audit_seq")[0]["audit_seq"])

    @_unavailable_as_typed
    def changes_since(self, seq: int, *, limit: int | None = None) -> list[EntryChange]:
        """Read by windows of ``_PAGE`` audit numbers, from ``seq`` to the last committed one;
        ``audit:changes`` looks each number up in the index, so the cost follows what changed
        since ``seq``, not the length of the trail."""
        top = self.change_seq()
        records: list[Record] = []
        while seq < top and (limit is None or len(records) < limit):
            upto = min(seq + _PAGE, top)
            records += self._read("audit:changes", after=seq, upto=upto,
                                  actions=list(ENTRY_WRITES))
            seq = upto
        return [entry_change(r["seq"], r["revision"], r["kind"], r["id"], r["after"])
                for r in records[:limit]]

    # --- territories ---------------------------------------------------------------
    @_unavailable_as_typed
    def put_territories(self, territories: Sequence[Territory]) -> int:
        rows = [{"code": t.code, "level": t.level, "name": t.name_fr, "parent_code": t.parent_code,
                 "record": dumps(to_record(t))} for t in territories]

        def work(tx: _Tx) -> None:
            for chunk in _chunks(rows):
                tx.run("territories:put", rows=chunk)
            for chunk in _chunks([r for r in rows if r["parent_code"]]):
                tx.run("territories:nest", rows=chunk)

        self._write(work)
        return len(rows)

    @_unavailable_as_typed
    def territories(self, level: str | None = None) -> list[Territory]:
        records = (self._read("territories:all") if level is None
                   else self._read("territories:of_level", level=level))
        return [territory_from_record(json.loads(r["record"])) for r in records]

    @_unavailable_as_typed
    def territory(self, code: str) -> Territory | None:
        records = self._read("territories:get", code=code)
        return territory_from_record(json.loads(records[0]["record"])) if records else None

    # --- reads ---------------------------------------------------------------------
    def get(self, kind: EntityKind, id: str) -> AnyEntity | None:
        return self.get_many(kind, [id])[0]

    @_unavailable_as_typed
    def get_many(self, kind: EntityKind, ids: Sequence[str]) -> list[AnyEntity | None]:
        found = self._fetch(self._read, ids, kind)
        return [found.get(i) for i in ids]

    @staticmethod
    def _fetch(
        run: Run, ids: Sequence[str], kind: EntityKind | None = None
    ) -> dict[str, AnyEntity]:
        out: dict[str, AnyEntity] = {}
        for chunk in _chunks(list(dict.fromkeys(ids))):
            for r in run("entries:fetch", ids=chunk):
                if kind is None or r["kind"] == kind:
                    entity = from_record(r["kind"], json.loads(r["record"]))
                    out[entity.id] = entity
        return out

    @_unavailable_as_typed
    def entries(
        self,
        kind: EntityKind,
        *,
        where: Mapping[str, str] | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[AnyEntity]:
        filters = [{"field": field, "id": value} for field, value in (where or {}).items()]
        for f in filters:
            check_filter(kind, f["field"])
        if filters:
            records = self._pages("entries:list_where", "id", after or "", limit, kind=kind,
                                  anchor=filters[0], more=filters[1:])
        elif limit is None:  # one streamed read, sorted here: see entries:all
            records = sorted(self._read("entries:all", kind=kind, after=after or ""),
                             key=lambda r: str(r["id"]))
        else:
            records = self._pages("entries:list", "id", after or "", limit, kind=kind)
        return [from_record(kind, json.loads(r["record"])) for r in records]

    @_unavailable_as_typed
    def counts(self) -> Counts:
        n = {r["key"]: r["count"] for r in self._read("entries:counts")}
        return counts_from(n)

    # --- writes --------------------------------------------------------------------
    @_unavailable_as_typed
    def create(self, entity: AnyEntity, *, actor: str) -> AnyEntity:
        def work(tx: _Tx) -> AnyEntity:
            if self._fetch(tx.run, [entity.id]):
                raise AlreadyExists(entity.kind, entity.id)
            change = Change("create", stamped(entity, version=1, at=now_iso(), previous=None),
                            None)
            self._save(tx, [change], actor, stored_ids=set())
            return change.stored

        return self._write(work)

    @_unavailable_as_typed
    def update(self, entity: AnyEntity, *, expected_version: int, actor: str) -> AnyEntity:
        def work(tx: _Tx) -> AnyEntity:
            current = self._current(tx, entity.kind, entity.id)
            check_version(current, expected_version)
            stored = stamped(entity, version=current.version + 1, at=now_iso(), previous=current)
            self._save(tx, [Change("update", stored, current)], actor, stored_ids={entity.id})
            return stored

        return self._write(work)

    @_unavailable_as_typed
    def delete(self, kind: EntityKind, id: str, *, expected_version: int, actor: str) -> None:
        def work(tx: _Tx) -> None:
            current = self._current(tx, kind, id)
            check_version(current, expected_version)
            refuse_referenced(kind, id, ((r["src"], r["field"])
                                         for r in tx.run("entries:referrers", id=id)))
            tx.run("entries:delete", id=id)
            tx.run("audit:append", rows=[tx.audit_write(actor, "delete", current, current, None)])

        self._write(work)

    @_unavailable_as_typed
    def verify(self, kind: EntityKind, id: str, *, actor: str,
               expected_version: int) -> AnyEntity:
        def work(tx: _Tx) -> AnyEntity:
            current = self._current(tx, kind, id)
            stored = verified(current, actor, expected_version)
            tx.run("entries:verify", id=id, record=dumps(to_record(stored)))
            tx.run("audit:append", rows=[tx.audit_write(actor, "verify", stored, current, stored)])
            return stored

        return self._write(work)

    @_unavailable_as_typed
    def apply(self, entities: Sequence[AnyEntity], *, actor: str) -> ApplyResult:
        def work(tx: _Tx) -> ApplyResult:
            existing = self._fetch(tx.run, [e.id for e in entities])
            check_kinds(entities, existing)
            changes, result = plan_apply(entities, existing, now_iso())
            self._save(tx, changes, actor, stored_ids=set(existing))
            return result

        return self._write(work)

    def _current(self, tx: _Tx, kind: EntityKind, id: str) -> AnyEntity:
        return found_or_raise(self._fetch(tx.run, [id], kind), kind, id)

    @staticmethod
    def _save(tx: _Tx, changes: Sequence[Change], actor: str, *, stored_ids: set[str]) -> None:
        """Write creations and updates: each entry's final state, its references, then one
        audit entry per change, in order; every kind of row goes in ``UNWIND`` batches, a
        few statements per thousand rows.

        The references are checked by creating them: ``entries:link`` returns those whose
        target is missing, and :func:`check_references` names them as the embedded store
        does before writing (the write is refused, rolled back whole); so are those of a
        write the same batch supersedes, which are never linked.
        """
        final = last_writes(changes)

        def node(c: Change) -> dict[str, Any]:
            e = c.stored
            return {"id": e.id, "kind": e.kind, "version": e.version,
                    "last_modified": e.last_modified, "name": getattr(e, "name", None),
                    "record": c.record}

        for chunk in _chunks([c for c in final if c.stored.id in stored_ids]):
            tx.run("entries:unlink", ids=[c.stored.id for c in chunk])
            tx.run("entries:replace", rows=[node(c) for c in chunk])
        for chunk in _chunks([c for c in final if c.stored.id not in stored_ids]):
            tx.run("entries:create", rows=[node(c) for c in chunk])
        links = [{"src": c.stored.id, "refs": [{"field": field, "kind": kind, "dst": dst}
                                               for field, kind, dst in dict.fromkeys(refs)]}
                 for c in final if (refs := references(c.stored))]
        missing = {(r["kind"], r["dst"]) for chunk in _chunks(links)
                   for r in tx.run("entries:link", rows=chunk)}
        if missing or len(final) < len(changes):  # a superseded write's references: looked up
            linked = {(kind, dst) for c in final for _field, kind, dst in references(c.stored)}

            def exists(kind: EntityKind, ids: list[str]) -> set[str]:
                others = [i for i in ids if (kind, i) not in linked]
                return set(Neo4jStore._fetch(tx.run, others, kind)) | {
                    i for i in ids if (kind, i) in linked and (kind, i) not in missing}

            check_references([c.stored for c in changes], exists)
        places = [{"id": c.stored.id, "commune_code": c.stored.commune_code}
                  for c in final if isinstance(c.stored, Site)]
        for place_chunk in _chunks(places):
            tx.run("entries:locate", rows=place_chunk)
        audits = [tx.audit(actor, c.action, c.stored.kind, c.stored.id, c.before, c.record,
                           c.at) for c in changes]
        for audit_chunk in _chunks(audits):
            tx.run("audit:append", rows=audit_chunk)

    # --- audit ---------------------------------------------------------------------
    @_unavailable_as_typed
    def audit_trail(
        self, entity_id: str | None = None, *, after_seq: int = 0, limit: int = 100
    ) -> list[AuditEntry]:
        records = (self._pages("audit:trail", "seq", after_seq, limit) if entity_id is None
                   else self._pages("audit:trail_of", "seq", after_seq, limit, entity_id=entity_id))
        return [
            audit_entry(r["seq"], r["at"], r["actor"], r["action"], r["entity_kind"],
                        r["entity_id"], r["before"], r["after"])
            for r in records
        ]

    @_unavailable_as_typed
    def record_event(self, *, actor: str, action: str, entity_kind: str, entity_id: str,
                     detail: Mapping[str, str] | None = None) -> None:
        def work(tx: _Tx) -> None:
            after = dumps(dict(detail)) if detail is not None else None
            tx.run("audit:append", rows=[tx.audit(actor, action, entity_kind, entity_id,
                                                  after=after)])

        self._write(work, counted=False)

    # --- users, tokens and sessions (not directory content: the revision stays) ------------
    @_unavailable_as_typed
    def put_user(self, user: User, *, actor: str) -> None:
        def work(tx: _Tx) -> None:
            tx.run("users:put", username=user.username, record=user_json(user))
            tx.run("users:revoke", username=user.username)
            tx.run("audit:append", rows=[
                tx.audit(actor, "put_user", "user", user.username, after=public_user_json(user))])

        self._write(work, counted=False)

    @_unavailable_as_typed
    def get_user(self, username: str) -> User | None:
        records = self._read("users:get", username=username)
        return user_from_json(records[0]["record"]) if records else None

    @_unavailable_as_typed
    def users(self) -> list[User]:
        return [user_from_json(r["record"]) for r in self._read("users:all")]

    @_unavailable_as_typed
    def delete_user(self, username: str, *, actor: str) -> bool:
        def work(tx: _Tx) -> bool:
            tx.run("users:revoke", username=username)
            if not tx.run("users:delete", username=username)[0]["removed"]:
                return False
            tx.run("audit:append", rows=[tx.audit(actor, "remove_user", "user", username)])
            return True

        return self._write(work, counted=False)

    @_unavailable_as_typed
    def put_token(self, token_hash: str, username: str, expires_at: str, *, purpose: str) -> None:
        self._write(lambda tx: tx.run("users:put_token", hash=token_hash, username=username,
                                      purpose=purpose, expires_at=expires_at), counted=False)

    @_unavailable_as_typed
    def token_user(self, token_hash: str, now: str, *, purpose: str) -> User | None:
        records = self._read("users:token_user", hash=token_hash, now=now, purpose=purpose)
        return user_from_json(records[0]["record"]) if records else None

    @_unavailable_as_typed
    def delete_token(self, token_hash: str) -> None:
        self._write(lambda tx: tx.run("users:delete_token", hash=token_hash), counted=False)

    @_unavailable_as_typed
    def revoke_tokens(self, username: str, *, actor: str) -> int:
        def work(tx: _Tx) -> int:
            revoked = int(tx.run("users:revoke", username=username)[0]["revoked"])
            tx.run("audit:append", rows=[tx.audit(actor, "revoke_user", "user", username)])
            return revoked

        return self._write(work, counted=False)

    # --- sign-in throttle ------------------------------------------------------------------
    @_unavailable_as_typed
    def throttle_counts(self, keys: Sequence[str], since: str) -> dict[str, tuple[int, str]]:
        records = self._read("throttle:counts", keys=list(keys), since=since)
        return {r["key"]: (int(r["count"]), r["last_at"]) for r in records}

    @_unavailable_as_typed
    def count_throttle(self, keys: Sequence[str], at: str, since: str) -> None:
        def work(tx: _Tx) -> None:
            tx.run("throttle:forget", since=since)
            tx.run("throttle:count", keys=list(keys), at=at)

        self._write(work, counted=False)

    @_unavailable_as_typed
    def clear_throttle(self, key: str) -> None:
        self._write(lambda tx: tx.run("throttle:clear", key=key), counted=False)
    # --- referrals (not counted in the revision) ---------------------------------------
    @_unavailable_as_typed
    def create_referral(self, referral: Referral, *, actor: str) -> Referral:
        def work(tx: _Tx) -> Referral:
            if tx.run("referrals:get", code=referral.code):
                raise AlreadyExists("referral", referral.code)
            stored = referral_created(referral)
            tx.run("referrals:create", node=referral_columns(stored))
            self._audit_referral(tx, None, stored)
            return stored

        return self._write(work, counted=False)

    @_unavailable_as_typed
    def update_referral(self, referral: Referral, *, expected_version: int,
                        actor: str) -> Referral:
        def work(tx: _Tx) -> Referral:
            records = tx.run("referrals:get", code=referral.code)
            if not records:
                raise NotFound("referral", referral.code)
            current = referral_from_json(records[0]["record"])
            stored = referral_updated(current, referral, expected_version)
            tx.run("referrals:replace", node=referral_columns(stored))
            self._audit_referral(tx, current, stored)
            return stored

        return self._write(work, counted=False)

    @staticmethod
    def _audit_referral(tx: _Tx, previous: Referral | None, stored: Referral) -> None:
        tx.run("audit:append", rows=[
            tx.audit(a.actor, a.action, "referral", a.entity_id, a.before, a.after, a.at)
            for a in referral_audits(previous, stored)])

    @_unavailable_as_typed
    def get_referral(self, code: str) -> Referral | None:
        records = self._read("referrals:get", code=code)
        return referral_from_json(records[0]["record"]) if records else None

    @_unavailable_as_typed
    def referrals(self, query: ReferralQuery) -> list[Referral]:
        records = self._read("referrals:list", open=sorted(OPEN_STATUSES),
                             **query_parameters(query))
        return [referral_from_json(r["record"]) for r in records]

    @_unavailable_as_typed
    def referral_facts(self, province_code: str | None = None) -> list[ReferralFact]:
        records = self._read("referrals:facts", province=province_code)
        return [ReferralFact._make(r) for r in records]

    @_unavailable_as_typed
    def retire_referrals(self, *, sent_before: str, actor: str) -> int:
        def work(tx: _Tx) -> int:
            retired = [referral_from_json(r["record"])
                       for r in tx.run("referrals:sent_before", before=sent_before)]
            rows = [{**row, "key": dumps([row[k] for k in TALLY_KEYS])}
                    for row in tallies_of(retired)]
            for chunk in _chunks(rows):
                tx.run("referrals:tally", rows=chunk)
            tx.run("referrals:delete_sent_before", before=sent_before)
            if retired:
                tx.run("audit:append", rows=[tx.audit(
                    actor, "retire_referrals", "referral", "",
                    after=dumps({"sent_before": sent_before, "count": len(retired)}))])
            return len(retired)

        return self._write(work, counted=False)

    @_unavailable_as_typed
    def referral_tallies(self, province_code: str | None = None) -> list[ReferralTally]:
        return [tally_from(r) for r in self._read("referrals:tallies", province=province_code)]
