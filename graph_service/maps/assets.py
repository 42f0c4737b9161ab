"""The JavaScript and CSS the maps load, shipped with the service instead of a CDN.

Coordinators open these maps in offices with no reliable internet, and the
public pages must not leak visits to third parties, so every asset comes from
``graph_service/static/vendor`` (files taken from registry packages; versions
and licences in its README). folium's own defaults point at CDNs and pull in
jQuery, Bootstrap and Font Awesome, none of which our maps use: each element
that loads assets gets only the local files it needs.

An asset *prefix* says where the vendor folder is seen from the page:
:data:`SERVED` when the app serves the map, :data:`BESIDE` for a file written
by the CLI, which copies the vendor folder next to it (:func:`copy_vendor`), so
the file also works opened straight from disk.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from folium.elements import JSCSSMixin

__all__ = ["BESIDE", "SERVED", "STATIC_DIR", "VENDOR_DIR", "copy_vendor", "use_local"]

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
SERVED = "/static/vendor/"
"""Prefix of the vendor folder as the app serves it (``/static`` mount)."""
BESIDE = "static/vendor/"
"""Prefix of the vendor folder copied next to a written map."""

_JS = {
    "Map": [("leaflet", "leaflet/leaflet.js")],
    "MarkerCluster": [("markerclusterjs", "leaflet.markercluster/leaflet.markercluster.js")],
}
_CSS = {
    "Map": [("leaflet_css", "leaflet/leaflet.css")],
    "MarkerCluster": [
        ("markerclustercss", "leaflet.markercluster/MarkerCluster.css"),
        ("markerclusterdefaultcss", "leaflet.markercluster/MarkerCluster.Default.css"),
    ],
}


def use_local(element: JSCSSMixin, prefix: str) -> None:
    """Make a folium element load its assets from the vendor folder at ``prefix``.

    Raises
    ------
    ValueError
        The element needs assets that are not vendored (a bug: vendor them first).
    """
    kind = type(element).__name__
    if kind not in _JS:
        raise ValueError(f"no local assets vendored for folium {kind}")
    # Instance attributes: folium's class-level lists must stay untouched.
    element.default_js = [(name, prefix + path) for name, path in _JS[kind]]
    element.default_css = [(name, prefix + path) for name, path in _CSS[kind]]


def copy_vendor(directory: Path) -> Path:
    """Copy the vendor folder to ``directory/static/vendor`` (for :data:`BESIDE`)."""
    target = directory / BESIDE
    shutil.copytree(VENDOR_DIR, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("README.md"))
    return target
