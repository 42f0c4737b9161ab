"""Mon organisation: an association keeps its own entry, sites, services and hours up to date.

Every change goes through :class:`~graph_service.editing.Editor`, the write
path the GraphQL mutations use: the same permission (an association edits its
own organisation only; a coordinator within their province), the same
validation (each refused field shown next to its input), the same optimistic
version check. An association's change stays "non vérifié" until a
coordinator of the province verifies it (:mod:`.coordination`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..access import Principal, check_can_edit, scope_of, verifies_own_edits
from ..api.priority import run_write
from ..domain.competence import receives_children
from ..domain.entities import AnyEntity, Channel, EntityKind, Organization, Service, Site
from ..domain.errors import NotFound, ValidationFailed, VersionConflict
from ..domain.messages import LIST_SEPARATOR
from ..domain.validation import TEXT_LIMITS, channel_errors
from ..editing import Editor, new_id
from ..review import open_corrections
from ..snapshot import Snapshot
from ..store import GraphStore, run_blocking
from .communes import commune_label
from .forms import (
    FormReader,
    Values,
    entity_values,
    error_map,
    form_values,
    normalized,
    organization_from_form,
    row_count,
    service_from_form,
    site_from_form,
)
from .pages import PageError, index_of, lang, page, redirect, render, signed_in, store_of

__all__ = ["routes"]

_PATHS: dict[EntityKind, str] = {"organization": "organisations", "site": "lieux",
                                 "service": "services"}


@page
async def overview(request: Request) -> Response:
    principal = await signed_in(request)
    snap = (await index_of(request)).snapshot
    org = snap.organizations.get(principal.organization_id or "")
    if org is None:
        raise PageError(404, "no_org")
    sites = sorted((s for s in snap.sites.values() if s.organization_id == org.id),
                   key=lambda s: s.id)
    services = sorted((s for s in snap.services.values() if s.organization_id == org.id),
                      key=lambda s: (s.status != "active", s.id))
    corrections = await run_blocking(open_corrections, store_of(request),
                                     [org.id, *(s.id for s in sites), *(s.id for s in services)])
    return await render(request, "mon_organisation.html", {
        "org": org, "sites": sites, "services": services, "corrections": corrections,
        "territory": lambda code: snap.territories.get(code or ""),
    })


def _edit_page(kind: EntityKind) -> Callable[[Request], Awaitable[Response]]:
    """The GET (form) and POST (save) endpoint of one kind of entry."""

    @page
    async def endpoint(request: Request) -> Response:
        principal = await signed_in(request)
        current = await run_blocking(_editable, store_of(request), principal, kind,
                                     request.path_params["entity_id"])
        return await _edit_or_create(request, principal, current, creating=False)

    endpoint.__name__ = f"edit_{kind}"
    return endpoint


def _create_page(kind: EntityKind) -> Callable[[Request], Awaitable[Response]]:
    """The GET (blank form) and POST (create) endpoint of a new site or service of the
    organisation in the path; the Editor decides whether the user may add to it."""

    @page
    async def endpoint(request: Request) -> Response:
        principal = await signed_in(request)
        org_id = request.path_params["org_id"]
        store = store_of(request)
        org = await run_blocking(_editable, store, principal, "organization", org_id)
        blank: AnyEntity = (Site(id="", organization_id=org.id, name="", commune_code="")
                            if kind == "site" else
                            Service(id="", organization_id=org.id, name="", type=""))
        return await _edit_or_create(request, principal, blank, creating=True)

    endpoint.__name__ = f"new_{kind}"
    return endpoint


async def _edit_or_create(request: Request, principal: Principal, current: AnyEntity, *,
                          creating: bool) -> Response:
    """Show the form of ``current`` (blank when ``creating``) or save what was sent: every
    unreadable and invalid field is refused together, in the page's language."""
    snap = (await index_of(request)).snapshot
    if request.method == "GET":
        return await _form(request, snap, current, _values(snap, current), {}, creating)
    reader = FormReader(await request.form())
    edited = _read(current.kind, current, reader, snap)
    if creating:
        edited = dataclasses.replace(edited, id=new_id(edited.kind))
    version = None
    if not creating:
        try:
            version = int(reader.text("version"))
        except ValueError as exc:
            raise PageError(400, "form_errors") from exc
    try:
        await run_write(request, _save, store_of(request), principal, edited, version, reader)
    except ValidationFailed as exc:
        sent = form_values(reader.form)
        errors = error_map(ValidationFailed(reader.renumbered(exc.errors)),
                           lang(request).code, sent)
        return await _form(request, snap, current, sent, errors, creating, 400)
    except VersionConflict as exc:
        return await _form(request, snap, current, form_values(reader.form),
                           {"": [_conflict(request, exc)]}, creating, 409)
    target = _page_of(principal, edited)
    if verifies_own_edits(principal):
        return redirect(target, "saved", request)
    return redirect(target, "created_unverified" if creating else "saved_unverified", request)


