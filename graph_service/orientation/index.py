"""What orientation derives from a snapshot once, so that a query costs what its territory costs.

A question concerns one child in one province. To keep its cost independent of
the size of the country, the service places of a stage are kept in one *block*
per province (its own arrays, ordered by point and classes, and its own k-d
trees), found by dictionary look-up. Eligibility is not checked per service but
per *eligibility class* — services whose :func:`~graph_service.domain.eligibility.eligibility_key`
is equal answer every need alike — so a query answers every class at once from
its columns (:mod:`.columns`) and reads the answer for thousands of places with
one numpy gather. The
nearest provider beyond the province, when the province has none, is found by
reading the blocks nearest first (each block's centre and radius bound how near
its places can be) until no other block can hold a nearer one.

Territorial competence (:mod:`graph_service.domain.competence`) is read the same
way: services that share an area and authority status form a *zone class*,
whose coverage of the child's commune is decided once per query. Services
that receive no child are not indexed, nor, at a jurisdiction stage (the
signalement), any service that is not an authority.

The index is kept in :attr:`Snapshot.derived` and carried to the next snapshot
(:data:`ORIENTATION_INDEX`): classes are numbered once and new ones appended, and
only the blocks of the provinces an edit touched, in the stages it touched, are
made again; the others are shared, so an edit costs what its provinces cost. A
class no service holds any more keeps its number (and its columns) until such
classes outnumber the live ones (:func:`_compacted`); then the live ones are
numbered again, in the same order: a process applying edits for months holds the
classes of its annuaire, not those of its history.
Places are indexed at their public point (a confidential site at its commune's,
:class:`~graph_service.snapshot.Place`), so no answer can be used to triangulate a
shelter.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from ..coverage import unit_vectors
from ..domain.competence import ServiceArea
from ..domain.eligibility import deciding_key, ranking_key
from ..domain.entities import Service, Territory
from ..domain.taxonomy import STAGE_ORDER
from ..snapshot import Delta, Derived, Place, Snapshot, Successors, derive
from ..text import search_key
from .columns import EligibilityColumns

__all__ = ["ORIENTATION_INDEX", "RETIRED_MIN", "Block", "OrientationIndex", "Rows", "StageTable",
           "Zone", "orientation_index"]

IntArray = NDArray[np.intp]
FloatArray = NDArray[np.float64]


class Positions(Mapping[str, int]):
    """Service id → its position among the sorted ids, found by bisection: when services
    come or go, nothing is written again (a dict of 43,000 ids took milliseconds to
    renumber at each creation), and a lookup costs a microsecond."""

    __slots__ = ("ids",)

    def __init__(self, ids: tuple[str, ...]) -> None:
        self.ids = ids

    def __getitem__(self, sid: str) -> int:
        i = bisect.bisect_left(self.ids, sid)
        if i < len(self.ids) and self.ids[i] == sid:
            return i
        raise KeyError(sid)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, slots=True)
class Spots:
    """The distinct points of one block (one province's places for one stage).

    Point ``j`` of ``tree`` holds segments ``first[j]`` to ``last[j]`` (exclusive).
    """

    tree: cKDTree
    first: IntArray
    last: IntArray


@dataclass(frozen=True, slots=True)
class Zone:
    """What competence reads of a service: the area it serves, whether it is an
    authority (then proposed only inside that area), and whether it is a provisional
    reference entry (ranked after documented ones, see :data:`.route.REFERENCE_KM`)."""

    area: ServiceArea
    authority: bool
    provisional: bool


@dataclass(frozen=True, slots=True)
class Rows:
    """Places of services of one stage, row by row: row ``i`` is ``places[i]`` of service
    ``service[i]`` (an index into :attr:`OrientationIndex.service_ids`), of deciding
    class ``deciding[i]``, ranking class ``ranking[i]`` and zone class ``zone[i]``."""

    places: tuple[Place, ...]
    xyz: FloatArray
    service: IntArray
    deciding: IntArray
    ranking: IntArray
    zone: IntArray


@dataclass(frozen=True, slots=True)
class Block(Rows):
    """The rows of one stage delivered in one province, ordered by (point, deciding class,
    ranking class, zone class, service id).

    Rows at the same point with the same classes are indistinguishable to
    orientation but for their id, and form a *segment*
    (``segment_start``/``segment_end``): the many services that share their
    commune's point are weighed once per segment, not once each. A block is made
    from its province's services alone, so an edit makes again only the blocks of
    the provinces it touched.
    """

    province: str
    segment_start: IntArray
    segment_end: IntArray
    spots: Spots
    """Its distinct points, for nearest-first reading."""
    rows_by_deciding: dict[int, IntArray]
    """Deciding class → its rows (for eligibility too rare to find by distance)."""
    by_service: IntArray
    """Its rows ordered by service index (stably): see :meth:`rows_of`."""
    service_sorted: IntArray
    """``service[by_service]``, for bisection."""
    reaches: dict[str, IntArray]
    """Other province → the rows whose zone's area reaches into it (a cour d'appel for
    the provinces of its ressort, a regional service…)."""
    tree: cKDTree
    centre: FloatArray
    radius: float
    """Chord from ``centre`` to the farthest row: no row is nearer a point than its
    chord to ``centre`` minus ``radius``."""

    def rows_of(self, service: int) -> IntArray:
        """The rows of the service at index ``service``, in row order."""
        lo, hi = np.searchsorted(self.service_sorted, (service, service + 1))
        return self.by_service[lo:hi]


@dataclass(frozen=True, slots=True)
class StageTable:
    """Every place of every service of one stage, by province (:class:`Block`)."""

    stage: str
    blocks: dict[str, Block]
    """Province code → the rows delivered there."""
    foreign: dict[str, tuple[str, ...]]
    """Province code → the other provinces whose block has rows reaching into it."""
    codes: tuple[str, ...]
    """The provinces with a block, sorted; ``centres`` and ``radii`` follow them."""
    centres: FloatArray
    radii: FloatArray

    def pieces_in(self, province: str) -> list[tuple[Block, IntArray]]:
        """The rows delivered elsewhere whose area reaches into ``province``, block by block
        in province order."""
        return [(self.blocks[code], self.blocks[code].reaches[province])
                for code in self.foreign.get(province, ())]

    def nearest(self, point: FloatArray, k: int, chord_max: float
                ) -> list[tuple[Block, IntArray]]:
        """The ``k`` rows nearest ``point`` within ``chord_max`` (fewer if there are not
        so many), block by block in province order: blocks are read nearest first and
        until none can hold a nearer row than the ``k`` found."""
        if not self.codes:
            return []
        bound = np.maximum(np.linalg.norm(self.centres - point, axis=1) - self.radii, 0.0)
        found: list[tuple[float, int, int]] = []  # (chord, block number, row)
        for b in np.argsort(bound, kind="stable").tolist():
            worst = found[k - 1][0] if len(found) >= k else chord_max
            if bound[b] > worst:
                break
            block = self.blocks[self.codes[b]]
            chords, rows = block.tree.query(point, k=min(k, len(block.places)),
                                            distance_upper_bound=chord_max)
            chords, rows = np.atleast_1d(chords), np.atleast_1d(rows)
            reached = np.isfinite(chords)
            found = sorted([*found, *((chord, b, row) for chord, row in zip(
                chords[reached].tolist(), rows[reached].tolist(), strict=True))])[:k]
        by_block: dict[int, list[int]] = defaultdict(list)
        for _, b, row in found:
            by_block[b].append(row)
        return [(self.blocks[self.codes[b]], np.array(sorted(by_block[b]), dtype=np.intp))
                for b in sorted(by_block)]

    @property
    def size(self) -> int:
        return sum(len(b.places) for b in self.blocks.values())


@dataclass(frozen=True, slots=True)
class OrientationIndex:
    snapshot: Snapshot
    service_ids: tuple[str, ...]
    """Every service id, sorted; positions are the service indexes used in tables."""
    position: Positions
    deciding: IntArray
    """Service index → deciding class."""
    deciding_services: tuple[Service, ...]
    """Deciding class → one service of that class (the first met: all answer alike)."""
    ranking: IntArray
    ranking_services: tuple[Service, ...]
    deciding_columns: EligibilityColumns
    """The eligibility fields of ``deciding_services``, to answer a need for every class
    at once."""
    ranking_columns: EligibilityColumns
    """The same of ``ranking_services``."""
    zone: IntArray
    """Service index → zone class."""
    zones: tuple[Zone, ...]
    """Zone class → its area and authority status."""
    authority: NDArray[np.bool_]
    """Zone class → whether its services are authorities."""
    provisional: NDArray[np.bool_]
    """Zone class → whether its services are provisional reference entries."""
    stages: dict[str, StageTable]
    communes_by_key: dict[str, tuple[str, ...]]
    """search_key of a commune's French or Arabic name → commune codes."""
    commune_codes: tuple[str, ...]
    commune_tree: cKDTree
    commune_provinces: frozenset[str]
    """Provinces that have communes of their own (not Casablanca's préfectures
    d'arrondissements, whose communes belong to the préfecture of Casablanca)."""
    successors: Successors
    """The circuit's adjacency, service id → successor id → ``{"link": ReferralLink}``
    (the snapshot's own mapping)."""
    numbering: _Numbering
    """How classes were numbered, for the next snapshot's index to number alike."""


