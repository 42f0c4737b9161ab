"""Accounts of the API and the web pages: ``graph-service user add|list|remove|revoke``.

The password is asked twice without echo, or read from the first line of
standard input (``--password-stdin``) for scripts; it never appears in the
command line, the shell history or the process list. Replacing a user
(``add --replace``: a password reset), removing it, or ``revoke`` ends every
bearer token and page session it holds, in every process at once.
"""

from __future__ import annotations

import sys

import click

from ..auth import make_user
from ..domain.entities import ROLES, Organization
from ..domain.errors import FieldError, ValidationFailed
from ..hsds.ids import hsds_id, is_uuid
from ..store import GraphStore
from .context import opened_store


@click.group("user")
def user_group() -> None:
    """Accounts of signed-in professionals."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="professional: reads contacts; association: edits its organisation; "
                   "coordinator: edits and verifies its province; admin: everything.")
@click.option("--organization", default=None,
              help="Organisation (association users): its entry id or its HSDS UUID.")
@click.option("--province", default=None, help="HCP province code (coordinators).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--replace", is_flag=True,
              help="Replace an existing user of that name (its tokens and sessions end).")
def add_cmd(username: str, role: str, organization: str | None, province: str | None,
            password_stdin: bool, replace: bool) -> None:
    """Create a user (password at least 10 characters)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with opened_store() as store:
        errors = []
        if store.get_user(username) is not None and not replace:
            errors.append(FieldError("username", f"« {username} » existe déjà ; --replace pour "
                                                 "le remplacer"))
        if organization is not None:
            found = _organization(store, organization)
            if found is None:
                errors.append(FieldError(
                    "organization",
                    f"aucune organisation n'a l'identifiant « {organization} » : donnez "
                    "l'identifiant de la fiche (ex. org-amej-sale, dans l'adresse de sa page "
                    "/organisations/…, ou `graph-service export` : organization.csv) ou son "
                    "UUID HSDS (colonne id de organization.csv, /api/hsds/organizations)"))
            organization = found
        territory = store.territory(province) if province is not None else None
        if province is not None and (territory is None or territory.level != "province"):
            errors.append(FieldError("province", f"« {province} » n'est pas un code HCP de "
                                                 "province, par exemple 04.441 (Salé)"))
        try:
            user = make_user(username, password, role, organization_id=organization,
                             province_code=province)
        except ValidationFailed as exc:
            errors.extend(exc.errors)
        if errors:
            raise ValidationFailed(errors)
        store.put_user(user, actor="cli")
    scope = "".join(f" {k} {v}" for k, v in (("of", organization), ("in", province)) if v)
    click.echo(f"user {username} ({role}{scope}) saved")


@user_group.command("list")
def list_cmd() -> None:
    """Every user: name, role, scope, creation date (never a password hash)."""
    with opened_store() as store:
        users = store.users()
    for user in users:
        scope = user.organization_id or user.province_code or "-"
        click.echo(f"{user.username}\t{user.role}\t{scope}\t{user.created_at[:10]}")


@user_group.command("remove")
@click.argument("username")
def remove_cmd(username: str) -> None:
    """Remove a user; its tokens and sessions end at once."""
    with opened_store() as store:
        if not store.delete_user(username, actor="cli"):
            _unknown(username)
    click.echo(f"user {username} removed")


@user_group.command("revoke")
@click.argument("username")
def revoke_cmd(username: str) -> None:
    """End every bearer token and page session of a user (it can sign in again)."""
    with opened_store() as store:
        _existing(store, username)
        count = store.revoke_tokens(username, actor="cli")
    click.echo(f"user {username}: {count} token(s) and session(s) revoked")


def _organization(store: GraphStore, given: str) -> str | None:
    """The entry id of the organisation ``given`` names: its entry id, or the UUID the HSDS
    exports and the HSDS API give it (:func:`~graph_service.hsds.ids.hsds_id`)."""
    if isinstance(store.get("organization", given), Organization):
        return given
    if not is_uuid(given):
        return None
    wanted = given.lower()
    return next((org.id for org in store.entries("organization")
                 if hsds_id("organization", org.id) == wanted), None)


def _existing(store: GraphStore, username: str) -> None:
    if store.get_user(username) is None:
        _unknown(username)


def _unknown(username: str) -> None:
    raise ValidationFailed([FieldError("username", f"aucun compte « {username} »")])
