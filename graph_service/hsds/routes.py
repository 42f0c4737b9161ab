"""The HSDS 3.0 API: the annuaire as a read-only, public Open Referral feed at ``/api/hsds/``.

Endpoints and parameters are those of the specification's ``openapi.json``; the version this
service serves (``openapi.json`` here, at ``/api/hsds/openapi.json``) is the one declaration
of what each endpoint accepts: a parameter it lists is served, a parameter of the
specification it lists under ``x-unsupported-parameters`` answers 501 rather than being
silently ignored, and any other answers 400. Filters combine with AND. Every answer carries
``Access-Control-Allow-Origin: *`` so that other directories' pages can read the feed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from ..store import run_blocking
from ..store.common import iso
from .feed import HSDS_VERSION, Feed, PageRequest, ServiceQuery, feed_of

__all__ = ["MAX_PER_PAGE", "hsds_routes"]

MAX_PER_PAGE = 1000
"""Largest page; ``minimal=true`` lists (ids and times) may ask for the whole annuaire."""
MAX_MINIMAL_PER_PAGE = 100_000
CORS = {"Access-Control-Allow-Origin": "*"}
PROFILE = "https://github.com/openreferral/specification/tree/3.0"
"""No HSDS profile: the core 3.0 specification, whose source this URL is."""


class ParameterError(Exception):
    """A request the feed refuses: ``status`` 400 (invalid) or 501 (not supported)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@functools.cache
def openapi() -> dict[str, Any]:
    """The API description this service serves (the specification's, adapted)."""
    text = resources.files(__package__).joinpath("openapi.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _parameters(path: str) -> tuple[frozenset[str], frozenset[str]]:
    """The query parameters ``path`` serves, and the specification's it does not."""
    spec = openapi()
    operation = spec["paths"][path]["get"]
    names = set()
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        names.add(parameter["name"])
    return frozenset(names), frozenset(operation.get("x-unsupported-parameters", ()))


class Params:
    """The query parameters of one request, checked against what its endpoint serves."""

    def __init__(self, request: Request, path: str) -> None:
        served, unsupported = _parameters(path)
        self.values = request.query_params
        for name in self.values:
            if name in unsupported:
                raise ParameterError(501, f"parameter {name!r} is not supported by this API")
            if name not in served:
                raise ParameterError(
                    400, f"unknown parameter {name!r}; this endpoint takes "
                    f"{', '.join(sorted(served)) or 'no parameter'}")
        if self.values.get("format", "json") != "json":
            raise ParameterError(501, "only format=json is supported")

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value else None

    def boolean(self, name: str) -> bool:
        value = self.values.get(name, "false").lower()
        if value not in ("true", "false"):
            raise ParameterError(400, f"{name} must be true or false, not {value!r}")
        return value == "true"

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        text = self.values.get(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise ParameterError(400, f"{name} must be an integer, not {text!r}") from None
        if not low <= value <= high:
            raise ParameterError(400, f"{name} must be between {low} and {high}")
        return value

    def page(self, *, largest: int = MAX_PER_PAGE) -> PageRequest:
        return PageRequest(self.integer("page", 1, 1, 10**9),
                           self.integer("per_page", 50, 1, largest))

    def moment(self, name: str) -> str | None:
        """A date-time parameter, in the stores' timestamp form (UTC if no offset is given)."""
        text = self.text(name)
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ParameterError(
                400, f"{name} must be an ISO 8601 date-time, not {text!r}") from None
        return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))

    def service_query(self) -> ServiceQuery:
        return ServiceQuery(
            search=self.text("search"), taxonomy_term_id=self.text("taxonomy_term_id"),
            taxonomy_id=self.text("taxonomy_id"), organization_id=self.text("organization_id"),
            modified_after=self.moment("modified_after"))


def _error(status: int, message: str) -> JSONResponse:
    code = {400: "bad_request", 404: "not_found", 501: "not_implemented"}[status]
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=CORS)


Answer = Callable[[Feed, Params, Request], Any]