def orientation_index(snapshot: Snapshot) -> OrientationIndex:
    """The index of ``snapshot``: carried from the previous one, or built on first use."""
    return derive(snapshot, ORIENTATION_INDEX)


@dataclass(frozen=True, slots=True)
class _Numbering:
    """Class key → class number, per kind of class; each zone's reach (by zone number)."""

    deciding: dict[Hashable, int]
    ranking: dict[Hashable, int]
    zones: dict[Zone, int]
    reaches: tuple[frozenset[str], ...]


def _build(snap: Snapshot) -> OrientationIndex:
    service_ids = tuple(sorted(snap.services))
    numbering = _Numbering({}, {}, {}, ())
    zeros = np.zeros(len(service_ids), dtype=np.intp)
    return _indexed(snap, service_ids, numbering, (zeros, (), zeros, (), zeros), service_ids,
                    STAGE_ORDER, snap.by_province, None)


def _indexed(snap: Snapshot, service_ids: tuple[str, ...], numbering: _Numbering,
             classes: tuple[IntArray, tuple[Service, ...], IntArray, tuple[Service, ...],
                            IntArray],
             touched: Collection[str], stages: Collection[str], provinces: Iterable[str],
             old: OrientationIndex | None) -> OrientationIndex:
    """The index of ``snap`` from ``classes`` (deciding, its services, ranking, its services,
    zone, by service position), with the ``touched`` services there classed anew and the
    blocks of ``provinces`` made anew in the tables of ``stages`` whose rows changed; the
    other blocks and tables are ``old``'s."""
    position = (old.position if old is not None and old.service_ids is service_ids
                else Positions(service_ids))
    deciding, ranking, zone = (classes[0].copy(), classes[2].copy(), classes[4].copy())
    deciding_services, ranking_services = list(classes[1]), list(classes[3])
    for sid in touched:
        if sid not in position:
            continue  # gone
        i, service = position[sid], snap.services[sid]
        deciding[i] = _number(numbering.deciding, deciding_key(service), deciding_services,
                              service)
        ranking[i] = _number(numbering.ranking, ranking_key(service), ranking_services, service)
        zone[i] = numbering.zones.setdefault(
            Zone(snap.areas[sid], sid in snap.authorities, sid in snap.provisional),
            len(numbering.zones))
    zones = tuple(numbering.zones)
    reaches = numbering.reaches + _reaches(snap, zones[len(numbering.reaches):])
    numbering = replace(numbering, reaches=reaches)
    known = _Classes(position, deciding, ranking, zone, reaches)
    if old is not None:
        stages = _changed_stages(old, snap, known, touched, stages)
    tables = dict(old.stages) if old is not None else {}
    provinces = tuple(provinces)
    tables.update({stage: _stage_table(snap, stage, known, provinces, tables.get(stage),
                                       touched if old is not None else None)
                   for stage in STAGE_ORDER if stage in stages})
    if old is None:
        communes = sorted((t for t in snap.communes() if t.lat is not None and t.lon is not None),
                          key=lambda t: t.code)
        by_key: dict[str, list[str]] = defaultdict(list)
        for commune in communes:
            for name in {search_key(commune.name_fr), search_key(commune.name_ar)} - {""}:
                by_key[name].append(commune.code)
        communes_by_key = {k: tuple(v) for k, v in by_key.items()}
        commune_codes = tuple(c.code for c in communes)
        commune_tree = cKDTree(_points(communes))
        commune_provinces = frozenset(c.province_code for c in communes if c.province_code)
    else:
        communes_by_key, commune_codes = old.communes_by_key, old.commune_codes
        commune_tree, commune_provinces = old.commune_tree, old.commune_provinces
    return OrientationIndex(
        snapshot=snap,
        service_ids=service_ids,
        position=position,
        deciding=deciding,
        deciding_services=tuple(deciding_services),
        ranking=ranking,
        ranking_services=tuple(ranking_services),
        deciding_columns=_columns(old.deciding_columns if old else None, deciding_services),
        ranking_columns=_columns(old.ranking_columns if old else None, ranking_services),
        zone=zone,
        zones=zones,
        authority=np.array([z.authority for z in zones], dtype=bool),
        provisional=np.array([z.provisional for z in zones], dtype=bool),
        stages=tables,
        communes_by_key=communes_by_key,
        commune_codes=commune_codes,
        commune_tree=commune_tree,
        commune_provinces=commune_provinces,
        successors=snap.circuit,
        numbering=numbering,
    )


