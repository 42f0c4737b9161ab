"""Referrals from the command line: the circuit's indicators, and the clock (expiry, retention)."""

from __future__ import annotations

import json

import click

from .. import referrals as service
from ..access import Principal
from ..domain.messages import LABEL_SEPARATOR
from ..settings import Settings
from ..web.i18n import Lang
from .context import lang_option, opened_store

OPERATOR = Principal("cli", "admin")
"""Whoever runs the command operates the service: they see every province's figures."""


@click.group("referrals")
def referrals_group() -> None:
    """Closed-loop referrals between services (codes only, nothing about a child)."""


@referrals_group.command("indicators")
@click.option("--province", default=None, help="HCP province code; omitted: the whole country.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the API's figures).")
@lang_option
def indicators_cmd(province: str | None, as_json: bool, lang: str) -> None:
    """Sent, answered, accepted, closed, expired; declines by reason; the same per link."""
    with opened_store() as store:
        figures = service.indicators(store, OPERATOR, province)
    if as_json:
        click.echo(json.dumps(figures.as_json(), ensure_ascii=False, indent=2))
        return
    words = Lang(lang)  # the words of the coordination page
    for name, value in figures.figures().items():
        click.echo(f"{words.t('ind_' + name)}{LABEL_SEPARATOR[lang]}"
                   f"{'—' if value is None else value}")
    click.echo(f"\n{words.t('declines_by_reason')}")
    for reason, count in figures.by_reason.items():
        click.echo(f"  {words.term('referral_reason', reason)}{LABEL_SEPARATOR[lang]}{count}")


@referrals_group.command("expire")
def expire_cmd() -> None:
    """Expire referrals past their deadline without an answer; reduce those older than
    GRAPH_SERVICE_REFERRAL_RETENTION_DAYS to counts (the server also does it every few
    minutes)."""
    days = Settings()["GRAPH_SERVICE_REFERRAL_RETENTION_DAYS"]
    with opened_store() as store:
        expired, retired = service.tick(store, days)
    click.echo(f"{expired} referral(s) expired, {retired} older than {days} days reduced to "
               "counts")
