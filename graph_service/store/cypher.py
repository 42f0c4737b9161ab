"""The Cypher statements of the Neo4j adapter, read from ``cypher/*.cypher`` by name.

Queries live in files so that they can be read, reviewed and tried in Neo4j
Browser as they are, and so that no Cypher is assembled from Python strings.
A file groups the statements of one part of the graph; each statement starts
with a ``// name: <statement>`` line and is asked for as ``"<file>:<statement>"``
(``"entries:fetch"``). ``schema.cypher`` is the exception: a plain list of
``;``-separated schema statements, all applied in order when a store opens.
Other ``//`` lines are comments and are dropped.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

__all__ = ["CYPHER_DIR", "Queries"]

CYPHER_DIR = Path(str(resources.files("graph_service.cypher")))
"""``cypher/`` at the root of the project, shipped in the wheel as ``graph_service.cypher``."""

_NAME = re.compile(r"^//\s*name:\s*([a-z_]+)\s*$")
SCHEMA_FILE = "schema"


def _code(lines: list[str]) -> str:
    """The statement without comment lines, blank edges or a final ``;``."""
    kept = [line for line in lines if not line.lstrip().startswith("//")]
    return "\n".join(kept).strip().rstrip(";").strip()


class Queries:
    """Every named statement of a ``cypher/`` folder, loaded once.

    Raises:
        ValueError: a file holds text before its first ``// name:`` line, a
            name twice, or an empty statement (a broken file is a bug: fail
            at start, not on the first request that needs the statement).

    Examples:
        >>> queries = Queries()
        >>> "MATCH" in queries["entries:fetch"]
        True
    """

    def __init__(self, directory: Path = CYPHER_DIR) -> None:
        self.directory = directory
        self._statements: dict[str, str] = {}
        self.schema: tuple[str, ...] = ()
        for path in sorted(directory.glob("*.cypher")):
            text = path.read_text(encoding="utf-8")
            if path.stem == SCHEMA_FILE:
                code = _code(text.splitlines())
                self.schema = tuple(s.strip() for s in code.split(";") if s.strip())
            else:
                self._load(path.stem, text)

    def _load(self, group: str, text: str) -> None:
        blocks: list[tuple[str, list[str]]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            match = _NAME.match(line.strip())
            if match is not None:
                blocks.append((match.group(1), []))
            elif blocks:
                blocks[-1][1].append(line)
            elif line.strip() and not line.lstrip().startswith("//"):
                raise ValueError(f"{group}.cypher:{number}: statement before any '// name:'")
        for name, lines in blocks:
            key = f"{group}:{name}"
            if key in self._statements:
                raise ValueError(f"{group}.cypher: statement {name!r} defined twice")
            if not _code(lines):
                raise ValueError(f"{group}.cypher: statement {name!r} is empty")
            self._statements[key] = _code(lines)

    def __getitem__(self, name: str) -> str:
        try:
            return self._statements[name]
        except KeyError:
            raise KeyError(f"no Cypher statement {name!r} in {self.directory}") from None

    def names(self) -> list[str]:
        """Every ``"file:statement"`` name, sorted."""
        return sorted(self._statements)
