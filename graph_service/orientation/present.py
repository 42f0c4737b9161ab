"""How a proposed service is shown: where to go, what to bring, whom to call, and why.

Only official channels (the service's, then its organisation's) are given:
contacts of persons are personal data and stay behind sign-in. A
confidential site shows its commune's point, no address.
"""

from __future__ import annotations

from ..domain.eligibility import Eligibility
from ..domain.entities import Channel
from ..domain.messages import Bilingual, Message, termed
from ..domain.taxonomy import LINK_KINDS
from .index import OrientationIndex
from .paths import Candidate, Hop
from .plan import Area, LinkRef, Named, ServiceChoice, area

__all__ = ["choice_reasons", "service_choice"]


def service_choice(index: OrientationIndex, c: Candidate, hop: Hop | None, province: str,
                   reasons: tuple[Message, ...], *, in_area: bool) -> ServiceChoice:
    """The full card of candidate ``c``, reached through ``hop`` (if linked), for a child
    in ``province``; ``in_area`` when the service's area covers the child."""
    snap = index.snapshot
    service = snap.services[index.service_ids[c.service]]
    org = snap.organizations.get(service.organization_id)
    place = c.place
    site = snap.sites.get(place.site_id) if place.site_id else None
    commune = snap.territories.get(place.commune_code)
    territory = snap.territories.get(place.province_code)
    if site is None:
        precision = "province"
    elif site.confidential or site.lat is None:
        precision = "commune"
    else:
        precision = site.coordinates_precision
    channels: dict[tuple[str, str], Channel] = {}
    for channel in (*service.channels, *(org.channels if org else ())):
        channels.setdefault((channel.kind, channel.value), channel)
    link_documents = [d for link in (hop.links if hop else ()) for d in link.documents]
    return ServiceChoice(
        id=service.id,
        name=service.name,
        name_ar=service.name_ar,
        type=service.type,
        organization=Named(service.organization_id, org.name if org else "",
                           org.sector if org else "", org.name_ar if org else ""),
        site_id=place.site_id,
        address=site.address if site is not None and not site.confidential else "",
        commune=area(commune) if commune else None,
        province=area(territory) if territory else Area(place.province_code, ""),
        lat=round(place.lat, 6),
        lon=round(place.lon, 6),
        location_precision=precision,
        confidential=place.confidential,
        distance_km=round(c.km, 1),
        in_province=place.province_code == province,
        emergency_24_7=service.emergency_24_7,
        hours=service.hours,
        schedule_note=service.schedule_note,
        access=service.access,
        documents=tuple(dict.fromkeys((*link_documents, *service.documents))),
        channels=tuple(channels.values()),
        linked_from=_link_ref(hop),
        reasons=reasons,
        competent=in_area if service.id in snap.authorities else None,
        out_of_area=not in_area,
        verified=service.is_verified,
        receives_children=service.id in snap.for_children,
    )


def _link_ref(hop: Hop | None) -> LinkRef | None:
    """The referral as one link: the first one's id and source, the weaker kind, the total delay."""
    if hop is None:
        return None
    first = hop.links[0]
    kinds = {link.link_kind for link in hop.links}
    delays = [link.typical_delay_hours for link in hop.links]
    return LinkRef(
        id=first.id,
        from_service_id=first.from_service_id,
        kind="protocol" if kinds == {"protocol"} else "practice",
        typical_delay_hours=None if None in delays else sum(d or 0 for d in delays),
        via_service_id=hop.via,
    )


def choice_reasons(index: OrientationIndex, eligibility: Eligibility, c: Candidate,
                   previous: Candidate | None, hop: Hop | None, nearest_km: float,
                   outside: Message | None, earlier: Bilingual | None) -> tuple[Message, ...]:
    """Why ``c`` is proposed (messages said in French or Arabic).

    ``outside`` names the child's place when ``c`` was sought outside its area;
    ``earlier`` names the stage the service was already proposed for.
    """
    names = index.snapshot.services
    reasons = list(eligibility.reasons)
    if previous is not None:
        source = names[index.service_ids[previous.service]].name
        if hop is None:
            reasons.append(Message("no_link_from", source=source))
        else:
            ref = _link_ref(hop)
            assert ref is not None
            kind: Bilingual | Message = termed(LINK_KINDS[ref.kind])
            if ref.typical_delay_hours is not None:
                kind = Message("link_delay", kind=kind, hours=ref.typical_delay_hours)
            reasons.append(Message("link_from_via", source=source, via=names[hop.via].name,
                                   kind=kind) if hop.via else
                           Message("link_from", source=source, kind=kind))
    km = f"{c.km:.1f}"
    reasons.append(Message("at_km_nearest" if c.km <= nearest_km else "at_km", km=km))
    if outside is not None:
        reasons.append(Message("out_of_area", where=outside))
    elif index.service_ids[c.service] in index.snapshot.authorities:
        reasons.append(Message("competent_here"))
    if earlier is not None:
        reasons.append(Message("already_proposed", stage=earlier))
    return tuple(reasons)
