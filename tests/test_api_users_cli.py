"""``graph-service user add``: accounts for the API, checked before anything is stored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from graph_service.auth import authenticate
from graph_service.cli import main
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