def _changed_stages(old: OrientationIndex, snap: Snapshot, known: _Classes,
                    services: Iterable[str], stages: Collection[str]) -> set[str]:
    """The ``stages`` whose rows differ between ``old`` and the index of ``snap`` given
    ``known`` classes: where one of ``services`` (the ones that may differ) came, went, or
    has other places or classes (a renamed service or a re-aimed link changes no row)."""
    was = old.snapshot
    changed: set[str] = set()
    for sid in services:
        before = {st for st in stages if _holds(was.referable.get(st, ()), sid)}
        after = {st for st in stages if _holds(snap.referable.get(st, ()), sid)}
        changed |= before ^ after
        if before & after and sid in old.position and (
                was.places.get(sid) != snap.places.get(sid)
                or _classes_of(old.deciding, old.ranking, old.zone, old.position[sid])
                != _classes_of(known.deciding, known.ranking, known.zone, known.position[sid])):
            changed |= before & after
    return changed


def _holds(ordered: tuple[str, ...], sid: str) -> bool:
    i = bisect.bisect_left(ordered, sid)
    return i < len(ordered) and ordered[i] == sid


def _classes_of(deciding: IntArray, ranking: IntArray, zone: IntArray, i: int
                ) -> tuple[int, int, int]:
    return int(deciding[i]), int(ranking[i]), int(zone[i])


