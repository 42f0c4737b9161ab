"""No N+1: the store calls of a page do not grow with its size.

The app runs over the real embedded store behind a proxy that only counts
calls and forwards them (no behaviour replaced). A page of organisations with
their sites, services, the services' contacts and referral links, and their own
contacts is fetched at growing sizes by a professional (so contacts resolve).
"""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from api_support import gql, sign_in
from app_client import AppClient

from graph_service.app import create_app
from graph_service.settings import Settings
from graph_service.store.embedded import EmbeddedStore

PAGE = """query($n: Int!) { organizations(first: $n) { nodes {
    id name province { code } parent { name }
    sites { id address commune { code } organization { id } }
    services { id name organization { id } contacts { function personName }
               referralsTo { toService { id name organization { name } } } }
    contacts { id function personName channels { value } } } } }"""

MAX_CALLS = 12
"""A bound independent of the page: one batched call per kind and nesting level, plus
the request's token and revision look-ups. Per-entry loading would need hundreds."""


class CountingStore:
    """Forwards every attribute to the real store; counts method calls by name."""

    def __init__(self, inner: EmbeddedStore) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted


def test_store_calls_do_not_grow_with_the_page_size(seed_db: Path, tmp_path: Path) -> None:
    shutil.copyfile(seed_db, tmp_path / "annuaire.sqlite3")
    real = EmbeddedStore(tmp_path / "annuaire.sqlite3")
    store = CountingStore(real)
    # no look for other processes' writes during the test: that poll is no read of a page
    app = create_app(Settings({"GRAPH_SERVICE_DB": str(tmp_path / "annuaire.sqlite3"),
                               "GRAPH_SERVICE_REFRESH_S": 3600.0}),
                     store=store)  # type: ignore[arg-type]
    with AppClient(app) as client:
        token = sign_in(client, "counted", "professional")
        gql(client, PAGE, token, n=1)  # builds the read model once
        reads: dict[int, int] = {}
        for size in (5, 20, 50):
            store.calls.clear()
            nodes = gql(client, PAGE, token, n=size)["organizations"]["nodes"]
            assert len(nodes) == size
            contacts = {c["id"] for n in nodes for c in n["contacts"]}
            logged = store.calls.pop("record_event", 0)
            assert logged == len(contacts)  # the audit of personal data: once per contact
            reads[size] = sum(store.calls.values())
        assert any(n["contacts"] for n in nodes) and any(n["services"] for n in nodes)
    real.close()
    assert reads[50] <= reads[20] <= MAX_CALLS, reads
    assert reads[5] <= MAX_CALLS, reads
