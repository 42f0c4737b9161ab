"""Our stand-in for an HSDS validator: the checks ``hsds_schema.json`` makes possible.

A package passes when it has a ``datapackage.json``, every table is readable UTF-8 CSV, every
required column and cell is there, types, formats (UUID identifiers, e-mails, URIs) and enum
values are valid, identifiers are unique, and every foreign key points at an existing row. It
checks our ``x_`` tables the same way.
"""

from __future__ import annotations

from pathlib import Path

from ..domain.errors import FieldError
from .checks import check_table, dangling_links
from .reading import all_schemas
from .tabular import DESCRIPTOR, Problems, Table, locate_tables, read_table


def validate_hsds_package(path: str | Path) -> list[FieldError]:
    """Every problem of the package in directory ``path`` (empty when it is valid)."""
    directory = Path(path)
    problems = Problems()
    if not (directory / DESCRIPTOR).is_file():
        problems.errors.append(FieldError("(descriptor)", "is missing", DESCRIPTOR))
    schemas = all_schemas()
    located = locate_tables(directory, schemas, problems)
    tables: dict[str, Table] = {}
    for name, relative in located.paths.items():
        table = read_table(directory, relative, schemas[name], problems)
        if table is not None:
            tables[name] = table
            problems.errors.extend(check_table(table, formats=True))
    problems.errors.extend(link.error() for link in dangling_links(tables, schemas))
    return problems.errors