def _endpoint(path: str, answer: Answer) -> Callable[[Request], Awaitable[Response]]:
    """A route answering ``answer(feed, params, request)`` as JSON; None is a 404."""

    async def endpoint(request: Request) -> Response:
        try:
            params = Params(request, path)
        except ParameterError as exc:
            return _error(exc.status, exc.message)

        def blocking() -> Any:
            return answer(feed_of(request.app.state.index_cache.get()), params, request)

        try:
            body = await run_blocking(blocking)
        except ParameterError as exc:
            return _error(exc.status, exc.message)
        if body is None:
            return _error(404, f"no entry has the id {request.path_params.get('id')!r}")
        return JSONResponse(body, headers=CORS)

    return endpoint


def _root(feed: Feed, params: Params, request: Request) -> Any:
    return {"version": HSDS_VERSION, "profile": PROFILE,
            "openapi_url": str(request.url_for("hsds_openapi"))}


def _services(feed: Feed, params: Params, request: Request) -> Any:
    minimal = params.boolean("minimal")
    full = params.boolean("full")
    if minimal and full:
        raise ParameterError(400, "minimal and full cannot both be true")
    ids = feed.service_ids(params.service_query())
    page = params.page(largest=MAX_MINIMAL_PER_PAGE if minimal else MAX_PER_PAGE)
    if minimal:
        return page.envelope(ids, feed.minimal_service)
    return page.envelope(ids, lambda sid: feed.service(sid, full=full))


def _service(feed: Feed, params: Params, request: Request) -> Any:
    sid = feed.services.get(request.path_params["id"])
    return None if sid is None else feed.service(sid, full=True)


def _organizations(feed: Feed, params: Params, request: Request) -> Any:
    full = params.boolean("full")
    services = "full" if params.boolean("full_service") else None
    return params.page().envelope(
        feed.organization_ids(params.text("search")),
        lambda oid: feed.organization(oid, full=full, services=services))


def _organization(feed: Feed, params: Params, request: Request) -> Any:
    oid = feed.organizations.get(request.path_params["id"])
    services = "full" if params.boolean("full_service") else "list"
    return None if oid is None else feed.organization(oid, full=True, services=services)


def _service_at_locations(feed: Feed, params: Params, request: Request) -> Any:
    full = params.boolean("full")
    return params.page().envelope(
        feed.service_at_location_ids(params.service_query()),
        lambda hid: feed.service_at_location(hid, full=full))


def _service_at_location(feed: Feed, params: Params, request: Request) -> Any:
    hid = request.path_params["id"]
    return feed.service_at_location(hid, full=True) if hid in feed.service_at_locations else None


def _taxonomies(feed: Feed, params: Params, request: Request) -> Any:
    return params.page().envelope(feed.taxonomy_list(params.text("search")),
                                  lambda t: t.record())


def _taxonomy(feed: Feed, params: Params, request: Request) -> Any:
    taxonomy = feed.taxonomies.get(request.path_params["id"])
    return None if taxonomy is None else taxonomy.record()


def _taxonomy_terms(feed: Feed, params: Params, request: Request) -> Any:
    params.boolean("top_only")  # every term is top-level: checked, and changes nothing
    terms = feed.term_list(params.text("search"), params.text("taxonomy_id"),
                           params.text("parent_id"))
    return params.page().envelope(terms, lambda t: t.record())


def _taxonomy_term(feed: Feed, params: Params, request: Request) -> Any:
    term = feed.terms.get(request.path_params["id"])
    return None if term is None else term.record() | {"taxonomy_detail": term.taxonomy.record()}


async def _openapi(request: Request) -> Response:
    return JSONResponse(openapi(), headers=CORS)


_ENDPOINTS: tuple[tuple[str, Answer], ...] = (
    ("/", _root),
    ("/services", _services),
    ("/services/{id}", _service),
    ("/organizations", _organizations),
    ("/organizations/{id}", _organization),
    ("/service_at_locations", _service_at_locations),
    ("/service_at_locations/{id}", _service_at_location),
    ("/taxonomies", _taxonomies),
    ("/taxonomies/{id}", _taxonomy),
    ("/taxonomy_terms", _taxonomy_terms),
    ("/taxonomy_terms/{id}", _taxonomy_term),
)


def hsds_routes() -> list[BaseRoute]:
    """The feed, mounted at ``/api/hsds``."""
    routes: list[BaseRoute] = [Route(path, _endpoint(path, answer), methods=["GET"])
                               for path, answer in _ENDPOINTS]
    routes.append(Route("/openapi.json", _openapi, methods=["GET"], name="hsds_openapi"))
    return [Mount("/api/hsds", routes=routes)]
