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
from starlette.responses import Response
from starlette.routing import Route

from ..access import Principal, check_can_edit, public_site, scope_of
from ..domain.entities import Contact, Organization, Service, Site
from ..domain.errors import Forbidden, NotFound, ValidationFailed
from ..domain.taxonomy import SECTORS, SERVICE_TYPES, SITUATIONS, STAGES, check_code
from ..snapshot import Snapshot
from ..store import GraphStore, run_blocking
from .communes import resolve_commune
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
            commune = resolve_commune(snap, commune_text).code
        except ValidationFailed as exc:
            errors.update(error_map(exc, lang(request).code))
    text = (params.get("q") or "").strip()[:200] or None
    principal = await principal_of(request)
    criteria = Filter(province=province, commune=commune, text=text, sector=chosen["sector"],
                      stage=chosen["stage"], situation=chosen["situation"],
                      service_type=chosen["service_type"])
    ids = organization_ids(index, criteria, exact_places=principal.sees_personal_data)
    pages = max(1, math.ceil(len(ids) / PAGE_SIZE))
    number = _page_number(params.get("page"), pages)
    shown = ids[(number - 1) * PAGE_SIZE: number * PAGE_SIZE]
    return await render(request, "annuaire.html", {
        "params": {**{k: v or "" for k, v in chosen.items()}, "province": province or "",
                   "commune": commune_text, "q": text or ""},
        "errors": errors,
        "provinces": _provinces(snap),
        "total": len(ids),
        "rows": [_row(snap, index.org_places.get(oid, ()), snap.organizations[oid],
                      len(index.services_by_org.get(oid, ()))) for oid in shown],
        "page": number,
        "pages": pages,
        "query": _query_without_page(request),
    })


def _page_number(value: str | None, pages: int) -> int:
    try:
        number = int(value or 1)
    except ValueError:
        number = 1
    return min(max(number, 1), pages)


def _query_without_page(request: Request) -> str:
    return urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"])


def _provinces(snap: Snapshot) -> list[tuple[str, str]]:
    """Provinces that have communes of their own, by name."""
    with_communes = {t.province_code for t in snap.territories.values() if t.level == "commune"}
    return sorted(((t.code, t.name_fr) for t in snap.territories.values()
                   if t.level == "province" and t.code in with_communes), key=lambda p: p[1])


def _row(snap: Snapshot, places: Any, org: Organization, services: int) -> dict[str, Any]:
    communes = sorted({snap.territories[p.commune_code].name_fr for p in places
                       if p.commune_code in snap.territories})
    province = snap.territories.get(org.province_code or "")
    return {"org": org, "communes": communes, "services": services,
            "province": province.name_fr if province else ""}


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
        store.record_read(actor=principal.actor, entity_kind="contact", entity_id=contact.id)


def _can_edit(store: GraphStore, principal: Principal,
              entity: Organization | Site | Service) -> bool:
    if not principal.signed_in:
        return False
    try:
        check_can_edit(principal, scope_of(store, entity), entity.id)
    except Forbidden:
        return False
    return True


routes = [
    Route("/annuaire", search, methods=["GET"], name="annuaire"),
    Route("/organisations/{org_id}", organisation, methods=["GET"], name="organisation"),
]
