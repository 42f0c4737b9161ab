"""Orientations: send a referral from a plan, print its fiche, receive it by code, answer it,
and the coordinator's view of where children are lost.

Every rule is :mod:`graph_service.referrals`' (the API's): these handlers read
forms, call it and render. The referral holds codes only; the fiche prints
blank lines for what stays on paper (the child, the guardian, the PV).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import referrals as service
from ..access import Principal
from ..api.priority import run_write
from ..domain.entities import Service
from ..domain.errors import FieldError, ValidationFailed, VersionConflict
from ..domain.messages import Message
from ..domain.referral import ALLOWED, SENDER_STATUSES, Referral, TransitionError, age_band_of
from ..store import run_blocking
from .coordination import _coordinator, _province_of
from .fiche_pdf import PAPER_ONLY, Side, referral_fiche_pdf
from .forms import error_map, form_values
from .pages import (
    SECURITY_HEADERS,
    PageError,
    fmt_date,
    index_of,
    lang,
    page,
    reacher,
    redirect,
    render,
    signed_in,
    store_of,
)

__all__ = ["my_services", "routes"]


_LABELS = {"reason": "reason", "status": "referral_status", "code": "referral_code",
           "age": "age", "sex": "sex", "stage": "stage", "from_service_id": "send_from",
           "to_service_id": "to_service", "situations": "situations"}
"""Label keys of the fields a referral form can get wrong, to name them in errors."""


def my_services(request: Request, principal: Principal) -> list[Service]:
    """The services a user can send from: their organisation's."""
    if not principal.organization_id:
        return []
    return [s for s in store_of(request).entries(
        "service", where={"organization_id": principal.organization_id})
        if isinstance(s, Service)]


def _age(values: dict[str, list[str]]) -> str:
    raw = (values.get("age") or [""])[0]
    if not raw.strip().isdigit():
        raise ValidationFailed([FieldError("age", Message("age_years"))])
    return age_band_of(int(raw))


@page
async def send(request: Request) -> Response:
    """From a plan: the chosen service, the plan's situation reduced to codes and a band."""
    principal = await signed_in(request)
    values = form_values(await request.form())

    def first(name: str) -> str:
        return (values.get(name) or [""])[0]

    def work() -> Referral:
        return service.send(store_of(request), principal, service.ReferralRequest(
            from_service_id=first("from_service_id"), to_service_id=first("to_service_id"),
            stage=first("stage"), situations=tuple(values.get("situation", [])),
            age_band=_age(values), sex=first("sex"), urgent=bool(first("urgent"))))

    try:
        referral = await run_write(request, work)
    except ValidationFailed as exc:
        t = lang(request).t
        raise PageError(400, "form_errors", "; ".join(
            f"{t(_LABELS[e.field]) if e.field in _LABELS else e.field} : "
            f"{e.message_in(lang(request).code)}"
            for e in exc.errors)) from exc
    return redirect(f"/orientations/{referral.code}/fiche", "referral_sent", request)


@page
async def listing(request: Request) -> Response:
    return await _listing(request, await signed_in(request))


async def _listing(request: Request, principal: Principal,
                   errors: dict[str, list[str]] | None = None, typed: str = "") -> Response:
    """Incoming and outgoing lists with the code box (its error next to it, if any)."""
    store = store_of(request)
    incoming, outgoing = await run_blocking(lambda: (
        service.visible(store, principal, "incoming"),
        service.visible(store, principal, "outgoing")))
    return await render(request, "orientations.html", {
        "incoming": incoming, "outgoing": outgoing, "errors": errors or {}, "typed": typed,
        **await _names(request, [*incoming, *outgoing]),
    }, 400 if errors else 200)


@page
async def by_code(request: Request) -> Response:
    """The code box: the receiver typed the code from the fiche, which also receives it."""
    principal = await signed_in(request)
    typed = (form_values(await request.form()).get("code") or [""])[0]
    store = store_of(request)

    def work() -> Referral:
        referral = service.find(store, principal, typed)
        if referral.status == "sent" and principal.organization_id == referral.to_organization_id:
            referral = service.transition(store, principal, referral.code, referral.version,
                                          "received")
        return referral

    try:
        referral = await run_write(request, work)
    except ValidationFailed as exc:
        return await _listing(request, principal, error_map(exc, lang(request).code), typed)
    return redirect(f"/orientations/{referral.code}")


async def _names(request: Request, referrals: list[Referral],
                 more: tuple[str, ...] = ()) -> dict[str, Any]:
    """The services a page names (those of ``referrals`` and ``more``), from the read model."""
    snapshot = (await index_of(request)).snapshot
    ids = {i for r in referrals for i in (r.from_service_id, r.to_service_id)} | set(more)
    return {"services": {i: snapshot.services.get(i) for i in ids},
            "orgs": snapshot.organizations, "snapshot": snapshot, "reach": reacher(snapshot)}


def _actions(principal: Principal, referral: Referral) -> list[str]:
    """The buttons this user has on this referral: the allowed moves of their side."""
    return [s for s in ALLOWED[referral.status] if s != "expired" and (
        principal.role == "admin"
        or (s in SENDER_STATUSES and principal.organization_id == referral.from_organization_id)
        or (s not in SENDER_STATUSES
            and principal.organization_id == referral.to_organization_id))]


