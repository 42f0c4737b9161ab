"""The checks every table of a package must pass, whoever reads it.

The importer (which refuses a bad package) and :func:`~.validator.validate_hsds_package` (our
stand-in for an HSDS validator) both run these, so they cannot disagree about what a valid
table is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from ..domain.errors import FieldError
from ..domain.validation import REQUIRED
from .schema import FieldSpec, ForeignKey, format_problem, type_problem
from .tabular import Row, Table


def check_table(table: Table, *, formats: bool) -> list[FieldError]:
    """Every problem of one table: missing required columns, empty required cells, bad
    types and enum values, repeated identifiers (and, with ``formats``, bad UUIDs, e-mails
    and URIs: the importer leaves those to the domain validation of the entries)."""
    schema = table.schema
    errors = [
        FieldError(f.name, "required column is missing", f"{table.file}:{table.header_line}")
        for f in schema.fields
        if f.required and f.name not in table.header
    ]
    present = [f for f in schema.fields if f.name in table.header]
    first_seen: dict[tuple[str, ...], dict[tuple[str, ...], int]] = {}
    keys: list[tuple[str, ...]] = [(f.name,) for f in present if f.unique]
    if len(schema.primary_key) > 1:
        keys.append(schema.primary_key)
    for row in table.rows:
        for spec in present:
            errors.extend(_cell_problems(row, spec, formats))
        for key in keys:
            value = tuple(row.get(column) for column in key)
            if not all(value):
                continue
            seen = first_seen.setdefault(key, {})
            if value in seen:
                errors.append(
                    FieldError(
                        key[-1],
                        f"{', '.join(value)!r} is repeated (first on line {seen[value]})",
                        row.where,
                    )
                )
            else:
                seen[value] = row.line
    return errors


def _cell_problems(row: Row, spec: FieldSpec, formats: bool) -> Iterator[FieldError]:
    text = row.get(spec.name)
    if not text:
        if spec.required:
            yield FieldError(spec.name, REQUIRED, row.where)
        return
    if spec.enum is not None and text not in spec.enum:
        yield FieldError(
            spec.name, f"{text!r} is not one of {', '.join(spec.enum)}", row.where
        )
        return
    problem = type_problem(spec, text) or (format_problem(spec, text) if formats else None)
    if problem:
        yield FieldError(spec.name, problem, row.where)


@dataclass(frozen=True, slots=True)
class Dangling:
    """A foreign key whose value matches no row of the table it points to."""

    row: Row
    key: ForeignKey
    value: str

    def error(self) -> FieldError:
        return FieldError(
            self.key.field, f"{self.key.table} {self.value!r} does not exist", self.row.where
        )


def dangling_links(tables: Mapping[str, Table], follow: Collection[str]) -> list[Dangling]:
    """Foreign keys of ``tables`` into the tables named in ``follow`` that match no row
    there (a table absent from the package holds no rows); other keys are not followed."""
    ids = {
        name: {row.get("id") for row in tables[name].rows} if name in tables else set()
        for name in follow
    }
    return [
        Dangling(row, key, value)
        for table in tables.values()
        for key in table.schema.foreign_keys
        if key.table in ids
        for row in table.rows
        if (value := row.get(key.field)) and value not in ids[key.table]
    ]
