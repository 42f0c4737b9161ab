"""``graph-service user add``: accounts for the API, checked before anything is stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph_service.auth import authenticate, issue_token, principal_for_token
from graph_service.cli import main
from graph_service.hsds.ids import hsds_id
from graph_service.store.embedded import EmbeddedStore

PASSWORD = "une-phrase-de-passe"


@pytest.fixture
def db(seed_db: Path, tmp_path: Path) -> Path:
    shutil.copyfile(seed_db, tmp_path / "annuaire.sqlite3")
    return tmp_path / "annuaire.sqlite3"


def add(db: Path, *args: str, stdin: str = PASSWORD + "\n") -> Result:
    return CliRunner().invoke(main, ["user", "add", *args], input=stdin,
                              env={"GRAPH_SERVICE_DB": str(db)})


def test_add_a_coordinator_from_stdin(db: Path) -> None:
    result = add(db, "coord.sale", "--role", "coordinator", "--province", "04.441",
                 "--password-stdin")
    assert result.exit_code == 0, result.output
    store = EmbeddedStore(db)
    user = authenticate(store, "coord.sale", PASSWORD, None)
    assert user is not None and (user.role, user.province_code) == ("coordinator", "04.441")
    assert PASSWORD not in user.password_hash
    store.close()


def test_the_password_is_prompted_twice_when_not_piped(db: Path) -> None:
    result = add(db, "pro", "--role", "professional", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output


@pytest.mark.parametrize(("args", "field"), [
    (["asso", "--role", "association"], "organization"),
    (["asso", "--role", "association", "--organization", "org-nope"], "organization"),
    (["coord", "--role", "coordinator", "--province", "99.999"], "province"),
    (["coord", "--role", "coordinator"], "province"),
])
def test_a_missing_or_unknown_scope_is_refused(db: Path, args: list[str], field: str) -> None:
    result = add(db, *args, "--password-stdin")
    assert result.exit_code == 2
    assert f"{field}:" in result.output
    store = EmbeddedStore(db)
    assert store.get_user(args[0]) is None
    store.close()


def test_a_short_password_or_an_existing_user_is_refused(db: Path) -> None:
    short = add(db, "pro", "--role", "professional", "--password-stdin", stdin="court\n")
    assert short.exit_code == 2 and "password:" in short.output
    assert add(db, "pro", "--role", "professional", "--password-stdin").exit_code == 0
    again = add(db, "pro", "--role", "admin", "--password-stdin")
    assert again.exit_code == 2 and "--replace" in again.output
    assert add(db, "pro", "--role", "admin", "--password-stdin", "--replace").exit_code == 0


def run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["user", *args], env={"GRAPH_SERVICE_DB": str(db)})


def test_list_remove_and_revoke(db: Path) -> None:
    assert add(db, "pro", "--role", "professional", "--password-stdin").exit_code == 0
    store = EmbeddedStore(db)
    user = authenticate(store, "pro", PASSWORD, None)
    assert user is not None
    token = issue_token(store, user)
    listed = run(db, "list")
    assert listed.exit_code == 0 and "pro\tprofessional" in listed.output
    assert "argon2" not in listed.output
    assert run(db, "revoke", "pro").output == "user pro: 1 token(s) and session(s) revoked\n"
    assert not principal_for_token(store, token).signed_in
    assert run(db, "remove", "pro").exit_code == 0
    assert store.get_user("pro") is None
    assert "pro\t" not in run(db, "list").output
    for command in ("remove", "revoke"):
        refused = run(db, command, "pro")
        assert refused.exit_code == 2 and "username: aucun compte « pro »" in refused.output
    store.close()


def test_replacing_a_password_revokes_the_old_tokens(db: Path) -> None:
    assert add(db, "pro", "--role", "professional", "--password-stdin").exit_code == 0
    store = EmbeddedStore(db)
    user = authenticate(store, "pro", PASSWORD, None)
    assert user is not None
    token = issue_token(store, user)
    assert principal_for_token(store, token).signed_in
    assert add(db, "pro", "--role", "professional", "--password-stdin", "--replace",
               stdin="un-autre-mot-de-passe\n").exit_code == 0
    assert not principal_for_token(store, token).signed_in
    store.close()


def test_an_association_user_is_attached_by_its_organisations_hsds_uuid(db: Path) -> None:
    store = EmbeddedStore(db)
    org = store.entries("organization", limit=1)[0]
    store.close()
    given = hsds_id("organization", org.id)
    result = add(db, "asso", "--role", "association", "--organization", given.upper(),
                 "--password-stdin")
    assert result.exit_code == 0, result.output
    assert f"of {org.id}" in result.output
    store = EmbeddedStore(db)
    user = store.get_user("asso")
    assert user is not None and user.organization_id == org.id
    store.close()


def test_an_unknown_organisation_is_refused_with_where_to_find_its_id(db: Path) -> None:
    result = add(db, "asso", "--role", "association", "--organization",
                 "0b7e52b4-0000-4000-8000-000000000000", "--password-stdin")
    assert result.exit_code == 2
    assert "aucune organisation" in result.output and "UUID HSDS" in result.output
    assert "/organisations/" in result.output
