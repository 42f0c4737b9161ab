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

lang_option = click.option("--lang", type=click.Choice(("fr", "ar")), default="fr",
                          show_default=True, help="Language of the output: French or Arabic.")
"""Every command that writes for people takes it, in the pages' words (``web.i18n``)."""


@contextmanager
def opened_store(*, annuaire: bool = False) -> Iterator[GraphStore]:
    """The configured store, with the reference territories loaded on first open.

    ``annuaire``: the command answers from the annuaire, so a store holding none (a
    mistyped or unset ``GRAPH_SERVICE_DB`` opens a new, empty file) is refused, rather
    than answering that no service exists anywhere. Any expected failure becomes a
    message naming what was wrong and exit status 1 (2 for invalid input), never a
    traceback.
    """
    try:
        settings = Settings()
        store = open_store(settings)
        try:
            if store.counts().communes == 0:
                store.put_territories(load_territories())
            if annuaire and store.counts().organizations == 0:
                click.echo(f"error: no annuaire in {_where(settings)}: load one with "
                           "`graph-service seed` or `graph-service import DIRECTORY`",
                           err=True)
                sys.exit(1)
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


def _where(settings: Settings) -> str:
    """Which store the settings name, as a user would check it."""
    if settings["GRAPH_SERVICE_STORE"] == "neo4j":
        return f"NEO4J_URI={settings['NEO4J_URI']} (database {settings['NEO4J_DATABASE']})"
    return f"GRAPH_SERVICE_DB={settings['GRAPH_SERVICE_DB']}"
