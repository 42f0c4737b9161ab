"""Web sessions: kept in the store, named by an opaque id in a signed cookie.

Signing in opens a session in the store (:func:`graph_service.auth.open_session`:
only the id's hash is kept, with its user and expiry); the cookie holds that
random id, the CSRF token, the language and a one-time message, nothing else.
Signing out deletes the session in the store, so a copy of the cookie taken
before is dead in every process; re-setting the user's password, removing the
user or ``graph-service user revoke`` ends all its sessions at once. The user
is looked up with the session on every request, so a changed role applies at once.

The cookie is signed (itsdangerous, through starlette's ``SessionMiddleware``)
with ``GRAPH_SERVICE_SECRET_KEY`` (the same in every process of a deployment),
``HttpOnly``, ``SameSite=Lax`` and ``Secure`` unless
``GRAPH_SERVICE_SECURE_COOKIES`` is off (plain-http tests). Every POST must
carry the session's CSRF token (checked by :func:`~graph_service.web.pages.page`
before any handler).
"""

from __future__ import annotations

import secrets

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request

from ..access import ANONYMOUS, Principal
from ..auth import SESSION_TTL, LoginThrottle, open_session, principal_for_session, revoke_token
from ..domain.entities import User
from ..settings import Settings
from ..store import GraphStore, run_blocking

__all__ = [
    "CSRF_FIELD",
    "SESSION_COOKIE",
    "SESSION_MAX_AGE",
    "CsrfFailed",
    "check_csrf",
    "csrf_token",
    "login_throttle",
    "principal_of",
    "session_middleware",
    "sign_in",
    "sign_out",
]

SESSION_COOKIE = "gs_session"
SESSION_MAX_AGE = int(SESSION_TTL.total_seconds())
CSRF_FIELD = "csrf"
SESSION_ID = "sid"
MAX_FORM_FIELDS = 400


class CsrfFailed(Exception):
    """A POST without this session's CSRF token: refused before anything is read or written."""


def session_middleware(settings: Settings) -> Middleware:
    """The session middleware the app installs (secret key random per start when unset:
    one process only, see ``graph-service serve --workers``)."""
    key = settings.secret("GRAPH_SERVICE_SECRET_KEY") or secrets.token_urlsafe(32)
    return Middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=bool(settings["GRAPH_SERVICE_SECURE_COOKIES"]),
    )


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def check_csrf(request: Request) -> None:
    """Raise :class:`CsrfFailed` unless the form carries this session's token.

    The form is parsed here with bounds (no file, a few hundred fields) and
    cached by starlette, so the handler's ``await request.form()`` reads the same.
    """
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_FIELD)
    if not (isinstance(sent, str) and isinstance(expected, str) and expected
            and secrets.compare_digest(sent, expected)):
        raise CsrfFailed


async def principal_of(request: Request) -> Principal:
    """Who is signed in on this request (looked up once per request), or the public."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    principal = ANONYMOUS
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        principal = await run_blocking(principal_for_session, _store(request), session_id)
        if not principal.signed_in:
            request.session.pop(SESSION_ID, None)
    request.state.principal = principal
    return principal


async def sign_in(request: Request, user: User) -> None:
    """Start a signed-in session: new in the store, a new CSRF token, the language kept."""
    session_id = await run_blocking(open_session, _store(request), user)
    _restart(request)
    request.session[SESSION_ID] = session_id
    request.state.principal = None


async def sign_out(request: Request) -> None:
    """End the session in the store (every copy of the cookie is dead), keep the language."""
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        await run_blocking(revoke_token, _store(request), session_id)
    _restart(request)
    request.state.principal = ANONYMOUS


def _restart(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


def _store(request: Request) -> GraphStore:
    store: GraphStore = request.app.state.store
    return store


def login_throttle(request: Request) -> LoginThrottle:
    """The app's sign-in throttle, shared with the API's ``login``."""
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle
