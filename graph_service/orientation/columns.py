"""Eligibility of every class at once: the fields the rules read, as columns.

At national scale a question meets thousands of eligibility classes (services
that answer every need alike, :mod:`.index`); running
:func:`~graph_service.domain.eligibility.check_eligibility` on each, one by one
in Python, made the cost of a question grow with the country. Here each class's
:data:`~graph_service.domain.eligibility.ELIGIBILITY_FIELDS` are encoded once,
when the class is numbered, so that one need is answered for every class by a
few numpy operations: whether it accepts the need (``ok``), its bonus points and
whether it states its situations. The words (reasons, refusals) are still the
rule's own, written only for the services a plan shows.

:func:`~graph_service.domain.eligibility.check_eligibility` remains the rule;
this is its array form, proven equal to it for random services and needs
(``tests/test_orientation.py``). A field the rule comes to read must be added
here too, or that test fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from ..domain.eligibility import Need
from ..domain.entities import Service
from ..domain.taxonomy import LANGUAGES, SEXES, SITUATIONS

__all__ = ["EligibilityColumns"]

Bools = NDArray[np.bool_]
_SITUATIONS = {code: i for i, code in enumerate(SITUATIONS)}
_LANGUAGES = {code: i for i, code in enumerate(LANGUAGES)}
_SEXES = {code: i + 1 for i, code in enumerate(SEXES)}
_OTHER_SEX = len(SEXES) + 1
"""The code of a sex outside the vocabulary: no need's sex equals it."""
_NO_MIN, _NO_MAX = -1, 1 << 30
"""Bounds standing for no bound: a need's age is validated to lie between them."""


@dataclass(frozen=True, slots=True)
class EligibilityColumns:
    """The eligibility fields of a sequence of services, position by position.

    A code outside the vocabularies (never in validated data) is kept as one no
    need can match, as the rule reads it.
    """

    active: Bools
    age_min: NDArray[np.int64]
    age_max: NDArray[np.int64]
    sex: NDArray[np.int8]
    """0: either sex; else the position of the sex in ``SEXES`` plus one."""
    situations_stated: Bools
    situations: Bools
    """Shape (services, situations of the vocabulary)."""
    disability_accepted: Bools
    languages: Bools
    """Shape (services, languages of the vocabulary)."""
    emergency_24_7: Bools

    @classmethod
    def of(cls, services: Sequence[Service]) -> EligibilityColumns:
        n = len(services)
        situations = np.zeros((n, len(_SITUATIONS)), dtype=bool)
        languages = np.zeros((n, len(_LANGUAGES)), dtype=bool)
        for i, service in enumerate(services):
            situations[i, [_SITUATIONS[s] for s in service.situations if s in _SITUATIONS]] = True
            languages[i, [_LANGUAGES[x] for x in service.languages if x in _LANGUAGES]] = True
        return cls(
            active=np.array([s.status == "active" for s in services], dtype=bool),
            age_min=np.array([_NO_MIN if s.age_min is None else s.age_min for s in services],
                             dtype=np.int64),
            age_max=np.array([_NO_MAX if s.age_max is None else s.age_max for s in services],
                             dtype=np.int64),
            sex=np.array([0 if s.sex is None else _SEXES.get(s.sex, _OTHER_SEX)
                          for s in services], dtype=np.int8),
            situations_stated=np.array([bool(s.situations) for s in services], dtype=bool),
            situations=situations,
            disability_accepted=np.array([s.disability_accepted for s in services], dtype=bool),
            languages=languages,
            emergency_24_7=np.array([s.emergency_24_7 for s in services], dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.active)

    def extended(self, services: Sequence[Service]) -> EligibilityColumns:
        """These columns followed by those of ``services`` (classes numbered since)."""
        if not services:
            return self
        more = EligibilityColumns.of(services)
        return EligibilityColumns(*(np.concatenate((getattr(self, f.name), getattr(more, f.name)))
                                    for f in fields(self)))

    def taken(self, positions: NDArray[np.intp]) -> EligibilityColumns:
        """The columns of the services at ``positions`` (classes numbered again)."""
        return EligibilityColumns(*(getattr(self, f.name)[positions] for f in fields(self)))

    def ok(self, need: Need) -> Bools:
        """Whether each service accepts ``need`` (:attr:`Eligibility.ok`): the hard rules."""
        ok = self.active.copy()
        if need.age is not None:
            ok &= (self.age_min <= need.age) & (need.age <= self.age_max)
        if need.sex is not None:
            ok &= (self.sex == 0) | (self.sex == _SEXES[need.sex])
        ok &= ~self.situations_stated | self._matched(need)
        return ok

    def bonus(self, need: Need) -> NDArray[np.float64]:
        """Each service's soft points for ``need`` (:attr:`Eligibility.bonus`)."""
        bonus = self._matched(need).astype(np.float64)
        if need.disability:
            bonus += 2.0 * self.disability_accepted
        if need.language is not None:
            bonus += 0.5 * self.languages[:, _LANGUAGES[need.language]]
        if need.urgent:
            bonus += 1.0 * self.emergency_24_7
        return bonus

    def _matched(self, need: Need) -> Bools:
        """Whether each service takes one of the need's situations."""
        wanted = self.situations[:, [_SITUATIONS[s] for s in need.situations]]
        return np.logical_or.reduce(wanted, axis=1)
