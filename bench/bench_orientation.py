"""Orientation at national scale: latency, against bare Dijkstra, and growth with the data.

Keys: ``orientation_p50_ms``/``orientation_p95_ms`` (1,000 realistic random
situations, in process, over the synthetic national annuaire; target p95 ≤ 10 ms),
``orientation_vs_dijkstra_ratio`` (p95 of orientation ÷ p95 of a bare
``networkx.single_source_dijkstra`` over the child's province subgraph of the
circuit, same situations; target ≤ 3), ``orientation_scale8_growth`` (p95 over
8× the data ÷ p95 at 1×; target ≤ 2), ``graph_build_s`` and ``rss_mib`` (a
fresh process reading the national annuaire from the embedded store into a
snapshot and its orientation index).

The bare Dijkstra answers the same question without eligibility, candidate
pools, alternatives or explanations: its source is the child, a node joined to
every service of the plan's first stage in the province (weight: the distance
in km), and its edges are the province's referral links (weight: the link
cost orientation uses). Building that graph is not timed.

Times are CPU times of the querying thread (``time.thread_time``): the bench
machine is shared, and a query is single-threaded, so on an idle machine wall
time equals it. Orientation and Dijkstra are timed back to back per situation,
the 1,000 situations run in :data:`ROUNDS` rounds and the round with the median
p95 is reported. Long-lived read models are moved out of the garbage
collector's reach (``gc.freeze``) before timing, as a serving process would do
after loading.
"""

from __future__ import annotations

import gc
import json
import math
import random
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import numpy as np

from graph_service.coverage import EARTH_RADIUS_KM, unit_vectors
from graph_service.domain.eligibility import Need
from graph_service.domain.taxonomy import STAGE_ORDER
from graph_service.orientation import Plan, Request, Where, orient, orientation_index
from graph_service.orientation.paths import LINK_KM, UNLINKED_KM
from graph_service.snapshot import Snapshot

from . import Context, rss_mib

QUERIES = 1000
WARM_UP = 50
ROUNDS = 3
_CHILD = "\x00child"

_SITUATIONS: tuple[tuple[str, float], ...] = (
    ("negligence", 20), ("violence_physique", 15), ("violence_sexuelle", 10),
    ("abandon_scolaire", 10), ("conflit_avec_la_loi", 8), ("enfant_en_situation_de_rue", 6),
    ("absence_etat_civil", 6), ("handicap", 6), ("violence_psychologique", 4),
    ("exploitation_economique", 4), ("mariage_precoce", 4), ("privation_milieu_familial", 3),
    ("mendicite", 2), ("migrant_non_accompagne", 1), ("violence_en_ligne", 1), ("traite", 0.5),
    ("addiction", 0.5),
)
_LANGUAGES = ("darija", "arabe", "tamazight", "tachelhit", "tarifit", "hassania", "francais")


def run(context: Context) -> dict[str, float | int]:
    national = context.embedded_store(1.0)
    build = _build_in_fresh_process(national.path)
    snapshot = context.dataset(1.0).snapshot()
    requests = situations(snapshot, QUERIES)
    p50, p95, dijkstra95 = _measure(snapshot, requests, with_dijkstra=True)
    context.log(f"orientation 1×: p50 {p50:.2f} ms, p95 {p95:.2f} ms; "
                f"bare dijkstra p95 {dijkstra95:.2f} ms")
    dense = context.dataset(8.0).snapshot()
    p50_8, p95_8, _ = _measure(dense, requests, with_dijkstra=False)
    context.log(f"orientation 8×: p50 {p50_8:.2f} ms, p95 {p95_8:.2f} ms")
    context.forget(8.0)
    return {
        "orientation_p50_ms": round(p50, 3),
        "orientation_p95_ms": round(p95, 3),
        "orientation_vs_dijkstra_ratio": round(p95 / dijkstra95, 2),
        "orientation_scale8_growth": round(p95_8 / p95, 2),
        "graph_build_s": build["graph_build_s"],
        "rss_mib": build["rss_mib"],
    }


