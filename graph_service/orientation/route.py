"""Who to refer a child to at each remaining stage: candidates per stage, then a cheapest path.

The stages that apply (:mod:`.rules`) are layers. A layer's candidates are the
eligible services of that stage in the child's province — the :data:`POOL`
cheapest of the :data:`NEAR` nearest, plus up to :data:`LINKED_MAX` more that
the previous layer's candidates refer children to — or, when the province has
none, the nearest eligible ones beyond it, reported as a *gap*. A candidate's
node cost is its distance from the child in km minus :data:`BONUS_KM` per
eligibility bonus point (situation matched, disability accepted, language
spoken, open 24/7 for the emergency); :mod:`.paths` then finds the cheapest
referral path through the layers, and ranks the other candidates by the cost
of the best path through them.

Everything a query reads is bounded by the child's neighbourhood and the
links of its candidates (:mod:`.index`), so its cost follows the territory, not
the country. Every tie is broken by service id: the same question over the
same annuaire gives the same plan.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..coverage import chord_to_km, km_to_chord, unit_vectors
from ..domain.eligibility import Eligibility, Need, check_eligibility
from ..domain.taxonomy import STAGES
from ..snapshot import Snapshot
from .index import OrientationIndex, StageTable, orientation_index
from .paths import Candidate, cheapest_path, find_hop
from .plan import Gap, Location, Plan, ServiceChoice, Situation, StagePlan
from .present import choice_reasons, service_choice
from .request import Request, locate
from .rules import StageVerdict, stages_for

__all__ = ["BONUS_KM", "LINKED_MAX", "NEAR", "POOL", "orient"]

BONUS_KM = 10.0
"""How many km one eligibility bonus point is worth."""
NEAR = 32
"""Nearest eligible services of the province considered per stage."""
POOL = 8
"""Of those, the candidates with the lowest node cost kept per stage."""
LINKED_MAX = 16
"""Further candidates per stage reached by a referral link from the previous stage."""


def orient(snapshot: Snapshot, request: Request) -> Plan:
    """Plan the referrals of one situation through the remaining stages of the circuit.

    Parameters
    ----------
    snapshot : Snapshot
        The annuaire (``SnapshotCache(store).get()``).
    request : Request
        The situation, where the child is, the stage reached, a maximum distance.

    Returns
    -------
    Plan
        One :class:`StagePlan` per remaining stage (skipped ones say why), and the gaps.

    Raises
    ------
    ValidationFailed
        The place cannot be found (the field and the closest names are given).

    Examples
    --------
    >>> need = Need(situations=("violence_sexuelle",), age=12, sex="F", urgent=True)
    >>> plan = orient(SnapshotCache(store).get(),
    ...               Request(need, Where(commune="Salé")))  # doctest: +SKIP
    >>> plan.stages[0].stage, plan.stages[0].service.organization.name  # doctest: +SKIP
    ('urgence', 'Hôpital Errazi (Salé)')
    """
    index = orientation_index(snapshot)
    location = locate(index, request.where)
    return _Planner(index, request, location).plan()


@dataclass(slots=True)
class _Layer:
    verdict: StageVerdict
    table: StageTable
    candidates: list[Candidate]
    in_province: bool
    notes: list[str] = field(default_factory=list)
    gap: Gap | None = None


class _Checks:
    """Eligibility for one need, run once per class and read back as arrays.

    ``ok`` is indexed by deciding class, ``bonus`` by ranking class (see
    :mod:`.index`); the full French explanation is only written for the
    services a plan shows.
    """

    def __init__(self, index: OrientationIndex, need: Need) -> None:
        self.index, self.need = index, need
        self.decided = np.zeros(len(index.deciding_services), dtype=bool)
        self.ok = np.zeros(len(index.deciding_services), dtype=bool)
        self.ranked = np.zeros(len(index.ranking_services), dtype=bool)
        self.bonus = np.zeros(len(index.ranking_services))
        self.refusals: dict[int, tuple[str, ...]] = {}
        self.explained: dict[int, Eligibility] = {}

    def eligible(self, table: StageTable, rows: NDArray[np.intp]) -> NDArray[np.intp]:
        """The rows whose service accepts the need."""
        deciding = table.deciding[rows]
        self.decide(deciding)
        return rows[self.ok[deciding]]

    def decide(self, classes: NDArray[np.intp]) -> None:
        for k in np.unique(classes[~self.decided[classes]]).tolist():
            result = check_eligibility(self.index.deciding_services[k], self.need)
            self.ok[k], self.decided[k] = result.ok, True
            self.refusals[k] = result.refusals

    def rank(self, classes: NDArray[np.intp]) -> NDArray[np.float64]:
        """The bonus of each ranking class in ``classes``."""
        for k in np.unique(classes[~self.ranked[classes]]).tolist():
            self.bonus[k] = check_eligibility(self.index.ranking_services[k], self.need).bonus
            self.ranked[k] = True
        return self.bonus[classes]

    def explain(self, service: int) -> Eligibility:
        if service not in self.explained:
            self.explained[service] = check_eligibility(
                self.index.snapshot.services[self.index.service_ids[service]], self.need)
        return self.explained[service]


class _Planner:
    def __init__(self, index: OrientationIndex, request: Request, location: Location) -> None:
        self.index, self.request, self.location = index, request, location
        self.snap = index.snapshot
        self.need = request.need
        self.point = unit_vectors([location.lat], [location.lon])[0]
        self.province = location.province.code
        self.chord_max = (km_to_chord(request.max_km)
                          if request.max_km is not None else math.inf)
        urgent = _Checks(index, request.need)
        calm = (_Checks(index, dataclasses.replace(request.need, urgent=False))
                if request.need.urgent else urgent)
        self.stage_checks = {stage: urgent if stage == "urgence" else calm for stage in STAGES}
        """Urgency weighs on the ``urgence`` stage only: once the emergency is met, the
        next services are ranked as for any child (open 24/7 no longer counts)."""
        self.checks = urgent

    # --- candidates --------------------------------------------------------------------------

    def plan(self) -> Plan:
        verdicts = stages_for(self.need, self.request.start_stage)
        layers: list[_Layer] = []
        for verdict in verdicts:
            if verdict.skipped:
                continue
            previous = next((lay for lay in reversed(layers) if lay.candidates), None)
            layers.append(self._layer(verdict, previous))
        live = [layer for layer in layers if layer.candidates]
        path = cheapest_path(self.index, [layer.candidates for layer in live])
        chosen = {layer.verdict.stage: c for layer, c in zip(live, path, strict=True)}
        stages = []
        by_stage = {layer.verdict.stage: layer for layer in layers}
        shown: dict[int, str] = {}
        previous_choice: Candidate | None = None
        for verdict in verdicts:
            layer = by_stage.get(verdict.stage)
            if layer is None:
                stages.append(StagePlan(verdict.stage, STAGES[verdict.stage].fr, None, (), (),
                                        skipped=verdict.skipped))
                continue
            choice = chosen.get(verdict.stage)
            stages.append(self._stage_plan(layer, choice, previous_choice, shown))
            if choice is not None:
                shown.setdefault(choice.service, STAGES[verdict.stage].fr)
                previous_choice = choice
        r = self.request
        situation = Situation(self.need.situations, self.need.age, self.need.sex,
                              self.need.urgent, self.need.disability, self.need.language,
                              r.start_stage, r.max_km)
        gaps = tuple(layer.gap for layer in layers if layer.gap is not None)
        return Plan(situation, self.location, tuple(stages), gaps)

    def _layer(self, verdict: StageVerdict, previous: _Layer | None) -> _Layer:
        self.checks = self.stage_checks[verdict.stage]
        table = self.index.stages[verdict.stage]
        layer = _Layer(verdict, table, self._in_province(table), in_province=True)
        layer.notes.append(verdict.applies)
        if not layer.candidates:
            layer.in_province = False
            note, too_far = self._why_none_here(table)
            layer.notes.append(note)
            layer.candidates = self._nearest(table, self.chord_max, POOL)
            self._record_gap(layer, too_far)
        if previous is not None:
            self._add_linked(layer, previous)
        return layer

    def _in_province(self, table: StageTable) -> list[Candidate]:
        """The :data:`POOL` cheapest of the :data:`NEAR` nearest eligible services of the province.

        The province's points are read nearest first from its k-d tree, four
        times more each round, until they hold :data:`NEAR` eligible places
        (every service at a point read is weighed, so equally near ones are
        never left out by chance). The cost thus follows the neighbourhood of
        the child, however many services the province holds.
        """
        lo, hi = table.slices.get(self.province, (0, 0))
        if lo == hi:
            return []
        pairs = table.pairs_in[self.province]  # few: decided up front, then only gathered
        self.checks.decide(pairs[:, 0])
        self.checks.rank(pairs[self.checks.ok[pairs[:, 0]], 1])
        spots = table.spots_in[self.province]
        m = len(spots.first)
        k = min(m, NEAR)
        while True:
            chords, near = spots.tree.query(self.point, k=k, distance_upper_bound=self.chord_max)
            reached = np.isfinite(np.atleast_1d(chords))
            near = np.atleast_1d(near)[reached]
            segments = _ranges(spots.first[near], spots.last[near])
            segments = segments[self.checks.ok[table.deciding[table.segment_start[segments]]]]
            places = int((table.segment_end[segments] - table.segment_start[segments]).sum())
            if k == m or not reached.all() or places >= NEAR:
                return self._ranked(table, table.segment_start[segments], POOL,
                                    ends=table.segment_end[segments])
            k = min(m, 4 * k)

    def _nearest(self, table: StageTable, chord_max: float, want: int) -> list[Candidate]:
        """The ``want`` nearest eligible services of the stage, wherever they are.

        The k-d tree is asked for the nearest places, a few times ``want`` and
        then eight times more; when eligible services are rarer than that, the
        rows of every accepting deciding class are gathered instead.
        """
        n = len(table.places)
        if n == 0:
            return []
        for k in (min(n, 4 * want), min(n, 32 * want)):
            chords, rows = table.tree.query(self.point, k=k, distance_upper_bound=chord_max)
            reached = np.isfinite(np.atleast_1d(chords))
            eligible = self.checks.eligible(table, np.atleast_1d(rows)[reached])
            if k == n or not reached.all() or len(np.unique(table.service[eligible])) >= want:
                return self._ranked(table, eligible, want, chord_max)
        classes = np.fromiter(table.rows_by_deciding, dtype=np.intp)
        self.checks.decide(classes)
        accepted = [table.rows_by_deciding[k] for k in classes[self.checks.ok[classes]].tolist()]
        if not accepted:
            return []
        rows = np.concatenate(accepted)
        if len(rows) > 4 * want:  # the nearest places, before their bonus is needed
            dot = table.xyz[rows] @ self.point
            rows = rows[np.argpartition(-dot, 4 * want)[:4 * want]]
        return self._ranked(table, rows, want, chord_max)

    def _ranked(self, table: StageTable, rows: NDArray[np.intp], want: int,
                chord_max: float | None = None,
                ends: NDArray[np.intp] | None = None) -> list[Candidate]:
        """The ``want`` services of ``rows`` with the lowest node cost, one place each,
        within ``chord_max`` (default: the distance asked for).

        With ``ends``, ``rows`` are the starts of segments ``[rows[i], ends[i])``
        (see :class:`~.index.StageTable`): each is costed once and gives its rows
        in id order.
        """
        if len(rows) == 0:
            return []
        chord = np.sqrt(np.maximum(2.0 - 2.0 * (table.xyz[rows] @ self.point), 0.0))
        keep = chord <= (self.chord_max if chord_max is None else chord_max)
        rows, chord = rows[keep], chord[keep]
        stops = ends[keep] if ends is not None else rows + 1
        km = chord_to_km(chord)
        cost = km - BONUS_KM * self.checks.rank(table.ranking[rows])
        if len(rows) > 4 * want:
            sel = cost <= np.partition(cost, 4 * want)[4 * want]
            rows, stops, km, cost = rows[sel], stops[sel], km[sel], cost[sel]
        out: list[Candidate] = []
        seen: set[int] = set()
        for i in np.lexsort((rows, cost)).tolist():
            for row in range(int(rows[i]), int(stops[i])):
                service = int(table.service[row])
                if service not in seen:
                    seen.add(service)
                    out.append(Candidate(service, row, float(km[i]), float(cost[i])))
                    if len(out) == want:
                        return out
        return out

    def _add_linked(self, layer: _Layer, previous: _Layer) -> None:
        """Candidates the previous stage's candidates refer to, even if not among the nearest."""
        table, index = layer.table, self.index
        present = {c.service for c in layer.candidates}
        lo, hi = table.slices.get(self.province, (0, 0))
        rows: list[int] = []
        for u in previous.candidates:
            for sid in index.successors[index.service_ids[u.service]]:
                v = index.position[sid]
                if v not in present:
                    present.add(v)
                    rows.extend(r for r in table.rows_of.get(v, ())
                                if not layer.in_province or lo <= r < hi)
        if not rows:
            return
        linked = np.asarray(rows, dtype=np.intp)
        extra = self._ranked(table, self.checks.eligible(table, linked), LINKED_MAX)
        layer.candidates = sorted([*layer.candidates, *extra], key=lambda c: (c.cost, c.service))

    # --- explanations ------------------------------------------------------------------------

    def _why_none_here(self, table: StageTable) -> tuple[str, int]:
        """Why the province offers nobody for this stage, and how many services it has that
        would be eligible but lie beyond the distance asked."""
        province = self.location.province.name or self.province
        lo, hi = table.slices.get(self.province, (0, 0))
        if lo == hi:
            return f"aucun service de cette étape dans la province de {province}", 0
        services = np.unique(table.service[lo:hi])
        classes, counts = np.unique(self.index.deciding[services], return_counts=True)
        self.checks.decide(classes)
        refusals: Counter[str] = Counter()
        far = 0
        for k, count in zip(classes.tolist(), counts.tolist(), strict=True):
            for refusal in self.checks.refusals[k]:
                refusals[refusal] += count
            far += count if self.checks.ok[k] else 0
        parts = [f"{why} ({n})" for why, n in sorted(refusals.items(), key=lambda i: (-i[1], i[0]))]
        if far:
            parts.append(f"au-delà de {self.request.max_km:g} km ({far})")
        return (f"aucun service éligible dans la province de {province} : "
                f"services écartés — {', '.join(parts)}", far)

    def _record_gap(self, layer: _Layer, too_far: int) -> None:
        province = self.location.province
        stage = layer.verdict.stage
        nearest: Candidate | None
        if layer.candidates:
            nearest = min(layer.candidates, key=lambda c: (c.km, c.service))
            reason = (f"aucun service éligible de la province de {province.name} à moins de "
                      f"{self.request.max_km:g} km" if too_far
                      else f"aucun service éligible dans la province de {province.name}")
        else:
            found = self._nearest(layer.table, math.inf, 1)
            nearest = found[0] if found else None
            reason = (f"aucun service éligible à moins de {self.request.max_km:g} km"
                      if nearest is not None else "aucun service éligible dans l'annuaire")
            layer.notes.append(reason)
        choice = (service_choice(self.index, layer.table, nearest, None, self.province, ())
                  if nearest else None)
        layer.gap = Gap(stage, province, choice,
                        round(nearest.km, 1) if nearest else None, reason)

    def _stage_plan(self, layer: _Layer, chosen: Candidate | None, previous: Candidate | None,
                    shown: dict[int, str]) -> StagePlan:
        stage = layer.verdict.stage
        self.checks = self.stage_checks[stage]
        if chosen is None:
            return StagePlan(stage, STAGES[stage].fr, None, (), tuple(layer.notes))
        others = sorted((c for c in layer.candidates if c is not chosen),
                        key=lambda c: (c.through, c.service))[:self.request.alternatives]
        nearest_km = min(c.km for c in layer.candidates)
        return StagePlan(stage, STAGES[stage].fr, self._card(layer, chosen, previous, nearest_km,
                                                             shown),
                         tuple(self._card(layer, c, previous, nearest_km, shown) for c in others),
                         tuple(layer.notes))

    def _card(self, layer: _Layer, c: Candidate, previous: Candidate | None, nearest_km: float,
              shown: dict[int, str]) -> ServiceChoice:
        ids = self.index.service_ids
        hop = find_hop(self.index, ids[previous.service], ids[c.service]) if previous else None
        reasons = choice_reasons(
            self.index, self.checks.explain(c.service), c, previous, hop, nearest_km,
            outside=None if layer.in_province else self.location.province.name,
            earlier=shown.get(c.service))
        return service_choice(self.index, layer.table, c, hop, self.province, reasons)


def _ranges(starts: NDArray[np.intp], ends: NDArray[np.intp]) -> NDArray[np.intp]:
    """The concatenation of ``range(starts[j], ends[j])`` for every ``j``, vectorised."""
    lengths = ends - starts
    return np.arange(int(lengths.sum())) + np.repeat(starts - np.cumsum(lengths) + lengths,
                                                     lengths)
