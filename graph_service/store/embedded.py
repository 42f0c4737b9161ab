"""The embedded default store: the graph in one SQLite file.

One file, no server: what a provincial CAPE can run on a single machine. Each
entry is a JSON row; its references are indexed in ``ref`` so that referrers
and filtered lists are index look-ups. WAL lets readers run while a writer
commits, ``synchronous=FULL`` makes an acknowledged write survive a crash, and
every write is a single ``BEGIN IMMEDIATE`` transaction, so a killed process
leaves either the whole write or nothing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..domain.entities import (
    AnyEntity,
    AuditEntry,
    Counts,
    EntityKind,
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
from .common import (
    ENTRY_WRITES,
    TALLY_KEYS,
    Change,
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
    reference_index,
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
from .protocol import ApplyResult, EntryChange

SCHEMA = """
CREATE TABLE IF NOT EXISTS entity (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    last_modified TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_kind ON entity(kind, id);
CREATE TABLE IF NOT EXISTS ref (
    src TEXT NOT NULL,
    field TEXT NOT NULL,
    dst TEXT NOT NULL,
    PRIMARY KEY (src, field, dst)
);
CREATE INDEX IF NOT EXISTS ref_dst ON ref(dst, field);
CREATE TABLE IF NOT EXISTS territory (
    code TEXT PRIMARY KEY,
    level TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS territory_level ON territory(level, code);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    revision INTEGER
);
CREATE INDEX IF NOT EXISTS audit_entity ON audit(entity_id, seq);
CREATE TABLE IF NOT EXISTS app_user (
    username TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS token (
    hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    purpose TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS token_user ON token(username);
CREATE TABLE IF NOT EXISTS throttle_count (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    last_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS throttle_count_last ON throttle_count(last_at);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta(key, value) VALUES ('revision', 0);
CREATE TABLE IF NOT EXISTS referral (
    code TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    from_service_id TEXT NOT NULL,
    to_service_id TEXT NOT NULL,
    from_organization_id TEXT NOT NULL,
    to_organization_id TEXT NOT NULL,
    from_province TEXT,
    to_province TEXT,
    link_id TEXT,
    reason TEXT,
    sent_at TEXT NOT NULL,
    received_at TEXT,
    responded_at TEXT,
    deadline TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS referral_from_org ON referral(from_organization_id, sent_at);
CREATE INDEX IF NOT EXISTS referral_to_org ON referral(to_organization_id, sent_at);
CREATE INDEX IF NOT EXISTS referral_from_province ON referral(from_province, sent_at);
CREATE INDEX IF NOT EXISTS referral_to_province ON referral(to_province, sent_at);
CREATE INDEX IF NOT EXISTS referral_open ON referral(status, deadline);
CREATE INDEX IF NOT EXISTS referral_sent ON referral(sent_at);
CREATE TABLE IF NOT EXISTS referral_tally (
    from_service_id TEXT NOT NULL,
    to_service_id TEXT NOT NULL,
    from_province TEXT NOT NULL,
    to_province TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    received INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (from_service_id, to_service_id, from_province, to_province, status, reason,
                 received)
);
"""

_REFERRAL_COLUMNS = ("code", "version", "status", "from_service_id", "to_service_id",
                     "from_organization_id", "to_organization_id", "from_province",
                     "to_province", "link_id", "reason", "sent_at", "received_at",
                     "responded_at", "deadline", "record")
_FACTS = """
SELECT from_service_id, to_service_id, status, reason, sent_at, responded_at, received_at
FROM referral WHERE (:province IS NULL OR from_province = :province OR to_province = :province)
"""
_IN_PROVINCE = "(:province IS NULL OR from_province = :province OR to_province = :province)"
_SELECT_REFERRALS = f"""
SELECT record FROM referral
WHERE (:organization_id IS NULL
       OR (:from_side AND from_organization_id = :organization_id)
       OR (:to_side AND to_organization_id = :organization_id))
  AND (:province_code IS NULL
       OR (:from_side AND from_province = :province_code)
       OR (:to_side AND to_province = :province_code))
  AND (:no_status OR status IN (SELECT value FROM json_each(:statuses)))
  AND (:due_before IS NULL OR (status IN ({", ".join(repr(s) for s in sorted(OPEN_STATUSES))})
                               AND deadline < :due_before))
ORDER BY sent_at DESC, code
"""

_INSERT_AUDIT = ("INSERT INTO audit(at, actor, action, entity_kind, entity_id, before, after, "
                 "revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")



class EmbeddedStore:
    """:class:`~graph_service.store.protocol.GraphStore` over a SQLite file."""

    name = "embedded"

    def __init__(self, path: str | Path, *, synchronous: str = "FULL") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._synchronous = synchronous
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        conn = self._conn()
        columns = {row[1] for row in conn.execute("PRAGMA table_info(token)")}
        if columns and "purpose" not in columns:
            conn.execute("DROP TABLE token")  # tokens before purposes: every holder signs in again
        conn.executescript(SCHEMA)
        if "revision" not in {row[1] for row in conn.execute("PRAGMA table_info(audit)")}:
            conn.execute("ALTER TABLE audit ADD COLUMN revision INTEGER")  # a file from before
        self.written_revision = 0

    # --- connections ---------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False, timeout=30
                )
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open {self.path}: {exc}") from exc
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def _write(self, *, counted: bool = True) -> Iterator[sqlite3.Cursor]:
        """One write transaction; rolls back on error.

        It bumps the revision if it changed anything and is ``counted``; the audit
        entries it writes carry that revision (the change feed). Writes to users,
        tokens, sessions, sign-in throttle counts and referrals are not directory content.
        """
        conn = self._conn()
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        changes = conn.total_changes
        revision = 0
        try:
            self._local.revision = (self._revision(cur) + 1) if counted else None
            yield cur
            if counted and conn.total_changes != changes:
                revision = self._local.revision
                cur.execute("UPDATE meta SET value = ? WHERE key = 'revision'", (revision,))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        with self._lock:
            self.written_revision = max(self.written_revision, revision)

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def revision(self) -> int:
        return self._revision(self._conn().cursor())

    @staticmethod
    def _revision(cur: sqlite3.Cursor) -> int:
        return int(cur.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])

    def change_seq(self) -> int:
        return int(self._conn().execute("SELECT coalesce(max(seq), 0) FROM audit").fetchone()[0])

    def changes_since(self, seq: int, *, limit: int | None = None) -> list[EntryChange]:
        marks = ",".join("?" * len(ENTRY_WRITES))
        rows = self._conn().execute(
            f"SELECT seq, revision, entity_kind, entity_id, after FROM audit "
            f"WHERE seq > ? AND action IN ({marks}) ORDER BY seq LIMIT ?",
            (seq, *ENTRY_WRITES, -1 if limit is None else limit))
        return [entry_change(*row) for row in rows]

    # --- territories ---------------------------------------------------------------
    def put_territories(self, territories: Sequence[Territory]) -> int:
        rows = [(t.code, t.level, dumps(to_record(t))) for t in territories]
        with self._write() as cur:
            cur.executemany(
                "INSERT OR REPLACE INTO territory(code, level, data) VALUES (?, ?, ?)", rows
            )
        return len(rows)

    def territories(self, level: str | None = None) -> list[Territory]:
        if level is None:
            rows = self._conn().execute("SELECT data FROM territory ORDER BY code")
        else:
            rows = self._conn().execute(
                "SELECT data FROM territory WHERE level = ? ORDER BY code", (level,)
            )
        return [territory_from_record(json.loads(r[0])) for r in rows]

    def territory(self, code: str) -> Territory | None:
        row = self._conn().execute("SELECT data FROM territory WHERE code = ?", (code,)).fetchone()
        return territory_from_record(json.loads(row[0])) if row else None

    # --- reads ---------------------------------------------------------------------
    def get(self, kind: EntityKind, id: str) -> AnyEntity | None:
        return self.get_many(kind, [id])[0]

    def get_many(self, kind: EntityKind, ids: Sequence[str]) -> list[AnyEntity | None]:
        found = self._fetch(self._conn().cursor(), ids, kind)
        return [found.get(i) for i in ids]

    def _fetch(
        self, cur: sqlite3.Cursor, ids: Sequence[str], kind: EntityKind | None = None
    ) -> dict[str, AnyEntity]:
        out: dict[str, AnyEntity] = {}
        rows = cur.execute("SELECT kind, data FROM entity "
                           "WHERE id IN (SELECT value FROM json_each(?))", (dumps(list(ids)),))
        for row_kind, data in rows:
            if kind is None or row_kind == kind:
                entity = from_record(row_kind, json.loads(data))
                out[entity.id] = entity
        return out

    def entries(
        self,
        kind: EntityKind,
        *,
        where: Mapping[str, str] | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[AnyEntity]:
        # The first reference filter drives the query (CROSS JOIN fixes SQLite's join order):
        # it finds the few entries that point at one id, where walking the kind reads them all.
        sql = ["SELECT e.data FROM ref r0 CROSS JOIN entity e" if where else
               "SELECT e.data FROM entity e"]
        args: list[Any] = []
        for i, (field, value) in enumerate((where or {}).items()):
            check_filter(kind, field)
            join = "ON" if i == 0 else f"JOIN ref r{i} ON"  # r0 is already in FROM
            sql.append(f"{join} r{i}.src = e.id AND r{i}.field = ? AND r{i}.dst = ?")
            args += [field, value]
        sql.append("WHERE e.kind = ?")
        args.append(kind)
        if after is not None:
            sql.append("AND e.id > ?")
            args.append(after)
        sql.append("ORDER BY e.id")
        if limit is not None:
            sql.append("LIMIT ?")
            args.append(limit)
        rows = self._conn().execute(" ".join(sql), args)
        return [from_record(kind, json.loads(r[0])) for r in rows]

    def counts(self) -> Counts:
        conn = self._conn()
        by_kind = dict(conn.execute("SELECT kind, count(*) FROM entity GROUP BY kind").fetchall())
        by_level = dict(
            conn.execute("SELECT level, count(*) FROM territory GROUP BY level").fetchall()
        )
        return counts_from({**by_kind, **by_level})

    # --- writes --------------------------------------------------------------------
    def create(self, entity: AnyEntity, *, actor: str) -> AnyEntity:
        with self._write() as cur:
            if self._fetch(cur, [entity.id]):
                raise AlreadyExists(entity.kind, entity.id)
            self._check_refs(cur, [entity])
            change = Change("create", stamped(entity, version=1, at=now_iso(), previous=None),
                            None)
            self._save(cur, [change], actor)
        return change.stored

    def update(self, entity: AnyEntity, *, expected_version: int, actor: str) -> AnyEntity:
        with self._write() as cur:
            current = self._current(cur, entity.kind, entity.id)
            check_version(current, expected_version)
            self._check_refs(cur, [entity])
            stored = stamped(entity, version=current.version + 1, at=now_iso(), previous=current)
            self._save(cur, [Change("update", stored, current)], actor)
        return stored

    def delete(self, kind: EntityKind, id: str, *, expected_version: int, actor: str) -> None:
        with self._write() as cur:
            current = self._current(cur, kind, id)
            check_version(current, expected_version)
            refuse_referenced(kind, id, cur.execute(
                "SELECT src, field FROM ref WHERE dst = ? ORDER BY src", (id,)
            ).fetchall())
            cur.execute("DELETE FROM ref WHERE src = ?", (id,))
            cur.execute("DELETE FROM entity WHERE id = ?", (id,))
            self._audit(cur, actor, "delete", current, record_json(current), None)

    def verify(self, kind: EntityKind, id: str, *, actor: str,
               expected_version: int) -> AnyEntity:
        with self._write() as cur:
            current = self._current(cur, kind, id)
            stored = verified(current, actor, expected_version)
            record = dumps(to_record(stored))
            cur.execute("UPDATE entity SET data = ? WHERE id = ?", (record, id))
            self._audit(cur, actor, "verify", stored, record_json(current), record)
        return stored

    def apply(self, entities: Sequence[AnyEntity], *, actor: str) -> ApplyResult:
        with self._write() as cur:
            existing = self._fetch(cur, [e.id for e in entities])
            check_kinds(entities, existing)
            self._check_refs(cur, entities)
            changes, result = plan_apply(entities, existing, now_iso())
            self._save(cur, changes, actor)
        return result

    def _current(self, cur: sqlite3.Cursor, kind: EntityKind, id: str) -> AnyEntity:
        return found_or_raise(self._fetch(cur, [id], kind), kind, id)

    def _check_refs(self, cur: sqlite3.Cursor, entities: Sequence[AnyEntity]) -> None:
        def exists(kind: EntityKind, ids: list[str]) -> set[str]:
            return {row[0] for row in cur.execute(
                "SELECT id FROM entity WHERE kind = ? AND id IN (SELECT value FROM json_each(?))",
                (kind, dumps(ids)))}

        check_references(entities, exists)

    def _save(self, cur: sqlite3.Cursor, changes: Sequence[Change], actor: str) -> None:
        """Write creations and updates: each entry's final state with its reference index,
        then one audit entry per change, in order; a few statements per batch, not per row."""
        final = last_writes(changes)
        cur.executemany("DELETE FROM ref WHERE src = ?",
                        [(c.stored.id,) for c in final if c.previous is not None])
        cur.executemany(
            "INSERT OR REPLACE INTO entity(id, kind, version, last_modified, data) "
            "VALUES (?, ?, ?, ?, ?)",
            [(e.id, e.kind, e.version, e.last_modified, c.record)
             for c in final for e in (c.stored,)])
        cur.executemany(
            "INSERT OR IGNORE INTO ref(src, field, dst) VALUES (?, ?, ?)",
            [(c.stored.id, field, dst) for c in final for field, dst in reference_index(c.stored)])
        cur.executemany(
            _INSERT_AUDIT,
            [(c.at, actor, c.action, c.stored.kind, c.stored.id, c.before, c.record,
              self._local.revision) for c in changes])

    def _audit(self, cur: sqlite3.Cursor, actor: str, action: str, entity: AnyEntity,
               before: str | None, after: str | None) -> None:
        """The audit entry of a delete or a verification (before/after as stored JSON)."""
        cur.execute(_INSERT_AUDIT, (now_iso(), actor, action, entity.kind, entity.id, before,
                                    after, self._local.revision))

    # --- audit ---------------------------------------------------------------------
    def audit_trail(
        self, entity_id: str | None = None, *, after_seq: int = 0, limit: int = 100
    ) -> list[AuditEntry]:
        sql = "SELECT seq, at, actor, action, entity_kind, entity_id, before, after FROM audit"
        args: list[Any] = [after_seq]
        sql += " WHERE seq > ?"
        if entity_id is not None:
            sql += " AND entity_id = ?"
            args.append(entity_id)
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        return [
            audit_entry(*row) for row in self._conn().execute(sql, args)
        ]

    def record_event(self, *, actor: str, action: str, entity_kind: str, entity_id: str,
                     detail: Mapping[str, str] | None = None) -> None:
        conn = self._conn()
        conn.execute(
            "INSERT INTO audit(at, actor, action, entity_kind, entity_id, after) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (now_iso(), actor, action, entity_kind, entity_id,
             dumps(dict(detail)) if detail is not None else None),
        )

    # --- users, tokens and sessions ------------------------------------------------------
    def put_user(self, user: User, *, actor: str) -> None:
        with self._write(counted=False) as cur:
            cur.execute(
                "INSERT OR REPLACE INTO app_user(username, data) VALUES (?, ?)",
                (user.username, user_json(user)),
            )
            cur.execute("DELETE FROM token WHERE username = ?", (user.username,))
            self._audit_user(cur, actor, "put_user", user.username, public_user_json(user))

    def get_user(self, username: str) -> User | None:
        row = self._conn().execute(
            "SELECT data FROM app_user WHERE username = ?", (username,)
        ).fetchone()
        return user_from_json(row[0]) if row else None

    def users(self) -> list[User]:
        rows = self._conn().execute("SELECT data FROM app_user ORDER BY username")
        return [user_from_json(r[0]) for r in rows]

    def delete_user(self, username: str, *, actor: str) -> bool:
        with self._write(counted=False) as cur:
            cur.execute("DELETE FROM token WHERE username = ?", (username,))
            if not cur.execute("DELETE FROM app_user WHERE username = ?", (username,)).rowcount:
                return False
            self._audit_user(cur, actor, "remove_user", username, None)
        return True

    def put_token(self, token_hash: str, username: str, expires_at: str, *, purpose: str) -> None:
        with self._write(counted=False) as cur:
            cur.execute(
                "INSERT OR REPLACE INTO token(hash, username, purpose, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (token_hash, username, purpose, expires_at),
            )

    def token_user(self, token_hash: str, now: str, *, purpose: str) -> User | None:
        row = self._conn().execute(
            "SELECT u.data FROM token t JOIN app_user u ON u.username = t.username "
            "WHERE t.hash = ? AND t.purpose = ? AND t.expires_at > ?",
            (token_hash, purpose, now),
        ).fetchone()
        return user_from_json(row[0]) if row else None

    def delete_token(self, token_hash: str) -> None:
        with self._write(counted=False) as cur:
            cur.execute("DELETE FROM token WHERE hash = ?", (token_hash,))

    def revoke_tokens(self, username: str, *, actor: str) -> int:
        with self._write(counted=False) as cur:
            revoked = cur.execute("DELETE FROM token WHERE username = ?", (username,)).rowcount
            self._audit_user(cur, actor, "revoke_user", username, None)
        return int(revoked)

    @staticmethod
    def _audit_user(cur: sqlite3.Cursor, actor: str, action: str, username: str,
                    after: str | None) -> None:
        cur.execute(
            "INSERT INTO audit(at, actor, action, entity_kind, entity_id, after) "
            "VALUES (?, ?, ?, 'user', ?, ?)",
            (now_iso(), actor, action, username, after),
        )

    # --- sign-in throttle ------------------------------------------------------------------
    def throttle_counts(self, keys: Sequence[str], since: str) -> dict[str, tuple[int, str]]:
        marks = ",".join("?" * len(keys))
        rows = self._conn().execute(
            f"SELECT key, count, last_at FROM throttle_count "
            f"WHERE key IN ({marks}) AND last_at > ?", [*keys, since])
        return {key: (int(count), last_at) for key, count, last_at in rows}

    def count_throttle(self, keys: Sequence[str], at: str, since: str) -> None:
        with self._write(counted=False) as cur:
            cur.execute("DELETE FROM throttle_count WHERE last_at <= ?", (since,))
            cur.executemany(
                "INSERT INTO throttle_count(key, count, last_at) VALUES (?, 1, ?) "
                "ON CONFLICT(key) DO UPDATE SET count = count + 1, last_at = excluded.last_at",
                [(key, at) for key in keys],
            )

    def clear_throttle(self, key: str) -> None:
        with self._write(counted=False) as cur:
            cur.execute("DELETE FROM throttle_count WHERE key = ?", (key,))
    # --- referrals -----------------------------------------------------------------
    def create_referral(self, referral: Referral, *, actor: str) -> Referral:
        with self._write(counted=False) as cur:
            if cur.execute("SELECT 1 FROM referral WHERE code = ?", (referral.code,)).fetchone():
                raise AlreadyExists("referral", referral.code)
            stored = referral_created(referral)
            self._put_referral(cur, None, stored)
        return stored

    def update_referral(self, referral: Referral, *, expected_version: int,
                        actor: str) -> Referral:
        with self._write(counted=False) as cur:
            row = cur.execute("SELECT record FROM referral WHERE code = ?",
                              (referral.code,)).fetchone()
            if row is None:
                raise NotFound("referral", referral.code)
            current = referral_from_json(row[0])
            stored = referral_updated(current, referral, expected_version)
            self._put_referral(cur, current, stored)
        return stored

    @staticmethod
    def _put_referral(cur: sqlite3.Cursor, previous: Referral | None, stored: Referral) -> None:
        columns = referral_columns(stored)
        cur.execute(
            f"INSERT OR REPLACE INTO referral({', '.join(_REFERRAL_COLUMNS)}) "
            f"VALUES ({', '.join(':' + c for c in _REFERRAL_COLUMNS)})", columns)
        cur.executemany(
            "INSERT INTO audit(at, actor, action, entity_kind, entity_id, before, after) "
            "VALUES (?, ?, ?, 'referral', ?, ?, ?)",
            [(a.at, a.actor, a.action, a.entity_id, a.before, a.after)
             for a in referral_audits(previous, stored)])

    def get_referral(self, code: str) -> Referral | None:
        row = self._conn().execute("SELECT record FROM referral WHERE code = ?",
                                   (code,)).fetchone()
        return referral_from_json(row[0]) if row else None

    def referrals(self, query: ReferralQuery) -> list[Referral]:
        parameters = query_parameters(query)
        parameters["no_status"] = not parameters["statuses"]
        parameters["statuses"] = dumps(parameters["statuses"])
        rows = self._conn().execute(_SELECT_REFERRALS, parameters)
        return [referral_from_json(r[0]) for r in rows]

    def referral_facts(self, province_code: str | None = None) -> list[ReferralFact]:
        rows = self._conn().execute(_FACTS, {"province": province_code})
        return list(map(ReferralFact._make, rows))

    def retire_referrals(self, *, sent_before: str, actor: str) -> int:
        with self._write(counted=False) as cur:
            retired = [referral_from_json(r[0]) for r in cur.execute(
                "SELECT record FROM referral WHERE sent_at < ?", (sent_before,))]
            cur.executemany(
                f"INSERT INTO referral_tally({', '.join(TALLY_KEYS)}, count) "
                f"VALUES ({', '.join(':' + k for k in TALLY_KEYS)}, :count) "
                "ON CONFLICT DO UPDATE SET count = count + excluded.count",
                tallies_of(retired))
            cur.execute("DELETE FROM referral WHERE sent_at < ?", (sent_before,))
            if retired:
                cur.execute(
                    "INSERT INTO audit(at, actor, action, entity_kind, entity_id, after) "
                    "VALUES (?, ?, 'retire_referrals', 'referral', '', ?)",
                    (now_iso(), actor, dumps({"sent_before": sent_before,
                                              "count": len(retired)})))
        return len(retired)

    def referral_tallies(self, province_code: str | None = None) -> list[ReferralTally]:
        cur = self._conn().cursor()
        cur.row_factory = sqlite3.Row
        rows = cur.execute(f"SELECT {', '.join(TALLY_KEYS)}, count FROM referral_tally "
                           f"WHERE {_IN_PROVINCE} ORDER BY {', '.join(TALLY_KEYS)}",
                           {"province": province_code})
        return [tally_from(r) for r in rows]
