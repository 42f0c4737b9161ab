"""Shaping the real seed into the situations orientation must report, for the interface tests."""

from __future__ import annotations

import dataclasses

from graph_service.snapshot import build_snapshot
from graph_service.store import GraphStore

SALE = "04.441.01.0"
OUT_OF_AREA = {"commune": "Rabat", "age": "15", "sex": "F", "situation": "abandon_scolaire",
               "max_km": "30"}
"""A question whose first stage (détection) has no service of the child's area in the seed,
but one within the distance: it is proposed, marked out of area."""
BEYOND = {"commune": "Ouislane", "age": "15", "sex": "F", "situation": "abandon_scolaire",
          "max_km": "30"}
"""A question whose first stage (détection) has no service within the distance in the seed:
the nearest is named for information only."""


def cli_args(question: dict[str, str]) -> list[str]:
    """A question as ``graph-service route`` options."""
    return [x for key, value in question.items() for x in (f"--{key.replace('_', '-')}", value)]


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
