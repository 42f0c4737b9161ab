"""A process killed in the middle of a stream of writes loses nothing it acknowledged.

The writer runs in a real subprocess and gets SIGKILL (no cleanup, no atexit),
as happens when a machine's OOM killer or an operator ends the service.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from contextlib import closing
from pathlib import Path

from graph_service.store.embedded import EmbeddedStore

WRITER = textwrap.dedent(
    """
    import sys
    from graph_service.domain.entities import Organization, Service
    from graph_service.store.embedded import EmbeddedStore

    store = EmbeddedStore(sys.argv[1])
    mode = sys.argv[2]
    i = 0
    while True:
        org = Organization(id=f"org-{i:06d}", name=f"Association {i}", org_kind="association",
                           sector="societe_civile")
        if mode == "single":
            store.create(org, actor="writer")
        else:
            services = [Service(id=f"svc-{i:06d}-{j:03d}", organization_id=org.id, name="S",
                                type="ecoute_orientation", stages=("detection",))
                        for j in range(99)]
            store.apply([org, *services], actor="writer")
        print(org.id, flush=True)
        i += 1
    """
)


def _write_then_kill(db: Path, mode: str, acknowledged: int) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), mode],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    acked = [proc.stdout.readline().strip() for _ in range(acknowledged)]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    return acked


def _integrity(db: Path) -> str:
    with closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_single_writes_acknowledged_before_sigkill_survive(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    acked = _write_then_kill(db, "single", 200)
    assert _integrity(db) == "ok"
    store = EmbeddedStore(db)
    got = store.get_many("organization", acked)
    assert all(g is not None and g.version == 1 and g.name for g in got)
    # every stored entry is whole: its record and its audit row were committed together
    stored = store.entries("organization")
    assert len(stored) >= len(acked)
    audited = {e.entity_id for e in store.audit_trail(limit=10**6)}
    assert {o.id for o in stored} <= audited
    store.close()


def test_batches_interrupted_by_sigkill_are_whole_or_absent(tmp_path: Path) -> None:
    db = tmp_path / "b.sqlite3"
    acked = _write_then_kill(db, "batch", 20)
    assert _integrity(db) == "ok"
    store = EmbeddedStore(db)
    counts = store.counts()
    assert counts.organizations >= len(acked)
    assert counts.services == 99 * counts.organizations  # no half batch
    for org in store.entries("organization"):
        assert len(store.entries("service", where={"organization_id": org.id})) == 99
    store.close()
