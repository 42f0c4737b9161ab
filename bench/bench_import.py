"""Importing the national annuaire into the embedded store, two ways.

Keys, wall-clock seconds:

- ``import_sqlite_s``: writing the synthetic national dataset (scale 1, entities already in
  memory and valid) into a new embedded SQLite store with ``store.apply`` in batches of
  5,000, as :meth:`Context.embedded_store` loads it; territories loaded first, untimed.
  Nothing is parsed nor validated: this is the store's bulk write (target ≤ 20 s).
- ``hsds_import_national_s``: what ``graph-service annuaire import`` does with a national
  package: :func:`~graph_service.hsds.import_package` of the HSDS tabular package exported
  from that store (CSV files read and parsed, every row checked and turned into entries,
  references resolved, then one ``store.apply``) into a second new embedded store holding
  the territories. The export is not timed.

The same bulk write over Bolt is ``import_bolt_s`` (``bench_bolt``).
"""

from __future__ import annotations

import time

from graph_service.hsds import export_package, import_package
from graph_service.store.embedded import EmbeddedStore

from . import Context

SCALE = 1.0


def run(context: Context) -> dict[str, float | int]:
    loaded = context.embedded_store(SCALE)
    package = context.workdir / "hsds-national"
    report = export_package(loaded.store, package)
    context.log(f"exported {report.entries} to {package.name}")
    store = EmbeddedStore(context.workdir / "hsds-import.sqlite3")
    try:
        store.put_territories(list(context.dataset(SCALE).territories))
        start = time.perf_counter()
        imported = import_package(store, package, actor="bench")
        hsds_s = time.perf_counter() - start
        created = sum(imported.created.values())
        if created != sum(report.entries.values()):
            raise AssertionError(f"imported {imported.summary()} of {report.entries}")
        context.log(f"hsds import: {created} entries in {hsds_s:.1f} s")
    finally:
        store.close()
    return {"import_sqlite_s": round(loaded.load_s, 1), "hsds_import_national_s": round(hsds_s, 1)}
