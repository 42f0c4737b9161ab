"""The app's map pages and the static files they load.

``/maps/annuaire?province=…``, ``/maps/gaps?stage=…&metric=…&province=…&situation=…``
and ``/maps/route?commune=…&situation=…`` render a map of the current annuaire;
``/static`` serves the vendored Leaflet files. Pages are public: they never show
contact persons, and a Content-Security-Policy keeps the browser from loading
anything but this site (and the configured tile server). A rendered page is kept
until the annuaire changes, since the national gap map takes a moment to draw.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from html import escape
from urllib.parse import urlsplit

import folium
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..coverage import cached_coverage, resolve_area
from ..domain.errors import FieldError, NotFound, ValidationFailed
from ..domain.validation import REQUIRED
from ..orientation import orient
from ..snapshot import Snapshot, SnapshotCache
from ..store import run_blocking
from .annuaire import build_annuaire_map
from .assets import SERVED, STATIC_DIR
from .base import render_html
from .gaps import build_gaps_map
from .params import Params, coverage_filters, route_request
from .route import build_route_map

__all__ = ["map_routes"]

_KEPT = 16
"""Rendered pages kept per app (the oldest goes first)."""


class _Pages:
    """Rendered maps of one snapshot revision, keyed by kind and parameters."""

    def __init__(self) -> None:
        self._pages: OrderedDict[tuple[object, ...], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], render: Callable[[], str]) -> str:
        with self._lock:
            page = self._pages.get(key)
        if page is None:
            page = render()
            with self._lock:
                self._pages[key] = page
                while len(self._pages) > _KEPT:
                    self._pages.popitem(last=False)
        return page


def map_routes() -> list[BaseRoute]:
    """Routes to add to the app: the three map pages and the ``/static`` mount."""
    return [
        Route("/maps/annuaire", annuaire_page),
        Route("/maps/gaps", gaps_page),
        Route("/maps/route", route_page),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


async def annuaire_page(request: Request) -> Response:
    def build(snap: Snapshot, params: Params, tile_url: str) -> folium.Map:
        province = _province(snap, params)
        return build_annuaire_map(snap, province=province, assets=SERVED, tile_url=tile_url)

    return await _page(request, "annuaire", build)


async def gaps_page(request: Request) -> Response:
    def build(snap: Snapshot, params: Params, tile_url: str) -> folium.Map:
        stage = _required(params, "stage")
        need, service_type = coverage_filters(params)
        coverage = cached_coverage(snap, need=need, service_type=service_type)
        metric = (params.get("metric") or ["distance"])[-1]
        return build_gaps_map(coverage, stage, metric=metric, province=_province(snap, params),
                              assets=SERVED, tile_url=tile_url)

    return await _page(request, "gaps", build)


async def route_page(request: Request) -> Response:
    def build(snap: Snapshot, params: Params, tile_url: str) -> folium.Map:
        plan = orient(snap, route_request(params))
        return build_route_map(plan, snap, assets=SERVED, tile_url=tile_url)

    return await _page(request, "route", build)


Builder = Callable[[Snapshot, Params, str], folium.Map]


async def _page(request: Request, kind: str, build: Builder) -> Response:
    state = request.app.state
    tile_url: str = state.settings["GRAPH_SERVICE_TILE_URL"]
    params: Params = {k: request.query_params.getlist(k) for k in request.query_params}
    snapshots = getattr(state, "snapshots", None)
    if not isinstance(snapshots, SnapshotCache):
        snapshots = state.snapshots = SnapshotCache(state.store)
    pages = getattr(state, "map_pages", None)
    if not isinstance(pages, _Pages):
        pages = state.map_pages = _Pages()

    def render() -> str:
        snap = snapshots.get()
        key = (kind, snap.revision, tile_url, tuple(sorted((k, tuple(v))
                                                           for k, v in params.items())))
        return pages.get(key, lambda: render_html(build(snap, params, tile_url)))

    try:
        page = await run_blocking(render)
    except ValidationFailed as exc:
        return _error(400, [str(e) for e in exc.errors])
    except NotFound as exc:
        return _error(404, [str(exc)])
    return HTMLResponse(page, headers={"Content-Security-Policy": _policy(tile_url)})


def _policy(tile_url: str) -> str:
    """Only this site's scripts and styles; images also from the tile server when one is set."""
    tiles = urlsplit(tile_url)
    host = tiles.netloc.replace("{s}", "*")  # Leaflet's subdomain placeholder
    tile_origin = f" {tiles.scheme}://{host}" if tiles.scheme and host else ""
    return ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:{tile_origin}; connect-src 'self'")


def _province(snap: Snapshot, params: Params) -> str | None:
    text = (params.get("province") or [""])[-1].strip()
    return resolve_area(snap, text, "province").code if text else None


def _required(params: Params, name: str) -> str:
    value = (params.get(name) or [""])[-1].strip()
    if not value:
        raise ValidationFailed([FieldError(name, REQUIRED)])
    return value


def _error(status: int, messages: list[str]) -> HTMLResponse:
    items = "".join(f"<li>{escape(m)}</li>" for m in messages)
    return HTMLResponse(
        f'<!DOCTYPE html><html lang="fr"><meta charset="utf-8"><title>Carte</title>'
        f"<h1>Carte indisponible</h1><ul>{items}</ul></html>", status_code=status)
