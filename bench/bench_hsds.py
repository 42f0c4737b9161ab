"""The HSDS feed over the synthetic national annuaire: a page of ``/api/hsds/services``.

Key: ``hsds_services_page_p95_ms`` (target ≤ 50): 95th percentile of the time to answer
``GET /api/hsds/services?per_page=50&page=N`` — a random page, a third of them also filtered
by a random taxonomy term (stage, situation…) — through the app in this process (ASGI, no
network), the read model already built. Also ``hsds_services_page_p50_ms`` and
``hsds_feed_build_s``, the first request of a revision (read model, search index and the
feed's ids), which is paid once per write.
"""

from __future__ import annotations

import random
import time

import numpy as np
from starlette.testclient import TestClient

from graph_service.app import create_app
from graph_service.settings import Settings

from . import Context

REQUESTS = 400
PER_PAGE = 50


def run(context: Context) -> dict[str, float | int]:
    loaded = context.embedded_store()
    # the feed alone: no national maps rendered in the background meanwhile
    app = create_app(Settings({"GRAPH_SERVICE_DB": str(loaded.path),
                               "GRAPH_SERVICE_WARM_MAPS": False}), store=loaded.store)
    rng = random.Random(15)
    with TestClient(app) as client:
        start = time.perf_counter()
        first = client.get(f"/api/hsds/services?per_page={PER_PAGE}").json()
        build_s = time.perf_counter() - start
        terms = [t["id"] for t in client.get("/api/hsds/taxonomy_terms?per_page=1000")
                 .json()["contents"]]
        pages = first["total_pages"]
        times = []
        for i in range(REQUESTS):
            url = f"/api/hsds/services?per_page={PER_PAGE}&page={rng.randint(1, pages)}"
            if i % 3 == 0:
                url = (f"/api/hsds/services?per_page={PER_PAGE}&page=1"
                       f"&taxonomy_term_id={rng.choice(terms)}")
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise AssertionError(f"{url}: {response.status_code} {response.text[:200]}")
    context.log(f"hsds: {first['total_items']} services, {pages} pages of {PER_PAGE}")
    return {
        "hsds_services_page_p95_ms": round(float(np.percentile(times, 95)), 2),
        "hsds_services_page_p50_ms": round(float(np.percentile(times, 50)), 2),
        "hsds_feed_build_s": round(build_s, 2),
    }
