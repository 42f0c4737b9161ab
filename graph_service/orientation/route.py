"""Who to refer a child to at each remaining stage: candidates per stage, then a cheapest path.

The stages that apply (:mod:`.rules`) are layers. A layer's candidates are the
eligible services of that stage whose area covers the child's commune
(:mod:`graph_service.domain.competence`) — the :data:`POOL` cheapest of the
:data:`NEAR` nearest, plus up to :data:`LINKED_MAX` more that the previous
layer's candidates refer children to. When no service of the child's area is
eligible, the stage is a *gap* of one of three kinds: at a jurisdiction stage
(the signalement) the competent institution is named as missing and nothing
from another jurisdiction is proposed (``competent_missing``); elsewhere the
nearest eligible services of other areas within the distance asked are
proposed, marked out of area (``none_in_province``) — never an authority, which
acts only inside its jurisdiction — or, when there are none, the nearest one is
named for information only (``beyond_max_km``). A candidate's node cost is its
distance from the child in km minus :data:`BONUS_KM` per eligibility bonus
point (situation matched, disability accepted, language spoken, open 24/7 for
the emergency), plus :data:`TIER_KM` when the service does not state the
situations it takes (so it ranks after every explicit match) and
:data:`REFERENCE_KM` for an unverified reference entry; :mod:`.paths`
then finds the cheapest referral path through the layers, and ranks the other
candidates by the cost of the best path through them.

Everything a query reads is bounded by the child's neighbourhood and the
links of its candidates (:mod:`.index`), so its cost follows the territory, not
the country. Every tie is broken by service id: the same question over the
same annuaire gives the same plan.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ..coverage import chord_to_km, km_to_chord, unit_vectors
from ..domain.competence import JURISDICTION_STAGES, competent_institution
from ..domain.eligibility import Eligibility, Need, check_eligibility
from ..domain.entities import Territory
from ..domain.messages import Bilingual, Message, termed
from ..domain.taxonomy import EMERGENCY_NUMBERS, STAGES
from ..snapshot import Snapshot
from .index import Block, OrientationIndex, Rows, StageTable, orientation_index
from .paths import Candidate, cheapest_path, find_hop
from .plan import EmergencyNumber, Gap, Location, Plan, ServiceChoice, Situation, StagePlan
from .present import choice_reasons, service_choice
from .request import Request, locate, max_km_of
from .rules import StageVerdict, stages_for

__all__ = ["BONUS_KM", "LINKED_MAX", "NEAR", "POOL", "REFERENCE_KM", "TIER_KM", "orient"]

BONUS_KM = 10.0
"""How many km one eligibility bonus point is worth."""
REFERENCE_KM = 5.0
"""Cost of an unverified reference entry (an institution known by its kind and seat only):
a documented service of the network up to this much farther is preferred to it."""
TIER_KM = 1000.0
"""Cost of a service that does not state the situations it takes: more than any distance
within the country's provinces, so it always ranks after the explicit matches."""
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
    in_area: bool
    notes: list[Message] = field(default_factory=list)
    gap: Gap | None = None


