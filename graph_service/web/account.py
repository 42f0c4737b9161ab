"""Signing in and out, and the language toggle.

Sign-in checks the password with :func:`graph_service.auth.authenticate` (the
same argon2 check as the API's ``login``) and counts failures per user name
and per client address in the app's :class:`~graph_service.auth.LoginThrottle`:
past the limit, the form answers 429 without even checking the password.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..auth import authenticate, throttle_keys
from ..store import run_blocking
from .i18n import LANGS
from .pages import local_path, page, redirect, render, store_of
from .session import login_throttle, sign_in, sign_out

__all__ = ["routes"]


@page
async def signin_form(request: Request) -> Response:
    return await render(request, "signin.html", {
        "next": local_path(request.query_params.get("next")), "error": None, "username": ""})


@page
async def signin(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    target = local_path(form.get("next"))
    throttle = login_throttle(request)
    address = request.client.host if request.client else None
    keys = throttle_keys(username, address)
    context = {"next": target, "username": username}
    if not throttle.allowed(*keys):
        return await render(request, "signin.html", {**context, "error": "throttled"}, 429)
    user = await run_blocking(authenticate, store_of(request), username, password, address)
    if user is None:
        throttle.failed(*keys)
        return await render(request, "signin.html", {**context, "error": "bad_credentials"}, 400)
    throttle.succeeded(keys[0])
    sign_in(request, user.username)
    if target == "/":
        target = {"association": "/mon-organisation", "coordinator": "/coordination"}.get(
            user.role, "/")
    return redirect(target)


@page
async def signout(request: Request) -> Response:
    sign_out(request)
    return redirect("/")


@page
async def set_language(request: Request) -> Response:
    form = await request.form()
    chosen = form.get("lang")
    if chosen in LANGS:
        request.session["lang"] = chosen
    return redirect(local_path(form.get("next")))


routes = [
    Route("/connexion", signin_form, methods=["GET"], name="signin_form"),
    Route("/connexion", signin, methods=["POST"], name="signin"),
    Route("/deconnexion", signout, methods=["POST"], name="signout"),
    Route("/langue", set_language, methods=["POST"], name="set_language"),
]
