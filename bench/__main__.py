"""Run every ``bench/bench_*.py`` module and print its figures as JSON lines.

Each module exposes ``run(quick: bool) -> list[dict]`` returning figures
``{"figure": NAME, "value": NUMBER, "unit": TEXT}``. The figures are also written to
``bench/results/<mode>.jsonl`` so docs can be built from the last run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def _modules(names: list[str]) -> list[str]:
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in names]
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(found)}")
    return wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller counts (under 2 minutes)")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    figures: list[dict[str, Any]] = []
    failed = []
    for name in _modules(args.names):
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            results = module.run(quick=args.quick)
        except Exception:
            traceback.print_exc()
            failed.append(name)
            continue
        for figure in results:
            figure = {**figure, "bench": name}
            figures.append(figure)
            print(json.dumps(figure), flush=True)
        print(f"# {name}: {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    header = {
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "machine": f"{platform.machine()}, {_cpu_count()} cores",
        "python": platform.python_version(),
    }
    with (results_dir / f"{mode}.jsonl").open("w") as out:
        out.write(json.dumps({"run": header}) + "\n")
        for figure in figures:
            out.write(json.dumps(figure) + "\n")
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main())
