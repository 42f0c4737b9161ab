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

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..domain.errors import ValidationFailed
from ..domain.taxonomy import STAGE_ORDER
from ..maps.params import route_request
from ..orientation import Plan, orient
from ..snapshot import Snapshot
from ..store import run_blocking
from .communes import commune_code, resolve_commune
from .forms import Values, error_map, form_values
from .pages import index_of, lang, page, reacher, render
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


async def _answer(request: Request, template: str) -> Response:
    values = {k: v for k, v in form_values(await request.form()).items() if k in FIELDS}
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
    return await render(request, template, {
        "my_services": mine,
        "plan": result,
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


def _with_codes(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, commune_code(v) if k == "commune" else v) for k, v in pairs]


routes = [
    Route("/orienter", form, methods=["GET"], name="orienter_form"),
    Route("/orienter", plan, methods=["POST"], name="orienter"),
    Route("/orienter/fiche", referral_sheet, methods=["POST"], name="fiche"),
]
