"""Orientation at national scale: latency, against bare Dijkstra, and growth with the data.

Keys: ``orientation_p50_ms``/``orientation_p95_ms`` (1,000 realistic random
situations, in process, over the synthetic national annuaire; target p95 ≤ 10 ms),
``orientation_vs_dijkstra_ratio`` (p95 of orientation's cheapest-path search
÷ p95 of ``networkx.single_source_dijkstra`` over the very layered candidate
graph that search is given, same situations; target ≤ 3), ``orientation_scale8_growth`` (p95 over
8× the data ÷ p95 at 1×; target ≤ 2), ``graph_build_s`` and ``rss_mib`` (a
fresh process reading the national annuaire from the embedded store into a
snapshot and its orientation index).

The baseline does the same work as :func:`cheapest_path`, by networkx: each
situation's layers of candidates (as orientation builds them, captured once,
untimed) become a DAG — the child to each first-stage candidate (its node cost),
every candidate to every candidate of the next stage (an unlinked hop, or the
established referral :func:`hops_between` finds, plus the target's node cost),
the last stage to a sink — and Dijkstra runs from the child. Building that graph
(and so finding the referrals) is not timed for networkx, while the search's own
time includes finding them: the ratio is the overhead of our search, not less.
The two must agree on the cheapest cost wherever no revisit was charged.

Times are wall-clock (``time.perf_counter``). The 1,000 situations run in
:data:`ROUNDS` rounds and the round with the median p95 is reported. Long-lived
read models are moved out of the garbage collector's reach (``gc.freeze``)
before timing, as a serving process would do after loading.
"""

from __future__ import annotations

import gc
import itertools
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

from graph_service.domain.eligibility import Need
from graph_service.domain.taxonomy import STAGE_ORDER
from graph_service.orientation import Request, Where, orient, orientation_index, route
from graph_service.orientation.index import OrientationIndex
from graph_service.orientation.paths import UNLINKED_KM, Candidate, cheapest_path, hops_between
from graph_service.snapshot import Place, Snapshot

from . import Context, rss_mib

QUERIES = 1000
WARM_UP = 50
ROUNDS = 3
_CHILD = "\x00child"
_SINK = "\x00sink"

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
    p50, p95 = _measure(snapshot, requests)
    search95, dijkstra95 = _search_vs_dijkstra(snapshot, requests)
    context.log(f"orientation 1×: p50 {p50:.2f} ms, p95 {p95:.2f} ms; cheapest path p95 "
                f"{search95:.3f} ms, networkx dijkstra p95 {dijkstra95:.3f} ms")
    dense = context.dataset(8.0).snapshot()
    p50_8, p95_8 = _measure(dense, requests)
    context.log(f"orientation 8×: p50 {p50_8:.2f} ms, p95 {p95_8:.2f} ms")
    context.forget(8.0)
    return {
        "orientation_p50_ms": round(p50, 3),
        "orientation_p95_ms": round(p95, 3),
        "orientation_vs_dijkstra_ratio": round(search95 / dijkstra95, 2),
        "orientation_scale8_growth": round(p95_8 / p95, 2),
        "graph_build_s": build["graph_build_s"],
        "rss_mib": build["rss_mib"],
    }


def _measure(snapshot: Snapshot, requests: Sequence[Request]) -> tuple[float, float]:
    """(p50, p95) of orientation in ms, wall-clock, from the median round."""
    orientation_index(snapshot)
    for request in requests[:WARM_UP]:
        orient(snapshot, request)
    gc.collect()
    gc.freeze()
    rounds = []
    for _ in range(ROUNDS):
        times = []
        for request in requests:
            start = time.perf_counter()
            orient(snapshot, request)
            times.append((time.perf_counter() - start) * 1000)
        rounds.append((_p(times, 95), _p(times, 50)))
    gc.unfreeze()
    p95, p50 = sorted(rounds)[len(rounds) // 2]
    return p50, p95


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


Layers = list[list[tuple[int, Place, float, float]]]
"""A situation's layers of candidates: (service, place, km, node cost) per candidate."""


def _captured_layers(snapshot: Snapshot, requests: Sequence[Request]
                     ) -> list[tuple[OrientationIndex, Layers]]:
    """The layers orientation hands its cheapest-path search, one per situation (untimed)."""
    captured: list[tuple[OrientationIndex, Layers]] = []
    original = route.cheapest_path

    def spy(index: OrientationIndex, layers: Sequence[Sequence[Candidate]]) -> list[Candidate]:
        captured.append((index, [[(c.service, c.place, c.km, c.cost) for c in layer]
                                 for layer in layers]))
        return original(index, layers)

    route.cheapest_path = spy
    try:
        for request in requests:
            orient(snapshot, request)
    finally:
        route.cheapest_path = original
    return [(index, layers) for index, layers in captured if layers]


def _fresh(layers: Layers) -> list[list[Candidate]]:
    return [[Candidate(*c) for c in layer] for layer in layers]


def _layered_graph(index: OrientationIndex, layers: Layers) -> nx.DiGraph:
    """The search's DAG for networkx; node costs are shifted so no weight is negative
    (every path crosses each layer once, so the shift changes no choice)."""
    candidates = _fresh(layers)
    shift = max(0.0, -min(c.cost for layer in candidates for c in layer))
    graph = nx.DiGraph()
    for c in candidates[0]:
        graph.add_edge(_CHILD, (0, id(c)), weight=c.cost + shift)
    for i, (a, b) in enumerate(itertools.pairwise(candidates)):
        for u in a:
            for v in b:
                graph.add_edge((i, id(u)), (i + 1, id(v)), weight=UNLINKED_KM + v.cost + shift)
        for u, v, hop in hops_between(index, a, b):
            edge = graph[(i, id(u))][(i + 1, id(v))]
            edge["weight"] = min(edge["weight"], hop.cost + v.cost + shift)
    last = len(candidates) - 1
    for c in candidates[-1]:
        graph.add_edge((last, id(c)), _SINK, weight=0.0)
    graph.graph["shift"] = shift * len(candidates)
    return graph


def _search_vs_dijkstra(snapshot: Snapshot, requests: Sequence[Request]) -> tuple[float, float]:
    """p95 (ms) of :func:`cheapest_path` and of networkx Dijkstra over the same layers."""
    captured = _captured_layers(snapshot, requests)
    graphs = [_layered_graph(index, layers) for index, layers in captured]
    ours, theirs = [], []
    for _ in range(ROUNDS):
        for (index, layers), graph in zip(captured, graphs, strict=True):
            candidates = _fresh(layers)
            start = time.perf_counter()
            path = cheapest_path(index, candidates)
            ours.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            distance = nx.single_source_dijkstra(graph, _CHILD, weight="weight")[0]
            theirs.append((time.perf_counter() - start) * 1000)
            if not any(c.penalty for layer in candidates for c in layer) and not math.isclose(
                    distance[_SINK] - graph.graph["shift"], path[-1].best, abs_tol=1e-6):
                raise AssertionError("networkx and the search disagree on a cheapest path")
    return _p(ours, 95), _p(theirs, 95)


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
