"""Start-up: Slate's main window on the demo store vs a bare PySide6 window, same run.

Each sample is a fresh process, timed from just before it is spawned to the moment the window
is shown (the child prints a wall-clock stamp), then left idle for a second to read its RSS.
The OS file cache is warm after the first sample: these are warm starts, like a laptop's second
launch of the day.

    python bench/startup.py [--quick] [--runs N]
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

BASELINE = r"""
import json, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.setCentralWidget(QLabel("hello")); w.resize(1100, 720); w.show()
def report():
    print(json.dumps({"shown_at": time.time()}), flush=True)
    QTimer.singleShot(1000, idle)
def idle():
    rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
    print(json.dumps({"idle_rss_kb": rss}), flush=True); app.quit()
QTimer.singleShot(0, report)
app.exec()
"""


def sample(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.time()
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=True)
    figures: dict[str, float] = {}
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            figures |= json.loads(line)
    return figures["shown_at"] - started, int(figures["idle_rss_kb"])


def prepare_store(data_dir: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    slate = [sys.executable, "-m", "app.cli"]
    subprocess.run(
        [
            *slate,
            "course",
            "import",
            str(REPO / "resources" / "demo-course"),
            "--data-dir",
            str(data_dir),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*slate, "profile", "add", "Amina", "--data-dir", str(data_dir)],
        env=env,
        check=True,
        capture_output=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 runs each instead of 10")
    parser.add_argument("--runs", type=int)
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "QT_LOGGING_RULES": "qt.multimedia.ffmpeg*=false",
    }
    with tempfile.TemporaryDirectory(prefix="slate-bench-") as tmp:
        data_dir = Path(tmp)
        prepare_store(data_dir)
        slate_env = {**env, "SLATE_EXIT_WHEN_SHOWN": "1", "SLATE_SYNC_INTERVAL_S": "3600"}
        slate_cmd = [sys.executable, "-m", "app.cli", "--data-dir", str(data_dir)]
        base_cmd = [sys.executable, "-c", BASELINE]
        sample(base_cmd, env)  # one warm-up each, so both measure a warm file cache
        sample(slate_cmd, slate_env)
        slate_s, base_s, slate_rss, base_rss = [], [], [], []
        for _ in range(runs):  # interleaved, so machine noise hits both alike
            t, r = sample(base_cmd, env)
            base_s.append(t)
            base_rss.append(r)
            t, r = sample(slate_cmd, slate_env)
            slate_s.append(t)
            slate_rss.append(r)
    slate_med, base_med = statistics.median(slate_s), statistics.median(base_s)
    ratio = slate_med / base_med
    print(f"start to window shown, median of {runs} warm starts:")
    for name, med, rss in (
        ("bare PySide6 window", base_med, base_rss),
        ("Slate (demo store)", slate_med, slate_rss),
    ):
        print(f"  {name:<20} {med:6.3f} s   idle RSS {statistics.median(rss) / 1024:6.1f} MB")
    print(f"  ratio                {ratio:6.2f}x")
    print(
        json.dumps(
            {
                "bench": "startup",
                "runs": runs,
                "slate_s": round(slate_med, 4),
                "baseline_s": round(base_med, 4),
                "ratio": round(ratio, 3),
                "slate_rss_mb": round(statistics.median(slate_rss) / 1024, 1),
                "baseline_rss_mb": round(statistics.median(base_rss) / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
