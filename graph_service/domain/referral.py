"""A referral: a coded message from one service to another, that closes the loop.

The field documents name the problem ("déperdition des cas"): a child is sent
on with a paper sheet and nobody learns whether they arrived. A referral
records only *codes* — services, stage, situations, age band, sex, urgency —
and the answers of the receiving service, so the circuit can see where
children are lost without storing anything that identifies a child: there is
no free-text field at all, and the name, guardian, address and court
references stay on the paper fiche, which carries the referral code.

:class:`Referral` is an immutable aggregate; each transition is a method that
returns the next state or raises :class:`TransitionError` naming the allowed
ones. Versions and the audit are the store's business (see
:mod:`graph_service.store.protocol`).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from .errors import FieldError, GraphServiceError, ValidationFailed
from .taxonomy import AGE_BANDS, REFERRAL_REASONS, REFERRAL_STATUSES, SEXES, SITUATIONS, STAGES
from .validation import REQUIRED, _Checker

__all__ = [
    "ALLOWED",
    "DEFAULT_DEADLINE_HOURS",
    "OPEN_STATUSES",
    "SENDER_STATUSES",
    "URGENT_DEADLINE_HOURS",
    "Referral",
    "ReferralFact",
    "ReferralQuery",
    "ReferralTally",
    "Step",
    "TransitionError",
    "age_band_of",
    "deadline_hours",
    "format_code",
    "new_code",
    "parse_code",
]

# --- the referral code ----------------------------------------------------------------

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CHECK = _ALPHABET + "*~$=U"
"""Crockford base32, and its check symbols: the value modulo 37."""
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
CODE_BITS = 40
_DIGITS = CODE_BITS // 5


def format_code(value: int) -> str:
    """``K7Q2-9MXD-4``: eight base32 digits of a 40-bit value, then its check character."""
    digits = "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(_DIGITS)))
    return f"{digits[:4]}-{digits[4:]}-{_CHECK[value % 37]}"


def new_code() -> str:
    """A fresh random code: 40 bits from the OS's CSPRNG, so codes cannot be guessed in turn."""
    return format_code(secrets.randbits(CODE_BITS))


def parse_code(text: str) -> str:
    """The canonical code typed from a fiche, read leniently (case, spaces, hyphens,
    I/L for 1, O for 0); :class:`ValidationFailed` on field ``code`` if it is not one."""
    raw = "".join(text.split()).replace("-", "").upper().translate(_ALIASES)
    body, check = raw[:-1], raw[-1:]
    if len(body) == _DIGITS and all(c in _ALPHABET for c in body) and check in _CHECK:
        value = 0
        for c in body:
            value = value * 32 + _ALPHABET.index(c)
        if _CHECK[value % 37] == check:
            return format_code(value)
    raise ValidationFailed([FieldError(
        "code", "n'est pas un code d'orientation valide (8 caractères et une clé, "
                "par exemple K7Q2-9MXD-4) : vérifiez la fiche")])


# --- statuses and who may move them ------------------------------------------------------

Status = str
ALLOWED: dict[Status, tuple[Status, ...]] = {
    "sent": ("received", "accepted", "declined", "cancelled", "expired"),
    "received": ("accepted", "declined", "cancelled", "expired"),
    "accepted": ("in_progress", "completed", "not_completed"),
    "in_progress": ("completed", "not_completed"),
    "declined": (),
    "completed": (),
    "not_completed": (),
    "cancelled": (),
    "expired": (),
}
"""Where each status may go. Accepting or declining a referral that was not opened
first also receives it; ``cancelled`` is the sender's, ``expired`` the clock's."""
assert set(ALLOWED) == set(REFERRAL_STATUSES)

OPEN_STATUSES = frozenset({"sent", "received"})
"""Waiting for an answer: what the deadline applies to."""
SENDER_STATUSES = frozenset({"cancelled"})
"""Transitions made by the sending organisation; ``expired`` by nobody; the rest by the receiver."""
_NEEDS_REASON = frozenset({"declined", "not_completed"})
_ANSWERS = frozenset({"accepted", "declined"})
_CLOSING = frozenset({"completed", "not_completed", "declined", "cancelled", "expired"})

_BAND_TOPS = (("age_0_5", 5), ("age_6_11", 11), ("age_12_14", 14), ("age_15_17", 17))


def age_band_of(age: int) -> str:
    """The band of an age in years (what a form asks), so that only the band is kept."""
    for band, top in _BAND_TOPS:
        if 0 <= age <= top:
            return band
    raise ValidationFailed([FieldError("age", "doit être compris entre 0 et 17 ans")])


DEFAULT_DEADLINE_HOURS = 72
URGENT_DEADLINE_HOURS = 24


def deadline_hours(typical_delay_hours: int | None, urgent: bool) -> int:
    """Hours the receiver has to answer: 24 when urgent, else the link's usual delay, else 72."""
    if urgent:
        return URGENT_DEADLINE_HOURS
    return typical_delay_hours or DEFAULT_DEADLINE_HOURS


