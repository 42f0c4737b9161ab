"""Serving the API and the web pages with uvicorn."""

from __future__ import annotations

import logging
import socket

import click
import uvicorn
from uvicorn.supervisors import Multiprocess

from ..settings import Settings

APP = "graph_service.app:create_app"


class WorkerListener(socket.socket):
    """The served address, bound with ``SO_REUSEPORT``: handed to a worker process, it
    arrives there as a socket of that worker's own, bound to the same address.

    Workers sharing one listening socket do not share the work: asyncio accepts every
    pending connection at once, so the first worker to wake takes a whole burst of
    clients (20 keep-alive connections opened together all went to one worker of two,
    the other idle). With a socket each, the kernel spreads new connections over the
    workers. This one, the supervisor's, never listens: it holds the address.
    """

    @classmethod
    def bind_to(cls, host: str, port: int) -> WorkerListener:
        # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on connections
        # accepted from a socket that says it is TCP; without it each answer waited
        # ~40 ms for the client's delayed acknowledgement (Nagle's algorithm)
        listener = cls(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM,
                       socket.IPPROTO_TCP)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind((host, port))
        return listener

    def __reduce__(self) -> tuple[object, tuple[str, int]]:
        host, port = self.getsockname()[:2]
        return WorkerListener.bind_to, (host, port)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve_cmd(host: str, port: int, workers: int) -> None:
    """Serve the annuaire (GraphQL at /graphql, pages at /).

    Several workers share sessions, tokens and the sign-in throttle through the
    store, and must sign cookies with one key: ``GRAPH_SERVICE_SECRET_KEY``; each
    listens on a socket of its own (:class:`WorkerListener`).
    Client addresses come from ``X-Forwarded-For`` only for the proxies of
    ``GRAPH_SERVICE_TRUSTED_PROXIES`` (handled in the app, so uvicorn's own
    proxy handling stays off).
    """
    if workers > 1 and not Settings().secret("GRAPH_SERVICE_SECRET_KEY"):
        raise click.UsageError(
            f"--workers {workers} needs GRAPH_SERVICE_SECRET_KEY: without it each worker "
            "draws its own key and rejects the session cookies of the others.")
    if workers == 1:
        uvicorn.run(APP, factory=True, host=host, port=port, proxy_headers=False,
                    log_level="info")
        return
    config = uvicorn.Config(APP, factory=True, host=host, port=port, workers=workers,
                            proxy_headers=False, log_level="info")
    try:
        listener = WorkerListener.bind_to(host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
    logging.getLogger("uvicorn.error").info("Uvicorn running on http://%s:%d with %d workers",
                                            host, port, workers)
    Multiprocess(config, sockets=[listener]).run()
