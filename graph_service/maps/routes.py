"""The app's map pages and the static files they load.

``/maps/annuaire?province=…`` and ``/maps/gaps?stage=…&metric=…&province=…&situation=…``
render a map of the current annuaire; ``/static`` serves the vendored Leaflet
files. Pages are public: they never show contact persons, and a
Content-Security-Policy keeps the browser from loading anything but this site
(and the configured tile server). Maps answer in the page language chosen on the
pages (the session's). A rendered page is kept until the annuaire changes, keyed
by the revision, the language and the parameters as understood (a province by
its code, the situations sorted; an unknown parameter changes nothing), so that
no spelling of a URL forces a fresh national render. The national gap maps of
every stage (the default reading, both languages) are rendered in the background
at start and after each change (:func:`warm_gap_maps`), so they open at once.

The route map of a child's plan is ``POST /maps/route`` with the plan form's
fields: age, sex and situation travel in a request body, never in a URL (no
access log, browser history or referrer holds them), and the map is not kept.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from html import escape
from urllib.parse import urlsplit

import folium
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ..coverage import cached_coverage, resolve_area
from ..domain.eligibility import Need
from ..domain.errors import FieldError, NotFound, StoreUnavailable, ValidationFailed
from ..domain.taxonomy import STAGE_ORDER
from ..domain.validation import REQUIRED
from ..orientation import orient
from ..snapshot import Snapshot, SnapshotCache
from ..store import run_blocking
from ..web.i18n import lang_of
from .annuaire import build_annuaire_map
from .assets import SERVED, STATIC_DIR
from .base import render_html
from .gaps import build_gaps_map
from .params import Params, coverage_filters, route_request
from .route import build_route_map
from .texts import LANGS, MapLang

__all__ = ["map_routes", "warm_gap_maps"]

_log = logging.getLogger(__name__)
_KEPT = 32
"""Rendered pages kept per app (the oldest goes first): the warmed national gap maps
(6 stages × 2 languages) and as many others."""
_WARM_EVERY_S = 300.0
"""How often the warmer looks whether the annuaire changed (a change's maps are rendered at
most this long after it; a reader before then renders the one it asks for). Rendering the
twelve maps takes the interpreter some 15 s, slowing other answers meanwhile: not after
every edit of a busy day."""
_MAX_FIELDS = 100
"""A plan form has a dozen fields: a bigger body is refused before it is parsed whole."""


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
        Route("/maps/route", route_page, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


async def annuaire_page(request: Request) -> Response:
    params = _query(request)

    def understood(snap: Snapshot) -> tuple[object, ...]:
        return (_province(snap, params),)

    def build(snap: Snapshot, key: tuple[object, ...], tile_url: str,
              lang: MapLang) -> folium.Map:
        (province,) = key
        return build_annuaire_map(snap, province=_text(province), lang=lang, assets=SERVED,
                                  tile_url=tile_url)

    return await _cached(request, "annuaire", understood, build)


async def gaps_page(request: Request) -> Response:
    params = _query(request)

    def understood(snap: Snapshot) -> tuple[object, ...]:
        stage = _required(params, "stage")
        need, service_type = coverage_filters(params)
        if need is not None:
            need = dataclasses.replace(need, situations=tuple(sorted(set(need.situations))))
        metric = (params.get("metric") or ["distance"])[-1]
        return stage, need, service_type, metric, _province(snap, params)

    return await _cached(request, "gaps", understood, _build_gaps)


def _build_gaps(snap: Snapshot, key: tuple[object, ...], tile_url: str,
                lang: MapLang) -> folium.Map:
    stage, need, service_type, metric, province = key
    assert need is None or isinstance(need, Need)
    coverage = cached_coverage(snap, need=need, service_type=_text(service_type))
    return build_gaps_map(coverage, str(stage), metric=str(metric), province=_text(province),
                          lang=lang, assets=SERVED, tile_url=tile_url)


def _render(build: Builder, snap: Snapshot, key: tuple[object, ...], tile_url: str,
            lang: MapLang) -> str:
    return render_html(build(snap, key, tile_url, lang))


def warm_gap_maps(state: State, stop: threading.Event) -> None:
    """Until ``stop`` is set, keep the national gap maps of the current revision rendered.

    ``state`` is the app's state (its snapshots, settings and page cache). Every stage's
    map in the default reading (distance, no filter, the whole country) and in each
    language is rendered into the cache a reader takes it from, the same key as
    :func:`gaps_page` computes; a map already there is not rendered again.
    """
    pages, snapshots = _pages(state), _state_snapshots(state)
    tile_url: str = state.settings["GRAPH_SERVICE_TILE_URL"]
    warmed = -1
    while not stop.is_set():
        try:
            snap = snapshots.get()
            if snap.revision != warmed:
                for lang in LANGS:
                    for stage in STAGE_ORDER:
                        if stop.is_set():
                            return
                        key = (stage, None, None, "distance", None)
                        pages.get(("gaps", snap.revision, tile_url, lang, key), functools.partial(
                            _render, _build_gaps, snap, key, tile_url, lang))
                warmed = snap.revision
        except StoreUnavailable as exc:  # readers keep what they have; try again later
            _log.warning("gap maps not warmed: %s", exc)
        stop.wait(_WARM_EVERY_S)


async def route_page(request: Request) -> Response:
    """The route map of a plan, from the posted plan form (never a query string)."""
    form = await request.form(max_files=0, max_fields=_MAX_FIELDS)
    params: Params = {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}
    tile_url, snapshots, lang = _tile_url(request), _snapshots(request), _lang(request)

    def render() -> str:
        snap = snapshots.get()
        plan = orient(snap, route_request(params))
        return render_html(build_route_map(plan, snap, lang=lang, assets=SERVED,
                                           tile_url=tile_url))

    response = await _answer(render, tile_url)
    response.headers["Cache-Control"] = "no-store"
    return response


Understood = Callable[[Snapshot], tuple[object, ...]]
"""The parameters of a map as understood (normalised), checked: its cache key."""
Builder = Callable[[Snapshot, tuple[object, ...], str, MapLang], folium.Map]


async def _cached(request: Request, kind: str, understood: Understood,
                  build: Builder) -> Response:
    tile_url, snapshots, lang = _tile_url(request), _snapshots(request), _lang(request)
    pages = _pages(request.app.state)

    def render() -> str:
        snap = snapshots.get()
        key = understood(snap)
        return pages.get((kind, snap.revision, tile_url, lang, key),
                         functools.partial(_render, build, snap, key, tile_url, lang))

    return await _answer(render, tile_url)


_pages_lock = threading.Lock()


def _pages(state: State) -> _Pages:
    """The app's page cache, made by whoever first needs it (a reader or the warmer)."""
    with _pages_lock:
        pages = getattr(state, "map_pages", None)
        if not isinstance(pages, _Pages):
            pages = state.map_pages = _Pages()
        return pages


def _lang(request: Request) -> MapLang:
    """The language the pages speak to this visitor (their rule: the session's choice)."""
    return "ar" if lang_of(request.session.get("lang")).code == "ar" else "fr"


async def _answer(render: Callable[[], str], tile_url: str) -> Response:
    try:
        page = await run_blocking(render)
    except ValidationFailed as exc:
        return _error(400, [str(e) for e in exc.errors])
    except NotFound as exc:
        return _error(404, [str(exc)])
    return HTMLResponse(page, headers={"Content-Security-Policy": _policy(tile_url)})


def _query(request: Request) -> Params:
    return {k: request.query_params.getlist(k) for k in request.query_params}


def _tile_url(request: Request) -> str:
    tile_url: str = request.app.state.settings["GRAPH_SERVICE_TILE_URL"]
    return tile_url


def _snapshots(request: Request) -> SnapshotCache:
    return _state_snapshots(request.app.state)


def _state_snapshots(state: State) -> SnapshotCache:
    snapshots = getattr(state, "snapshots", None)
    if not isinstance(snapshots, SnapshotCache):
        snapshots = state.snapshots = SnapshotCache(state.store)
    return snapshots


def _text(value: object) -> str | None:
    return None if value is None else str(value)


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
