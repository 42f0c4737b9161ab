"""Popup contents of the maps: French, then Arabic right to left; public facts only.

Maps are public: they show institutions, services and official channels, never
contact persons (personal data, law 09-08), and a confidential site (a shelter)
shows only its commune, never its name or address. Every value is escaped:
names come from people and files.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..domain.entities import Channel, Organization, Service, Site, Territory
from ..domain.taxonomy import SECTORS, SERVICE_STATUSES, SERVICE_TYPES, STAGES

__all__ = ["place_popup"]

_DIALLED = ("phone", "mobile", "hotline")
_CHANNEL_FR = {"phone": "Tél.", "mobile": "Mobile", "hotline": "Numéro vert", "fax": "Fax",
               "email": "Courriel", "website": "Site web"}


def place_popup(
    org: Organization,
    services: Sequence[Service],
    *,
    site: Site | None,
    commune: Territory | None,
    province: Territory | None = None,
    heading: str = "",
) -> str:
    """Where an organisation delivers ``services``: one popup for a site or a provincial seat.

    ``heading`` (already HTML) goes first, e.g. the step number of an orientation route.
    """
    confidential = site is not None and site.confidential
    fr: list[str] = [heading, f"<b>{escape(org.name)}</b>",
                     f"<small>{escape(SECTORS[org.sector].fr)}</small>"]
    ar: list[str] = [f"<b>{escape(org.name_ar or org.name)}</b>",
                     f"<small>{escape(SECTORS[org.sector].ar)}</small>"]
    if confidential and commune is not None:
        fr.append(f"Lieu confidentiel — commune de {escape(commune.name_fr)}")
        ar.append(f"مكان سري — جماعة {escape(commune.name_ar)}")
    elif site is not None and commune is not None:
        place = ", ".join(escape(p) for p in (site.name, site.address, commune.name_fr) if p)
        fr.append(place)
        ar.append(escape(commune.name_ar))
    elif province is not None:
        fr.append(f"Province : {escape(province.name_fr)} (pas de site renseigné)")
        ar.append(escape(province.name_ar))
    if services:
        fr.append("<ul>" + "".join(f"<li>{_service_fr(s)}</li>" for s in services) + "</ul>")
        ar.append("<ul>" + "".join(f"<li>{_service_ar(s)}</li>" for s in services) + "</ul>")
    channels = [*org.channels, *(c for s in services for c in s.channels)]
    if channels:
        fr.append(_channels(channels))
    return (f'<div class="gs-popup"><div lang="fr">{"<br>".join(p for p in fr if p)}</div>'
            f'<div lang="ar" dir="rtl">{"<br>".join(ar)}</div></div>')


def _service_fr(service: Service) -> str:
    status = "" if service.status == "active" else (
        f" — <i>{escape(SERVICE_STATUSES[service.status].fr)}</i>")
    stages = ", ".join(escape(STAGES[s].fr.lower()) for s in service.stages)
    hours = " · 24h/24, 7j/7" if service.emergency_24_7 else ""
    return (f"{escape(service.name)} <small>({escape(SERVICE_TYPES[service.type].fr)}"
            f"{hours})</small>{status}" + (f"<br><small>Étapes : {stages}</small>" if stages
                                           else ""))


def _service_ar(service: Service) -> str:
    status = "" if service.status == "active" else (
        f" — <i>{escape(SERVICE_STATUSES[service.status].ar)}</i>")
    return escape(service.name_ar or SERVICE_TYPES[service.type].ar) + status


def _channels(channels: Sequence[Channel]) -> str:
    seen: set[tuple[str, str]] = set()
    lines = []
    for c in channels:
        if (c.kind, c.value) in seen:
            continue
        seen.add((c.kind, c.value))
        label = escape(c.label or _CHANNEL_FR.get(c.kind, c.kind))
        value = escape(c.value)
        # Numbers are dialled from a phone; web and mail addresses stay text (no outbound link).
        shown = f'<a href="tel:{value}">{value}</a>' if c.kind in _DIALLED else value
        lines.append(f"{label} : {shown}")
    return "<small>" + "<br>".join(lines) + "</small>"
