"""Orienter un enfant: a situation in, the plan through the circuit out, and the referral sheet.

The form's fields carry the names the map pages and ``graph-service map``
read (:func:`graph_service.maps.params.route_request`), so one parser checks
them everywhere and the route map is the same question posted to
``/maps/route``. The plan is :func:`graph_service.orientation.orient`'s,
rendered as it is: this module ranks nothing. The situation travels in POST
bodies and the page only, never in a URL (no access log or browser history
holds it): nothing of it is stored, and the referral sheet's lines for the
child's details are blank, to be filled by hand on paper.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..domain.entities import Service
from ..domain.errors import ValidationFailed
from ..domain.referral import age_band_of
from ..domain.taxonomy import STAGE_ORDER
from ..maps.params import route_request
from ..orientation import Plan, orient
from ..reachability import MOROCCO_TZ
from ..snapshot import Snapshot
from ..store import run_blocking
from .communes import commune_code, resolve_commune
from .fiche_pdf import FicheSummary, fiche_pdf
from .forms import Values, error_map, form_values
from .i18n import Lang
from .pages import SECURITY_HEADERS, index_of, lang, page, reacher, render
from .referrals import my_services
from .session import principal_of

__all__ = ["FIELDS", "routes"]

FIELDS = ("commune", "age", "sex", "situation", "urgent", "language", "stage", "max_km")
"""The form's inputs: the names :func:`~graph_service.maps.params.route_request` reads. A
disability is the situation « handicap » (:data:`~graph_service.domain.eligibility.
DISABILITY_SITUATION`), not a second box."""


@page
async def form(request: Request) -> Response:
    return await render(request, "orienter.html", {
        "values": {"stage": [STAGE_ORDER[0]]}, "errors": {}})


@page
async def plan(request: Request) -> Response:
    return await _answer(request, "plan.html")


@page
async def referral_sheet(request: Request) -> Response:
    return await _answer(request, "fiche.html")


@page
async def referral_sheet_pdf(request: Request) -> Response:
    """The fiche as a PDF download, answered to a POST: the situation never enters a URL."""
    return await _answer(request, None)


async def _answer(request: Request, template: str | None) -> Response:
    form = form_values(await request.form())
    values = {k: v for k, v in form.items() if k in FIELDS}
    snapshot = (await index_of(request)).snapshot
    try:
        result = await run_blocking(_orient, snapshot, values)
    except ValidationFailed as exc:
        return await render(request, "orienter.html",
                            {"values": values,
                             "errors": error_map(exc, lang(request).code, values)}, 400)
    pairs = [(k, v) for k in FIELDS for v in values.get(k, ()) if v]
    principal = await principal_of(request)
    mine = await run_blocking(my_services, request, principal)
    page_lang = lang(request)
    referrer = next((s for s in mine if s.id in form.get("referrer", ())), None)
    summary = FicheSummary(
        date=datetime.now(MOROCCO_TZ).strftime("%d/%m/%Y"),
        referrer=_service_name(snapshot, referrer, page_lang) if referrer else "",
        age_band=age_band_of(result.situation.age) if result.situation.age is not None else None,
        sex=result.situation.sex, urgent=result.situation.urgent,
        situations=result.situation.situations)
    if template is None:
        body = await run_blocking(fiche_pdf, result, summary, page_lang, reacher(snapshot),
                                  page_lang.name)
        return Response(body, media_type="application/pdf", headers={
            **SECURITY_HEADERS, "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="fiche-de-liaison.pdf"'})
    return await render(request, template, {
        "my_services": mine,
        "plan": result,
        "summary": summary,
        "referrer_id": referrer.id if referrer else "",
        "values": values,
        "hidden": pairs,
        "map_fields": _with_codes(pairs),
        "territory": lambda code: snapshot.territories.get(code or ""),
        "reach": reacher(snapshot),
    })


def _orient(snapshot: Snapshot, values: Values) -> Plan:
    """The plan; every problem of the form at once (the commune is looked up even when the
    situation is refused, so a second attempt does not bring a new error)."""
    params = {k: [commune_code(v) for v in vs] if k == "commune" else vs
              for k, vs in values.items()}
    try:
        asked = route_request(params)
    except ValidationFailed as exc:
        errors = list(exc.errors)
        typed = next((v for v in values.get("commune", ()) if v.strip()), "")
        if typed and not any(e.field == "commune" for e in errors):
            try:
                resolve_commune(snapshot, typed)
            except ValidationFailed as unknown:
                errors += unknown.errors
        raise ValidationFailed(errors) from exc
    return orient(snapshot, asked)


def _service_name(snapshot: Snapshot, service: Service, page_lang: Lang) -> str:
    """« Service — Organisation », in the page's language where an Arabic name exists."""
    org = snapshot.organizations.get(service.organization_id)
    return " — ".join(page_lang.name(x) for x in (service, org) if x is not None)


def _with_codes(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, commune_code(v) if k == "commune" else v) for k, v in pairs]


routes = [
    Route("/orienter", form, methods=["GET"], name="orienter_form"),
    Route("/orienter", plan, methods=["POST"], name="orienter"),
    Route("/orienter/fiche", referral_sheet, methods=["POST"], name="fiche"),
    Route("/orienter/fiche.pdf", referral_sheet_pdf, methods=["POST"], name="fiche_pdf"),
]
