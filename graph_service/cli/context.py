"""What every subcommand needs: the settings, an open store, errors shown as one clear line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

from ..domain.errors import GraphServiceError, ValidationFailed
from ..settings import Settings
from ..store import GraphStore, open_store
from ..territories import load_territories


@contextmanager
def opened_store() -> Iterator[GraphStore]:
    """The configured store, with the reference territories loaded on first open.

    Any expected failure becomes a message naming what was wrong and exit
    status 1 (2 for invalid input), never a traceback.
    """
    try:
        store = open_store(Settings())
        try:
            if store.counts().communes == 0:
                store.put_territories(load_territories())
            yield store
        finally:
            store.close()
    except ValidationFailed as exc:
        for error in exc.errors:
            click.echo(f"error: {error}", err=True)
        sys.exit(2)
    except GraphServiceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