def _number(numbers: dict[Hashable, int], key: Hashable, members: list[Service],
            service: Service) -> int:
    """The class of ``key``, numbered next (with ``service`` its member) if new."""
    if key not in numbers:
        numbers[key] = len(members)
        members.append(service)
    return numbers[key]


def _columns(old: EligibilityColumns | None, services: list[Service]) -> EligibilityColumns:
    """The columns of ``services``, the classes numbered before (whose columns ``old`` holds)
    encoded again only when there is no ``old``."""
    if old is None:
        return EligibilityColumns.of(services)
    return old.extended(services[len(old):])


def advance_orientation(old: OrientationIndex, snap: Snapshot, delta: Delta
                        ) -> OrientationIndex:
    """The index of ``snap`` carried from ``old``: the services ``delta`` names classed
    anew (new classes numbered after the others), the blocks of the provinces it names made
    anew in the tables of the stages it names; a new set of provinces served (zones reach
    provinces) builds it whole."""
    was = old.snapshot
    if was.by_province.keys() != snap.by_province.keys() or was.territories is not snap.territories:
        return _build(snap)
    numbering = _Numbering(dict(old.numbering.deciding), dict(old.numbering.ranking),
                           dict(old.numbering.zones), old.numbering.reaches)
    if any((sid in was.services) != (sid in snap.services) for sid in delta.services):
        old = _renumbered(old, snap, delta.services)
    classes = (old.deciding, old.deciding_services, old.ranking, old.ranking_services, old.zone)
    return _compacted(_indexed(snap, old.service_ids, numbering, classes, delta.services,
                               delta.stages, delta.provinces, old))


