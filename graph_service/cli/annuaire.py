"""Loading and dumping the annuaire: seed, HSDS import/export, counts."""

from __future__ import annotations

import dataclasses
import json
import sys
from importlib import resources
from pathlib import Path

import click

from ..backbone import load_backbone
from ..hsds import ImportReport, export_package, import_package
from .context import opened_store
from .progress import progress_bar

SEED_DIR = Path(str(resources.files("graph_service.seed"))) / "annuaire"
"""``seed/annuaire/`` at the root of the project, shipped in the wheel in ``graph_service.seed``."""
BACKBONE = SEED_DIR.parent / "reference" / "backbone.csv"


def _print_import(report: ImportReport) -> None:
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for table in report.skipped_tables:
        click.echo(f"skipped: {table} (not modelled here)", err=True)
    click.echo(report.summary())


@click.command("seed")
@click.option("--dir", "seed_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=SEED_DIR, show_default=True, help="Seed package to load.")
@click.option("--if-empty", is_flag=True,
              help="Only when the store holds no organisation yet (keeps later edits).")
@click.option("--backbone", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=BACKBONE, show_default=True,
              help="Reference table of the public institutions of every province.")
def seed_cmd(seed_dir: Path, if_empty: bool, backbone: Path) -> None:
    """Load the territories, the seed annuaire and the reference entries of the public
    institutions (idempotent: run it twice, nothing changes)."""
    with opened_store() as store, progress_bar("seed") as progress:
        if if_empty and store.counts().organizations:
            click.echo("store already holds an annuaire: seed skipped")
            return
        _print_import(import_package(store, seed_dir, actor="seed", progress=progress))
        created = load_backbone(store, backbone, actor="seed")
        click.echo(f"reference entries (public institutions, unverified): {created} created")


@click.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--actor", default="import", show_default=True, help="Name recorded in the audit.")
def import_cmd(directory: Path, actor: str) -> None:
    """Import an HSDS 3.0 tabular package, all or nothing."""
    with opened_store() as store, progress_bar("import") as progress:
        _print_import(import_package(store, directory, actor=actor, progress=progress))


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_cmd(directory: Path) -> None:
    """Write the annuaire as an HSDS 3.0 tabular package (plus our x_ extension tables)."""
    with opened_store() as store:
        report = export_package(store, directory)
    click.echo(report.summary())


@click.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def stats_cmd(as_json: bool) -> None:
    """Counts of entries and territories."""
    with opened_store() as store:
        counts = dataclasses.asdict(store.counts())
    if as_json:
        json.dump(counts, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        for key, value in counts.items():
            click.echo(f"{key:>16}  {value:,}")
