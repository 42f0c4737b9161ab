"""Orientation: "where do I refer this child?" — a plan through the circuit de prise en charge.

:func:`orient` takes a :class:`Request` (a situation, never an identity) and a
:class:`~graph_service.snapshot.Snapshot`, and returns a :class:`Plan`: per
remaining stage the recommended service, ranked alternatives and the reasons,
the stages skipped and why, and the gaps of the child's province.
"""

from __future__ import annotations

from ..domain.eligibility import Need
from .index import OrientationIndex, orientation_index
from .plan import (
    Area,
    Gap,
    LinkRef,
    Location,
    Named,
    Plan,
    ServiceChoice,
    Situation,
    StagePlan,
)
from .request import MAX_ALTERNATIVES, Request, Where, locate
from .route import orient
from .rules import STAGE_RULES, StageRule, StageVerdict, stages_for

__all__ = [
    "MAX_ALTERNATIVES",
    "STAGE_RULES",
    "Area",
    "Gap",
    "LinkRef",
    "Location",
    "Named",
    "Need",
    "OrientationIndex",
    "Plan",
    "Request",
    "ServiceChoice",
    "Situation",
    "StagePlan",
    "StageRule",
    "StageVerdict",
    "Where",
    "locate",
    "orient",
    "orientation_index",
    "stages_for",
]
