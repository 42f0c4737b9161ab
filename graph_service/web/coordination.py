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

from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..access import Principal, check_can_verify, scope_of
from ..action_plan import ActionPlan, draft_action_plan, to_csv, to_markdown
from ..api.priority import run_write
from ..coverage import AreaSummary, cached_coverage, summarize
from ..domain.entities import (
    ENTITY_KINDS,
    REFERENCES,
    AnyEntity,
    AuditEntry,
    Channel,
    EntityKind,
    ReferralLink,
)
from ..domain.errors import Forbidden, NotFound, ValidationFailed, VersionConflict
from ..domain.taxonomy import FIELD_VOCABULARIES, STAGE_ORDER, STAGES
from ..editing import Editor
from ..plan_files import DOCX_MEDIA, XLSX_MEDIA, to_docx, to_xlsx
from ..reachability import DAY_NAMES, dial
from ..review import diff, in_province, open_correction, open_corrections, pending, stale
from ..search import Index
from ..snapshot import Snapshot
from ..store import GraphStore, run_blocking
from .communes import territory_options
from .forms import error_map
from .i18n import LABELS, Lang
from .pages import PageError, index_of, lang, page, redirect, render, signed_in, store_of

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
    context: dict[str, Any] = {
        "province": None,
        "provinces": territory_options((t for t in snap.territories.values()
                                        if t.level == "province"), lang(request).code)}
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
            "corrections": await run_blocking(open_corrections, store_of(request),
                                              {e.id for e in (*waiting[:SHOWN], *old[:SHOWN])}),
            "stage": stage,
            "map_url": "/maps/gaps?" + urlencode({"stage": stage, "province": province}),
            "plan_query": urlencode({"province": province}),
            "org_name": lambda e: _org_name(snap, e),
            "edit_url": edit_url,
        })
    return await render(request, "coordination.html", context)


def _summary(snap: Snapshot, province: str) -> tuple[AreaSummary | None, str]:
    try:
        return summarize(cached_coverage(snap), province), ""
    except ValidationFailed as exc:
        return None, "; ".join(e.message for e in exc.errors)


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


async def _review(request: Request, principal: Principal, status: int = 200,
                  errors: dict[str, list[str]] | None = None, message: str = "") -> Response:
    """The entry's diff, its verify form and its « demander une correction » form, both of
    which post the version shown; ``errors`` and ``message``: a refused request, as typed."""
    index = await index_of(request)
    entity_id = request.path_params["entity_id"]
    store = store_of(request)
    entity = await run_blocking(_checked, store, principal, index.kind_of(entity_id), entity_id)
    changes = await run_blocking(diff, store, principal, entity)
    shown = _Shown(index.snapshot, lang(request))
    return await render(request, "review.html", {
        "diff": changes, "org_name": _org_name(index.snapshot, entity),
        "show": shown, "changed_fields": _changed_fields, "edit_url": edit_url(entity),
        "name": shown.entry_name(entity),
        "correction": open_correction(changes.history),
        "errors": errors or {}, "message": message,
        "action_label": lambda action: (lang(request).t(f"action_{action}")
                                        if f"action_{action}" in LABELS else action),
    }, status)


async def _reviewed(request: Request) -> tuple[EntityKind, int]:
    """The kind of the entry a review form is about and the version it posted."""
    entity_id = request.path_params["entity_id"]
    found = (await index_of(request)).kind_of(entity_id)
    kind = next((k for k in ENTITY_KINDS if k == found), None)
    if kind is None:
        raise NotFound("entry", entity_id)
    try:
        return kind, int(str((await request.form()).get("version", "")))
    except ValueError as exc:
        raise PageError(400, "form_errors") from exc


@page
async def verify(request: Request) -> Response:
    principal = await _coordinator(request)
    kind, version = await _reviewed(request)
    try:  # Editor.verify checks the right and the version
        await run_write(request, Editor(store_of(request)).verify, principal, kind,
                        request.path_params["entity_id"], version)
    except VersionConflict:
        request.session["flash"] = "review_conflict"
        return await _review(request, principal, 409)
    return redirect("/coordination", "verified_flash", request)


