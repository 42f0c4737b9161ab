"""Writing the annuaire as an HSDS 3.0 tabular data package.

The package holds the HSDS tables that have content and our ``x_`` tables, each described in
``datapackage.json`` as the official HSDS descriptor describes its resources (Table Schema
fields with types, formats and constraints, primary and foreign keys), so that generic Data
Package tools and HSDS consumers can read it, and :func:`.import_package` restores the same
entries from it. The export includes confidential sites and contacts: it is a backup and an
exchange format between coordinators, not a publication.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain.entities import ENTITY_KINDS, AnyEntity
from ..store.protocol import GraphStore
from .reading import all_schemas
from .schema import TableSchema
from .tabular import DESCRIPTOR, write_table
from .to_tables import TableRows


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What was written: rows per file, entries per kind."""

    path: Path
    rows: dict[str, int] = field(default_factory=dict)
    entries: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.entries.items())
        return f"exported {kinds} to {self.path} ({len(self.rows)} tables)"


def export_package(store: GraphStore, path: str | Path) -> ExportReport:
    """Write every entry of ``store`` as a package in directory ``path``, which must not
    exist yet or be empty (so that no stale table of an earlier export stays beside it)."""
    directory = Path(path)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FileExistsError(f"{directory} exists and is not an empty directory")
    entities: list[AnyEntity] = [e for kind in ENTITY_KINDS for e in store.entries(kind)]
    tables = TableRows().entries(entities)
    schemas = all_schemas()
    directory.mkdir(parents=True, exist_ok=True)
    written = {name: schemas[name] for name in schemas if tables.get(name)}
    rows = {
        _path(schema): write_table(directory, _path(schema), schema.columns, tables[name])
        for name, schema in written.items()
    }
    descriptor = {
        "name": "annuaire-protection-enfance",
        "title": "Annuaire des acteurs de la protection de l'enfance (DTIPE, Maroc)",
        "description": "Organisations, sites, services, contacts and the referral circuit, as "
        "an HSDS 3.0 tabular data package; tables prefixed x_ extend HSDS.",
        "profile": "tabular-data-package",
        "hsds_version": "3.0.0",
        "resources": [_resource(schema, written) for schema in written.values()],
    }
    text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    (directory / DESCRIPTOR).write_text(text, encoding="utf-8")
    counts: dict[str, int] = {k: sum(1 for e in entities if e.kind == k) for k in ENTITY_KINDS}
    return ExportReport(directory, rows, counts)


def _path(schema: TableSchema) -> str:
    return schema.datapackage_path or schema.file


def _resource(schema: TableSchema, written: dict[str, TableSchema]) -> dict[str, Any]:
    """The Data Package resource of a table; foreign keys only to tables in the package."""
    fields = []
    for f in schema.fields:
        constraints: dict[str, Any] = {"required": f.required}
        if f.unique:
            constraints["unique"] = True
        if f.enum:
            constraints["enum"] = list(f.enum)
        spec: dict[str, Any] = {"name": f.name, "type": f.type}
        if f.format:
            spec["format"] = f.format
        if f.description:
            spec["description"] = f.description
        spec["constraints"] = constraints
        fields.append(spec)
    key = schema.primary_key[0] if len(schema.primary_key) == 1 else list(schema.primary_key)
    table_schema: dict[str, Any] = {"fields": fields, "primaryKey": key}
    links = [
        {"fields": k.field, "reference": {"resource": k.table, "fields": "id"}}
        for k in schema.foreign_keys
        if k.table in written
    ]
    if links:
        table_schema["foreignKeys"] = links
    resource: dict[str, Any] = {
        "name": schema.name,
        "path": _path(schema),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
    }
    if schema.description:
        resource["description"] = schema.description
    resource["schema"] = table_schema
    return resource
