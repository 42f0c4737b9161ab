"""Table schemas of an HSDS 3.0 tabular package, and the checks every table must pass.

The HSDS tables come from ``hsds_schema.json``, a summary of the official 3.0
``datapackage.json`` (fields, types, required, enums, unique, foreign keys); our own ``x_``
tables are declared in :mod:`.extension` in the same shape, so that :mod:`.checks` can hold
one set of checks for both.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from ..domain.validation import normalize_email


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column: its Table Schema type and format, and its constraints."""

    name: str
    type: str = "string"
    format: str | None = None
    required: bool = False
    enum: tuple[str, ...] | None = None
    unique: bool = False
    description: str = ""


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """``field`` holds the ``id`` of a row of ``table``; ``required`` if it must point somewhere."""

    field: str
    table: str
    required: bool


@dataclass(frozen=True, slots=True)
class TableSchema:
    """A table of the package: its columns, key, links and the CSV file it lives in."""

    name: str
    file: str
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...] = ("id",)
    foreign_keys: tuple[ForeignKey, ...] = ()
    description: str = ""
    datapackage_path: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@functools.cache
def hsds_tables() -> dict[str, TableSchema]:
    """The 21 tables of HSDS 3.0, by resource name (``organization``, ``service``…)."""
    text = resources.files(__package__).joinpath("hsds_schema.json").read_text("utf-8")
    return {name: _table(name, spec) for name, spec in json.loads(text)["tables"].items()}


def _table(name: str, spec: dict[str, Any]) -> TableSchema:
    fields = tuple(
        FieldSpec(
            name=f["name"],
            type=f["type"],
            format=f["format"],
            required=f["required"],
            enum=tuple(f["enum"]) if f["enum"] else None,
            unique=f["unique"],
        )
        for f in spec["fields"]
    )
    keys = tuple(ForeignKey(k["field"], k["table"], k["required"]) for k in spec["foreign_keys"])
    return TableSchema(
        name=name,
        file=str(spec["file"]),
        fields=fields,
        primary_key=(str(spec["primary_key"]),),
        foreign_keys=keys,
        datapackage_path=str(spec["datapackage_path"]),
    )


# --- values --------------------------------------------------------------------------------

TRUE_VALUES = frozenset({"true", "True", "TRUE", "1"})
FALSE_VALUES = frozenset({"false", "False", "FALSE", "0"})
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def parse_number(text: str) -> float:
    """A Table Schema ``number``; ``ValueError`` for text, NaN or infinity."""
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def parse_boolean(text: str) -> bool:
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise ValueError(f"{text!r} is not a boolean (true or false)")


def type_problem(spec: FieldSpec, text: str) -> str | None:
    checks: dict[str, Callable[[str], object]] = {
        "number": parse_number,
        "integer": int,
        "boolean": parse_boolean,
        "date": date.fromisoformat,
        "datetime": datetime.fromisoformat,
    }
    try:
        if spec.type in checks:
            checks[spec.type](text)
        elif spec.type == "time" and not _TIME.match(text):
            raise ValueError
    except ValueError:
        return f"{text!r} is not a valid {spec.type}"
    return None


def format_problem(spec: FieldSpec, text: str) -> str | None:
    if spec.format == "uuid":
        try:
            uuid.UUID(text)
        except ValueError:
            return f"{text!r} is not a UUID (HSDS identifiers are UUIDs)"
    elif spec.format == "email":
        try:
            normalize_email(text)
        except ValueError as exc:
            return str(exc)
    elif spec.format == "uri" and not _URI.match(text):
        return f"{text!r} is not a URI"
    return None
