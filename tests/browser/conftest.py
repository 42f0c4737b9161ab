"""The app served by uvicorn on a free loopback port, and Debian's Chromium driven by Playwright.

The server runs in a thread over a private copy of the seeded store, with the
users the scenarios sign in as. Cookies keep their production ``Secure`` flag:
Chromium treats the loopback address as a secure origin, so the real session
settings are what the browser exercises. Chromium is Debian's
(``/usr/bin/chromium``, installed by ``make browser``), never a downloaded one.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from page_checks import DESKTOP, Served
from web_support import add_user, seed_association

from graph_service.app import create_app
from graph_service.settings import Settings
from graph_service.store.embedded import EmbeddedStore

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


REFERRAL_SENDER_ORG, REFERRAL_RECEIVER_ORG = "org-amej-sale", "org-cape-sale"
"""Users ``sender`` and ``receiver`` belong to these (Salé): a referral between two services."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def served(seed_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app on ``http://127.0.0.1:<free port>`` with users ``asso``, ``coord``, ``pro``,
    ``sender`` and ``receiver``."""
    path = tmp_path_factory.mktemp("browser") / "annuaire.sqlite3"
    shutil.copyfile(seed_db, path)
    store = EmbeddedStore(path)
    association = seed_association(store)
    add_user(store, "asso", "association", organization_id=association.org.id)
    add_user(store, "coord", "coordinator", province_code=association.province)
    add_user(store, "pro", "professional")
    add_user(store, "sender", "association", organization_id=REFERRAL_SENDER_ORG)
    add_user(store, "receiver", "association", organization_id=REFERRAL_RECEIVER_ORG)
    store.close()
    app = create_app(Settings({"GRAPH_SERVICE_DB": str(path), "GRAPH_SERVICE_WARM_MAPS": False,
                               "GRAPH_SERVICE_SECRET_KEY": "browser-tests-only"}))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           ws="none", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", association)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module: Playwright's sync API holds an event loop on this thread
    while it runs, so it is stopped before the (asyncio-using) rest of the suite goes on."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    """A fresh browsing context (no cookies) per test, at desktop width."""
    context = browser.new_context(base_url=served.url, viewport=DESKTOP, locale="fr-MA")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()
