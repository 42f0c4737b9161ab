"""The read model under edits, over the synthetic national annuaire in the embedded store.

Keys: ``snapshot_cold_s`` (reading the whole store into a snapshot, in process;
target ≤ 10), ``snapshot_apply_ms`` (p95 of making the next national snapshot from
one edit read from the change feed — a service renamed or moved to another stage, a
site moved to another commune, a referral link re-aimed, an organisation's
description, a service created, that service deleted —: :func:`advance` *and*
carrying the indexes a served process derives from it, the search index and
orientation's tables, to the new snapshot (:func:`~graph_service.snapshot.carry`),
everything a reader would otherwise wait
for, then moving what was made out of the garbage collector's reach as a served
process does after each swap (:class:`~graph_service.api.memory.ReadModelFreezer`,
which is also done once after the cold build, as there); target ≤ 20;
``snapshot_advance_ms`` is the p95 of :func:`advance` alone),
``serve_rss_mib`` (resident memory of the served process after the edit phases, the
national annuaire and every index loaded; ≤ 600), ``edit_read_rps_ratio`` (read
requests/s over loopback HTTP to a served process while an admin edits one
service every 2 s and someone signs in every 5 s, ÷ read requests/s with no
writes; target ≥ 0.8), ``edit_read_max_ms`` (the slowest read during edits;
≤ 250), ``edit_write_p99_ms`` (the edits' p99, client side; ≤ 100) and
``cross_process_visibility_s`` (the slowest of a few edits made through one served
process until a search through another over the same file finds it; ≤ 2).

Times are wall-clock (``time.perf_counter``). Each load phase lasts
:data:`PHASE_S` seconds with :data:`CLIENTS` reading clients on loopback; the
clients share the machine's two cores with the server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import time
from typing import Any

import numpy as np

from graph_service.api.memory import ReadModelFreezer
from graph_service.auth import hash_password
from graph_service.domain.entities import User
from graph_service.orientation.index import ORIENTATION_INDEX
from graph_service.search.index import SEARCH_INDEX
from graph_service.snapshot import Snapshot, advance, build_snapshot, carry
from graph_service.store import GraphStore

from . import Context, rss_mib
from .bench_graphql import (
    ADMIN,
    PASSWORD,
    RENAME,
    VERSION,
    _Connection,
    _orientation_input,
    _searches,
    _Server,
    _sign_in,
    admin_edits,
    sign_ins,
)
from .bench_orientation import situations

EDITS = 60
INDEXES = (SEARCH_INDEX, ORIENTATION_INDEX)
CLIENTS = 4
PHASE_S = 20.0
VISIBILITY_TRIALS = 5
FIND = """query($t: String!) { services(filter: {text: $t}, first: 5) { totalCount } }"""


def run(context: Context) -> dict[str, float | int]:
    national = context.embedded_store(1.0)
    store = national.store
    start = time.perf_counter()
    snap = build_snapshot(store)
    cold = time.perf_counter() - start
    context.log(f"snapshot cold build: {cold:.1f} s")
    advance_ms, apply_ms = _apply_times(store, snap)
    context.log(f"snapshot apply: p50 {np.percentile(apply_ms, 50):.1f} ms, "
                f"p95 {np.percentile(apply_ms, 95):.1f} ms, max {max(apply_ms):.0f} ms over "
                f"{len(apply_ms)} edits (advance alone p95 "
                f"{np.percentile(advance_ms, 95):.1f} ms)")
    store.put_user(User(username=ADMIN, role="admin", password_hash=hash_password(PASSWORD)),
                   actor="bench")
    data = context.dataset(1.0).snapshot()
    reads = [w for pair in zip(_searches(data, 200), (_orientation_input(r) for r in
                                                      situations(data, 200)), strict=False)
             for w in pair]
    services = sorted(snap.services)
    server = _Server(national.path)
    with server as url:
        alone, _, _ = asyncio.run(_load(url, reads, services, edits=False))
        during, slowest, writes = asyncio.run(_load(url, reads, services, edits=True))
        assert server.process is not None
        serve_rss = rss_mib(server.process.pid)
        context.log(f"reads alone {alone:.0f}/s; with edits {during:.0f}/s, slowest "
                    f"{slowest:.0f} ms; edits p99 {np.percentile(writes, 99):.0f} ms; "
                    f"served process RSS {serve_rss:.0f} MiB")
        with _Server(national.path) as other:
            visibility = asyncio.run(_visibility(url, other, services))
        context.log(f"cross-process visibility: {visibility}")
    return {
        "snapshot_cold_s": round(cold, 2),
        "snapshot_apply_ms": round(float(np.percentile(apply_ms, 95)), 2),
        "snapshot_advance_ms": round(float(np.percentile(advance_ms, 95)), 2),
        "serve_rss_mib": round(serve_rss),
        "edit_read_rps_ratio": round(during / alone, 3),
        "edit_read_max_ms": round(slowest, 1),
        "edit_write_p99_ms": round(float(np.percentile(writes, 99)), 1),
        "cross_process_visibility_s": round(max(visibility), 2),
    }


def _apply_times(store: GraphStore, snap: Snapshot) -> tuple[list[float], list[float]]:
    """Edit the store one entry at a time; time applying each edit's changes, alone and
    with the derived indexes carried over (ms)."""
    carry(snap, snap, INDEXES)  # built once, as a served process does at start
    freezer = ReadModelFreezer()
    freezer.settle(snap)
    rng = random.Random(5)
    services = sorted(snap.services)
    sites = sorted(snap.sites)
    links = sorted(snap.links)
    communes = sorted(t.code for t in snap.communes())
    stages = sorted(snap.by_stage)
    advanced, carried = [], []
    replaced: list[Snapshot] = []
    created: Any = None
    for i in range(EDITS):
        kind = i % 6
        if kind == 4:  # an association adds a service (positions of those after it move)
            like = snap.services[rng.choice(services)]
            created = store.create(dataclasses.replace(like, id=f"{like.id}-bench-{i}",
                                                       name=f"{like.name} (nouveau)"),
                                   actor="bench")
        elif kind == 5:  # and gives it up
            store.delete("service", created.id, expected_version=created.version, actor="bench")
        elif kind == 0:
            svc = snap.services[rng.choice(services)]
            edited: Any = dataclasses.replace(svc, name=f"{svc.name} ({i})",
                                              stages=(rng.choice(stages),))
        elif kind == 1:
            site = snap.sites[rng.choice(sites)]
            edited = dataclasses.replace(site, commune_code=rng.choice(communes),
                                         lat=None, lon=None, coordinates_precision="commune")
        elif kind == 2:
            link = snap.links[rng.choice(links)]
            edited = dataclasses.replace(link, to_service_id=rng.choice(services))
        else:
            org = snap.organizations[snap.services[rng.choice(services)].organization_id]
            edited = dataclasses.replace(org, description=f"édition {i}")
        if kind < 4:
            store.update(edited, expected_version=edited.version, actor="bench")
        changes = store.changes_since(snap.seq)
        start = time.perf_counter()
        new = advance(snap, changes)
        advanced.append((time.perf_counter() - start) * 1000)
        carry(snap, new, INDEXES)
        freezer.settle(new)
        carried.append((time.perf_counter() - start) * 1000)
        replaced.append(snap)
        if len(replaced) > 2:  # let it go, as SnapshotCache does (indexes and snapshot
            gone = replaced.pop(0)  # point at each other: frozen, they would stay)
            gone.retired, gone.derived = True, {}
        snap = new
    return advanced, carried


async def _post(connection: _Connection, query: str, token: str | None = None,
                **variables: Any) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    status, body = await connection.post(query, variables, token)
    elapsed = (time.perf_counter() - start) * 1000
    answer = json.loads(body)
    if status != 200 or "errors" in answer:
        raise RuntimeError(f"bad answer {status}: {body[:300]!r}")
    return elapsed, answer["data"]


async def _load(url: str, reads: list[tuple[str, dict[str, Any]]], services: list[str],
                *, edits: bool) -> tuple[float, float, list[float]]:
    """(reads/s, slowest read ms, edit times ms) over one phase."""
    read_ms: list[float] = []
    write_ms: list[float] = []
    stop = time.perf_counter() + PHASE_S

    async def reader(k: int) -> None:
        connection = await _Connection.open(url)
        try:
            i = k * 53
            while time.perf_counter() < stop:
                query, variables = reads[i % len(reads)]
                read_ms.append((await _post(connection, query, **variables))[0])
                i += 1
        finally:
            connection.close()

    writers = [admin_edits(url, services, stop, write_ms),
               sign_ins(url, ADMIN, stop)] if edits else []
    tasks = [reader(k) for k in range(CLIENTS)] + writers
    await asyncio.gather(*tasks)
    return len(read_ms) / PHASE_S, max(read_ms), write_ms


async def _version(connection: _Connection, sid: str) -> int:
    _, data = await _post(connection, VERSION, id=sid)
    return int(data["service"]["version"])


async def _visibility(writer_url: str, reader_url: str, services: list[str]) -> list[float]:
    """Seconds from an edit answered by one process until a search through another finds it."""
    token = await _sign_in(writer_url, ADMIN)
    out = []
    for trial in range(VISIBILITY_TRIALS):
        sid = services[(trial * 104729 + 17) % len(services)]
        word = f"Visibilite{trial}x"
        writer = await _Connection.open(writer_url)  # idle connections are closed after 5 s
        try:
            await _post(writer, RENAME, token, id=sid, v=await _version(writer, sid), name=word)
        finally:
            writer.close()
        start = time.perf_counter()
        reader = await _Connection.open(reader_url)
        try:
            while (await _post(reader, FIND, t=word))[1]["services"]["totalCount"] == 0:
                if time.perf_counter() - start > 60:
                    raise RuntimeError("the other process never saw the edit")
                await asyncio.sleep(0.02)
        finally:
            reader.close()
        out.append(time.perf_counter() - start)
    return out
