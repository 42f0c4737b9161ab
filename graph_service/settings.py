"""Every setting of the service, declared once.

Settings come from the environment (or a ``.env`` file), read through
starlette's ``Config``; secrets are ``Secret`` so they never show in a repr or
a log line. ``tests/test_settings.py`` checks that each one is documented in
the README, so the table below and the docs cannot drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.config import Config
from starlette.datastructures import Secret

from .domain.competence import OUT_OF_AREA_MAX_KM


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    cast: type
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("GRAPH_SERVICE_STORE", "embedded", str, "Store: `embedded` (SQLite) or `neo4j`."),
    Setting("GRAPH_SERVICE_DB", "var/annuaire.sqlite3", str, "Path of the embedded SQLite file."),
    Setting("NEO4J_URI", "", str, "Bolt URI of the Neo4j server (e.g. `neo4j://host:7687`)."),
    Setting("NEO4J_USER", "neo4j", str, "Neo4j user name."),
    Setting("NEO4J_PASSWORD", "", str, "Neo4j password (secret: never printed).", secret=True),
    Setting("NEO4J_DATABASE", "neo4j", str, "Neo4j database name."),
    Setting("NEO4J_TIMEOUT", 5.0, float,
            "Seconds a request waits for Neo4j (connecting, retrying) before `STORE_UNAVAILABLE`."),
    Setting("GRAPH_SERVICE_SECRET_KEY", "", str,
            "Key that signs session cookies, the same in every process; required by "
            "`serve --workers N` with N > 1 (random at each start when empty).", secret=True),
    Setting("GRAPH_SERVICE_TRUSTED_PROXIES", "", str,
            "Comma-separated addresses or CIDR networks of reverse proxies whose "
            "`X-Forwarded-For` gives the client address; empty = the header is ignored."),
    Setting("GRAPH_SERVICE_DEBUG", False, bool, "Development mode: GraphiQL and tracebacks."),
    Setting("GRAPH_SERVICE_SECURE_COOKIES", True, bool,
            "Session cookies only over HTTPS (`Secure`); turn off only for plain-http tests."),
    Setting("GRAPH_SERVICE_MAX_KM", OUT_OF_AREA_MAX_KM, float,
            "Farthest distance (km) at which orientation proposes a service outside its area "
            "when none of the child's area is eligible; an authority never is."),
    Setting("GRAPH_SERVICE_PDF_FONTS", "/usr/share/fonts/truetype/dejavu", str,
            "Folder of DejaVuSans.ttf and DejaVuSans-Bold.ttf (Debian fonts-dejavu-core), the "
            "Latin and Arabic font of the fiche de liaison's PDF."),
    Setting("GRAPH_SERVICE_REFRESH_S", 1.0, float,
            "Seconds between two looks at the store's revision by a serving process: an edit "
            "made through another process is seen within about that long."),
    Setting("GRAPH_SERVICE_TILE_URL", "", str,
            "Tile server URL template for maps; empty = offline polygon base layer."),
    Setting("GRAPH_SERVICE_WARM_MAPS", True, bool,
            "Render the national coverage-gap maps (every stage, French and Arabic) in the "
            "background at start and after each change, so that they open at once."),
    Setting("GRAPH_SERVICE_REFERRAL_RETENTION_DAYS", 730, int,
            "Days a referral is kept; older ones are reduced to counts."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


class Settings:
    """The resolved settings: environment first, then ``overrides`` (tests), then defaults."""

    def __init__(self, overrides: Mapping[str, Any] | None = None, env_file: str | None = None):
        unknown = set(overrides or {}) - set(_BY_NAME)
        if unknown:
            raise KeyError(f"unknown settings: {', '.join(sorted(unknown))}")
        env = {k: str(v) for k, v in (overrides or {}).items()}
        config = Config(env_file if env_file and os.path.exists(env_file) else None,
                        environ={**os.environ, **env})
        self._values: dict[str, Any] = {
            s.name: config(s.name, cast=Secret if s.secret else s.cast, default=s.default)
            for s in SETTINGS
        }

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def secret(self, name: str) -> str:
        """The plain value of a secret, for the one place that needs it."""
        return str(self._values[name])
