"""Start-up time of a BUILT Slate (the figures in docs/deployment.md, "Builds").

    python3 packaging/measure_start.py [--app dist/slate/slate] [--runs 5] [--cold]

Times, each in a fresh process, from just before it is spawned:
  version      `slate --version` to its exit (the frozen Python and the CLI);
  first start  the window on an empty data folder (creating the store: migrations) until the
               window is shown;
  start        the window on that existing store until it is shown (a normal day's start).
The app reports "shown" itself (SLATE_EXIT_WHEN_SHOWN, see ui/launch.py) and quits. With --cold
(root only) the OS page cache is dropped before the first sample of each, so that sample reads
the bundle from disk like the first start after boot; the other samples are warm.
Runs offscreen (QT_QPA_PLATFORM=offscreen). Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def drop_page_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        return True
    except OSError:
        return False


def time_version(app: Path, env: dict[str, str]) -> float:
    started = time.time()
    subprocess.run([str(app), "--version"], env=env, check=True, capture_output=True, timeout=120)
    return time.time() - started


def time_window(app: Path, env: dict[str, str], data_dir: Path) -> float:
    env = {**env, "SLATE_EXIT_WHEN_SHOWN": "1", "SLATE_IDLE_S": "0"}
    started = time.time()
    out = subprocess.run(
        [str(app), "--data-dir", str(data_dir)],
        env=env, check=True, capture_output=True, text=True, timeout=300,
    )
    for line in out.stdout.splitlines():
        if line.startswith("{") and "shown_at" in line:
            return float(json.loads(line)["shown_at"]) - started
    sys.exit(f"measure_start: the app never said its window was shown:\n{out.stdout}{out.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=REPO / "dist" / "slate" / "slate")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="drop the page cache first (root)")
    args = parser.parse_args()
    if not args.app.exists():
        sys.exit(f"measure_start: {args.app} not found: build it with 'make package'")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    cold: dict[str, float] = {}
    warm: dict[str, list[float]] = {"version": [], "first start": [], "start": []}
    with tempfile.TemporaryDirectory(prefix="slate-measure-") as tmp:
        kept_store = Path(tmp) / "kept"
        time_window(args.app, env, kept_store)  # makes the store that the "start" rows open
        for run in range(args.runs):
            first_store = Path(tmp) / f"fresh-{run}"
            samples = {
                "version": lambda: time_version(args.app, env),
                "first start": lambda store=first_store: time_window(args.app, env, store),
                "start": lambda: time_window(args.app, env, kept_store),
            }
            for name, sample in samples.items():
                if run == 0 and args.cold:
                    if not drop_page_cache():
                        sys.exit("measure_start: --cold needs root (to drop the page cache)")
                    cold[name] = sample()
                else:
                    warm[name].append(sample())
    print(f"{'':<12} {'cold s':>7} {'warm median s':>14} {'warm min-max s':>15}")
    result: dict[str, object] = {"app": str(args.app), "runs": args.runs}
    for name, values in warm.items():
        cold_text = f"{cold[name]:.2f}" if name in cold else "-"
        spread = f"{min(values):.2f}-{max(values):.2f}" if values else "-"
        median = statistics.median(values) if values else float("nan")
        print(f"{name:<12} {cold_text:>7} {median:>14.2f} {spread:>15}")
        key = name.replace(" ", "_")
        result[f"{key}_warm_median_s"] = round(median, 3)
        if name in cold:
            result[f"{key}_cold_s"] = round(cold[name], 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
