"""`make bench`: every benchmark in this folder, one after another.

Each prints wall time and peak memory of crmlib next to the alternative a user would pick,
measured side by side in the same run, and the ratios. Pass --quick for small sizes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["bench_rfm.py", "bench_clv.py", "bench_spark.py", "bench_bayes.py"]


def main() -> int:
    extra = sys.argv[1:]
    status = 0
    for name in BENCHES:
        path = HERE / name
        if not path.exists():
            continue
        print(f"\n==================== {name} ====================", flush=True)
        status |= subprocess.call([sys.executable, str(path), *extra])
    return status


if __name__ == "__main__":
    raise SystemExit(main())