@page
async def request_correction(request: Request) -> Response:
    """« Demander une correction »: the entry goes back to its organisation with a message
    (Editor.request_correction checks the right, the message and the version)."""
    principal = await _coordinator(request)
    kind, version = await _reviewed(request)
    message = str((await request.form()).get("message", ""))
    try:
        await run_write(request, Editor(store_of(request)).request_correction, principal,
                        kind, request.path_params["entity_id"], version, message)
    except ValidationFailed as exc:
        return await _review(request, principal, 400, error_map(exc, lang(request).code),
                             message)
    except VersionConflict:
        request.session["flash"] = "review_conflict"
        return await _review(request, principal, 409, message=message)
    return redirect("/coordination#pending", "correction_sent", request)


@page
async def plan_download(request: Request) -> Response:
    principal = await _coordinator(request)
    snap = (await index_of(request)).snapshot
    province = _province_of(request, principal, snap)
    if province is None:
        raise NotFound("province", request.query_params.get("province", ""))
    fmt = request.path_params["fmt"]
    if fmt not in _PLAN_FILES:
        raise NotFound("format", fmt)
    try:
        plan = await run_blocking(draft_action_plan, cached_coverage(snap), province)
    except ValidationFailed as exc:
        raise PageError(400, "error", "; ".join(e.message_in(lang(request).code)
                                                 for e in exc.errors)) from exc
    write, media = _PLAN_FILES[fmt]
    body = await run_blocking(write, plan, lang(request).code)
    name = f"plan-action-{province}-{lang(request).code}.{fmt}"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


_PLAN_FILES: dict[str, tuple[Callable[[ActionPlan, str], str | bytes], str]] = {
    "md": (to_markdown, "text/markdown; charset=utf-8"),
    "csv": (lambda plan, _: "\ufeff" + to_csv(plan), "text/csv; charset=utf-8"),
    "docx": (to_docx, DOCX_MEDIA),
    "xlsx": (to_xlsx, XLSX_MEDIA),
}
"""The action plan's downloads: how each is written (in the page's language; the CSV's
columns stay the CLI's, with a BOM so that spreadsheets read UTF-8) and its media type."""


EDIT_PATHS = {"organization": "organisations", "site": "lieux", "service": "services"}
"""Where each kind of entry is edited (:mod:`.organisation`); other kinds have no form."""


def edit_url(entity: AnyEntity) -> str | None:
    """The edit form of ``entity``, if its kind has one."""
    path = EDIT_PATHS.get(entity.kind)
    return f"/{path}/{entity.id}/modifier" if path else None


