"""Benchmarks: ``python -m bench`` (``make bench``) runs every ``bench/bench_*.py`` module.

Each module has ``run(context: Context) -> dict[str, float | int]``; the
results are merged into ``bench/results.json`` (keys of modules not run are
kept) and printed. Speed targets live here, never in the test suite.

:class:`Context` is what modules share within one run, so that the expensive
parts — generating the synthetic national annuaire (:mod:`bench.synthetic`),
loading it into a store — happen once however many modules use them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graph_service.domain.entities import Territory
from graph_service.store import GraphStore

from .synthetic import Dataset, generate, invalid_entries, load_into

__all__ = ["Context", "LoadedStore", "rss_mib"]


@dataclass(frozen=True, slots=True)
class LoadedStore:
    """An embedded store holding a generated dataset, and how long loading it took."""

    store: GraphStore
    path: Path
    load_s: float


class Context:
    """Datasets and stores built at most once per run; ``close()`` removes the work directory."""

    def __init__(self, workdir: Path | None = None,
                 log: Callable[[str], None] = lambda message: None) -> None:
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="graph-service-bench-"))
        self.log = log
        self._territories: tuple[Territory, ...] | None = None
        self._datasets: dict[tuple[float, int], Dataset] = {}
        self._stores: dict[tuple[float, int], LoadedStore] = {}

    def territories(self) -> tuple[Territory, ...]:
        if self._territories is None:
            from graph_service.territories import load_territories

            self._territories = tuple(load_territories())
        return self._territories

    def dataset(self, scale: float = 1.0, seed: int = 42) -> Dataset:
        """The synthetic national dataset at ``scale`` (generated on first use)."""
        key = (scale, seed)
        if key not in self._datasets:
            start = time.perf_counter()
            data = generate(scale, seed, self.territories())
            self.log(f"generated scale={scale:g}: {data.counts()} "
                     f"in {time.perf_counter() - start:.1f} s")
            errors = invalid_entries(data, every=50)
            if errors:  # a generator bug: benchmarks over invalid entries would mislead
                raise AssertionError("\n".join(str(e) for e in errors[:10]))
            self._datasets[key] = data
        return self._datasets[key]

    def embedded_store(self, scale: float = 1.0, seed: int = 42) -> LoadedStore:
        """An embedded (SQLite) store with the territories and the dataset, loaded once."""
        key = (scale, seed)
        if key not in self._stores:
            from graph_service.store.embedded import EmbeddedStore

            data = self.dataset(scale, seed)
            path = self.workdir / f"synthetic-{scale:g}-{seed}.sqlite3"
            store = EmbeddedStore(path)
            store.put_territories(list(data.territories))
            seconds = load_into(store, data)
            self.log(f"loaded scale={scale:g} into {path.name} in {seconds:.1f} s")
            self._stores[key] = LoadedStore(store, path, seconds)
        return self._stores[key]

    def forget(self, scale: float, seed: int = 42) -> None:
        """Drop a dataset (and its store) from memory: the 8× one is large."""
        self._datasets.pop((scale, seed), None)
        loaded = self._stores.pop((scale, seed), None)
        if loaded is not None:
            loaded.store.close()

    def close(self) -> None:
        for loaded in self._stores.values():
            loaded.store.close()
        self._stores.clear()
        self._datasets.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)


def rss_mib(pid: int | None = None) -> float:
    """Resident memory of process ``pid`` (default this one) now, in MiB (Linux ``/proc``;
    elsewhere this process's peak RSS)."""
    try:
        with open(f"/proc/{pid or os.getpid()}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