def _measure(snapshot: Snapshot, requests: Sequence[Request],
             with_dijkstra: bool) -> tuple[float, float, float]:
    """(p50, p95) of orientation and p95 of bare Dijkstra, in ms, from the median round."""
    orientation_index(snapshot)
    for request in requests[:WARM_UP]:
        orient(snapshot, request)
    baseline = _Baseline(snapshot) if with_dijkstra else None
    gc.collect()
    gc.freeze()
    rounds = []
    for _ in range(ROUNDS):
        times, bare = [], []
        for request in requests:
            start = time.thread_time()
            plan = orient(snapshot, request)
            times.append((time.thread_time() - start) * 1000)
            if baseline is not None:
                bare.append(baseline.time(plan))
        rounds.append((_p(times, 95), _p(times, 50), _p(bare, 95) if bare else math.nan))
    gc.unfreeze()
    p95, p50, dijkstra95 = sorted(rounds)[len(rounds) // 2]
    return p50, p95, dijkstra95


def situations(snapshot: Snapshot, n: int, seed: int = 7) -> list[Request]:
    """``n`` realistic questions: communes weighted by children, common situations more often."""
    rng = random.Random(seed)
    communes = sorted((t for t in snapshot.communes() if t.lat is not None),
                      key=lambda t: t.code)
    weights = [max(t.children, 1) for t in communes]
    codes, frequencies = zip(*_SITUATIONS, strict=True)
    out = []
    for commune in rng.choices(communes, weights=weights, k=n):
        chosen = [rng.choices(codes, weights=frequencies)[0]]
        if rng.random() < 0.25:
            chosen.append(rng.choices(codes, weights=frequencies)[0])
        situation = tuple(dict.fromkeys(chosen))
        age = rng.randint(12, 17) if "conflit_avec_la_loi" in situation else rng.randint(0, 17)
        violent = any(s.startswith("violence") for s in situation)
        need = Need(
            situations=situation, age=age, sex=rng.choice(("F", "M")),
            urgent=violent and rng.random() < 0.4,
            disability="handicap" in situation or rng.random() < 0.08,
            language=rng.choice(_LANGUAGES) if rng.random() < 0.3 else None,
        )
        start = rng.choice(STAGE_ORDER[1:4]) if rng.random() < 0.15 else STAGE_ORDER[0]
        max_km = 50.0 if rng.random() < 0.1 else None
        out.append(Request(need, Where(commune=commune.code), start, max_km))
    return out


class _Baseline:
    """Bare Dijkstra from the child over its province's referral links (see the module doc)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.graphs: dict[str, nx.DiGraph] = {}

    def time(self, plan: Plan) -> float:
        province = plan.location.province.code
        graph = self.graphs.get(province)
        if graph is None:
            graph = self.graphs[province] = self._province_graph(province)
        first = next(s.stage for s in plan.stages if s.skipped is None)
        child = unit_vectors([plan.location.lat], [plan.location.lon])[0]
        for sid in set(self.snapshot.by_stage.get(first, ())) & set(graph):
            place = self.snapshot.places[sid][0]
            dot = float(unit_vectors([place.lat], [place.lon])[0] @ child)
            graph.add_edge(_CHILD, sid, weight=EARTH_RADIUS_KM * math.acos(min(1.0, dot)))
        start = time.thread_time()
        nx.single_source_dijkstra(graph, _CHILD, weight="weight")
        elapsed = (time.thread_time() - start) * 1000
        graph.remove_node(_CHILD)
        return elapsed

    def _province_graph(self, province: str) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.snapshot.by_province.get(province, ()))
        for u, v, link in self.snapshot.circuit.subgraph(graph.nodes).edges(data="link"):
            graph.add_edge(u, v, weight=LINK_KM.get(link.link_kind, UNLINKED_KM))
        return graph


def _build_in_fresh_process(path: Path) -> dict[str, float]:
    """Time reading the store into a snapshot and its index, in a process holding nothing else."""
    out = subprocess.run([sys.executable, "-m", "bench.bench_orientation", str(path)],
                         check=True, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    result: dict[str, float] = json.loads(out.stdout)
    return result


def _p(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q))



def _build(path: str) -> dict[str, float]:
    from graph_service.snapshot import build_snapshot
    from graph_service.store.embedded import EmbeddedStore

    store = EmbeddedStore(Path(path))
    start = time.perf_counter()
    snapshot = build_snapshot(store)
    orientation_index(snapshot)
    seconds = time.perf_counter() - start
    store.close()
    return {"graph_build_s": round(seconds, 2), "rss_mib": round(rss_mib(), 1)}


if __name__ == "__main__":
    print(json.dumps(_build(sys.argv[1])))
