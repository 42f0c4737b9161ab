"""Text matching that ignores accents, case and Arabic spelling variants.

Social workers type « sale », « Salé » or « سلا »; all must find Salé. Both
the annuaire search and the commune look-up of orientation use this one key.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

__all__ = ["closest", "search_key", "thousands"]

_ARABIC_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None}
)
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")
_NON_WORD = re.compile(r"[^\w]+")


def search_key(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form of a French or Arabic name."""
    text = _ARABIC_MARKS.sub("", text.translate(_ARABIC_FOLD))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped).strip()


def closest(query: str, candidates: dict[str, str], n: int = 5) -> list[str]:
    """The values of ``candidates`` (key → display name) whose keys look most like ``query``."""
    keys = difflib.get_close_matches(search_key(query), list(candidates), n=n, cutoff=0.6)
    return [candidates[k] for k in keys]


def thousands(n: int) -> str:
    """A count as French typography writes it: 12 345 (narrow no-break space)."""
    return f"{n:,}".replace(",", "\u202f")
