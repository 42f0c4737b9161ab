"""Shaping the real seed into the situations orientation must report, for the interface tests."""

from __future__ import annotations

import dataclasses

from graph_service.snapshot import build_snapshot
from graph_service.store import GraphStore

SALE = "04.441.01.0"


def close_competent_reporting(store: GraphStore, commune: str = SALE) -> int:
    """Mark inactive every authority receiving reports (signalement) for ``commune``, as if
    the annuaire had none: its plans then name the competent institution as missing.
    Returns how many services were closed."""
    snap = build_snapshot(store)
    place = snap.territories[commune]
    closed = 0
    for sid in sorted(snap.authorities):
        service = snap.services[sid]
        if "signalement" in service.stages and snap.areas[sid].covers(place):
            store.update(dataclasses.replace(service, status="inactive"),
                         expected_version=service.version, actor="test")
            closed += 1
    return closed
