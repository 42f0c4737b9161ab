"""The ``graph-service`` command: one group, one module per family of subcommands."""

from __future__ import annotations

import click

from .annuaire import export_cmd, import_cmd, seed_cmd, stats_cmd
from .coverage import gaps_cmd, map_group, plan_cmd
from .orientation import route_cmd
from .referrals import referrals_group
from .serve import serve_cmd
from .users import user_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Annuaire et circuit de prise en charge de la protection de l'enfance."""


for command in (seed_cmd, import_cmd, export_cmd, stats_cmd, serve_cmd, user_group):
    main.add_command(command)
for command in (gaps_cmd, plan_cmd, map_group):
    main.add_command(command)
main.add_command(route_cmd)
main.add_command(referrals_group)
