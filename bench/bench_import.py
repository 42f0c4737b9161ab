"""The national synthetic annuaire imported through each store.

Keys: ``import_bolt_s`` (the synthetic national dataset, scale 1, written with
``store.apply`` in batches of 5,000 into a :class:`~graph_service.store.neo4j.Neo4jStore`
over Bolt; target ≤ 120 s) and ``import_sqlite_s`` (the same data into the
embedded SQLite store, as :meth:`Context.embedded_store` loads it; target ≤ 20 s).
Territories are loaded first and not timed; times are wall-clock seconds of
:func:`~bench.synthetic.load_into`.

The Bolt server is the one the tests use: ArcadeDB with its Bolt plugin, started
in this process (``tests/bolt_server.py``, which needs the test extras). Its JVM
compiles its hot paths during the first tens of thousands of rows, which a
long-running database server has long done: a small synthetic annuaire (scale
0.05) is imported into a scratch database first, untimed, then the national one
into a fresh database.
"""

from __future__ import annotations

import time

from graph_service.store.neo4j import Neo4jStore
from tests.bolt_server import BoltServer

from . import Context
from .synthetic import Dataset, load_into

SCALE = 1.0
WARM_UP_SCALE = 0.05


def run(context: Context) -> dict[str, float | int]:
    sqlite_s = context.embedded_store(SCALE).load_s
    data = context.dataset(SCALE)
    server = BoltServer(context.workdir / "bolt").start()
    try:
        _import(server, "warmup", context.dataset(WARM_UP_SCALE))
        start = time.process_time()
        bolt_s = _import(server, "national", data)
        context.log(f"bolt import: {bolt_s:.1f} s wall, {time.process_time() - start:.1f} s "
                    f"CPU (this process: driver and server)")
    finally:
        server.stop()
    return {"import_bolt_s": round(bolt_s, 1), "import_sqlite_s": round(sqlite_s, 1)}


def _import(server: BoltServer, database: str, data: Dataset) -> float:
    """Seconds to load ``data`` into a new database of ``server`` (territories untimed)."""
    server.create_database(database)
    store = Neo4jStore(server.uri, user=server.user, password=server.password,
                       database=database, timeout=30.0)
    try:
        store.put_territories(list(data.territories))
        return load_into(store, data)
    finally:
        store.close()
