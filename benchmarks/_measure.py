"""Run one benchmark case in a fresh process and report wall time and peak memory.

Peak memory is the process's resident-set high-water mark (Linux ``VmHWM``), reset after
the input is loaded, so it measures what the method itself needs on top of its input.
The whole-process peak (input included) is reported too.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def measure(fn, *args, repeat: int = 1, **kwargs) -> dict:
    import time

    times = []
    peak = 0
    base = 0
    for _ in range(repeat):
        base = _status("VmRSS")
        reset_peak()
        t0 = time.perf_counter()
        result = fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
        peak = max(peak, _status("VmHWM"))
        del result
    times.sort()
    return {"seconds": times[len(times) // 2], "peak_bytes": peak, "input_bytes": base, "extra_bytes": peak - base}


def run_case(script: str, case: str, *args: str) -> dict:
    """Run ``python script case args...`` in a new process; it prints one JSON line."""
    out = subprocess.run(
        [sys.executable, script, "--case", case, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"{case} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
