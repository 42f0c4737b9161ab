"""How our codes and HSDS's correspond, and what a package without our extension gets.

A package from elsewhere (the official HSDS example, another directory's export) has no
``x_`` tables, so its entries get documented defaults instead of guesses:

- an organisation is an ``association`` of the ``societe_civile`` sector (most HSDS
  publishers are community organisations; a coordinator corrects public bodies), serving
  the province of its first site;
- a service takes its type, stages and situations from the HSDS taxonomy terms attached to
  it whose ``code`` (or name) is one of ours, else it is ``ecoute_orientation`` at stage
  ``detection``: the least committing place in the circuit, where a child is listened to and
  oriented. Its access mode is ``drop_in``; it has no sex restriction and does not claim to
  take children with disabilities or to answer emergencies day and night.
"""

from __future__ import annotations

from ..domain.taxonomy import LANGUAGES

DEFAULT_ORG_KIND = "association"
DEFAULT_SECTOR = "societe_civile"
DEFAULT_SERVICE_TYPE = "ecoute_orientation"
DEFAULT_STAGES: tuple[str, ...] = ("detection",)

STATUS_TO_HSDS = {
    "active": "active",
    "inactive": "inactive",
    "temporarily_closed": "temporarily closed",
    "no_capacity": "temporarily closed",
}
"""HSDS has no 'no capacity': such a service is not to be referred to, as if closed."""

STATUS_FROM_HSDS = {
    "active": "active",
    "inactive": "inactive",
    "defunct": "inactive",
    "temporarily closed": "temporarily_closed",
}

PHONE_TYPE_TO_HSDS = {"phone": "voice", "mobile": "cell", "fax": "fax", "hotline": "voice"}
PHONE_KIND_FROM_HSDS = {"voice": "phone", "cell": "mobile", "text": "mobile", "fax": "fax"}
"""HSDS phone types (RFC 6350) to our channel kinds; other types are read as ``phone``."""

LANGUAGE_TO_ISO = {
    "darija": "ary",
    "arabe": "ar",
    "tamazight": "zgh",
    "tachelhit": "shi",
    "tarifit": "rif",
    "hassania": "mey",
    "francais": "fr",
    "espagnol": "es",
    "anglais": "en",
    "langue_des_signes": "xms",
}
"""ISO 639 codes written to ``languages.csv`` (``xms``: Moroccan Sign Language)."""

_LANGUAGE_ALIASES = {
    "ara": "arabe", "fra": "francais", "fre": "francais", "spa": "espagnol", "eng": "anglais",
    "arabic": "arabe", "french": "francais", "spanish": "espagnol", "english": "anglais",
}


def language_code(code: str, name: str) -> str | None:
    """Our language code for an HSDS language row (by ISO code, then by name), if we have it."""
    by_iso = {iso: ours for ours, iso in LANGUAGE_TO_ISO.items()}
    for key in (code.lower(), name.lower()):
        found = by_iso.get(key) or _LANGUAGE_ALIASES.get(key)
        if found:
            return found
        for ours, term in LANGUAGES.items():
            if key in (ours, term.fr.lower()):
                return ours
    return None
