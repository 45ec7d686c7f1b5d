"""Run every benchmark in this folder, one after the other (``make bench``).

Each benchmark measures its own baselines in the same run and prints ratios against them, so
the figures compare across machines.  Extra arguments are not passed on: run a single script
directly for its options (``.venv/bin/python benchmarks/bench_tally.py --help``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
