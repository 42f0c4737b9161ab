"""The annuaire: search the actors, read an organisation's page.

Search runs the API's own filter (:mod:`graph_service.search`) over the
snapshot, so a page and a GraphQL query with the same criteria list the same
organisations. What the public sees follows :mod:`graph_service.access`:
institutions, services, hours and official channels; a confidential site
(a shelter) only as its commune; contact persons only for signed-in
professionals, whose reading of them is audited as the API's is.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..access import Principal, check_can_edit, public_site, scope_of
from ..domain.entities import READ_CONTACTS, Contact, Organization, Service, Site, Territory
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.taxonomy import SECTORS, SERVICE_TYPES, SITUATIONS, STAGES, check_code
from ..domain.validation import SEARCH_TEXT_MAX
from ..search import Index, by_relevance, service_ids, suggestions
from ..snapshot import Snapshot
from ..store import GraphStore, run_blocking
from .communes import resolve_commune, territory_options
from .forms import error_map
from .pages import (
    Filter,
    index_of,
    lang,
    organization_ids,
    page,
    reacher,
    render,
    store_of,
)
from .session import principal_of

__all__ = ["PAGE_SIZE", "routes"]

PAGE_SIZE = 20
SHOWN_SERVICES = 2
"""Services shown with each organisation found; the others are on its page."""
_SELECTS = {"sector": SECTORS, "stage": STAGES, "situation": SITUATIONS,
            "service_type": SERVICE_TYPES}


@page
async def search(request: Request) -> Response:
    index = await index_of(request)
    snap = index.snapshot
    params = request.query_params
    errors: dict[str, list[str]] = {}
    chosen = {name: params.get(name) or None for name in _SELECTS}
    for name, vocab in _SELECTS.items():
        refused = check_code(name, chosen[name], vocab)
        if refused:
            errors[name] = [e.message_in(lang(request).code) for e in refused]
            chosen[name] = None
    province = params.get("province") or None
    if province is not None and getattr(snap.territories.get(province), "level", "") != "province":
        errors["province"] = [f"province inconnue : {province}"]
        province = None
    commune_text = (params.get("commune") or "").strip()
    commune = None
    if commune_text:
        try:
            commune = (await run_blocking(resolve_commune, snap, commune_text)).code
        except ValidationFailed as exc:
            errors.update(error_map(exc, lang(request).code))
    text = (params.get("q") or "").strip()[:SEARCH_TEXT_MAX] or None
    principal = await principal_of(request)
    criteria = Filter(province=province, commune=commune, text=text, sector=chosen["sector"],
                      stage=chosen["stage"], situation=chosen["situation"],
                      service_type=chosen["service_type"])
    exact = principal.sees_personal_data

    def find() -> list[str]:  # every organisation of the country: off the event loop
        found = organization_ids(index, criteria, exact_places=exact)
        return by_relevance(index, found, text) if text is not None else found

    ids = await run_blocking(find)
    pages = max(1, math.ceil(len(ids) / PAGE_SIZE))
    number = _page_number(params.get("page"), pages)
    shown = ids[(number - 1) * PAGE_SIZE: number * PAGE_SIZE]
    asked = criteria != Filter(province=province, commune=commune)
    matching = frozenset(service_ids(index, criteria, exact_places=exact)) if asked else None
    return await render(request, "annuaire.html", {
        "params": {**{k: v or "" for k, v in chosen.items()}, "province": province or "",
                   "commune": commune_text, "q": text or ""},
        "errors": errors,
        "provinces": territory_options(_provinces(snap), lang(request).code),
        "total": len(ids),
        "rows": [_row(snap, index, snap.organizations[oid], matching) for oid in shown],
        "reach": reacher(snap),
        "page": number,
        "pages": pages,
        "query": _query_without_page(request),
        # the map shows the province asked (a whole-country map otherwise); it is public
        "map_url": "/maps/annuaire" + (f"?{urlencode({'province': province})}" if province
                                       else ""),
    })


def _page_number(value: str | None, pages: int) -> int:
    try:
        number = int(value or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), pages)


def _query_without_page(request: Request) -> str:
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])


def _provinces(snap: Snapshot) -> list[Territory]:
    """Provinces that have communes of their own."""
    with_communes = {t.province_code for t in snap.territories.values() if t.level == "commune"}
    return [t for t in snap.territories.values()
            if t.level == "province" and t.code in with_communes]


def _row(snap: Snapshot, index: Index, org: Organization,
         matching: frozenset[str] | None) -> dict[str, Any]:
    """An organisation found: where it works, and its services that match what was asked
    (all of them when only a place was), the first :data:`SHOWN_SERVICES` with how to reach
    them."""
    places = index.org_places.get(org.id, ())
    communes = sorted({snap.territories[p.commune_code] for p in places
                       if p.commune_code in snap.territories}, key=lambda t: t.code)
    services = index.services_by_org.get(org.id, ())
    matched = [sid for sid in services if matching is None or sid in matching]
    return {"org": org, "communes": communes, "services": len(services),
            "province": snap.territories.get(org.province_code or ""),
            "matched": [snap.services[sid] for sid in matched[:SHOWN_SERVICES]],
            "more": max(0, len(matched) - SHOWN_SERVICES)}


@page
async def organisation(request: Request) -> Response:
    index = await index_of(request)
    snap = index.snapshot
    org = snap.organizations.get(request.path_params["org_id"])
    if org is None:
        raise NotFound("organization", request.path_params["org_id"])
    principal = await principal_of(request)
    store = store_of(request)
    sites = [public_site(snap.sites[i], principal) for i in index.sites_by_org.get(org.id, ())]
    services = [snap.services[i] for i in index.services_by_org.get(org.id, ())]
    contacts: list[Contact] = []
    if principal.sees_personal_data:
        contacts = [snap.contacts[i] for i in index.contacts_by_org.get(org.id, ())]
        if contacts:
            await run_blocking(_log_contact_reads, store, principal, contacts)
    return await render(request, "organisation.html", {
        "org": org,
        "sites": sites,
        "site_names": {s.id: s for s in sites},
        "services": services,
        "contacts": contacts,
        "service_names": {s.id: s.name for s in services},
        "territory": lambda code: snap.territories.get(code or ""),
        "can_edit": await run_blocking(_can_edit, store, principal, org),
        "reach": reacher(snap),
    })


def _log_contact_reads(store: GraphStore, principal: Principal, contacts: list[Contact]) -> None:
    """Each contact's personal data read, in its own trail, as the API logs it."""
    for contact in contacts:
        store.record_event(actor=principal.actor, action=READ_CONTACTS,
                           entity_kind="contact", entity_id=contact.id)


def _can_edit(store: GraphStore, principal: Principal,
              entity: Organization | Site | Service) -> bool:
    if not principal.signed_in:
        return False
    try:
        check_can_edit(principal, scope_of(store, entity), entity.id)
    except Forbidden:
        return False
    return True


async def suggest(request: Request) -> Response:
    """Names to complete the annuaire's search box as one types (JSON, at most 8): the
    organisations and services the same text index finds, best names first."""
    text = (request.query_params.get("q") or "").strip()[:200]
    if len(text) < 2:
        return JSONResponse([])
    index = await index_of(request)
    arabic = lang(request).code == "ar"
    found = await run_blocking(suggestions, index, text)
    return JSONResponse([
        {"value": (s.name_ar if arabic and s.name_ar else s.name),
         "label": lang(request).t(f"kind_{s.kind}"),
         "url": f"/organisations/{s.organization_id}"
                + (f"#service-{s.id}" if s.kind == "service" else "")}
        for s in found])


routes = [
    Route("/annuaire", search, methods=["GET"], name="annuaire"),
    Route("/annuaire/suggestions.json", suggest, methods=["GET"], name="annuaire_suggestions"),
    Route("/organisations/{org_id}", organisation, methods=["GET"], name="organisation"),
]
