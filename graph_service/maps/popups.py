"""Popup contents of the maps: French, then Arabic right to left; public facts only.

How to reach each service is :func:`graph_service.reachability.reachability`'s, as on
the pages: numbers to tap, « non renseigné » and the fallback. Not whether it is open
now: a map is rendered once per annuaire revision and kept, so it shows the weekly hours.

Maps are public: they show institutions, services and official channels, never
contact persons (personal data, law 09-08), and a confidential site (a shelter)
shows only its commune, never its name or address. Every value is escaped:
names come from people and files.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..domain.entities import Organization, Service, Site, Territory
from ..domain.taxonomy import SECTORS, SERVICE_STATUSES, SERVICE_TYPES, STAGES
from ..reachability import DAY_NAMES, NOT_GIVEN, Dial, Reachability, reachability
from ..snapshot import Snapshot

__all__ = ["place_popup"]

_CHANNEL_FR = {"phone": "Tél.", "mobile": "Mobile", "hotline": "Numéro vert", "fax": "Fax",
               "email": "Courriel", "website": "Site web"}


def place_popup(
    snapshot: Snapshot,
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
        address = site.address or f"adresse {NOT_GIVEN['fr']}"
        fr.append(", ".join(escape(p) for p in (site.name, address, commune.name_fr) if p))
        ar.append(escape(commune.name_ar))
    elif province is not None:
        fr.append(f"Province : {escape(province.name_fr)} (pas de site renseigné)")
        ar.append(escape(province.name_ar))
    reach = [reachability(snapshot, s, site) for s in services]
    if services:
        fr.append("<ul>" + "".join(f"<li>{_service_fr(s, r)}</li>"
                                   for s, r in zip(services, reach, strict=True)) + "</ul>")
        ar.append("<ul>" + "".join(f"<li>{_service_ar(s)}</li>" for s in services) + "</ul>")
    fr.append(_channels(reach))
    return (f'<div class="gs-popup"><div lang="fr">{"<br>".join(p for p in fr if p)}</div>'
            f'<div lang="ar" dir="rtl">{"<br>".join(ar)}</div></div>')


def _service_fr(service: Service, reach: Reachability) -> str:
    status = "" if service.status == "active" else (
        f" — <i>{escape(SERVICE_STATUSES[service.status].fr)}</i>")
    stages = ", ".join(escape(STAGES[s].fr.lower()) for s in service.stages)
    if service.emergency_24_7:
        hours = "24h/24, 7j/7"
    else:
        hours = " ; ".join(
            f"{', '.join(DAY_NAMES['fr'].get(d, d) for d in h.byday.split(','))} "
            f'<bdi dir="ltr">{h.opens_at}–{h.closes_at}</bdi>' for h in reach.hours) \
            or f"horaires {NOT_GIVEN['fr']}"
    return (f"{escape(service.name)} <small>({escape(SERVICE_TYPES[service.type].fr)})</small>"
            f"{status}<br><small>{hours}</small>"
            + (f"<br><small>Étapes : {stages}</small>" if stages else ""))


def _service_ar(service: Service) -> str:
    status = "" if service.status == "active" else (
        f" — <i>{escape(SERVICE_STATUSES[service.status].ar)}</i>")
    return escape(service.name_ar or SERVICE_TYPES[service.type].ar) + status


def _channels(reach: Sequence[Reachability]) -> str:
    """The services' numbers to tap; when none gives one, « non renseigné » and the fallback."""
    own = list({d.href or d.text: d for r in reach for d in r.channels}.values())
    fallback = [] if any(not r.fallback for r in reach) else \
        list({d.href or d.text: d for r in reach for d in r.fallback}.values())
    lines = [_dial(d) for d in own]
    if fallback:
        lines.append(f"Téléphone : {NOT_GIVEN['fr']} — à défaut :")
        lines += [_dial(d) for d in fallback]
    return "<small>" + "<br>".join(lines) + "</small>" if lines else ""


def _dial(d: Dial) -> str:
    label = escape(d.label if d.source == "national" else d.label or _CHANNEL_FR.get(d.kind,
                                                                                       d.kind))
    text = f'<bdi dir="ltr">{escape(d.text)}</bdi>'
    # Numbers are dialled from a phone; web and mail addresses stay text (no outbound link).
    shown = f'<a href="{escape(d.href)}">{text}</a>' if d.href.startswith("tel:") else text
    return f"{label} : {shown}"
