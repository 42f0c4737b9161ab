"""Coordination: a provincial coordinator's desk.

What is waiting for verification (with the diff from the audit trail and a
one-click verification through :class:`~graph_service.editing.Editor`), what
has not been verified for twelve months, the province's coverage figures
(:mod:`graph_service.coverage`), its gap map (served by
:mod:`graph_service.maps.routes`) and the draft of its action plan
(:mod:`graph_service.action_plan`). A coordinator sees their own province; an
admin picks one.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..access import Principal, check_can_verify, scope_of
from ..action_plan import draft_action_plan, to_csv, to_markdown
from ..coverage import AreaSummary, cached_coverage, summarize
from ..domain.entities import ENTITY_KINDS, AnyEntity
from ..domain.errors import NotFound, ValidationFailed, VersionConflict
from ..domain.taxonomy import STAGE_ORDER, STAGES
from ..editing import Editor
from ..review import diff, in_province, pending, stale
from ..snapshot import Snapshot
from ..store import GraphStore, run_blocking
from .pages import PageError, index_of, page, redirect, render, signed_in, store_of

__all__ = ["SHOWN", "routes"]

SHOWN = 50
"""Entries listed per list; the count says how many there are in all."""


async def _coordinator(request: Request) -> Principal:
    principal = await signed_in(request)
    if principal.role not in ("coordinator", "admin"):
        raise PageError(403, "forbidden")
    return principal


def _province_of(request: Request, principal: Principal, snap: Snapshot) -> str | None:
    """A coordinator's own province; the one an admin chose (``?province=``), if any."""
    if principal.role == "coordinator":
        return principal.province_code
    chosen = request.query_params.get("province") or None
    territory = snap.territories.get(chosen or "")
    return chosen if territory is not None and territory.level == "province" else None


@page
async def desk(request: Request) -> Response:
    principal = await _coordinator(request)
    index = await index_of(request)
    snap = index.snapshot
    province = _province_of(request, principal, snap)
    context: dict[str, Any] = {"province": None, "provinces": _provinces(snap)}
    if province is not None:
        summary, problem = await run_blocking(_summary, snap, province)
        entries = await run_blocking(in_province, index, province)
        waiting, old = pending(entries), stale(entries)
        stage = request.query_params.get("stage")
        if stage not in STAGES:
            stage = (summary.missing_stages[0] if summary and summary.missing_stages
                     else STAGE_ORDER[0])
        context.update({
            "province": snap.territories[province],
            "summary": summary,
            "problem": problem,
            "pending": waiting[:SHOWN], "pending_count": len(waiting),
            "stale": old[:SHOWN], "stale_count": len(old),
            "stage": stage,
            "map_url": "/maps/gaps?" + urlencode({"stage": stage, "province": province}),
            "plan_query": urlencode({"province": province}),
            "org_name": lambda e: _org_name(snap, e),
        })
    return await render(request, "coordination.html", context)


def _summary(snap: Snapshot, province: str) -> tuple[AreaSummary | None, str]:
    try:
        return summarize(cached_coverage(snap), province), ""
    except ValidationFailed as exc:
        return None, "; ".join(e.message for e in exc.errors)


def _provinces(snap: Snapshot) -> list[tuple[str, str]]:
    return sorted(((t.code, t.name_fr) for t in snap.territories.values()
                   if t.level == "province"), key=lambda p: p[1])


def _org_name(snap: Snapshot, entity: AnyEntity) -> str:
    org_id = getattr(entity, "organization_id", None) or (
        entity.id if entity.kind == "organization" else None)
    org = snap.organizations.get(org_id or "")
    return org.name if org else ""


def _checked(store: GraphStore, principal: Principal, kind: str | None,
             entity_id: str) -> AnyEntity:
    """The entry, if ``principal`` may verify it."""
    known = next((k for k in ENTITY_KINDS if k == kind), None)
    entity = store.get(known, entity_id) if known else None
    if entity is None:
        raise NotFound("entry", entity_id)
    check_can_verify(principal, scope_of(store, entity), f"{entity.kind} {entity.id}")
    return entity


@page
async def review(request: Request) -> Response:
    return await _review(request, await _coordinator(request))


async def _review(request: Request, principal: Principal, status: int = 200) -> Response:
    """The entry's diff and its verify form, which posts the version shown."""
    index = await index_of(request)
    entity_id = request.path_params["entity_id"]
    store = store_of(request)
    entity = await run_blocking(_checked, store, principal, index.kind_of(entity_id), entity_id)
    changes = await run_blocking(diff, store, principal, entity)
    return await render(request, "review.html", {
        "diff": changes, "org_name": _org_name(index.snapshot, entity),
        "show": _shown,
    }, status)


@page
async def verify(request: Request) -> Response:
    principal = await _coordinator(request)
    index = await index_of(request)
    entity_id = request.path_params["entity_id"]
    store = store_of(request)
    kind = next((k for k in ENTITY_KINDS if k == index.kind_of(entity_id)), None)
    if kind is None:
        raise NotFound("entry", entity_id)
    try:
        version = int(str((await request.form()).get("version", "")))
    except ValueError as exc:
        raise PageError(400, "form_errors") from exc
    try:  # Editor.verify checks the right and the version
        await run_blocking(Editor(store).verify, principal, kind, entity_id, version)
    except VersionConflict:
        request.session["flash"] = "review_conflict"
        return await _review(request, principal, 409)
    return redirect("/coordination", "verified_flash", request)


@page
async def plan_download(request: Request) -> Response:
    principal = await _coordinator(request)
    snap = (await index_of(request)).snapshot
    province = _province_of(request, principal, snap)
    if province is None:
        raise NotFound("province", request.query_params.get("province", ""))
    fmt = request.path_params["fmt"]
    if fmt not in ("md", "csv"):
        raise NotFound("format", fmt)
    try:
        plan = await run_blocking(draft_action_plan, cached_coverage(snap), province)
    except ValidationFailed as exc:
        raise PageError(400, "error", "; ".join(e.message for e in exc.errors)) from exc
    body, media = ((to_csv(plan), "text/csv; charset=utf-8") if fmt == "csv"
                   else (to_markdown(plan), "text/markdown; charset=utf-8"))
    name = f"plan-action-{province}.{fmt}"
    return Response(("\ufeff" + body) if fmt == "csv" else body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _shown(value: Any) -> str:
    """A stored field value as text, for the diff table."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "✔" if value else "✘"
    if isinstance(value, list):
        return "\n".join(_item(v) for v in value)
    return str(value)


def _item(value: Any) -> str:
    if isinstance(value, dict) and "byday" in value:
        return f"{value['byday']} {value['opens_at']}–{value['closes_at']}"
    if isinstance(value, dict) and "kind" in value:
        label = f" ({value['label']})" if value.get("label") else ""
        return f"{value['kind']} : {value['value']}{label}"
    return str(value)


routes = [
    Route("/coordination", desk, methods=["GET"], name="coordination"),
    Route("/coordination/revue/{entity_id}", review, methods=["GET"], name="review"),
    Route("/coordination/revue/{entity_id}/verifier", verify, methods=["POST"], name="verify"),
    Route("/coordination/plan-action.{fmt:str}", plan_download, methods=["GET"],
          name="action_plan"),
]
