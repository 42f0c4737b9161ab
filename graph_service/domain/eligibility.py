"""Who a service can take: the rules orientation and coverage share.

A *need* describes a situation, never a child: no name, no date of birth, no
address — an age in years, a sex, situation codes, urgency, disability and a
language. Hard rules (status, age, sex, situations) decide whether a service
can be proposed at all; soft ones (disability accepted, language spoken, open
24/7 when urgent) only rank and explain.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .entities import Service
from .errors import FieldError, ValidationFailed
from .messages import Message, termed
from .taxonomy import LANGUAGES, SERVICE_STATUSES, SEXES, SITUATIONS, check_code

__all__ = [
    "DECIDING_FIELDS",
    "DISABILITY_SITUATION",
    "ELIGIBILITY_FIELDS",
    "RANKING_FIELDS",
    "Eligibility",
    "Need",
    "check_eligibility",
    "deciding_key",
    "eligibility_key",
    "ranking_key",
]

DECIDING_FIELDS: tuple[str, ...] = ("status", "age_min", "age_max", "sex", "situations")
"""The fields of a service the hard rules read: they alone decide :attr:`Eligibility.ok`
(and the refusals)."""
RANKING_FIELDS: tuple[str, ...] = ("situations", "disability_accepted", "languages",
                                   "emergency_24_7")
"""The fields the soft rules read: they alone decide :attr:`Eligibility.bonus`."""
ELIGIBILITY_FIELDS: tuple[str, ...] = tuple(dict.fromkeys((*DECIDING_FIELDS, *RANKING_FIELDS)))
"""The only fields of a service :func:`check_eligibility` reads.

Services that agree on them get the same answer for every need, so a caller
facing thousands of services (orientation at national scale, coverage) checks
one service per distinct key (:func:`eligibility_key`, or the narrower
:func:`deciding_key` and :func:`ranking_key`) instead of each service.
"""


DISABILITY_SITUATION = "handicap"
"""The situation « enfant en situation de handicap »: the one way the orientation form says
it, read as the ``disability`` the API and the CLI also take (one fact, one rule)."""


@dataclass(frozen=True, slots=True)
class Need:
    """A situation description. Validated on creation; nothing in it identifies a child."""

    situations: tuple[str, ...]
    age: int | None = None
    sex: str | None = None
    urgent: bool = False
    disability: bool = False
    language: str | None = None

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if not self.situations:
            errors.append(FieldError("situations", Message("situation_required")))
        for code in self.situations:
            errors += check_code("situations", code, SITUATIONS)
        if self.age is not None and not 0 <= self.age <= 17:
            errors.append(FieldError("age", Message("age_not_child", age=self.age)))
        if self.sex is not None and self.sex not in SEXES:
            errors.append(FieldError("sex", Message("sex_unknown", value=self.sex)))
        errors += check_code("language", self.language, LANGUAGES)
        if errors:
            raise ValidationFailed(errors)
        if DISABILITY_SITUATION in self.situations:
            object.__setattr__(self, "disability", True)  # frozen: set once, while built


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether a service can be proposed, why, and soft points that rank it (higher is better)."""

    ok: bool
    reasons: tuple[Message, ...] = ()
    refusals: tuple[Message, ...] = ()
    bonus: float = 0.0
    matched_situations: tuple[str, ...] = field(default=())
    situations_stated: bool = True
    """False when the service lists no situation: it is not read as "every situation" but
    ranked after the services that state the child's."""


def check_eligibility(service: Service, need: Need) -> Eligibility:
    """Apply the hard and soft rules of one service to one need.

    Reads only :data:`ELIGIBILITY_FIELDS` of the service: the hard rules
    :data:`DECIDING_FIELDS`, the soft ones :data:`RANKING_FIELDS` (callers group by them).

    Examples
    --------
    >>> from graph_service.domain.entities import Service
    >>> s = Service(id="s", organization_id="o", name="Unité", type="soins_urgence",
    ...             stages=("urgence",), age_max=17, emergency_24_7=True)
    >>> check_eligibility(s, Need(situations=("violence_sexuelle",), age=12, urgent=True)).ok
    True
    """
    reasons: list[Message] = []
    refusals: list[Message] = []
    bonus = 0.0
    if service.status != "active":
        refusals.append(_said("status_refused", status=_termed(SERVICE_STATUSES[service.status])))
    if need.age is not None:
        if service.age_min is not None and need.age < service.age_min:
            refusals.append(_said("age_from", age=service.age_min))
        elif service.age_max is not None and need.age > service.age_max:
            refusals.append(_said("age_until", age=service.age_max))
        elif service.age_min is not None or service.age_max is not None:
            reasons.append(_said("age_accepted", ages=_age_range(service)))
    if service.sex is not None and need.sex is not None and service.sex != need.sex:
        refusals.append(_said("sex_reserved", sex=_termed(SEXES[service.sex])))
    matched = tuple(s for s in need.situations if s in service.situations)
    if service.situations and not matched:
        refusals.append(_said("situation_refused"))
    elif matched:
        reasons.append(_said("situations_matched",
                               situations=tuple(_termed(SITUATIONS[s]) for s in matched)))
        bonus += 1.0
    else:
        reasons.append(_said("situations_unstated"))
    if need.disability and service.disability_accepted:
        reasons.append(_said("disability_welcome"))
        bonus += 2.0
    if need.language is not None and need.language in service.languages:
        reasons.append(_said("speaks", language=_termed(LANGUAGES[need.language])))
        bonus += 0.5
    if need.urgent and service.emergency_24_7:
        reasons.append(_said("open_247"))
        bonus += 1.0
    return Eligibility(
        ok=not refusals,
        reasons=tuple(reasons),
        refusals=tuple(refusals),
        bonus=bonus,
        matched_situations=matched,
        situations_stated=bool(service.situations),
    )


def eligibility_key(service: Service) -> tuple[object, ...]:
    """The values of :data:`ELIGIBILITY_FIELDS`: equal keys, equal eligibility for any need."""
    return tuple(getattr(service, name) for name in ELIGIBILITY_FIELDS)


def deciding_key(service: Service) -> tuple[object, ...]:
    """The values of :data:`DECIDING_FIELDS`: equal keys, equal ``ok`` and refusals."""
    return tuple(getattr(service, name) for name in DECIDING_FIELDS)


def ranking_key(service: Service) -> tuple[object, ...]:
    """The values of :data:`RANKING_FIELDS`: equal keys, equal ``bonus``."""
    return tuple(getattr(service, name) for name in RANKING_FIELDS)


_said = functools.lru_cache(maxsize=4096)(Message)
"""The few sentences of eligibility, made once each: orientation checks thousands of
eligibility classes per question at national scale, and most answer with the same words."""
_termed = functools.lru_cache(maxsize=1024)(termed)


def _age_range(service: Service) -> Message:
    low = service.age_min if service.age_min is not None else 0
    high = service.age_max if service.age_max is not None else 17
    return _said("age_range", low=low, high=high)