class _Shown:
    """Stored values as a reviewer reads them: labels for codes, names for ids and HCP codes,
    hours with day names, in the page's language; ``—`` for nothing."""

    _TERRITORIES = frozenset({"commune_code", "province_code", "area_codes"})
    _REFERENCED: ClassVar[dict[str, str]] = {
        field: f"{kind}s" for fields in REFERENCES.values() for field, kind in fields.items()
        if kind in ("organization", "site", "service")}
    """Fields naming another entry (:data:`~graph_service.domain.entities.REFERENCES`) →
    the snapshot's table of that kind."""

    def __init__(self, snap: Snapshot, page_lang: Lang) -> None:
        self.snap, self.lang = snap, page_lang

    def __call__(self, field: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return self.lang.t("yes" if value else "no")
        if isinstance(value, list):
            return "\n".join(self(field, v) for v in value)
        if isinstance(value, dict) and "byday" in value:
            days = ", ".join(DAY_NAMES[self.lang.code].get(d, d) for d in value["byday"].split(","))
            return f"{days} {value['opens_at']}–{value['closes_at']}"
        if isinstance(value, dict) and "kind" in value:
            label = f" ({value['label']})" if value.get("label") else ""
            shown = dial(Channel(kind=value["kind"], value=value["value"])).text
            return f"{self.lang.term('channel_kind', value['kind'])} : {shown}{label}"
        if field in FIELD_VOCABULARIES:
            return self.lang.term(FIELD_VOCABULARIES[field], str(value))
        if field in self._TERRITORIES:
            territory = self.snap.territories.get(str(value))
            if territory is not None:
                name = territory.name_ar if self.lang.code == "ar" and territory.name_ar \
                    else territory.name_fr
                return f"{name} ({territory.code})"
        if field in self._REFERENCED:
            entry = getattr(self.snap, self._REFERENCED[field]).get(str(value))
            if entry is not None:
                return self.entry_name(entry)
        return str(value)

    def entry_name(self, entity: AnyEntity) -> str:
        """An entry as a reader names it: its name (Arabic on Arabic pages, when it has one),
        a contact's function, a link's two services."""
        if isinstance(entity, ReferralLink):
            return " → ".join(self("service_id", sid)
                              for sid in (entity.from_service_id, entity.to_service_id))
        arabic = getattr(entity, "name_ar", "") if self.lang.code == "ar" else ""
        return str(arabic or getattr(entity, "name", "") or getattr(entity, "function", "")
                   or entity.id)


def _changed_fields(entry: AuditEntry) -> list[str]:
    """The fields an audited write changed (all of a created entry's), bookkeeping left out."""
    before, after = entry.before or {}, entry.after or {}
    return [k for k in (after or before) if k not in _BOOKKEEPING
            and before.get(k) != after.get(k)]


_BOOKKEEPING = frozenset({"id", "version", "last_modified", "verified_at", "verified_by",
                          "created_by"})


def _selected(values: list[str]) -> list[tuple[str, int]]:
    """``id:version`` pairs of the entries ticked on the desk (unreadable ones dropped)."""
    out = []
    for value in values:
        entity_id, _, version = value.rpartition(":")
        if entity_id and version.isdigit():
            out.append((entity_id, int(version)))
    return out


@page
async def verify_selected(request: Request) -> Response:
    """Verify every ticked entry, each at the version the coordinator saw: an entry changed
    since is left for review (and counted), as are those outside their province."""
    principal = await _coordinator(request)
    index = await index_of(request)
    form = await request.form()
    chosen = _selected([str(v) for v in form.getlist("entry")])
    store = store_of(request)
    done, left = await run_write(request, _verify_all, store, principal, index, chosen)
    back = "/coordination" + (f"?province={p}" if (p := str(form.get("province") or ""))
                              and principal.role == "admin" else "") + "#pending"
    return redirect(back, "bulk_verified", request, n=done, left=left)


def _verify_all(store: GraphStore, principal: Principal, index: Index,
                chosen: list[tuple[str, int]]) -> tuple[int, int]:
    editor = Editor(store)
    done = 0
    for entity_id, version in chosen:
        kind = next((k for k in ENTITY_KINDS if k == index.kind_of(entity_id)), None)
        try:
            if kind is None:
                raise NotFound("entry", entity_id)
            editor.verify(principal, kind, entity_id, version)
            done += 1
        except (NotFound, Forbidden, VersionConflict):
            continue
    return done, len(chosen) - done


routes = [
    Route("/coordination", desk, methods=["GET"], name="coordination"),
    Route("/coordination/revue/{entity_id}", review, methods=["GET"], name="review"),
    Route("/coordination/revue/{entity_id}/verifier", verify, methods=["POST"], name="verify"),
    Route("/coordination/revue/{entity_id}/correction", request_correction, methods=["POST"],
          name="request_correction"),
    Route("/coordination/verifier", verify_selected, methods=["POST"], name="verify_selected"),
    Route("/coordination/plan-action.{fmt:str}", plan_download, methods=["GET"],
          name="action_plan"),
]
