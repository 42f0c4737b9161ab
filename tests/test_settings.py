"""Every setting is documented in the README, and secrets never leak through repr."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph_service.settings import SETTINGS, Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_each_setting_is_documented_in_the_readme_table(setting: object) -> None:
    name = setting.name
    assert re.search(rf"^\| `{name}` \|", README, re.MULTILINE), f"{name} missing from README"


def test_secrets_are_hidden_in_repr_but_readable_where_needed() -> None:
    settings = Settings({"NEO4J_PASSWORD": "s3cret-pass"})
    assert "s3cret-pass" not in repr(settings["NEO4J_PASSWORD"])
    assert settings.secret("NEO4J_PASSWORD") == "s3cret-pass"


def test_unknown_override_is_refused_by_name() -> None:
    with pytest.raises(KeyError, match="GRAPH_SERVICE_NOPE"):
        Settings({"GRAPH_SERVICE_NOPE": 1})