@page
async def detail(request: Request) -> Response:
    """A referral with the buttons of the user's side; a refused move is shown on the page."""
    principal = await signed_in(request)
    store = store_of(request)
    referral = await run_blocking(service.find, store, principal, request.path_params["code"])
    problems: list[tuple[str, str]] = []
    status_code = 200
    if request.method == "POST":
        values = form_values(await request.form())
        version = (values.get("version") or [""])[0]
        try:
            await run_write(request, lambda: service.transition(
                store, principal, referral.code, int(version) if version.isdigit() else -1,
                (values.get("status") or [""])[0], (values.get("reason") or [""])[0] or None))
        except ValidationFailed as exc:
            code = lang(request).code
            problems, status_code = [(_LABELS.get(e.field, e.field), e.message_in(code))
                                     for e in exc.errors], 400
        except TransitionError as exc:
            problems, status_code = [("referral_status", str(exc))], 409
        except VersionConflict as exc:
            problems, status_code = [("", lang(request).t("conflict", current=exc.current))], 409
        else:
            return redirect(f"/orientations/{referral.code}", "referral_updated", request)
        referral = await run_blocking(service.find, store, principal, referral.code)
    return await render(request, "orientation.html", {
        "r": referral, "actions": _actions(principal, referral), "problems": problems,
        "needs_reason": ("declined", "not_completed"), **await _names(request, [referral]),
    }, status_code)


@page
async def fiche(request: Request) -> Response:
    """The printable fiche de liaison in the page's language: code, QR to the referral's
    page, services, motif, documents, blank lines for the paper-only details, the return
    slip, and the same fiche as a PDF."""
    referral, url, names = await _fiche_data(request)
    qr = Markup(segno.make(url, error="m").svg_inline(scale=3, title=referral.code))
    return await render(request, "orientation_fiche.html", {
        "r": referral, "qr": qr, "url": url, "paper_only": PAPER_ONLY, **names})


@page
async def fiche_download(request: Request) -> Response:
    """The fiche as a PDF, for a signed-in user who may see the referral: the URL holds the
    referral's code only, never the child's situation."""
    referral, url, names = await _fiche_data(request)
    page_lang = lang(request)
    services, orgs = names["services"], names["orgs"]

    def side(key: str, service_id: str) -> Side:
        found = services.get(service_id)
        org = orgs.get(found.organization_id) if found else None
        return Side(key, service_id, " — ".join(page_lang.name(x) for x in (found, org) if x)
                    or service_id)

    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=4)
    body = await run_blocking(
        referral_fiche_pdf, referral, page_lang,
        (side("from_service", referral.from_service_id),
         side("to_service", referral.to_service_id)),
        (fmt_date(referral.sent_at), fmt_date(referral.deadline)), qr.getvalue(),
        names["reach"], page_lang.name)
    return Response(body, media_type="application/pdf", headers={
        **SECURITY_HEADERS, "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="fiche-{referral.code}.pdf"'})


async def _fiche_data(request: Request) -> tuple[Referral, str, dict[str, Any]]:
    """The referral the user may see, its page's address (the QR) and the names it shows."""
    principal = await signed_in(request)
    referral = await run_blocking(service.find, store_of(request), principal,
                                  request.path_params["code"])
    url = str(request.url_for("orientation", code=referral.code))
    return referral, url, await _names(request, [referral])


async def _desk_data(request: Request) -> tuple[str, service.Indicators, list[Referral]]:
    principal = await _coordinator(request)
    snapshot = (await index_of(request)).snapshot
    province = _province_of(request, principal, snapshot)
    if province is None:
        raise PageError(400, "form_errors", "province")
    store = store_of(request)
    figures, late = await run_blocking(lambda: (
        service.indicators(store, principal, province),
        service.overdue(store, principal, province)))
    return province, figures, late


@page
async def desk(request: Request) -> Response:
    """The coordinator's desk for referrals: overdue ones, the indicators and their chart."""
    province, figures, late = await _desk_data(request)
    names = await _names(request, late, tuple(
        i for k in figures.by_link for i in (k.from_service_id, k.to_service_id)))
    return await render(request, "orientations_desk.html", {
        "province": names["snapshot"].territories[province], "figures": figures, "late": late,
        "funnel": _funnel(figures), **names})


def _funnel(figures: service.Figures) -> list[tuple[str, int, int]]:
    """The chart's bars: (label key, count, width in per mille of sent)."""
    rows = [("ind_sent", figures.sent), ("ind_received", figures.received),
            ("ind_accepted", figures.accepted),
            ("ind_completed", figures.completed + figures.not_completed),
            ("ind_declined", figures.declined), ("ind_expired", figures.expired),
            ("ind_cancelled", figures.cancelled)]
    top = max(figures.sent, 1)
    return [(key, n, round(1000 * n / top)) for key, n in rows]


@page
async def desk_csv(request: Request) -> Response:
    """The indicators per link as a spreadsheet (UTF-8 with BOM), the province's total first."""
    province, figures, _late = await _desk_data(request)
    out = io.StringIO()
    names = list(figures.figures())
    writer = csv.writer(out)
    writer.writerow(["from_service_id", "to_service_id", *names])
    writer.writerow(["*", "*", *figures.figures().values()])
    for k in figures.by_link:
        writer.writerow([k.from_service_id, k.to_service_id, *k.figures().values()])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="orientations-{province}.csv"'})


routes = [
    Route("/orientations", listing, methods=["GET"], name="orientations"),
    Route("/orientations/envoyer", send, methods=["POST"], name="send_referral"),
    Route("/orientations/code", by_code, methods=["POST"], name="referral_code"),
    Route("/orientations/{code}", detail, methods=["GET", "POST"], name="orientation"),
    Route("/orientations/{code}/fiche", fiche, methods=["GET"], name="orientation_fiche"),
    Route("/orientations/{code}/fiche.pdf", fiche_download, methods=["GET"],
          name="orientation_fiche_pdf"),
    Route("/coordination/orientations", desk, methods=["GET"], name="referral_desk"),
    Route("/coordination/orientations.csv", desk_csv, methods=["GET"], name="referral_csv"),
]