def _renumbered(old: OrientationIndex, snap: Snapshot, services: Iterable[str]
                ) -> OrientationIndex:
    """``old`` with its services at their positions among ``snap``'s, where some of
    ``services`` came or went: ids stay sorted, so the services kept keep their order, and
    every block its rows' order. The few ids are put in or taken out of the sorted ones and
    the shift of each position is counted by bisection (sorting the 43,000 ids again and
    mapping each by a dict was most of the time of a national service's creation)."""
    ids = old.service_ids
    gone = sorted(sid for sid in set(services) if sid in old.position and sid not in snap.services)
    came = sorted(sid for sid in set(services) if sid not in old.position and sid in snap.services)
    gone_at = np.array([old.position[sid] for sid in gone], dtype=np.intp)
    came_at = np.array([bisect.bisect_left(ids, sid) for sid in came], dtype=np.intp)
    every = np.arange(len(ids), dtype=np.intp)
    to = (every - np.searchsorted(gone_at, every)  # minus the ids gone before it
          + np.searchsorted(came_at, every, side="right"))  # plus those come before it
    to[gone_at] = -1
    kept = to >= 0
    moved = list(ids)
    for at in reversed(gone_at.tolist()):
        del moved[at]
    for sid in came:
        bisect.insort(moved, sid)
    service_ids = tuple(moved)
    n = len(service_ids)
    # The first position that moves: those before it hold the same ids as before.
    first = int(min(gone_at.min(initial=n), came_at.min(initial=n)))

    def block(b: Block) -> Block:
        if not len(b.service_sorted) or b.service_sorted[-1] < first:
            return b  # no row of it moves
        return replace(b, service=to[b.service], service_sorted=to[b.service_sorted])

    return replace(
        old,
        service_ids=service_ids,
        position=Positions(service_ids),
        deciding=_moved(old.deciding, to, kept, n),
        ranking=_moved(old.ranking, to, kept, n),
        zone=_moved(old.zone, to, kept, n),
        stages={stage: replace(t, blocks={code: block(b) for code, b in t.blocks.items()})
                for stage, t in old.stages.items()})


RETIRED_MIN = 256
"""Classes no service holds that an index keeps numbered, at least, before renumbering."""


def _compacted(index: OrientationIndex) -> OrientationIndex:
    """``index``, or, when one kind of class numbers more than twice its live classes
    (those some service holds) plus :data:`RETIRED_MIN`, the same index with only the
    live classes of every kind, numbered again in their order.

    Keeping the order keeps every block's rows in order (they are sorted by class) and
    its segments as they are, so a block is renumbered by a gather, not made again:
    compacting costs milliseconds, once per thousands of edits that retire classes.
    """
    kinds = ((index.deciding, len(index.deciding_services)),
             (index.ranking, len(index.ranking_services)), (index.zone, len(index.zones)))
    live = [np.flatnonzero(np.bincount(of, minlength=n)) for of, n in kinds]
    if all(n <= 2 * len(kept) + RETIRED_MIN for (_, n), kept in zip(kinds, live, strict=True)):
        return index
    deciding, ranking, zone = (_renumbering(kept, n) for (_, n), kept in zip(kinds, live,
                                                                            strict=True))
    deciding_services = tuple(index.deciding_services[k] for k in live[0].tolist())
    ranking_services = tuple(index.ranking_services[k] for k in live[1].tolist())
    zones = tuple(index.zones[k] for k in live[2].tolist())
    return replace(
        index,
        deciding=deciding[index.deciding],
        deciding_services=deciding_services,
        ranking=ranking[index.ranking],
        ranking_services=ranking_services,
        deciding_columns=index.deciding_columns.taken(live[0]),
        ranking_columns=index.ranking_columns.taken(live[1]),
        zone=zone[index.zone],
        zones=zones,
        authority=index.authority[live[2]],
        provisional=index.provisional[live[2]],
        stages={stage: replace(table, blocks={
            code: replace(b, deciding=deciding[b.deciding], ranking=ranking[b.ranking],
                          zone=zone[b.zone], rows_by_deciding=dict(zip(
                              deciding[np.fromiter(b.rows_by_deciding, dtype=np.intp,
                                                   count=len(b.rows_by_deciding))].tolist(),
                              b.rows_by_deciding.values(), strict=True)))
            for code, b in table.blocks.items()}) for stage, table in index.stages.items()},
        numbering=_Numbering(
            {deciding_key(s): k for k, s in enumerate(deciding_services)},
            {ranking_key(s): k for k, s in enumerate(ranking_services)},
            {z: k for k, z in enumerate(zones)},
            tuple(index.numbering.reaches[k] for k in live[2].tolist())),
    )


