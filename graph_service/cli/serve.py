"""Serving the API and the web pages with uvicorn."""

from __future__ import annotations

import click
import uvicorn

from ..settings import Settings


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve_cmd(host: str, port: int, workers: int) -> None:
    """Serve the annuaire (GraphQL at /graphql, pages at /).

    Several workers share sessions, tokens and the sign-in throttle through the
    store, and must sign cookies with one key: ``GRAPH_SERVICE_SECRET_KEY``.
    Client addresses come from ``X-Forwarded-For`` only for the proxies of
    ``GRAPH_SERVICE_TRUSTED_PROXIES`` (handled in the app, so uvicorn's own
    proxy handling stays off).
    """
    if workers > 1 and not Settings().secret("GRAPH_SERVICE_SECRET_KEY"):
        raise click.UsageError(
            f"--workers {workers} needs GRAPH_SERVICE_SECRET_KEY: without it each worker "
            "draws its own key and rejects the session cookies of the others.")
    uvicorn.run("graph_service.app:create_app", factory=True, host=host, port=port,
                workers=workers, proxy_headers=False, log_level="info")
