"""``python -m bench [name …]``: run the benchmark modules, merge and print ``bench/results.json``.

Without names every ``bench/bench_*.py`` runs; ``python -m bench orientation``
runs ``bench_orientation`` only. Keys of modules not run stay as they were.
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

RESULTS = Path(__file__).resolve().parent / "results.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="modules to run (without 'bench_'); default all")
    args = parser.parse_args(argv)
    available = sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(
        [str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(available)}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    context = Context(log=lambda message: print(f"[bench] {message}", file=sys.stderr))
    try:
        for name in args.names or available:
            module = importlib.import_module(f"bench.bench_{name}")
            start = time.perf_counter()
            results.update(module.run(context))
            print(f"[bench] {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
            _write(results)
    finally:
        context.close()
    print(json.dumps(results, indent=2, sort_keys=True))
    return 0


def _write(results: dict[str, float | int]) -> None:
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    tmp.replace(RESULTS)


if __name__ == "__main__":
    sys.exit(main())
