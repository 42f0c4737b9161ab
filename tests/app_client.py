"""The test client of an app whose store the test also writes to directly."""

from __future__ import annotations

from typing import Any

import httpx2
from starlette.testclient import TestClient

from graph_service.snapshot import SnapshotCache


class AppClient(TestClient):
    """A :class:`TestClient` whose every request reads as a writer's next read does.

    A test writes set-ups straight to the store, in the served app's process and outside
    any request: it is that process's writer. The app's read model lets readers answer
    from the snapshot there is while a write is applied (only a request that wrote waits
    for its write); so before each request the client waits, as a writer does, until the
    snapshot holds every write made so far — the test then reads what it wrote, on any
    machine, however slow.
    """

    def request(self, *args: Any, **kwargs: Any) -> httpx2.Response:  # type: ignore[override]
        snapshots = getattr(getattr(self.app, "state", None), "snapshots", None)
        if isinstance(snapshots, SnapshotCache):
            snapshots.catch_up()
        return super().request(*args, **kwargs)
