"""B3: ingestion speed of events files, JSON Lines and CSV.

    b3_ingest.py BUILD_BENCH_DIR DIR [REPEATS]

On the events files of a simulated cohort in DIR (page cache warm):
- yanxiu: Dataset::read_events_file on one thread and on every core, through
  the C++ helper yanxiu_bench_b3_ingest, which also times the raw scan (read
  the bytes, count newlines: the I/O floor);
- pandas.read_csv on events.csv (the C engine);
- Python's json module: json.loads on every line of events.jsonl.
Best of REPEATS each.  Prints MB/s and ratios; `RESULT` lines for run_all.sh.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from bench_util import best_of


def helper(build: Path, participants: Path, events: Path, repeats: int) -> dict[str, float]:
    out = subprocess.run([str(build / "bench" / "yanxiu_bench_b3_ingest"), str(participants), str(events),
                          str(repeats)], check=True, capture_output=True, text=True).stdout
    sys.stdout.write(out)
    return {line.split()[1]: float(line.split()[2]) for line in out.splitlines() if line.startswith("RESULT ")}


def json_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as f:
        for line in f:
            try:  # the cohort holds a few deliberately bad lines, as yanxiu's reader rejects them
                json.loads(line)
                n += 1
            except ValueError:
                pass
    return n


def main() -> int:
    build, directory = Path(sys.argv[1]), Path(sys.argv[2])
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    results = {}
    for fmt in ("jsonl", "csv"):
        events = directory / f"events.{fmt}"
        r = helper(build, directory / f"participants.{fmt}", events, repeats)
        results[fmt] = r
        print(f"RESULT {fmt}_mb {r['mb']:.6g}")
        print(f"RESULT {fmt}_scan_s {r['scan_s']:.6g}")
        print(f"RESULT {fmt}_yanxiu_s {r['yanxiu_s']:.6g}")
        print(f"RESULT {fmt}_yanxiu_all_s {r['yanxiu_all_s']:.6g}")
        print(f"RESULT {fmt}_cores {r['cores']:.6g}")

    csv_path = directory / "events.csv"
    t_pandas, _ = best_of(repeats, lambda: pd.read_csv(csv_path))
    mb = results["csv"]["mb"]
    print(f"pandas.read_csv(events.csv): {t_pandas:.3f} s = {mb / t_pandas:.0f} MB/s; "
          f"yanxiu CSV is {t_pandas / results['csv']['yanxiu_s']:.2f}x its speed")
    print(f"RESULT csv_pandas_s {t_pandas:.6g}")

    jsonl_path = directory / "events.jsonl"
    t_json, _ = best_of(repeats, lambda: json_lines(jsonl_path))
    mb = results["jsonl"]["mb"]
    print(f"json.loads per line (events.jsonl): {t_json:.3f} s = {mb / t_json:.0f} MB/s; "
          f"yanxiu JSON Lines is {t_json / results['jsonl']['yanxiu_s']:.2f}x its speed")
    print(f"RESULT jsonl_json_s {t_json:.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
