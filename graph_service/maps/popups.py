"""Popup contents of the maps, in the page's language; public facts only.

How to reach each service is :func:`graph_service.reachability.reachability`'s, as on
the pages: for every service, its numbers to tap (``tel:``) or « non renseigné » and the
fallback (its organisation's channels, then the national numbers). Not whether it is open
now: a map is rendered once per annuaire revision and kept, so it shows the weekly hours.

Maps are public: they show institutions, services and official channels, never
contact persons (personal data, law 09-08), and a confidential site (a shelter)
shows only its commune, never its name or address: where it stands is
:class:`graph_service.snapshot.Place`'s public point, the one rule. Every value is
escaped: names come from people and files.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..domain.entities import Organization, Service, Site, Territory
from ..domain.taxonomy import SECTORS, SERVICE_STATUSES, SERVICE_TYPES, STAGES
from ..reachability import DAY_NAMES, Dial, Reachability, reachability
from ..snapshot import Snapshot
from .texts import MapLang, text

__all__ = ["place_popup"]


def place_popup(
    snapshot: Snapshot,
    org: Organization,
    services: Sequence[Service],
    *,
    site: Site | None,
    commune: Territory | None,
    province: Territory | None = None,
    heading: str = "",
    lang: MapLang = "fr",
) -> str:
    """Where an organisation delivers ``services``: one popup for a site or a provincial seat,
    in ``lang``.

    ``heading`` (already HTML) goes first, e.g. the step number of an orientation route.
    """
    ar = lang == "ar"
    parts: list[str] = [heading, f"<b>{escape(_name(org.name, org.name_ar, lang))}</b>",
                        f"<small>{escape(SECTORS[org.sector].ar if ar else SECTORS[org.sector].fr)}"
                        "</small>"]
    if site is not None and site.confidential and commune is not None:
        parts.append(escape(text("confidential_place", lang, commune=_place(commune, lang))))
    elif site is not None and commune is not None:
        address = site.address or text("address_missing", lang)
        parts.append(", ".join(escape(p) for p in (site.name, address, _place(commune, lang))
                               if p))
    elif province is not None:
        parts.append(escape(text("province_seat", lang, province=_place(province, lang))))
    if services:
        parts.append("<ul>" + "".join(
            f"<li>{_service(s, reachability(snapshot, s, site), lang)}</li>" for s in services)
            + "</ul>")
    return (f'<div class="gs-popup" lang="{lang}" dir="{"rtl" if ar else "ltr"}">'
            f'{"<br>".join(p for p in parts if p)}</div>')


def _name(fr: str, ar: str, lang: MapLang) -> str:
    return ar if lang == "ar" and ar else fr


def _place(territory: Territory, lang: MapLang) -> str:
    return _name(territory.name_fr, territory.name_ar, lang)


def _service(service: Service, reach: Reachability, lang: MapLang) -> str:
    """A service: name, type, status, weekly hours, stages, then how to reach it."""
    ar = lang == "ar"
    status = "" if service.status == "active" else (
        f" — <i>{escape(_term(SERVICE_STATUSES[service.status], lang))}</i>")
    stages = "، ".join if ar else ", ".join
    stage_names = stages(escape(_term(STAGES[s], lang)) for s in service.stages)
    if service.emergency_24_7:
        hours = escape(text("always_open", lang))
    else:
        hours = " ; ".join(
            f"{escape(', '.join(DAY_NAMES[lang].get(d, d) for d in h.byday.split(',')))} "
            f'<bdi dir="ltr">{h.opens_at}–{h.closes_at}</bdi>' for h in reach.hours) \
            or escape(text("hours_missing", lang))
    return (f"{escape(_name(service.name, service.name_ar, lang))} "
            f"<small>({escape(_term(SERVICE_TYPES[service.type], lang))})</small>{status}"
            f"<br><small>{hours}</small>"
            + (f"<br><small>{text('stages_of', lang, stages=stage_names)}</small>"
               if stage_names else "")
            + f"<br><small>{_channels(reach, lang)}</small>")


def _term(term: object, lang: MapLang) -> str:
    return str(getattr(term, lang))


def _channels(reach: Reachability, lang: MapLang) -> str:
    """The service's numbers to tap; when it gives none, « non renseigné » and the fallback."""
    lines = [_dial(d, lang) for d in reach.channels]
    if "phone" in reach.missing:
        lines.append(escape(text("phone_missing", lang)))
        lines += [_dial(d, lang) for d in reach.fallback]
    return "<br>".join(lines)


def _dial(d: Dial, lang: MapLang) -> str:
    label = escape(d.named(lang) + (f" ({d.own_label})" if d.own_label else ""))
    shown = f'<bdi dir="ltr">{escape(d.text)}</bdi>'
    # Numbers are dialled from a phone; web and mail addresses stay text (no outbound link).
    if d.href.startswith("tel:"):
        shown = f'<a href="{escape(d.href)}">{shown}</a>'
    return f"{label} : {shown}"

