"""Every benchmark key: what it measures and its target, stated once.

The README's benchmark table is generated from this and ``bench/results.json``
(:mod:`bench.table`); the modules' docstrings say how each figure is obtained.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TARGETS", "Target"]


@dataclass(frozen=True, slots=True)
class Target:
    """What a key measures, and the bound it should keep (``None``: reported only)."""

    what: str
    at_most: float | None = None
    at_least: float | None = None

    def text(self) -> str:
        if self.at_most is not None:
            return f"≤ {self.at_most:g}"
        if self.at_least is not None:
            return f"≥ {self.at_least:g}"
        return "—"

    def met(self, value: float) -> bool | None:
        """Whether ``value`` keeps the bound (``None`` when there is none)."""
        if self.at_most is not None:
            return value <= self.at_most
        if self.at_least is not None:
            return value >= self.at_least
        return None


TARGETS: dict[str, Target] = {
    "orientation_p95_ms": Target("orientation plan, p95 ms, in process (1,000 situations)", 10),
    "orientation_p50_ms": Target("orientation plan, median ms, in process"),
    "orientation_vs_dijkstra_ratio": Target(
        "orientation's search p95 ÷ networkx Dijkstra p95 over the same layered candidate graph",
        3),
    "orientation_scale8_growth": Target("orientation p95 over 8× the data ÷ p95 at 1×", 2),
    "graph_build_s": Target("fresh process: national snapshot and orientation index, s"),
    "rss_mib": Target("that process's resident memory, MiB", 600),
    "graphql_orientation_p95_ms": Target(
        "GraphQL orientation over loopback HTTP, one client, p95 ms", 50),
    "graphql_rps_20_clients": Target(
        "GraphQL, 20 clients (searches, orientations, signed-in reads) while an admin edits "
        "every 2 s and signs in every 5 s: requests/s", at_least=150),
    "graphql_p99_ms_20_clients": Target("the same run's p99 ms", 250),
    "graphql_errors_20_clients": Target("the same run's answers not a clean 200", 0),
    "graphql_rps_20_clients_reads_only": Target(
        "the same 20 clients with no edits nor sign-ins: requests/s"),
    "graphql_p99_ms_20_clients_reads_only": Target("that run's p99 ms"),
    "import_sqlite_s": Target(
        "store.apply of the national entities, already in memory, into SQLite, s", 20),
    "import_bolt_s": Target(
        "store.apply of the national entities, already in memory, over Bolt (test server), s",
        120),
    "hsds_import_national_s": Target(
        "HSDS import of the exported national package into SQLite: CSV parsing, validation, "
        "write, s"),
    "snapshot_cold_s": Target("national snapshot read from SQLite, s", 10),
    "snapshot_cold_bolt_s": Target("national snapshot read over Bolt (test server), s", 60),
    "bolt_entries_streamed_s": Target(
        "every entry read over Bolt, one streamed read per kind (no snapshot built), s"),
    "bolt_refresh_one_edit_ms": Target(
        "change feed read over Bolt after one edit (national store), median ms"),
    "snapshot_apply_ms": Target("one edit (updates of each kind, a service created, deleted) "
                                "applied to the national snapshot and its orientation and "
                                "search indexes carried over it, p95 ms", 20),
    "snapshot_advance_ms": Target("the same edits, the snapshot's own advance alone, p95 ms"),
    "edit_read_rps_ratio": Target(
        "served reads/s with an edit every 2 s and a sign-in every 5 s ÷ reads/s alone",
        at_least=0.8),
    "edit_read_max_ms": Target("the slowest read during edits, ms", 250),
    "edit_write_p99_ms": Target("the edits' p99, client side, ms", 100),
    "cross_process_visibility_s": Target(
        "an edit through one served process until another finds it, s", 2),
    "serve_rss_mib": Target("a serving process's resident memory on the national annuaire after "
                            "the edits, MiB", 600),
    "coverage_national_s": Target("coverage of 1,503 communes × all stages, s", 1),
    "coverage_vs_bruteforce_speedup": Target(
        "numpy dot-product brute force ÷ k-d tree, same unit vectors", at_least=2),
    "gap_map_bytes": Target("national gap map of one stage, bytes", 5_000_000),
    "hsds_services_page_p95_ms": Target("HSDS feed page of 50 services, p95 ms (ASGI)", 50),
    "hsds_services_page_p50_ms": Target("the same, median ms"),
    "hsds_feed_build_s": Target("first HSDS request of a revision (read model, feed ids), s"),
    "referral_send_p95_ms": Target("one referral sent (SQLite, synchronous=FULL), p95 ms", 20),
    "referral_indicators_national_s": Target("national referral indicators, 100k referrals, s",
                                             1),
}
