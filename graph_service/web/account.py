"""Signing in and out, and the language toggle.

Sign-in is :func:`graph_service.auth.attempt_sign_in`, the API ``login``'s
check: while the back-off of the user name or the client address runs, the
form answers 429 without even checking the password. Signing out ends the
session in the store.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..auth import attempt_sign_in
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
    context = {"next": target, "username": username}
    address = request.client.host if request.client else None
    attempt = await run_blocking(attempt_sign_in, store_of(request), login_throttle(request),
                                 username, password, address)
    if attempt.wait:
        return await render(request, "signin.html", {**context, "error": "throttled"}, 429)
    user = attempt.user
    if user is None:
        return await render(request, "signin.html", {**context, "error": "bad_credentials"}, 400)
    await sign_in(request, user)
    if target == "/":
        target = {"association": "/mon-organisation", "coordinator": "/coordination"}.get(
            user.role, "/")
    return redirect(target)


@page
async def signout(request: Request) -> Response:
    await sign_out(request)
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
