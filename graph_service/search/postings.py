"""Sets of ids by key (a word, a stage, a sector), carried over edits at the cost of the edit.

A search index files every service under its words and criteria; some keys hold most of
the annuaire (« protection », the stage « prise en charge »). Re-filing one edited
service by copying such a set costs milliseconds; :class:`Postings` instead keeps each
set as a base with the few ids added and removed since, folded in when they grow past a
fraction of it, and the keys in a persistent map (:class:`immutables.Map`), so carrying
an edit costs in proportion to the edit. A reader gets plain frozensets, each folded
once (then kept) on first read.
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
    """``base`` without ``minus``, with ``plus`` (``minus`` ⊆ ``base``, ``plus`` ∩ ``base`` = ∅)."""

    __slots__ = ("_ids", "base", "minus", "plus")

    def __init__(self, base: frozenset[str], plus: frozenset[str] = _EMPTY,
                 minus: frozenset[str] = _EMPTY) -> None:
        self.base, self.plus, self.minus = base, plus, minus
        self._ids = None if plus or minus else base

    def ids(self) -> frozenset[str]:
        ids = self._ids
        if ids is None:  # two readers may fold at once: both get the same set
            ids = self._ids = (self.base - self.minus) | self.plus
        return ids

    def __len__(self) -> int:
        return len(self.base) - len(self.minus) + len(self.plus)

    def changed(self, gone: Iterable[str], added: Iterable[str]) -> _Set | None:
        """This set without ``gone``, then with ``added`` (``None``: empty)."""
        gone, added = frozenset(gone), frozenset(added)
        plus = ((self.plus - gone) | added) - self.base
        minus = (self.minus | (gone & self.base)) - added
        out = _Set(self.base, plus, minus)
        if not len(out):
            return None
        if len(plus) + len(minus) > max(_FOLD_MIN, len(self.base) // _FOLD_FRACTION):
            return _Set(out.ids())
        return out


class Postings(Mapping[str, frozenset[str]]):
    """Key → the ids filed under it (never empty), as frozensets."""

    __slots__ = ("_sets",)

    def __init__(self, sets: Map[str, _Set] | None = None) -> None:
        self._sets: Map[str, _Set] = sets if sets is not None else Map()

    @classmethod
    def of(cls, groups: Mapping[str, Iterable[str]]) -> Postings:
        return cls(Map({k: _Set(frozenset(ids)) for k, ids in groups.items() if ids}))

    def __getitem__(self, key: str) -> frozenset[str]:
        return self._sets[key].ids()

    def get(self, key: str, default: frozenset[str] = _EMPTY) -> frozenset[str]:  # type: ignore[override]
        found = self._sets.get(key)
        return found.ids() if found is not None else default

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
        return Postings(sets.finish())


_NOTHING = _Set(_EMPTY)
