"""How to reach a service, wherever it appears: where to go, whom to call, whether it is open.

A plan, a fiche, an organisation page, a search result, a map popup and the CLI all
show a service; a social worker must be able to act on each of them from a phone:
tap a number, know whether the door is open now, know what to bring. This module
is the one rule that computes it, so every place shows the same thing:

- **channels**: the service's own, formatted for reading (``05 37 88 12 34``) and
  for dialling (``tel:+212537881234``); when the service gives no number, its
  organisation's channels, then the national short numbers (19, 177, 15) so a
  card never leaves the reader without someone to call;
- **open now**: from the weekly hours, in Morocco's time zone (``Africa/Casablanca``,
  which moves with Ramadan: only the tz database knows when), « ouvert maintenant —
  ferme à 16:30 » or « fermé — ouvre lun. à 08:30 »;
- **missing**: what the entry does not say (address, phone, hours, documents), shown as
  « non renseigné » rather than left blank, so a reader knows it is unknown, not absent.

A confidential site (a shelter) never yields an address: only its commune. Contact
persons are not channels here (personal data, law 09-08).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import phonenumbers

from .domain.entities import Channel, Hours, Organization, Service, Site, Territory
from .domain.taxonomy import CHANNEL_KINDS, EMERGENCY_NUMBERS, PHONE_KINDS
from .snapshot import Snapshot

__all__ = [
    "DAY_NAMES",
    "MOROCCO_TZ",
    "NOT_GIVEN",
    "Dial",
    "OpenState",
    "Reachability",
    "dial",
    "format_phone",
    "open_state",
    "reachability",
]

MOROCCO_TZ = ZoneInfo("Africa/Casablanca")
"""Hours in the annuaire are local hours of Morocco."""

NOT_GIVEN = {"fr": "non renseigné", "ar": "غير متوفر"}
"""What a missing piece reads as, in every place that shows a service."""

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
"""iCalendar day codes, in ``datetime.weekday()`` order."""

DAY_NAMES = {
    "fr": {"MO": "lun.", "TU": "mar.", "WE": "mer.", "TH": "jeu.", "FR": "ven.", "SA": "sam.",
           "SU": "dim."},
    "ar": {"MO": "الاثنين", "TU": "الثلاثاء", "WE": "الأربعاء", "TH": "الخميس", "FR": "الجمعة",
           "SA": "السبت", "SU": "الأحد"},
}

_OPEN_TEXT = {
    "always": ("ouvert 24h/24, 7j/7", "مفتوح 24/24 ساعة، 7/7 أيام"),
    "open": ("ouvert maintenant — ferme à {time}", "مفتوح الآن — يغلق على الساعة {time}"),
    "closed_today": ("fermé — ouvre à {time}", "مغلق — يفتح على الساعة {time}"),
    "closed_tomorrow": ("fermé — ouvre demain à {time}", "مغلق — يفتح غدا على الساعة {time}"),
    "closed_later": ("fermé — ouvre {day} à {time}", "مغلق — يفتح يوم {day} على الساعة {time}"),
    "unknown": ("horaires non renseignés", "المواقيت غير متوفرة"),
}

_DIALLED = frozenset(PHONE_KINDS) - {"fax"}
_SCHEMES = {"email": "mailto:", "website": ""}


@dataclass(frozen=True, slots=True)
class Dial:
    """A channel ready to show: the link it opens (``tel:``, ``mailto:``, the URL; empty for a
    fax) and its reading form. ``source`` is ``service``, ``organization`` or ``national``."""

    kind: str
    href: str
    text: str
    label: str = ""
    label_ar: str = ""
    source: str = "service"

    def named(self, lang: str) -> str:
        """What it is, in ``lang`` (``fr`` or ``ar``): a national number by its name, any
        other channel by its kind; the entry's own :attr:`label` (data, in the language it
        was typed in) is shown beside it where there is room."""
        if self.source == "national":
            return self.label_ar if lang == "ar" and self.label_ar else self.label
        term = CHANNEL_KINDS.get(self.kind)
        return self.kind if term is None else term.ar if lang == "ar" else term.fr

    @property
    def own_label(self) -> str:
        """The entry's label to show beside :meth:`named` (none for a national number)."""
        return "" if self.source == "national" else self.label


@dataclass(frozen=True, slots=True)
class OpenState:
    """Whether a service is open at a given moment, and when it closes or opens next.

    ``state``: ``always`` (24 h/24), ``open`` (``time`` is the closing hour), ``closed``
    (``time`` is the next opening hour, ``days`` how many days from now: 0 today, 1
    tomorrow; ``day`` its code) or ``unknown`` (no hours given).
    """

    state: Literal["always", "open", "closed", "unknown"]
    time: str = ""
    day: str = ""
    days: int = 0

    def text(self, lang: str = "fr") -> str:
        """The state as a reader reads it, in ``lang``."""
        key: str = self.state
        if self.state == "closed":
            key = ("closed_today", "closed_tomorrow")[self.days] if self.days < 2 \
                else "closed_later"
        fr, ar = _OPEN_TEXT[key]
        day = DAY_NAMES["ar" if lang == "ar" else "fr"].get(self.day, self.day)
        return (ar if lang == "ar" else fr).format(time=self.time, day=day)


