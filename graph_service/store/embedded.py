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
    StoreUnavailable,
)
from .common import (
    audit_at,
    audit_entry,
    check_filter,
    check_kinds,
    check_references,
    check_version,
    counts_from,
    dumps,
    found_or_raise,
    now_iso,
    plan_apply,
    public_user_json,
    record_json,
    reference_index,
    refuse_referenced,
    stamped,
    user_from_json,
    user_json,
    verified,
)
from .protocol import ApplyResult

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
    after TEXT
);
CREATE INDEX IF NOT EXISTS audit_entity ON audit(entity_id, seq);
CREATE TABLE IF NOT EXISTS app_user (
    username TEXT PRIMARY KEY,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS token (
    hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta(key, value) VALUES ('revision', 0);
"""

_CHUNK = 500  # SQLite's default limit on bound parameters is 999 on old builds



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
        self._conn().executescript(SCHEMA)

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
    def _write(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction; bumps the revision if it changed anything; rolls back on error."""
        conn = self._conn()
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        changes = conn.total_changes
        try:
            yield cur
            if conn.total_changes != changes:
                cur.execute("UPDATE meta SET value = value + 1 WHERE key = 'revision'")
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    def revision(self) -> int:
        row = self._conn().execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return int(row[0])

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
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row_kind, data in cur.execute(
                f"SELECT kind, data FROM entity WHERE id IN ({marks})", chunk
            ):
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
        sql = ["SELECT e.data FROM entity e"]
        args: list[Any] = []
        for i, (field, value) in enumerate((where or {}).items()):
            check_filter(kind, field)
            sql.append(f"JOIN ref r{i} ON r{i}.src = e.id AND r{i}.field = ? AND r{i}.dst = ?")
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
            stored = stamped(entity, version=1, at=now_iso(), previous=None)
            self._insert(cur, stored)
            self._audit(cur, actor, "create", stored, None, stored)
        return stored

    def update(self, entity: AnyEntity, *, expected_version: int, actor: str) -> AnyEntity:
        with self._write() as cur:
            current = self._current(cur, entity.kind, entity.id)
            check_version(current, expected_version)
            self._check_refs(cur, [entity])
            stored = stamped(entity, version=current.version + 1, at=now_iso(), previous=current)
            self._replace(cur, stored)
            self._audit(cur, actor, "update", stored, current, stored)
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
            self._audit(cur, actor, "delete", current, current, None)

    def verify(self, kind: EntityKind, id: str, *, actor: str,
               expected_version: int) -> AnyEntity:
        with self._write() as cur:
            current = self._current(cur, kind, id)
            stored = verified(current, actor, expected_version)
            cur.execute(
                "UPDATE entity SET data = ? WHERE id = ?", (dumps(to_record(stored)), id)
            )
            self._audit(cur, actor, "verify", stored, current, stored)
        return stored

    def apply(self, entities: Sequence[AnyEntity], *, actor: str) -> ApplyResult:
        with self._write() as cur:
            existing = self._fetch(cur, [e.id for e in entities])
            check_kinds(entities, existing)
            self._check_refs(cur, entities)
            changes, result = plan_apply(entities, existing, now_iso())
            for change in changes:
                if change.previous is None:
                    self._insert(cur, change.stored)
                else:
                    self._replace(cur, change.stored)
                self._audit(cur, actor, change.action, change.stored, change.previous,
                            change.stored)
        return result

    def _current(self, cur: sqlite3.Cursor, kind: EntityKind, id: str) -> AnyEntity:
        return found_or_raise(self._fetch(cur, [id], kind), kind, id)

    def _check_refs(self, cur: sqlite3.Cursor, entities: Sequence[AnyEntity]) -> None:
        def exists(kind: EntityKind, ids: list[str]) -> set[str]:
            return set(self._fetch(cur, ids, kind))

        check_references(entities, exists)

    def _insert(self, cur: sqlite3.Cursor, e: AnyEntity) -> None:
        cur.execute(
            "INSERT INTO entity(id, kind, version, last_modified, data) VALUES (?, ?, ?, ?, ?)",
            (e.id, e.kind, e.version, e.last_modified, dumps(to_record(e))),
        )
        cur.executemany(
            "INSERT OR IGNORE INTO ref(src, field, dst) VALUES (?, ?, ?)",
            [(e.id, field, dst) for field, dst in reference_index(e)],
        )

    def _replace(self, cur: sqlite3.Cursor, e: AnyEntity) -> None:
        cur.execute("DELETE FROM ref WHERE src = ?", (e.id,))
        cur.execute("DELETE FROM entity WHERE id = ?", (e.id,))
        self._insert(cur, e)

    @staticmethod
    def _audit(
        cur: sqlite3.Cursor,
        actor: str,
        action: str,
        entity: AnyEntity,
        before: AnyEntity | None,
        after: AnyEntity | None,
    ) -> None:
        cur.execute(
            "INSERT INTO audit(at, actor, action, entity_kind, entity_id, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                audit_at(action, after),
                actor,
                action,
                entity.kind,
                entity.id,
                record_json(before),
                record_json(after),
            ),
        )

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

    # --- users ---------------------------------------------------------------------
    def put_user(self, user: User, *, actor: str) -> None:
        with self._write() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO app_user(username, data) VALUES (?, ?)",
                (user.username, user_json(user)),
            )
            cur.execute(
                "INSERT INTO audit(at, actor, action, entity_kind, entity_id, after) "
                "VALUES (?, ?, 'put_user', 'user', ?, ?)",
                (now_iso(), actor, user.username, public_user_json(user)),
            )

    def get_user(self, username: str) -> User | None:
        row = self._conn().execute(
            "SELECT data FROM app_user WHERE username = ?", (username,)
        ).fetchone()
        return user_from_json(row[0]) if row else None

    def put_token(self, token_hash: str, username: str, expires_at: str) -> None:
        with self._write() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO token(hash, username, expires_at) VALUES (?, ?, ?)",
                (token_hash, username, expires_at),
            )

    def token_user(self, token_hash: str, now: str) -> User | None:
        row = self._conn().execute(
            "SELECT u.data FROM token t JOIN app_user u ON u.username = t.username "
            "WHERE t.hash = ? AND t.expires_at > ?",
            (token_hash, now),
        ).fetchone()
        return user_from_json(row[0]) if row else None

    def delete_token(self, token_hash: str) -> None:
        with self._write() as cur:
            cur.execute("DELETE FROM token WHERE hash = ?", (token_hash,))
