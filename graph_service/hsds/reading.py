"""Reading an HSDS 3.0 tabular package into annuaire entries, or refusing it whole.

A package is checked in two rounds, each reporting every problem it finds with the file, the
physical line and the column: first its tables (readable UTF-8 CSV, required columns and
cells, types, codes, unique ids, required links), then the entries built from them (the
annuaire's own validation: territories, coordinates inside Morocco, phone numbers, ages…).
Entries are built only from tables that passed the first round, so a broken table is not
also reported as a cascade of entry errors. Optional links that point nowhere are warnings:
the link is left out and the rest is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..domain.entities import ENTITY_KINDS, AnyEntity, Organization, Territory
from ..domain.errors import FieldError, ValidationFailed
from ..domain.validation import validate_entity
from .checks import check_table, dangling_links
from .extension import EXTENSION_TABLES
from .places import Places
from .schema import TableSchema, hsds_tables
from .tabular import Problems, Table, locate_tables, read_table
from .to_entities import Draft, EntityReader

MODELLED: tuple[str, ...] = (
    "organization",
    "organization_identifier",
    "location",
    "address",
    "service",
    "service_at_location",
    "service_area",
    "phone",
    "contact",
    "schedule",
    "language",
    "required_document",
    "cost_option",
    "attribute",
    "taxonomy_term",
    *EXTENSION_TABLES,
)
"""The tables the annuaire reads; any other table present is reported as skipped."""


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What a package holds, ready for one all-or-nothing ``store.apply``.

    ``entities`` come in an order where everything an entry refers to comes before it.
    """

    entities: list[AnyEntity]
    warnings: list[FieldError] = field(default_factory=list)
    skipped_tables: list[str] = field(default_factory=list)


def all_schemas() -> dict[str, TableSchema]:
    """HSDS' tables and ours, by resource name."""
    return {**hsds_tables(), **EXTENSION_TABLES}


def read_package(
    path: str | Path,
    *,
    territory_level: Callable[[str], str | None],
    communes: Sequence[Territory],
) -> ImportPlan:
    """Read the package in directory ``path``; raise :class:`ValidationFailed` with every
    error found.

    ``communes`` (with their points) place locations that lack our ``x_location_profile``:
    the nearest commune to their coordinates (precision ``exact``), else the commune their
    address' city names; a site without coordinates is put at its commune's point
    (precision ``commune``).
    """
    directory = Path(path)
    if not directory.is_dir():
        raise ValidationFailed([FieldError("path", "is not a directory", str(directory))])
    problems = Problems()
    located = locate_tables(directory, all_schemas(), problems)
    tables: dict[str, Table] = {}
    for name in MODELLED:
        if name in located.paths:
            table = read_table(directory, located.paths[name], all_schemas()[name], problems)
            if table is not None:
                tables[name] = table
    for table in tables.values():
        problems.errors.extend(check_table(table, formats=False))
    for link in dangling_links(tables, MODELLED):
        if link.key.required:
            problems.errors.append(link.error())
        else:
            error = link.error()
            problems.warnings.append(
                FieldError(error.field, f"{error.message}; link left out", error.where)
            )
    if problems.errors:
        raise ValidationFailed(problems.errors)

    drafts = EntityReader(tables, Places(communes), problems).read()
    for draft in drafts:
        for error in validate_entity(
            draft.entity,
            territory_level=territory_level,
            where=draft.where,
        ):
            where, column = draft.locate(error.field)
            problems.errors.append(FieldError(column, error.message, where))
    entities = _ordered(drafts, problems)
    if problems.errors:
        raise ValidationFailed(problems.errors)
    skipped = [name for name in located.paths if name not in MODELLED] + located.others
    return ImportPlan(entities, problems.warnings, skipped)


def _ordered(drafts: list[Draft], problems: Problems) -> list[AnyEntity]:
    """Entries by kind (organisations, sites, services, contacts, links, memberships), each
    organisation after its parent; ids used twice and parent cycles are errors."""
    first: dict[str, Draft] = {}
    for draft in drafts:
        seen = first.setdefault(draft.entity.id, draft)
        if seen is not draft:
            problems.errors.append(
                FieldError(
                    draft.locate("id")[1],
                    f"{draft.entity.id!r} is already the id of the {seen.entity.kind} of "
                    f"{seen.where}",
                    draft.where,
                )
            )
    pending: list[tuple[Organization, Draft]] = []
    for draft in drafts:
        if isinstance(draft.entity, Organization):
            pending.append((draft.entity, draft))
    placed: list[AnyEntity] = []
    done: set[str] = set()
    while pending:
        ready = [o for o, _ in pending if o.parent_id is None or o.parent_id in done]
        if not ready:
            problems.errors.extend(
                FieldError(d.locate("parent_id")[1], "is its own ancestor", d.where)
                for _, d in pending
            )
            break
        placed.extend(ready)
        done.update(o.id for o in ready)
        pending = [(o, d) for o, d in pending if o.id not in done]
    rest = sorted(
        (d for d in drafts if not isinstance(d.entity, Organization)),
        key=lambda d: ENTITY_KINDS.index(d.entity.kind),
    )
    return placed + [d.entity for d in rest]
