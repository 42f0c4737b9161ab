"""Keeping the garbage collector away from the read models.

The snapshot and the indexes derived from it are about a million long-lived
objects; a full collection walks them all (half a second at national scale),
stalling every request in flight. Once built they are moved out of the
collector's reach (``gc.freeze``), by the thread that swapped them in
(:class:`~graph_service.snapshot.SnapshotCache` ``swapped``), and after a request
that derived more from them (a map, a feed page), once its answer is sent. A
snapshot replaced by the next one is freed by reference counting alone, frozen or
not: the cycle between a snapshot and its ``derived`` indexes is broken when it is
retired (:class:`~graph_service.snapshot.SnapshotCache`), so no full collection is
needed per revision; the young generations are collected before each freeze, so the
passing garbage of requests is not frozen with it.
"""

from __future__ import annotations

import gc
import threading

from ..snapshot import Snapshot

__all__ = ["ReadModelFreezer"]


class ReadModelFreezer:
    """One per process: :meth:`settle` freezes what was built since it last did, if anything."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._derived = 0
        self._lock = threading.Lock()

    def settle(self, snapshot: Snapshot) -> None:
        if snapshot is self._snapshot and len(snapshot.derived) == self._derived:
            return
        with self._lock:
            gc.collect(1)
            gc.freeze()
            self._snapshot, self._derived = snapshot, len(snapshot.derived)