class TransitionError(GraphServiceError):
    """A referral cannot go from its status to the one asked; nothing was written."""

    def __init__(self, code: str, current: Status, target: Status) -> None:
        self.code, self.current, self.target = code, current, target
        self.allowed = ALLOWED[current]
        allowed = ", ".join(self.allowed) or "aucun (statut final)"
        super().__init__(f"orientation {code} : passage de « {current} » à « {target} » "
                         f"impossible ; statuts possibles : {allowed}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One audited transition of a referral: who moved it, when, from what, to what, why."""

    status: Status
    at: str
    actor: str
    from_status: Status | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Referral:
    """A referral as the receiving and sending services see it. Codes and ids only.

    ``from_province``/``to_province`` are the provinces of the two services when
    it was sent (the coordinators who see it); ``link_id`` the circuit's referral
    link between them, if there is one (its delay sets the deadline).
    """

    code: str
    from_service_id: str
    to_service_id: str
    from_organization_id: str
    to_organization_id: str
    from_province: str | None = None
    to_province: str | None = None
    link_id: str | None = None
    stage: str
    situations: tuple[str, ...]
    age_band: str
    sex: str
    urgent: bool = False
    sender: str
    status: Status = "sent"
    reason: str | None = None
    version: int = 0
    sent_at: str
    received_at: str | None = None
    responded_at: str | None = None
    closed_at: str | None = None
    deadline: str
    history: tuple[Step, ...] = ()

    @classmethod
    def send(cls, *, code: str, from_service_id: str, to_service_id: str,
             from_organization_id: str, to_organization_id: str, stage: str,
             situations: Sequence[str], age_band: str, sex: str, urgent: bool, sender: str,
             at: str, deadline: str, from_province: str | None = None,
             to_province: str | None = None, link_id: str | None = None) -> Referral:
        """A new referral in ``sent``; :class:`ValidationFailed` names every bad code."""
        check = _Checker("")
        check.code("stage", stage, STAGES)
        if not situations:
            check.fail("situations", REQUIRED)
        check.codes("situations", situations, SITUATIONS)
        check.code("age_band", age_band, AGE_BANDS)
        check.code("sex", sex, SEXES)
        if from_service_id == to_service_id:
            check.fail("to_service_id", "doit être un autre service que celui qui oriente")
        if check.errors:
            raise ValidationFailed(check.errors)
        return cls(
            code=code, from_service_id=from_service_id, to_service_id=to_service_id,
            from_organization_id=from_organization_id, to_organization_id=to_organization_id,
            from_province=from_province, to_province=to_province, link_id=link_id,
            stage=stage, situations=tuple(dict.fromkeys(situations)), age_band=age_band,
            sex=sex, urgent=urgent, sender=sender, sent_at=at, deadline=deadline,
            history=(Step(status="sent", at=at, actor=sender),),
        )

    # --- transitions ------------------------------------------------------------------
    def receive(self, *, actor: str, at: str) -> Referral:
        """The receiver opened it, or typed the code from the fiche."""
        return self._to("received", actor, at)

    def accept(self, *, actor: str, at: str) -> Referral:
        return self._to("accepted", actor, at)

    def decline(self, reason: str, *, actor: str, at: str) -> Referral:
        return self._to("declined", actor, at, reason)

    def start(self, *, actor: str, at: str) -> Referral:
        return self._to("in_progress", actor, at)

    def complete(self, *, actor: str, at: str) -> Referral:
        return self._to("completed", actor, at)

    def not_complete(self, reason: str, *, actor: str, at: str) -> Referral:
        return self._to("not_completed", actor, at, reason)

    def cancel(self, *, actor: str, at: str) -> Referral:
        """The sender withdraws it before the receiver accepted or declined."""
        return self._to("cancelled", actor, at)

    def expire(self, *, actor: str, at: str) -> Referral:
        """The deadline passed without an answer."""
        return self._to("expired", actor, at)

    def moved_to(self, status: Status, *, actor: str, at: str,
                 reason: str | None = None) -> Referral:
        """The transition to ``status`` (as asked by ``updateReferral`` or a page button)."""
        return self._to(status, actor, at, reason)

    def _to(self, status: Status, actor: str, at: str, reason: str | None = None) -> Referral:
        check = _Checker("")
        check.code("status", status, REFERRAL_STATUSES)
        check.code("reason", reason, REFERRAL_REASONS)
        if check.errors:
            raise ValidationFailed(check.errors)
        if status not in ALLOWED[self.status]:
            raise TransitionError(self.code, self.status, status)
        if status in _NEEDS_REASON and reason is None:
            raise ValidationFailed([FieldError("reason", REQUIRED)])
        if status not in _NEEDS_REASON and reason is not None:
            raise ValidationFailed([FieldError(
                "reason", f"ne s'applique qu'aux statuts {', '.join(sorted(_NEEDS_REASON))}")])
        received = self.received_at or (at if status in _ANSWERS | {"received"} else None)
        return dataclasses.replace(
            self, status=status, reason=reason if reason is not None else self.reason,
            received_at=received,
            responded_at=at if status in _ANSWERS else self.responded_at,
            closed_at=at if status in _CLOSING else self.closed_at,
            history=(*self.history, Step(status=status, at=at, actor=actor,
                                         from_status=self.status, reason=reason)),
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue(self, now: str) -> bool:
        """Still waiting for an answer after its deadline (times in the stores' text form)."""
        return self.is_open and self.deadline <= now


# --- reading many ----------------------------------------------------------------------

Direction = Literal["incoming", "outgoing"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralQuery:
    """Which referrals a list holds. ``organization_id`` and ``province_code`` apply to the
    receiving side for ``incoming``, the sending side for ``outgoing``, either side without
    a direction; ``due_before`` keeps open referrals whose deadline is before that time."""

    organization_id: str | None = None
    province_code: str | None = None
    direction: Direction | None = None
    statuses: tuple[Status, ...] = ()
    due_before: str | None = None


class ReferralFact(NamedTuple):
    """What indicators need of one referral, read without its history (a tuple: national
    indicators read a hundred thousand of them)."""

    from_service_id: str
    to_service_id: str
    status: Status
    reason: str | None
    sent_at: str
    responded_at: str | None
    received_at: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferralTally:
    """Referrals past retention, reduced to a count per link, final status and reason."""

    from_service_id: str
    to_service_id: str
    from_province: str | None
    to_province: str | None
    status: Status
    reason: str | None
    received: bool
    count: int
