"""The web pages' routes and middleware, as :func:`graph_service.app.create_app` mounts them."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from . import account, annuaire, communes, coordination, organisation, orientation, referrals
from .pages import page, render
from .session import session_middleware

__all__ = ["ASSETS", "routes", "session_middleware"]

ASSETS = "/assets"
"""Where the pages' own CSS and JavaScript are served (the maps' vendor files are under /static)."""


@page
async def home(request: Request) -> Response:
    return await render(request, "home.html")


routes: list[BaseRoute] = [
    Route("/", home, methods=["GET"], name="home"),
    *account.routes,
    *orientation.routes,
    *communes.routes,
    *annuaire.routes,
    *organisation.routes,
    *coordination.routes,
    *referrals.routes,
    Mount(ASSETS, StaticFiles(directory=Path(__file__).parent / "static"), name="assets"),
]
