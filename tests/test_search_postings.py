"""The search index's sets by key, carried over edits, always read as the sets they stand for."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from graph_service.search.postings import Postings

KEYS = st.sampled_from(["protection", "enfance", "signalement", "amane"])
IDS = st.sets(st.sampled_from([f"svc-{i:03d}" for i in range(120)]), max_size=40)
EDITS = st.lists(st.tuples(st.dictionaries(KEYS, IDS), st.dictionaries(KEYS, IDS)),
                 max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, IDS), EDITS, st.booleans())
def test_postings_read_as_the_sets_they_were_given_and_changed_to(
        start: dict[str, set[str]], edits: list[tuple[dict[str, set[str]], dict[str, set[str]]]],
        keep: bool) -> None:
    """Ids taken out and filed in, edit after edit (past the point where the changes are
    folded into the base): every key reads as the plain set would, an emptied key is gone,
    and the postings before each edit are unchanged by it."""
    model: dict[str, set[str]] = defaultdict(set, {k: set(v) for k, v in start.items()})
    postings = Postings.of(start, keep=keep)
    for gone, added in edits:
        before, expected_before = postings, {k: frozenset(v) for k, v in model.items() if v}
        postings = postings.changed(gone, added)
        for key, ids in gone.items():
            model[key] -= ids
        for key, ids in added.items():
            model[key] |= ids
        assert dict(postings) == {k: frozenset(v) for k, v in model.items() if v}
        assert dict(before) == expected_before
        assert all(postings.get(k) == frozenset(v) for k, v in model.items())
        assert postings.get("absent") == frozenset() and "absent" not in postings
        assert postings.union(k for k, v in model.items() if v) == frozenset().union(
            *model.values())