class _Checks:
    """Eligibility for one need, answered for every class at once and read back as arrays.

    ``ok`` is indexed by deciding class, ``offset`` by ranking class (see
    :mod:`.index` and :mod:`.columns`), ``covers`` by zone class (for the child's
    place); the words of the rule (refusals, the full French explanation) are only
    written for the classes a plan counts and the services it shows.
    """

    def __init__(self, index: OrientationIndex, need: Need, covers: NDArray[np.bool_]) -> None:
        self.index, self.need, self.covers = index, need, covers
        self.ok = index.deciding_columns.ok(need)
        ranking = index.ranking_columns
        self.offset = TIER_KM * ~ranking.situations_stated - BONUS_KM * ranking.bonus(need)
        """Ranking class → node-cost offset in km: bonus points lower it, unstated
        situations raise it by :data:`TIER_KM`."""
        self.refused: dict[int, tuple[Message, ...]] = {}
        self.explained: dict[int, Eligibility] = {}

    def eligible(self, table: Rows, rows: NDArray[np.intp], *,
                 in_area: bool) -> NDArray[np.intp]:
        """The rows whose service accepts the need and may be proposed: inside its area
        (``in_area``), or outside it and not an authority."""
        return rows[self.ok[table.deciding[rows]]
                    & self.admits(table.zone[rows], in_area=in_area)]

    def admits(self, zones: NDArray[np.intp], *, in_area: bool) -> NDArray[np.bool_]:
        """Zone classes whose services may be proposed in an in-area (or out-of-area) layer."""
        if in_area:
            return self.covers[zones]
        return ~self.covers[zones] & ~self.index.authority[zones]

    def refusals(self, k: int) -> tuple[Message, ...]:
        """Why deciding class ``k`` refuses the need (nothing when it accepts it)."""
        if k not in self.refused:
            self.refused[k] = check_eligibility(self.index.deciding_services[k],
                                                self.need).refusals
        return self.refused[k]

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
        self.commune: Territory | None = (self.snap.territories.get(location.commune.code)
                                          if location.commune else None)
        self.max_km = max_km_of(request)
        self.chord_max = km_to_chord(self.max_km)
        covers = self._covers()
        urgent = _Checks(index, request.need, covers)
        calm = (_Checks(index, dataclasses.replace(request.need, urgent=False), covers)
                if request.need.urgent else urgent)
        self.stage_checks = {stage: urgent if stage == "urgence" else calm for stage in STAGES}
        """Urgency weighs on the ``urgence`` stage only: once the emergency is met, the
        next services are ranked as for any child (open 24/7 no longer counts)."""
        self.checks = urgent

    def _covers(self) -> NDArray[np.bool_]:
        """Zone class → whether its area covers the child's commune (or, with no commune,
        reaches into the province)."""
        province = self.snap.territories[self.province]
        return np.array([z.area.covers(self.commune) if self.commune is not None
                         else z.area.touches(province) for z in self.index.zones], dtype=bool)

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
        shown: dict[int, Bilingual] = {}
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
                shown.setdefault(choice.service, termed(STAGES[verdict.stage]))
                previous_choice = choice
        r = self.request
        situation = Situation(self.need.situations, self.need.age, self.need.sex,
                              self.need.urgent, self.need.disability, self.need.language,
                              r.start_stage, self.max_km)
        gaps = tuple(layer.gap for layer in layers if layer.gap is not None)
        emergency = tuple(EmergencyNumber(code, term.fr, term.ar)
                          for code, term in EMERGENCY_NUMBERS.items()) if self.need.urgent else ()
        return Plan(situation, self.location, tuple(stages), gaps, emergency)

    def _layer(self, verdict: StageVerdict, previous: _Layer | None) -> _Layer:
        self.checks = self.stage_checks[verdict.stage]
        table = self.index.stages[verdict.stage]
        layer = _Layer(verdict, table, self._in_area(table), in_area=True)
        assert verdict.applies is not None  # a live stage: it applies
        layer.notes.append(verdict.applies)
        if not layer.candidates:
            layer.in_area = False
            layer.notes.append(self._why_none_here(table))
            if verdict.stage in JURISDICTION_STAGES:
                self._record_missing(layer)
                return layer  # never a service of another jurisdiction
            layer.candidates = self._nearest(table, self.chord_max, POOL)
            self._record_gap(layer)
        if previous is not None:
            self._add_linked(layer, previous)
        return layer

    def _in_area(self, table: StageTable) -> list[Candidate]:
        """The :data:`POOL` cheapest of the :data:`NEAR` nearest eligible services whose area
        covers the child, at any distance.

        The province's points are read nearest first from its block's k-d tree, four
        times more each round, until they hold :data:`NEAR` eligible places
        (every service at a point read is weighed, so equally near ones are
        never left out by chance); services placed in other provinces whose area
        reaches this one (:meth:`StageTable.pieces_in`, few) are weighed too. The
        cost thus follows the neighbourhood of the child, however many services
        the province holds.
        """
        pieces = [(block, rows, rows + 1) for block, found in table.pieces_in(self.province)
                  for rows in [self.checks.eligible(block, found, in_area=True)]]
        home = table.blocks.get(self.province)
        if home is not None:
            spots = home.spots
            m = len(spots.first)
            k = min(m, NEAR)
            while True:
                _, near = spots.tree.query(self.point, k=k)
                segments = _ranges(spots.first[np.atleast_1d(near)],
                                   spots.last[np.atleast_1d(near)])
                heads = home.segment_start[segments]
                segments = segments[self.checks.ok[home.deciding[heads]]
                                    & self.checks.covers[home.zone[heads]]]
                places = int((home.segment_end[segments] - home.segment_start[segments]).sum())
                if k == m or places >= NEAR:
                    pieces.append((home, home.segment_start[segments],
                                   home.segment_end[segments]))
                    break
                k = min(m, 4 * k)
        return self._ranked(pieces, POOL, math.inf)

    def _nearest(self, table: StageTable, chord_max: float, want: int) -> list[Candidate]:
        """The ``want`` nearest eligible services of the stage outside the child's area
        (never an authority), wherever they are within ``chord_max``.

        The table is asked for the nearest places (:meth:`StageTable.nearest`, across
        provinces), a few times ``want`` and then eight times more; when eligible
        services are rarer than that, the rows of every accepting deciding class are
        gathered instead.
        """
        n = table.size
        if n == 0:
            return []
        for k in (min(n, 4 * want), min(n, 32 * want)):
            found = table.nearest(self.point, k, chord_max)
            pieces = [(block, rows, rows + 1) for block, near in found
                      for rows in [self.checks.eligible(block, near, in_area=False)]]
            services = {int(s) for block, rows, _ in pieces for s in block.service[rows]}
            if k == n or sum(len(rows) for _, rows in found) < k or len(services) >= want:
                return self._ranked(pieces, want, chord_max)
        accepted: list[tuple[Block, NDArray[np.intp]]] = []
        for code in table.codes:
            block = table.blocks[code]
            classes = np.fromiter(block.rows_by_deciding, dtype=np.intp)
            ok = [block.rows_by_deciding[k] for k in classes[self.checks.ok[classes]].tolist()]
            if ok:
                rows = np.concatenate(ok)
                accepted.append((block, rows[self.checks.admits(block.zone[rows],
                                                                in_area=False)]))
        if sum(len(rows) for _, rows in accepted) > 4 * want:
            # the nearest places, before their offset is needed
            dot = np.concatenate([block.xyz[rows] @ self.point for block, rows in accepted])
            nearest = np.zeros(len(dot), dtype=bool)
            nearest[np.argpartition(-dot, 4 * want)[:4 * want]] = True
            cuts = np.cumsum([len(rows) for _, rows in accepted])[:-1]
            accepted = [(block, rows[keep]) for (block, rows), keep
                        in zip(accepted, np.split(nearest, cuts), strict=True)]
        return self._ranked([(block, rows, rows + 1) for block, rows in accepted], want,
                            chord_max)

    def _ranked(self, pieces: list[tuple[Block, NDArray[np.intp], NDArray[np.intp]]],
                want: int, chord_max: float) -> list[Candidate]:
        """The ``want`` services of ``pieces`` with the lowest node cost, one place each,
        within ``chord_max``.

        A piece is a block and the starts and ends of runs of its rows (a run is one
        row, or one segment, see :class:`~.index.Block`): each run is costed once
        and gives its rows in id order.
        """
        pieces = sorted((p for p in pieces if len(p[1])), key=lambda p: p[0].province)
        if not pieces:
            return []
        parts = []
        for n, (block, rows, stops) in enumerate(pieces):
            chord = np.sqrt(np.maximum(2.0 - 2.0 * (block.xyz[rows] @ self.point), 0.0))
            keep = chord <= chord_max
            rows, stops, chord = rows[keep], stops[keep], chord[keep]
            km = chord_to_km(chord)
            cost = (km + self.checks.offset[block.ranking[rows]]
                    + REFERENCE_KM * self.index.provisional[block.zone[rows]])
            parts.append((np.full(len(rows), n, dtype=np.intp), rows, stops, km, cost,
                          block.service[rows]))
        piece, rows, stops, km, cost, head = (np.concatenate(a) for a in zip(*parts, strict=True))
        if len(rows) > 4 * want:
            sel = cost <= np.partition(cost, 4 * want)[4 * want]
            piece, rows, stops, km, cost, head = (a[sel] for a in (piece, rows, stops, km, cost,
                                                                    head))
        out: list[Candidate] = []
        seen: set[int] = set()
        # equal costs go by service (then province and row): not by class numbers, which
        # depend on the order the index met the classes in (a carried index numbers new
        # ones last)
        for i in np.lexsort((rows, piece, head, cost)).tolist():
            block = pieces[int(piece[i])][0]
            for row in range(int(rows[i]), int(stops[i])):
                service = int(block.service[row])
                if service not in seen:
                    seen.add(service)
                    out.append(Candidate(service, block.places[row], float(km[i]),
                                         float(cost[i])))
                    if len(out) == want:
                        return out
        return out

    def _add_linked(self, layer: _Layer, previous: _Layer) -> None:
        """Candidates the previous stage's candidates refer to, even if not among the nearest,
        if they may be proposed in this layer (inside the child's area, or outside it
        within the distance asked)."""
        table, index = layer.table, self.index
        present = {c.service for c in layer.candidates}
        rows: dict[str, list[int]] = defaultdict(list)
        for u in previous.candidates:
            for sid in index.successors[index.service_ids[u.service]]:
                v = index.position[sid]
                if v not in present:
                    present.add(v)
                    for province in {p.province_code for p in self.snap.places.get(sid, ())}:
                        if province in table.blocks:
                            rows[province].extend(table.blocks[province].rows_of(v).tolist())
        pieces = [(block, linked, linked + 1) for province, found in rows.items()
                  for block in [table.blocks[province]]
                  for linked in [self.checks.eligible(block, np.asarray(found, dtype=np.intp),
                                                      in_area=layer.in_area)]]
        if not pieces:
            return
        extra = self._ranked(pieces, LINKED_MAX, math.inf if layer.in_area else self.chord_max)
        layer.candidates = sorted([*layer.candidates, *extra], key=lambda c: (c.cost, c.service))

    # --- explanations ------------------------------------------------------------------------

    def _where(self) -> Message:
        if self.commune is not None:
            return Message("the_commune", name=Bilingual(self.commune.name_fr,
                                                         self.commune.name_ar))
        province = self.index.snapshot.territories.get(self.province)
        return Message("the_province", name=Bilingual(
            self.location.province.name or self.province, province.name_ar if province else ""))

    def _why_none_here(self, table: StageTable) -> Message:
        """Why no service of the child's area can be proposed for this stage: the refusals
        of the services whose area covers the child, counted."""
        home = table.blocks.get(self.province)
        covering = table.pieces_in(self.province) + (
            [(home, np.arange(len(home.places), dtype=np.intp))] if home is not None else [])
        services = np.unique(np.concatenate(
            [_NONE, *(block.service[rows[self.checks.covers[block.zone[rows]]]]
                      for block, rows in covering)]))
        if len(services) == 0:
            return Message("none_covers", where=self._where())
        classes, counts = np.unique(self.index.deciding[services], return_counts=True)
        refusals: Counter[Message] = Counter()
        for k, count in zip(classes.tolist(), counts.tolist(), strict=True):
            for refusal in self.checks.refusals(k):
                refusals[refusal] += count
        parts = tuple(Message("refused_count", why=why, n=n)
                      for why, n in sorted(refusals.items(), key=lambda i: (-i[1], i[0])))
        return Message("none_eligible_covers", where=self._where(), refusals=parts)

    def _record_missing(self, layer: _Layer) -> None:
        """A jurisdiction stage with no competent service: name the competent institution."""
        institution = competent_institution(layer.verdict.stage, self.commune)
        reason = Message("competent_missing",
                         institution=Bilingual(institution.fr, institution.ar))
        layer.notes.append(reason)
        layer.gap = Gap(layer.verdict.stage, "competent_missing", self.location.province, None,
                        None, reason, institution.fr, institution.ar)

    def _record_gap(self, layer: _Layer) -> None:
        """No eligible service of the child's area: out-of-area ones within the distance
        asked are proposed (``none_in_province``), else the nearest is named for
        information (``beyond_max_km``)."""
        max_km = f"{self.max_km:g}"
        nearest: Candidate | None
        if layer.candidates:
            kind = "none_in_province"
            nearest = min(layer.candidates, key=lambda c: (c.km, c.service))
            reason = Message("out_of_area_proposed", where=self._where(), km=max_km)
        else:
            kind = "beyond_max_km"
            found = self._nearest(layer.table, math.inf, 1)
            nearest = found[0] if found else None
            reason = (Message("nearest_for_information", km=max_km) if nearest is not None
                      else Message("none_anywhere"))
            layer.notes.append(reason)
        choice = (service_choice(self.index, nearest, None, self.province, (),
                                 in_area=False)
                  if nearest else None)
        layer.gap = Gap(layer.verdict.stage, kind, self.location.province, choice,
                        round(nearest.km, 1) if nearest else None, reason)

    def _stage_plan(self, layer: _Layer, chosen: Candidate | None, previous: Candidate | None,
                    shown: dict[int, Bilingual]) -> StagePlan:
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
              shown: dict[int, Bilingual]) -> ServiceChoice:
        ids = self.index.service_ids
        hop = find_hop(self.index, ids[previous.service], ids[c.service]) if previous else None
        reasons = choice_reasons(
            self.index, self.checks.explain(c.service), c, previous, hop, nearest_km,
            outside=None if layer.in_area else self._where(),
            earlier=shown.get(c.service))
        return service_choice(self.index, c, hop, self.province, reasons,
                              in_area=layer.in_area)


_NONE: NDArray[np.intp] = np.empty(0, dtype=np.intp)


def _ranges(starts: NDArray[np.intp], ends: NDArray[np.intp]) -> NDArray[np.intp]:
    """The concatenation of ``range(starts[j], ends[j])`` for every ``j``, vectorised."""
    lengths = ends - starts
    return np.arange(int(lengths.sum())) + np.repeat(starts - np.cumsum(lengths) + lengths,
                                                     lengths)
