"""Runs every benchmark in bench/ (`make bench`; `--quick` for a small size in seconds)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    extra = sys.argv[1:]
    failed = 0
    for script in sorted(HERE.glob("*.py")):
        if script.name in ("run_all.py",) or script.name.startswith("_"):
            continue
        print(f"== {script.name}", flush=True)
        failed |= subprocess.run([sys.executable, str(script), *extra]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