def _renumbering(live: IntArray, numbered: int) -> IntArray:
    """Old class number → new (-1: retired): the ``live`` ones (sorted), in their order."""
    out = np.full(numbered, -1, dtype=np.intp)
    out[live] = np.arange(len(live), dtype=np.intp)
    return out


def _moved(classes: IntArray, to: IntArray, kept: NDArray[np.bool_], n: int) -> IntArray:
    """Classes by old service position → by new (``to``; -1: gone)."""
    out = np.zeros(n, dtype=np.intp)
    out[to[kept]] = classes[kept]
    return out
@dataclass(frozen=True, slots=True)
class _Classes:
    """Each service's classes (by service index), and the provinces each zone reaches."""

    position: Positions
    deciding: IntArray
    ranking: IntArray
    zone: IntArray
    reaches: tuple[frozenset[str], ...]


def _reaches(snap: Snapshot, zones: Iterable[Zone]) -> tuple[frozenset[str], ...]:
    """The provinces (with communes) each zone's area reaches into."""
    provinces = [t for t in snap.territories.values()
                 if t.level == "province" and t.code in snap.by_province]
    return tuple(frozenset(p.code for p in provinces if z.area.touches(p)) for z in zones)


def _stage_table(snap: Snapshot, stage: str, classes: _Classes, provinces: Iterable[str],
                 old: StageTable | None, touched: Collection[str] | None) -> StageTable:
    """The table of ``stage`` with the blocks of ``provinces`` made anew, the others
    ``old``'s; with ``touched`` (the services that may differ), a block is made from
    ``old``'s by re-filing only their rows (``None``: from every service)."""
    blocks = old.blocks.copy() if old is not None else {}
    for province in provinces:
        block = (_block(snap, stage, province, classes) if touched is None else
                 _reblock(snap, stage, province, classes, blocks.get(province), touched))
        if block is None:
            blocks.pop(province, None)
        else:
            blocks[province] = block
    codes = tuple(sorted(blocks))
    foreign: dict[str, list[str]] = defaultdict(list)
    for code in codes:
        for other in blocks[code].reaches:
            foreign[other].append(code)
    return StageTable(
        stage=stage,
        blocks=blocks,
        foreign={k: tuple(v) for k, v in foreign.items()},
        codes=codes,
        centres=np.array([blocks[c].centre for c in codes], dtype=np.float64).reshape(-1, 3),
        radii=np.array([blocks[c].radius for c in codes], dtype=np.float64),
    )


def _block(snap: Snapshot, stage: str, province: str, classes: _Classes) -> Block | None:
    """The rows of ``stage`` delivered in ``province`` (``None``: there are none)."""
    rows = _rows(snap, stage, province, classes, snap.by_province.get(province, ()))
    if not rows:
        return None
    return _made(province, classes, [p for _, _, p in rows],
                 np.array([i for i, _, _ in rows], dtype=np.intp),
                 np.array([n for _, n, _ in rows], dtype=np.intp))


def _reblock(snap: Snapshot, stage: str, province: str, classes: _Classes, old: Block | None,
             touched: Collection[str]) -> Block | None:
    """:func:`_block`, from ``old`` (the block before, its services re-indexed) where only
    the ``touched`` services' rows may differ: the others' rows are kept as they are, in
    their order, and sorted with the new ones (a province holds thousands of rows, an
    edit re-files a few)."""
    rows = _rows(snap, stage, province, classes, sorted(touched))
    kept: IntArray = np.zeros(0, dtype=np.intp)
    places: list[Place] = []
    if old is not None:
        leaving = np.array([classes.position.get(sid, -1) for sid in touched], dtype=np.intp)
        kept = np.flatnonzero((old.service >= 0) & ~np.isin(old.service, leaving))
        places = [old.places[i] for i in kept.tolist()]
    if not rows and not places:
        return None
    # a kept row is ordered among its service's rows by its row number, a new one by its
    # place number: the two never meet, a service's rows being all kept or all new
    return _made(province, classes, [*places, *(p for _, _, p in rows)],
                 np.concatenate((old.service[kept] if old is not None else kept,
                                 np.array([i for i, _, _ in rows], dtype=np.intp))),
                 np.concatenate((kept, np.array([n for _, n, _ in rows], dtype=np.intp))))


