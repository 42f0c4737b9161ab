"""``python -m bench [name …]``: run the benchmark modules, merge and print ``bench/results.json``.

Without names every ``bench/bench_*.py`` runs; ``python -m bench orientation``
runs ``bench_orientation`` only. Keys of modules not run stay as they were, and
each module's run (date, load average, keys) is recorded beside them.

``python -m bench --table`` runs nothing: it rewrites the benchmark table of
README.md from ``bench/results.json`` (:mod:`bench.table`). It is a separate
command so that ``make bench`` leaves the work tree as it found it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

from . import Context
from .table import RUNS, Results, load, load_average, rewrite_readme, run_record

RESULTS = Path(__file__).resolve().parent / "results.json"
README = Path(__file__).resolve().parents[1] / "README.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="modules to run (without 'bench_'); default all")
    parser.add_argument("--table", action="store_true",
                        help="rewrite README.md's benchmark table from results.json; run nothing")
    args = parser.parse_args(argv)
    if args.table:
        if args.names:
            parser.error("--table runs no benchmark: give no module name with it")
        rewrite_readme(README, load(RESULTS))
        print(f"[bench] table of {README.name} rewritten from {RESULTS.name}", file=sys.stderr)
        return 0
    available = sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(
        [str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(available)}")
    results = load(RESULTS)
    context = Context(log=lambda message: print(f"[bench] {message}", file=sys.stderr))
    try:
        for name in args.names or available:
            module = importlib.import_module(f"bench.bench_{name}")
            start = time.perf_counter()
            record = run_record()
            figures = module.run(context)
            results.update(figures)
            results.setdefault(RUNS, {})[name] = {**record, "load_end": load_average(),
                                                  "keys": sorted(figures)}
            print(f"[bench] {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
            _write(results)
    finally:
        context.close()
    print(json.dumps(results, indent=2, sort_keys=True))
    return 0


def _write(results: Results) -> None:
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    tmp.replace(RESULTS)


if __name__ == "__main__":
    sys.exit(main())