@dataclass(frozen=True, slots=True)
class Reachability:
    """Everything a reader needs to reach one service at one place.

    ``channels`` are the service's own; ``fallback`` what to use when it gives no
    number (its organisation's channels, then the national numbers). ``missing``
    names the pieces the entry does not give: ``address``, ``phone``, ``hours``,
    ``documents``.
    """

    service_id: str
    address: str
    confidential: bool
    commune: Territory | None
    province: Territory | None
    channels: tuple[Dial, ...]
    fallback: tuple[Dial, ...]
    emergency_24_7: bool
    hours: tuple[Hours, ...]
    schedule_note: str
    open_now: OpenState
    access: str
    documents: tuple[str, ...]
    missing: frozenset[str]


def format_phone(value: str) -> tuple[str, str]:
    """``(href, text)`` of a stored number: ``tel:`` + E.164 for dialling, the national
    reading form (``05 37 88 12 34``) for a Moroccan number, the international one for
    another country, a short number (``19``) as is.

    >>> format_phone("+212537881234")
    ('tel:+212537881234', '05 37 88 12 34')
    >>> format_phone("177")
    ('tel:177', '177')
    """
    digits = re.sub(r"[^\d+]", "", value)
    if re.fullmatch(r"\d{2,4}", digits):
        return f"tel:{digits}", digits
    try:
        number = phonenumbers.parse(value, "MA")
    except phonenumbers.NumberParseException:
        return f"tel:{digits}", value
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code == 212:
        national = "0" + str(number.national_number)
        text = " ".join(national[i:i + 2] for i in range(0, len(national), 2))
    else:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return f"tel:{e164}", text


def dial(channel: Channel, source: str = "service") -> Dial:
    """A stored channel as shown: a number to tap, an address to write to, a site to open."""
    if channel.kind in PHONE_KINDS:
        href, text = format_phone(channel.value)
        return Dial(channel.kind, href if channel.kind in _DIALLED else "", text,
                    channel.label, source=source)
    scheme = _SCHEMES.get(channel.kind)
    href = "" if scheme is None else scheme + channel.value
    return Dial(channel.kind, href, channel.value, channel.label, source=source)


def open_state(hours: Sequence[Hours], at: datetime, *, always: bool = False) -> OpenState:
    """Whether weekly ``hours`` are open at ``at`` (read in Morocco's time zone)."""
    if always:
        return OpenState("always")
    if not hours:
        return OpenState("unknown")
    local = at.astimezone(MOROCCO_TZ)
    now = local.strftime("%H:%M")
    slots = [(day.strip(), h.opens_at, h.closes_at) for h in hours
             for day in h.byday.split(",") if day.strip() in DAYS]
    today = DAYS[local.weekday()]
    for day, opens, closes in slots:
        if day == today and opens <= now < closes:
            return OpenState("open", closes)
    for ahead in range(8):
        day = DAYS[(local + timedelta(days=ahead)).weekday()]
        starts = sorted(o for d, o, _ in slots if d == day and (ahead or o > now))
        if starts:
            return OpenState("closed", starts[0], day, ahead)
    return OpenState("unknown")


def reachability(snap: Snapshot, service: Service, site: Site | None = None,
                 at: datetime | None = None, documents: Sequence[str] = ()) -> Reachability:
    """How to reach ``service`` at ``site`` (default: its first site, else its organisation's
    first), at moment ``at`` (default: now); ``documents`` are asked before the service's own
    (those of the referral link that leads there)."""
    org = snap.organizations.get(service.organization_id)
    site = site or _first_site(snap, service)
    commune = snap.territories.get(site.commune_code) if site else None
    province = snap.territories.get(
        (commune.province_code if commune else None) or (org.province_code if org else "") or "")
    own = _unique(dial(c) for c in service.channels)
    fallback: tuple[Dial, ...] = ()
    if not _has_phone(own):
        fallback = _unique(_org_channels(org)) if org else ()
        if not _has_phone(fallback):
            fallback += tuple(Dial("hotline", f"tel:{code}", code, term.fr, term.ar, "national")
                              for code, term in EMERGENCY_NUMBERS.items())
    address = site.address if site and not site.confidential else ""
    missing = {name for name, absent in (
        ("address", not address and not (site and site.confidential)),
        ("phone", not _has_phone(own)),
        ("hours", not service.hours and not service.emergency_24_7 and not service.schedule_note),
        ("documents", not service.documents and not documents)) if absent}
    return Reachability(
        service_id=service.id,
        address=address,
        confidential=bool(site and site.confidential),
        commune=commune,
        province=province,
        channels=own,
        fallback=fallback,
        emergency_24_7=service.emergency_24_7,
        hours=service.hours,
        schedule_note=service.schedule_note,
        open_now=open_state(service.hours, at or datetime.now(MOROCCO_TZ),
                            always=service.emergency_24_7),
        access=service.access,
        documents=tuple(dict.fromkeys((*documents, *service.documents))),
        missing=frozenset(missing),
    )


def _first_site(snap: Snapshot, service: Service) -> Site | None:
    for site_id in service.site_ids:
        if site_id in snap.sites:
            return snap.sites[site_id]
    places = snap.places.get(service.id, ())
    return next((site for p in places if p.site_id and (site := snap.sites.get(p.site_id))), None)


def _org_channels(org: Organization) -> Iterable[Dial]:
    yield from (dial(c, "organization") for c in org.channels)
    if org.email:
        yield Dial("email", f"mailto:{org.email}", org.email, source="organization")


def _has_phone(dials: Iterable[Dial]) -> bool:
    return any(d.kind in _DIALLED for d in dials)


def _unique(dials: Iterable[Dial]) -> tuple[Dial, ...]:
    return tuple({(d.kind, d.href, d.text): d for d in dials}.values())