def _rows(snap: Snapshot, stage: str, province: str, classes: _Classes,
          services: Iterable[str]) -> list[tuple[int, int, Place]]:
    """(service index, place number, place) of each place in ``province`` of those of
    ``services`` referable at ``stage``."""
    position, referable = classes.position, snap.referable.get(stage, ())
    return [(position[sid], n, place) for sid in services if _holds(referable, sid)
            for n, place in enumerate(snap.places.get(sid, ()))
            if place.province_code == province]


def _made(province: str, classes: _Classes, unsorted: list[Place], at: IntArray,
          among: IntArray) -> Block:
    """The block of rows ``unsorted`` (places of the services at indexes ``at``; ``among``
    orders the rows of one service), sorted by (point, deciding class, ranking class,
    zone class, service id, ``among``)."""
    order = np.lexsort((
        among, at, classes.zone[at], classes.ranking[at], classes.deciding[at],
        np.array([p.lon for p in unsorted], dtype=np.float64),
        np.array([p.lat for p in unsorted], dtype=np.float64)))
    places = tuple(unsorted[i] for i in order.tolist())
    service = at[order]
    row_deciding, row_ranking = classes.deciding[service], classes.ranking[service]
    row_zone = classes.zone[service]
    reaches: dict[str, list[IntArray]] = defaultdict(list)
    for z in np.unique(row_zone).tolist():  # a national service's rows reach every province
        others = classes.reaches[z] - {province}
        if others:
            rows = np.flatnonzero(row_zone == z)
            for other in others:
                reaches[other].append(rows)
    xyz = unit_vectors([p.lat for p in places], [p.lon for p in places]).reshape(-1, 3)
    new_point = np.ones(len(places), dtype=bool)
    new_point[1:] = np.any(np.diff(xyz, axis=0) != 0, axis=1)
    new_segment = new_point.copy()
    new_segment[1:] |= ((np.diff(row_deciding) != 0) | (np.diff(row_ranking) != 0)
                        | (np.diff(row_zone) != 0))
    segment_start = np.flatnonzero(new_segment)
    opens = np.flatnonzero(new_point[segment_start])  # the segments that open a point
    centre = xyz.mean(axis=0)
    by_service = np.argsort(service, kind="stable")
    return Block(
        places=places,
        xyz=xyz,
        service=service,
        deciding=row_deciding,
        ranking=row_ranking,
        zone=row_zone,
        province=province,
        segment_start=segment_start,
        segment_end=np.append(segment_start[1:], len(places)),
        spots=Spots(cKDTree(xyz[segment_start[opens]]), opens,
                    np.append(opens[1:], len(segment_start))),
        rows_by_deciding=_group(row_deciding),
        by_service=by_service,
        service_sorted=service[by_service],
        reaches={k: np.sort(np.concatenate(v)) for k, v in reaches.items()},
        tree=cKDTree(xyz),
        centre=centre,
        radius=float(np.linalg.norm(xyz - centre, axis=1).max()),
    )


def _group(classes: IntArray) -> dict[int, IntArray]:
    """Class → the sorted positions holding it."""
    if len(classes) == 0:
        return {}
    order = np.argsort(classes, kind="stable")
    keys, starts = np.unique(classes[order], return_index=True)
    return {int(k): rows for k, rows in zip(keys.tolist(), np.split(order, starts[1:]),
                                            strict=True)}


def _points(territories: list[Territory]) -> FloatArray:
    return unit_vectors([t.lat or 0.0 for t in territories],
                        [t.lon or 0.0 for t in territories]).reshape(-1, 3)


ORIENTATION_INDEX = Derived(__name__, _build, advance_orientation)
