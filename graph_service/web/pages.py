"""What every page shares: templates, the read model, the page wrapper and its error pages.

Pages are thin: they parse a request, call the same services as the GraphQL
API (the snapshot read model and its search, orientation, coverage, the
:class:`~graph_service.editing.Editor`) and render a template. :func:`page`
wraps every endpoint so that CSRF is checked on every POST before the handler
runs, and expected failures (forbidden, not found, bad form) become pages in
the reader's language instead of tracebacks.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from ..access import Principal
from ..api.limits import MAX_BODY_BYTES
from ..domain.errors import Forbidden, NotFound
from ..domain.taxonomy import VOCABULARIES
from ..reachability import DAY_NAMES, MOROCCO_TZ, Reachability, dial, reachability
from ..search import Filter, Index, IndexCache, organization_ids
from ..snapshot import Snapshot
from ..store import GraphStore, run_blocking
from .i18n import Lang, lang_of, ltr, num, term
from .session import CsrfFailed, check_csrf, csrf_token, principal_of

__all__ = [
    "Filter",
    "Index",
    "PageError",
    "fmt_date",
    "index_of",
    "lang",
    "local_path",
    "organization_ids",
    "page",
    "reacher",
    "redirect",
    "render",
    "signed_in",
    "store_of",
]

TEMPLATES = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
"""Pages load only this site's files, are framed only by it and post only to it."""

Handler = Callable[[Request], Awaitable[Response]]


class SignInRequired(Exception):
    """The page is for signed-in professionals: the reader is sent to the sign-in form."""


async def signed_in(request: Request) -> Principal:
    """The signed-in principal, or :class:`SignInRequired`."""
    principal = await principal_of(request)
    if not principal.signed_in:
        raise SignInRequired
    return principal


class PageError(Exception):
    """An expected failure shown as a page: an HTTP status and a label key of :mod:`.i18n`."""

    def __init__(self, status: int, label: str, detail: str = "") -> None:
        self.status, self.label, self.detail = status, label, detail
        super().__init__(label)


def store_of(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


async def index_of(request: Request) -> Index:
    """The search index of the current store revision: the one the API reads (``app.state``)."""
    cache: IndexCache = request.app.state.index_cache
    return await run_blocking(cache.get)


def lang(request: Request) -> Lang:
    return lang_of(request.session.get("lang"))


def local_path(value: object, default: str = "/") -> str:
    """``value`` if it is a path on this site, else ``default`` (no open redirect)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return default


async def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` with what every page needs (language, user, CSRF token, flash)."""
    page_lang = lang(request)
    principal: Principal = await principal_of(request)
    flash = request.session.pop("flash", None)
    values = {
        "request": request,
        "lang": page_lang,
        "t": page_lang.t,
        "term": page_lang.term,
        "term_in": term,
        "say": page_lang.say,
        "name": page_lang.name,
        "num": num,
        "ltr": ltr,
        "opts": lambda name: [(code, page_lang.term(name, code)) for code in VOCABULARIES[name]],
        "first": _first,
        "days": list(DAY_NAMES[page_lang.code].items()),
        "day_name": lambda code: DAY_NAMES[page_lang.code].get(code, code),
        "principal": principal,
        "csrf": csrf_token(request),
        "flash": _flash(page_lang, flash),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "fmt_date": fmt_date,
        "fmt_channel": dial,
        **(context or {}),
    }
    headers = dict(SECURITY_HEADERS)
    if principal.signed_in:
        headers["Cache-Control"] = "no-store"  # shared office computers: nothing left behind
    return TEMPLATES.TemplateResponse(request, template, values, status_code=status_code,
                                      headers=headers)


def redirect(path: str, flash: str | None = None, request: Request | None = None,
             **values: int | str) -> Response:
    """A 303 to ``path`` (after a POST), with a one-time message shown on the next page
    (a label key, its placeholders filled with ``values``)."""
    if flash and request is not None:
        request.session["flash"] = [flash, values] if values else flash
    return RedirectResponse(path, status_code=303)


def _flash(page_lang: Lang, flash: object) -> str | None:
    """The one-time message kept by :func:`redirect`: a key, or a key and its values."""
    if isinstance(flash, str):
        return page_lang.t(flash)
    if isinstance(flash, list) and len(flash) == 2 and isinstance(flash[1], dict):
        return page_lang.t(str(flash[0]), **flash[1])
    return None


def page(handler: Handler) -> Handler:
    """Wrap an endpoint: CSRF on POST, expected failures as pages in the reader's language."""

    @functools.wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            if request.method == "POST":
                _check_size(request)
                await check_csrf(request)
            return await handler(request)
        except SignInRequired:
            target = urlencode({"next": request.url.path})
            return RedirectResponse(f"/connexion?{target}", status_code=303)
        except CsrfFailed:
            return await _error(request, 403, "csrf_failed")
        except PageError as exc:
            return await _error(request, exc.status, exc.label, exc.detail)
        except Forbidden as exc:
            return await _error(request, 403, "forbidden", exc.why)
        except NotFound:
            return await _error(request, 404, "not_found")

    return endpoint


def _check_size(request: Request) -> None:
    """Refuse a form body over the API's limit before anything parses it."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        raise PageError(413, "too_large")


async def _error(request: Request, status: int, label: str, detail: str = "") -> HTMLResponse:
    return await render(request, "error.html", {"label": label, "detail": detail}, status)


def _first(values: Mapping[str, list[str]], name: str, default: str = "") -> str:
    """The first value a form input shows (see :data:`graph_service.web.forms.Values`)."""
    found = values.get(name)
    return found[0] if found else default


def fmt_date(value: str | None) -> str:
    """``2025-03-04T10:11:12.000Z`` → ``04/03/2025`` (the way dates are written in Morocco)."""
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).strftime("%d/%m/%Y")
    except ValueError:
        return value


def reacher(snap: Snapshot) -> Callable[..., Reachability | None]:
    """``reach(service_id, site_id=None, documents=())`` for a page's templates: every
    service of the page read at the same moment (:func:`~graph_service.reachability.
    reachability`)."""
    now = datetime.now(MOROCCO_TZ)

    def reach(service_id: str, site_id: str | None = None,
              documents: Sequence[str] = ()) -> Reachability | None:
        service = snap.services.get(service_id)
        if service is None:
            return None
        return reachability(snap, service, snap.sites.get(site_id or ""), now, documents)

    return reach
