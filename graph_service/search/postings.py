"""Sets of ids by key (a word, a stage, a sector), carried over edits at the cost of the edit.

A search index files every service under its words and criteria; some keys hold most of
the annuaire (« protection », the stage « prise en charge »). Re-filing one edited
service by copying such a set costs milliseconds; :class:`Postings` instead keeps each
set as a base with the ids added and removed since, folded in when they grow past a
fraction of it, and the keys in a persistent map (:class:`immutables.Map`), so carrying
an edit costs in proportion to the edit.

A base is a tuple (8 bytes an id, where a frozenset takes about 45): the words of the
national annuaire file 2.6 million ids. A reader gets frozensets, made when read —
and kept, for postings made with ``keep=True`` (the criteria: few keys, read by every
filtered query).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from immutables import Map

__all__ = ["Postings"]

_EMPTY: frozenset[str] = frozenset()
_FOLD_MIN = 64
"""Ids added or removed that a set keeps beside its base before folding them in, at least."""
_FOLD_FRACTION = 8
"""…or one in this many of its base's ids: folding costs its size, so it happens at most
once every base-size ÷ this many changes."""


class _Set:
    """``base`` without ``minus``, with ``plus``; ``ids`` once made, if kept."""

    __slots__ = ("_ids", "base", "minus", "plus")

    def __init__(self, base: tuple[str, ...], plus: frozenset[str] = _EMPTY,
                 minus: frozenset[str] = _EMPTY) -> None:
        self.base, self.plus, self.minus = base, plus, minus
        self._ids: frozenset[str] | None = None

    def ids(self, keep: bool) -> frozenset[str]:
        ids = self._ids
        if ids is None:
            ids = frozenset(self.base)
            if self.minus or self.plus:
                ids = (ids - self.minus) | self.plus
            if keep:  # two readers may make it at once: both get the same set
                self._ids = ids
        return ids

    def into(self, out: set[str]) -> None:
        """Add these ids to ``out``."""
        if self.minus:
            out |= self.ids(keep=False)
        else:
            out.update(self.base)
            out |= self.plus

    def changed(self, gone: Iterable[str], added: Iterable[str]) -> _Set | None:
        """This set without ``gone``, then with ``added`` (``None``: empty). An id in
        ``minus`` need not be in ``base``, nor one in ``plus`` out of it: no look-up in
        the base is needed."""
        gone, added = frozenset(gone), frozenset(added)
        plus = (self.plus - gone) | added
        minus = (self.minus | gone) - added
        if len(plus) + len(minus) > max(_FOLD_MIN, len(self.base) // _FOLD_FRACTION) or (
                not plus and len(self.base) <= len(minus)):  # folded, or perhaps empty
            ids = _Set(self.base, plus, minus).ids(keep=False)
            return _Set(tuple(ids)) if ids else None
        return _Set(self.base, plus, minus)


class Postings(Mapping[str, frozenset[str]]):
    """Key → the ids filed under it (never empty), as frozensets."""

    __slots__ = ("_keep", "_sets")

    def __init__(self, sets: Map[str, _Set], keep: bool) -> None:
        self._sets = sets
        self._keep = keep

    @classmethod
    def of(cls, groups: Mapping[str, Iterable[str]], *, keep: bool = False) -> Postings:
        """``groups`` as postings; ``keep``: keep each set once read (few keys, often read)."""
        return cls(Map({k: _Set(tuple(frozenset(ids))) for k, ids in groups.items() if ids}),
                   keep)

    def __getitem__(self, key: str) -> frozenset[str]:
        return self._sets[key].ids(self._keep)

    def get(self, key: str, default: frozenset[str] = _EMPTY) -> frozenset[str]:  # type: ignore[override]
        found = self._sets.get(key)
        return found.ids(self._keep) if found is not None else default

    def union(self, keys: Iterable[str]) -> frozenset[str]:
        """The ids filed under any of ``keys`` (each one there), made in one set."""
        out: set[str] = set()
        for key in keys:
            self._sets[key].into(out)
        return frozenset(out)

    def __contains__(self, key: object) -> bool:
        return key in self._sets

    def __iter__(self) -> Iterator[str]:
        return iter(self._sets)

    def __len__(self) -> int:
        return len(self._sets)

    def changed(self, gone: Mapping[str, Iterable[str]], added: Mapping[str, Iterable[str]]
                ) -> Postings:
        """These postings with the ids in ``gone`` taken from their keys and those in
        ``added`` filed under theirs; a key left with no id is dropped."""
        if not gone and not added:
            return self
        sets = self._sets.mutate()
        for key in gone.keys() | added.keys():
            now = sets.get(key, _NOTHING).changed(gone.get(key, ()), added.get(key, ()))
            if now is None:
                sets.pop(key, None)
            else:
                sets[key] = now
        return Postings(sets.finish(), self._keep)


_NOTHING = _Set(())
