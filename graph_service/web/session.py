"""Web sessions: a signed cookie holding the user name, a CSRF token and the language.

The cookie is signed (itsdangerous, through starlette's ``SessionMiddleware``)
with ``GRAPH_SERVICE_SECRET_KEY``, ``HttpOnly``, ``SameSite=Lax`` and
``Secure`` unless ``GRAPH_SERVICE_SECURE_COOKIES`` is off (plain-http tests).
It holds no role: the user is looked up in the store on every request, so a
user removed or changed in the store loses or changes access at once. Tokens
are for the API; pages use this cookie. Every POST must carry the session's
CSRF token (checked by :func:`~graph_service.web.pages.page` before any handler).
"""

from __future__ import annotations

import secrets

from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request

from ..access import ANONYMOUS, Principal
from ..auth import LoginThrottle
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
SESSION_MAX_AGE = 8 * 3600
"""A working day: a forgotten session on a shared office computer does not last."""
CSRF_FIELD = "csrf"
MAX_FORM_FIELDS = 400


class CsrfFailed(Exception):
    """A POST without this session's CSRF token: refused before anything is read or written."""


def session_middleware(settings: Settings) -> Middleware:
    """The session middleware the app installs (secret key random per start when unset)."""
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
    username = request.session.get("user")
    if isinstance(username, str):
        store: GraphStore = request.app.state.store
        user = await run_blocking(store.get_user, username)
        if user is None:
            request.session.pop("user", None)
        else:
            principal = Principal.of(user)
    request.state.principal = principal
    return principal


def sign_in(request: Request, username: str) -> None:
    """Start a signed-in session: a fresh session (new CSRF token), the language kept."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session["user"] = username
    if lang:
        request.session["lang"] = lang
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    request.state.principal = None


def sign_out(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.state.principal = ANONYMOUS


def login_throttle(request: Request) -> LoginThrottle:
    """The app's sign-in throttle, shared with the API's ``login``."""
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle
