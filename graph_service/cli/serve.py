"""Serving the API and the web pages with uvicorn."""

from __future__ import annotations

import click
import uvicorn


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve_cmd(host: str, port: int, workers: int) -> None:
    """Serve the annuaire (GraphQL at /graphql, pages at /)."""
    uvicorn.run("graph_service.app:create_app", factory=True, host=host, port=port,
                workers=workers, proxy_headers=False, log_level="info")