@page
async def service_status(request: Request) -> Response:
    """Close a service (status « inactif »: kept with its history, no longer proposed) or
    open it again: an edit of one field, through the one write path."""
    principal = await signed_in(request)
    store = store_of(request)
    current = await run_blocking(_editable, store, principal, "service",
                                 request.path_params["entity_id"])
    assert isinstance(current, Service)  # the path's kind
    form = FormReader(await request.form())
    status = form.text("status")
    if status not in ("active", "inactive"):
        raise PageError(400, "form_errors")
    version = _version(form)
    target = _page_of(principal, current)
    try:
        await run_write(request, Editor(store).update, principal,
                        dataclasses.replace(current, status=status), version)
    except VersionConflict as exc:
        return redirect(target, "conflict", request, current=exc.current)
    return redirect(target, "service_closed" if status == "inactive" else "service_reopened",
                    request)


@page
async def remove_site(request: Request) -> Response:
    """Give up a site of one's organisation. Refused, naming them, while services are still
    delivered there: a service must never point to a place that is gone."""
    principal = await signed_in(request)
    store = store_of(request)
    current = await run_blocking(_editable, store, principal, "site",
                                 request.path_params["entity_id"])
    assert isinstance(current, Site)  # the path's kind
    form = FormReader(await request.form())
    version = _version(form)
    target = _page_of(principal, current)
    snap = (await index_of(request)).snapshot
    users = LIST_SEPARATOR[lang(request).code].join(sorted(
        snap.services[i].name for i in snap.services_at_site.get(current.id, ())
        if i in snap.services))
    if users:
        return redirect(target, "site_in_use", request, services=users)
    try:
        await run_write(request, Editor(store).remove, principal, "site", current.id, version)
    except VersionConflict as exc:
        return redirect(target, "conflict", request, current=exc.current)
    except ValidationFailed:  # named by a service since this process last looked
        return redirect(target, "site_in_use_now", request)
    return redirect(target, "site_removed", request)


@page
async def check_channel(request: Request) -> Response:
    """One channel of a form checked as it is typed (``field``, ``kind``, ``value``): the
    message the save would give, labelled, in the page's language; empty when valid."""
    await signed_in(request)
    params = request.query_params
    field, kind = params.get("field", "")[:40], params.get("kind", "")[:64]
    row = field.removesuffix(".value")
    value = normalized(kind, params.get("value", "")[:TEXT_LIMITS["value"]].strip())
    if not value or not re.fullmatch(r"channels\[\d+\]", row):
        return JSONResponse({"message": ""})
    errors = error_map(ValidationFailed(channel_errors(row, Channel(kind=kind, value=value))),
                       lang(request).code, {f"{row}.kind": [kind]})
    shown = errors.get(field, [])
    return JSONResponse({"message": " ; ".join(
        f"{getattr(m, 'label', '')} : {m}" for m in shown)})


def _editable(store: GraphStore, principal: Principal, kind: EntityKind,
              entity_id: str) -> AnyEntity:
    """The stored entry, if ``principal`` may edit it (else Forbidden/NotFound)."""
    current = store.get(kind, entity_id)
    if current is None:
        raise NotFound(kind, entity_id)
    check_can_edit(principal, scope_of(store, current), f"{kind} {entity_id}")
    return current


def _read(kind: EntityKind, current: AnyEntity, reader: FormReader,
          snap: Snapshot) -> AnyEntity:
    if isinstance(current, Organization):
        return organization_from_form(current, reader)
    if isinstance(current, Site):
        return site_from_form(current, reader, snap)
    if isinstance(current, Service):
        return service_from_form(current, reader, snap)
    raise NotFound(kind, current.id)


