"""The files of a tabular data package: finding its tables, reading and writing CSV.

Reading is strict about what makes a file unreadable (bytes that are not UTF-8, broken
quoting, rows with cells the header does not have) and reports each such problem with the
file and its *physical* line (the header is line 1), because a person fixes the file in a
text editor or a spreadsheet that counts lines that way. Only the standard ``csv`` module
is used; a UTF-8 byte-order mark is accepted.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..domain.errors import FieldError
from .schema import TableSchema, parse_number

DESCRIPTOR = "datapackage.json"


@dataclass
class Problems:
    """Errors (the package is refused) and warnings (it is read, with a note) found so far."""

    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: ``line`` is the physical line it starts on."""

    file: str
    line: int
    cells: Mapping[str, str]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def get(self, column: str) -> str:
        """The cell, without surrounding blanks; ``""`` when the column is absent."""
        return self.cells.get(column, "").strip()

    def number(self, column: str) -> float | None:
        """The cell as a number; ``None`` if empty or not a number (the checks say so)."""
        try:
            return parse_number(self.get(column)) if self.get(column) else None
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Table:
    schema: TableSchema
    file: str
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    header_line: int = 1


@dataclass(frozen=True, slots=True)
class Located:
    """Where the tables of a package are: known tables by name, and any other CSV file."""

    paths: dict[str, str]
    others: list[str]


def locate_tables(
    directory: Path, schemas: Mapping[str, TableSchema], problems: Problems
) -> Located:
    """Find each known table: at the path ``datapackage.json`` gives it, else at its usual
    file name (``hsds_schema.json`` records both: the official example does not always use
    the path its own descriptor declares)."""
    declared = _declared_paths(directory, schemas, problems)
    paths: dict[str, str] = {}
    for name, schema in schemas.items():
        for candidate in (declared.get(name), schema.datapackage_path, schema.file):
            if candidate and (directory / candidate).is_file():
                paths[name] = candidate
                break
    taken = set(paths.values())
    others = sorted(p.name for p in directory.glob("*.csv") if p.name not in taken)
    return Located(paths, others)


def _declared_paths(
    directory: Path, schemas: Mapping[str, TableSchema], problems: Problems
) -> dict[str, str]:
    """The paths ``datapackage.json`` gives the known tables, if it is there."""
    path = directory / DESCRIPTOR
    if not path.is_file():
        return {}
    try:
        text = path.read_text("utf-8-sig")
        descriptor = json.loads(text)
    except UnicodeDecodeError as exc:
        problems.errors.append(_encoding_error(DESCRIPTOR, path.read_bytes(), exc))
        return {}
    except json.JSONDecodeError as exc:
        problems.errors.append(FieldError("(json)", exc.msg, f"{DESCRIPTOR}:{exc.lineno}"))
        return {}
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        problems.errors.append(FieldError("resources", "must be a list", f"{DESCRIPTOR}:1"))
        return {}
    declared: dict[str, str] = {}
    for i, resource in enumerate(resources):
        if not isinstance(resource, dict):
            continue
        name, rel = resource.get("name"), resource.get("path")
        if name not in schemas or not isinstance(rel, str):
            continue
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts:
            line = text[: text.find(json.dumps(rel))].count("\n") + 1
            problems.errors.append(
                FieldError(
                    f"resources[{i}].path", f"{rel!r} leaves the package", f"{DESCRIPTOR}:{line}"
                )
            )
            continue
        declared[str(name)] = rel
    return declared


def read_table(
    directory: Path, relative: str, schema: TableSchema, problems: Problems
) -> Table | None:
    """Read one CSV file; ``None`` (with the reason in ``problems``) if it cannot be read.

    A row with more cells than the header is refused; so is a shorter row, unless the cells
    it lacks belong only to columns the schema does not know (they are ignored anyway: the
    official HSDS example has such a row). Columns the schema does not know are reported as
    warnings; blank lines are skipped.
    """
    raw = (directory / relative).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.errors.append(_encoding_error(relative, raw, exc))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: tuple[str, ...] | None = None
    header_line = 1
    rows: list[Row] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header, header_line = _header(f"{relative}:{line}", cells, schema, problems), line
                continue
            row = _row(relative, line, header, cells, schema, problems)
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        where = f"{relative}:{reader.line_num}"
        problems.errors.append(FieldError("(csv)", f"malformed CSV: {exc}", where))
        return None
    if header is None:
        problems.errors.append(FieldError("(header)", "there is no header row", f"{relative}:1"))
        return None
    return Table(schema, relative, header, tuple(rows), header_line)


def _header(
    where: str, cells: list[str], schema: TableSchema, problems: Problems
) -> tuple[str, ...]:
    header = tuple(c.strip() for c in cells)
    for i, name in enumerate(header):
        if not name:
            problems.errors.append(FieldError(f"column {i + 1}", "has no name", where))
        elif name in header[:i]:
            problems.errors.append(FieldError(name, "column appears twice", where))
        elif name not in schema.columns:
            problems.warnings.append(
                FieldError(name, f"is not a column of {schema.name}; ignored", where)
            )
    return header


def _row(
    file: str,
    line: int,
    header: tuple[str, ...],
    cells: list[str],
    schema: TableSchema,
    problems: Problems,
) -> Row | None:
    where = f"{file}:{line}"
    shape = f"the row has {len(cells)} cells but the header has {len(header)}"
    if len(cells) > len(header):
        problems.errors.append(FieldError(f"column {len(header) + 1}", shape, where))
        return None
    lacking = [name for name in header[len(cells) :] if name in schema.columns]
    if lacking:
        problems.errors.append(FieldError(lacking[0], f"{shape}: this cell is missing", where))
        return None
    return Row(file, line, dict(zip(header, cells, strict=False)))


def _encoding_error(file: str, raw: bytes, exc: UnicodeDecodeError) -> FieldError:
    """Name the line and, when it can be told, the column of the first undecodable byte."""
    line = raw.count(b"\n", 0, exc.start) + 1
    lines = raw.decode("utf-8-sig", errors="replace").splitlines()
    column = "(bytes)"
    if line <= len(lines):
        names = next(csv.reader([lines[0]]), [])
        cells = next(csv.reader([lines[line - 1]]), [])
        hits = [i for i, cell in enumerate(cells) if "\ufffd" in cell]
        if hits and line > 1 and hits[0] < len(names):
            column = names[hits[0]].strip()
    byte = raw[exc.start : exc.start + 1].hex()
    message = f"byte 0x{byte} is not UTF-8: save the file as UTF-8"
    return FieldError(column, message, f"{file}:{line}")


def write_table(
    directory: Path, relative: str, columns: Sequence[str], records: Iterable[Mapping[str, str]]
) -> int:
    """Write records as CSV (UTF-8, CRLF like the official example); return the row count."""
    count = 0
    with (directory / relative).open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for record in records:
            writer.writerow([record.get(c, "") for c in columns])
            count += 1
    return count
