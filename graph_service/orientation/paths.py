"""The cheapest referral path through layers of candidate services.

Each applicable stage is a layer of candidates (:class:`Candidate`, with a
node cost in km-equivalents). Between consecutive layers a child follows an
established referral of the circuit — one link, or two through an
intermediate service (:class:`Hop`), as when a CAPE passes a case from its
evaluation to its accompaniment — or an "unlinked" hop the social worker must
arrange, which costs :data:`UNLINKED_KM`. The layers form a DAG: a forward
pass gives each candidate the cheapest path ending there (``best``), a backward
pass the cheapest continuation (``after``), and their sum ranks alternatives.

A plan that sends the child back to a service already seen two stages or more
earlier is a detour: such a revisit is charged :data:`REVISIT_KM` and the
passes are run again (at most :data:`REVISIT_ROUNDS` times). Staying with the
same service for consecutive stages is no detour, but no referral either: it
costs an unlinked hop. Every tie goes to the smaller service index (ids are
sorted), so equal data give equal paths.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..domain.entities import ReferralLink
from ..snapshot import Place
from .index import OrientationIndex

__all__ = ["HOP_KM", "LINK_KM", "REVISIT_KM", "REVISIT_ROUNDS", "UNLINKED_KM", "Candidate",
           "Hop", "cheapest_path", "find_hop", "hops_between"]

LINK_KM = {"protocol": 0.0, "practice": 5.0}
"""Cost of following an established referral link, by kind: a protocol is the surest path."""
HOP_KM = 2.0
"""Extra cost of passing through an intermediate service (two links instead of one)."""
UNLINKED_KM = 30.0
"""Cost of a hop the circuit has no link for: the social worker must make the contact."""
REVISIT_KM = 30.0
"""Cost of sending the child back to a service seen two stages or more earlier."""
REVISIT_ROUNDS = 3


@dataclass(slots=True, eq=False)
class Candidate:
    """A service (index) at one of its places, for one stage."""

    service: int
    place: Place
    km: float
    cost: float
    """Node cost: distance minus the eligibility bonus, in km-equivalents."""
    penalty: float = 0.0
    best: float = math.inf
    after: float = 0.0
    prev: Candidate | None = None
    hop: Hop | None = None

    @property
    def through(self) -> float:
        """Cost of the cheapest whole path through this candidate."""
        return self.best + self.after


@dataclass(frozen=True, slots=True)
class Hop:
    """An established referral from one service to another: one link, or two via ``via``."""

    links: tuple[ReferralLink, ...]
    via: str | None = None

    @property
    def cost(self) -> float:
        return sum(LINK_KM.get(link.link_kind, UNLINKED_KM) for link in self.links) + \
            HOP_KM * (len(self.links) - 1)


def find_hop(index: OrientationIndex, source: str, target: str) -> Hop | None:
    """The cheapest established referral from service ``source`` to ``target``, if any."""
    succ = index.successors
    out = succ.get(source, {})
    if target in out:
        return Hop((out[target]["link"],))
    best: Hop | None = None
    for via in out:
        second = succ.get(via, {}).get(target)
        if second is not None and via != target:
            hop = Hop((out[via]["link"], second["link"]), via)
            if best is None or hop.cost < best.cost:
                best = hop
    return best


def hops_between(index: OrientationIndex, layer: Sequence[Candidate],
                 nxt: Sequence[Candidate]) -> list[tuple[Candidate, Candidate, Hop]]:
    """Established referrals from candidates of ``layer`` to candidates of ``nxt``.

    Each service's links are read from whichever side is smaller (its
    successors or the next layer), so hubs referring to thousands cost no more.
    """
    ids, succ = index.service_ids, index.successors
    targets = {ids[v.service]: v for v in nxt}
    out: list[tuple[Candidate, Candidate, Hop]] = []
    for u in layer:
        direct = _within(succ.get(ids[u.service], {}), targets)
        reached = {v.service for v, _ in direct}
        out.extend((u, v, Hop((data["link"],))) for v, data in direct)
        two: dict[int, tuple[Candidate, Hop]] = {}
        for via, first in succ.get(ids[u.service], {}).items():
            for v, data in _within(succ.get(via, {}), targets):
                if v.service in reached or v.service == u.service:
                    continue
                hop = Hop((first["link"], data["link"]), via)
                if v.service not in two or hop.cost < two[v.service][1].cost:
                    two[v.service] = (v, hop)
        out.extend((u, v, hop) for _, (v, hop) in sorted(two.items()))
    return out


def _within(links: dict[str, Any], targets: dict[str, Candidate]
            ) -> list[tuple[Candidate, Any]]:
    if len(links) <= len(targets):
        return [(targets[sid], data) for sid, data in links.items() if sid in targets]
    return [(v, links[sid]) for sid, v in targets.items() if sid in links]


def cheapest_path(index: OrientationIndex, layers: Sequence[Sequence[Candidate]]
                  ) -> list[Candidate]:
    """The candidate of each (non-empty) layer on the cheapest whole path, in order.

    Also leaves ``best``, ``after``, ``prev`` and ``hop`` set on every candidate,
    for ranking alternatives.
    """
    if not layers:
        return []
    hops = [hops_between(index, a, b) for a, b in itertools.pairwise(layers)]
    path: list[Candidate] = []
    for _ in range(REVISIT_ROUNDS):
        _passes(layers, hops)
        path = _backtrack(layers)
        revisits = [c for i, c in enumerate(path)
                    if any(p.service == c.service for p in path[:max(i - 1, 0)])]
        if not revisits:
            break
        for c in revisits:
            c.penalty += REVISIT_KM
    return path


def _passes(layers: Sequence[Sequence[Candidate]],
            hops: Sequence[list[tuple[Candidate, Candidate, Hop]]]) -> None:
    for c in layers[0]:
        c.best, c.prev, c.hop = c.cost + c.penalty, None, None
    for prev, layer, links in zip(layers, layers[1:], hops, strict=False):
        head = min(prev, key=lambda c: (c.best, c.service))
        for v in layer:
            v.best, v.prev, v.hop = head.best + UNLINKED_KM + v.cost + v.penalty, head, None
        for u, v, hop in links:
            cost = u.best + hop.cost + v.cost + v.penalty
            if cost < v.best or (cost == v.best and v.hop is None):
                v.best, v.prev, v.hop = cost, u, hop
    for c in layers[-1]:
        c.after = 0.0
    for i in range(len(layers) - 2, -1, -1):
        nxt = layers[i + 1]
        tail = min(v.cost + v.penalty + v.after for v in nxt)
        for u in layers[i]:
            u.after = tail + UNLINKED_KM
        for u, v, hop in hops[i]:
            u.after = min(u.after, hop.cost + v.cost + v.penalty + v.after)


def _backtrack(layers: Sequence[Sequence[Candidate]]) -> list[Candidate]:
    c: Candidate | None = min(layers[-1], key=lambda c: (c.best, c.service))
    path: list[Candidate] = []
    while c is not None:
        path.append(c)
        c = c.prev
    path.reverse()
    return path