def _save(store: GraphStore, principal: Principal, edited: AnyEntity, version: int | None,
          reader: FormReader) -> AnyEntity:
    """Create (no ``version``) or update through the Editor; unreadable inputs are refused
    together with invalid ones."""
    editor = Editor(store)
    if reader.errors:
        errors = list(reader.errors)
        try:
            editor.validate(edited)
        except ValidationFailed as exc:
            errors.extend(e for e in exc.errors if e.field not in {r.field for r in errors})
        raise ValidationFailed(errors)
    if version is None:
        return editor.create(principal, edited)
    return editor.update(principal, edited, expected_version=version)


def _values(snap: Snapshot, entity: AnyEntity) -> Values:
    assert isinstance(entity, Organization | Site | Service)
    values = entity_values(entity)
    if isinstance(entity, Site):
        commune = snap.territories.get(entity.commune_code)
        values["commune_code"] = [commune_label(commune) if commune else entity.commune_code]
    if isinstance(entity, Service):
        values["area_codes"] = ["\n".join(
            commune_label(snap.territories[c]) if c in snap.territories else c
            for c in entity.area_codes)]
    return values


def _service_context(snap: Snapshot, service: Service) -> dict[str, object]:
    """What the service form shows beside its competence fields: the area derived when
    none is stated (with its rule), and what "according to its type" means for it."""
    area = snap.areas.get(service.id)
    derived = area if area is not None and area.rule != "stated" else None
    own = [site for site in snap.sites.values() if site.organization_id == service.organization_id]
    listed = {site.id for site in own}
    return {
        "site_options": sorted(
            [(site.id, site.name) for site in own]
            + [(i, snap.sites[i].name if i in snap.sites else i) for i in service.site_ids
               if i not in listed], key=lambda pair: (pair[1], pair[0])),
        "derived_rule": f"area_rule_{derived.rule}" if derived else None,
        "derived_areas": [snap.territories[c] for c in sorted(derived.codes)
                          if c in snap.territories] if derived else [],
        "receives_by_type": receives_children(dataclasses.replace(service,
                                                                  receives_children=None)),
    }


def _page_of(principal: Principal, entity: AnyEntity) -> str:
    """Where an edit of ``entity`` lands: the association's own page, else the entry's
    organisation page."""
    return ("/mon-organisation" if principal.role == "association"
            else f"/organisations/{_org_id(entity)}")


def _version(form: FormReader) -> int:
    """The version the person saw, sent back by a one-button form (forged otherwise)."""
    try:
        return int(form.text("version"))
    except ValueError as exc:
        raise PageError(400, "form_errors") from exc


def _org_id(entity: AnyEntity) -> str:
    if isinstance(entity, Organization):
        return entity.id
    assert isinstance(entity, Site | Service)  # the kinds edited here
    return entity.organization_id


def _conflict(request: Request, exc: VersionConflict) -> str:
    return lang(request).t("conflict", current=exc.current)


async def _form(request: Request, snap: Snapshot, current: AnyEntity, values: Values,
                errors: dict[str, list[str]], creating: bool = False,
                status: int = 200) -> Response:
    org_id = _org_id(current)
    path = _PATHS[current.kind]
    return await render(request, f"edit_{current.kind}.html", {
        "entity": current,
        "creating": creating,
        "title": ("new_" if creating else "edit_") + ("org" if current.kind == "organization"
                                                       else current.kind),
        "values": values,
        "errors": errors,
        "channel_rows": row_count(values, "channels"),
        "hours_rows": row_count(values, "hours"),
        "action": (f"/organisations/{org_id}/{path}/nouveau" if creating
                   else f"/{path}/{current.id}/modifier"),
        "back": f"/organisations/{org_id}",
        **(_service_context(snap, current) if isinstance(current, Service) else {}),
    }, status)


routes = [
    Route("/mon-organisation", overview, methods=["GET"], name="mon_organisation"),
    *(Route(f"/{path}/{{entity_id}}/modifier", _edit_page(kind), methods=["GET", "POST"],
            name=f"edit_{kind}") for kind, path in _PATHS.items()),
    *(Route(f"/organisations/{{org_id}}/{_PATHS[kind]}/nouveau", _create_page(kind),
            methods=["GET", "POST"], name=f"new_{kind}") for kind in ("site", "service")),
    Route("/verifier-contact.json", check_channel, methods=["GET"], name="check_channel"),
    Route("/lieux/{entity_id}/retirer", remove_site, methods=["POST"], name="remove_site"),
    Route("/services/{entity_id}/statut", service_status, methods=["POST"],
          name="service_status"),
]
