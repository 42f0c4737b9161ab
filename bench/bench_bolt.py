"""The synthetic national annuaire over Bolt: written, read back whole, and followed.

Keys, each wall-clock, on the test Bolt server (``tests/bolt_server.py``: ArcadeDB with its
Bolt plugin, in this process, so its JVM shares the cores with the driver):

- ``import_bolt_s``: writing the synthetic national dataset (scale 1, entities already in
  memory and valid) with ``store.apply`` in batches of 5,000 into a
  :class:`~graph_service.store.neo4j.Neo4jStore`; territories loaded first, untimed. No file
  is read or validated: that is ``hsds_import_national_s`` (``bench_import``).
- ``snapshot_cold_bolt_s``: :func:`~graph_service.snapshot.build_snapshot` over that store —
  every entry read in pages in id order (keyset pagination), then indexed: what a serving
  process pays once at start.
- ``bolt_entries_streamed_s``: every entry read with ``store.entries(kind)``, one streamed
  read per kind sorted in Python (``entries:all``), not parsed into a snapshot: what the cold
  build's reading would cost if it asked for each kind whole instead of in pages of 5,000,
  each of which makes ArcadeDB sort the whole kind.
- ``bolt_refresh_one_edit_ms``: after one service is edited, ``changes_since`` of the feed
  position before it: what a serving process reads over Bolt to follow one write (median of
  a few edits). It must stay small whatever the size of the annuaire.

The JVM compiles its hot paths during the first tens of thousands of rows, which a
long-running database server has long done: a small synthetic annuaire (scale 0.05) is
imported into a scratch database first, untimed, then the national one into a fresh database.
"""

from __future__ import annotations

import dataclasses
import statistics
import time

from graph_service.domain.entities import ENTITY_KINDS, Service
from graph_service.snapshot import build_snapshot
from graph_service.store.neo4j import Neo4jStore
from tests.bolt_server import BoltServer

from . import Context
from .synthetic import Dataset, load_into

SCALE = 1.0
WARM_UP_SCALE = 0.05
EDITS = 5


def run(context: Context) -> dict[str, float | int]:
    data = context.dataset(SCALE)
    server = BoltServer(context.workdir / "bolt").start()
    try:
        warm_up = _store(server, "warmup", context.dataset(WARM_UP_SCALE))
        warm_up.close()
        store = _store(server, "national", data)
        try:
            import_s = load_into(store, data)
            context.log(f"bolt import: {import_s:.1f} s")
            start = time.perf_counter()
            snapshot = build_snapshot(store)
            cold_s = time.perf_counter() - start
            context.log(f"bolt cold snapshot: {cold_s:.1f} s, {len(snapshot.services)} services")
            start = time.perf_counter()
            read = sum(len(store.entries(kind)) for kind in ENTITY_KINDS)
            streamed_s = time.perf_counter() - start
            context.log(f"bolt streamed read: {read} entries in {streamed_s:.1f} s")
            refresh_ms = _refresh_ms(store, data)
            context.log(f"bolt refresh after one edit: {refresh_ms:.1f} ms")
        finally:
            store.close()
    finally:
        server.stop()
    return {"import_bolt_s": round(import_s, 1), "snapshot_cold_bolt_s": round(cold_s, 1),
            "bolt_entries_streamed_s": round(streamed_s, 1),
            "bolt_refresh_one_edit_ms": round(refresh_ms, 1)}


def _store(server: BoltServer, database: str, data: Dataset) -> Neo4jStore:
    """A store over a new database of ``server``, holding the territories of ``data``."""
    server.create_database(database)
    store = Neo4jStore(server.uri, user=server.user, password=server.password,
                       database=database, timeout=30.0)
    store.put_territories(list(data.territories))
    return store


def _refresh_ms(store: Neo4jStore, data: Dataset) -> float:
    """Median ms of ``changes_since`` reading back one edit of a service (checked to be it)."""
    times = []
    for service in data.services[:EDITS]:
        seq = store.change_seq()
        current = store.get("service", service.id)
        assert isinstance(current, Service)
        store.update(dataclasses.replace(current, name=f"{current.name} (édité)"),
                     expected_version=current.version, actor="bench")
        start = time.perf_counter()
        changes = store.changes_since(seq)
        times.append((time.perf_counter() - start) * 1000)
        if [c.id for c in changes] != [service.id]:
            raise AssertionError(f"the feed after one edit holds {[c.id for c in changes]}")
    return statistics.median(times)
