"""Closed-loop referrals over the synthetic national annuaire.

Keys: ``referral_send_p95_ms`` (one ``referrals.send`` — the source and target
services and their referral link looked up, the referral written with its
audit row in one transaction — in the embedded store as ``make run`` opens it,
``synchronous=FULL``; target ≤ 20 ms) and ``referral_indicators_national_s``
(the country's indicators, per link and by reason, over 100,000 referrals in
every status; target ≤ 1 s).

The 100,000 referrals go between the dataset's referral links, moved along
the statuses in fixed proportions, into a store of their own opened with
``synchronous=OFF`` (filling it is not what is measured).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from graph_service import referrals
from graph_service.access import Principal
from graph_service.domain.entities import ReferralLink, Service
from graph_service.domain.referral import Referral, format_code
from graph_service.store.common import iso
from graph_service.store.embedded import EmbeddedStore

from . import Context

SENDS = 300
WARM_UP = 20
NATIONAL_REFERRALS = 100_000
ADMIN = Principal("bench", "admin")
FATES: tuple[tuple[tuple[str, str | None], ...], ...] = (
    (("received", None), ("accepted", None), ("in_progress", None), ("completed", None)),
    (("accepted", None), ("completed", None)),
    (("received", None), ("accepted", None), ("not_completed", "unreachable")),
    (("received", None), ("declined", "no_capacity")),
    (("declined", "not_eligible"),),
    (("received", None),),
    (("cancelled", None),),
    (("expired", None),),
    (),
)
"""What becomes of a referral, drawn uniformly: its steps after ``sent``."""


def run(context: Context) -> dict[str, float | int]:
    national = context.embedded_store(1.0)
    data = context.dataset(1.0)
    services = {s.id: s for s in data.snapshot().services.values()}
    links = [link for link in data.snapshot().links.values() if isinstance(link, ReferralLink)]
    rng = random.Random(7)

    timings = []
    for i in range(SENDS + WARM_UP):
        link = rng.choice(links)
        request = referrals.ReferralRequest(
            from_service_id=link.from_service_id, to_service_id=link.to_service_id,
            stage="prise_en_charge", situations=("negligence",), age_band="age_6_11", sex="F",
            urgent=i % 5 == 0)
        start = time.perf_counter()
        referrals.send(national.store, ADMIN, request)
        if i >= WARM_UP:
            timings.append((time.perf_counter() - start) * 1000)
    send_p95 = float(np.percentile(timings, 95))
    context.log(f"referral send: p95 {send_p95:.2f} ms over {SENDS}")

    store = EmbeddedStore(context.workdir / "referrals.sqlite3", synchronous="OFF")
    try:
        start = time.perf_counter()
        _fill(store, links, services, rng)
        context.log(f"{NATIONAL_REFERRALS} referrals written in "
                    f"{time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        figures = referrals.indicators(store, ADMIN, None)
        national_s = time.perf_counter() - start
    finally:
        store.close()
    context.log(f"national indicators: {national_s:.2f} s ({figures.sent} referrals, "
                f"{len(figures.by_link)} links)")
    return {"referral_send_p95_ms": round(send_p95, 2),
            "referral_indicators_national_s": round(national_s, 3)}


def _fill(store: EmbeddedStore, links: list[ReferralLink], services: dict[str, Service],
          rng: random.Random) -> None:
    """Write :data:`NATIONAL_REFERRALS` referrals, each at its final state, over a year."""
    origin = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(NATIONAL_REFERRALS):
        link = rng.choice(links)
        source, target = services[link.from_service_id], services[link.to_service_id]
        sent = origin + timedelta(minutes=rng.randrange(365 * 24 * 60))
        referral = Referral.send(
            code=format_code(n), from_service_id=source.id, to_service_id=target.id,
            from_organization_id=source.organization_id,
            to_organization_id=target.organization_id, link_id=link.id,
            stage="prise_en_charge", situations=("negligence",), age_band="age_12_14",
            sex="M", urgent=False, sender="bench", at=iso(sent),
            deadline=iso(sent + timedelta(hours=72)))
        at = sent
        for status, reason in rng.choice(FATES):
            at += timedelta(minutes=rng.randrange(30, 4000))
            referral = referral.moved_to(status, actor="bench", at=iso(at), reason=reason)
        store.create_referral(referral, actor="bench")
