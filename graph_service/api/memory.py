"""Keeping the garbage collector away from the read models.

The snapshot and the indexes derived from it are about a million long-lived
objects; a full collection walks them all (half a second at national scale),
stalling every request in flight. Once built they are moved out of the
collector's reach (``gc.freeze``). They hold reference cycles (a snapshot and
its ``derived`` indexes point at each other), so when a new revision replaces
them they are unfrozen and collected once, or they would never be freed.
"""

from __future__ import annotations

import gc
import threading

from ..snapshot import Snapshot

__all__ = ["ReadModelFreezer"]


class ReadModelFreezer:
    """Call :meth:`settle` after a request: it freezes what the request built, if anything."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._derived = 0
        self._lock = threading.Lock()

    def settle(self, snapshot: Snapshot) -> None:
        if snapshot is self._snapshot and len(snapshot.derived) == self._derived:
            return
        with self._lock:
            if self._snapshot is not None and snapshot is not self._snapshot:
                self._snapshot = None
                gc.unfreeze()
                gc.collect()  # frees the replaced read models: once per revision
            gc.freeze()
            self._snapshot, self._derived = snapshot, len(snapshot.derived)
