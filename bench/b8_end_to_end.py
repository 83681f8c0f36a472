"""B8: `yanxiu evaluate` end to end against what an analyst would pick instead.

    b8_end_to_end.py BUILD_BENCH_DIR SCRATCH TEACHERS [REPEATS]

On a simulated cohort of TEACHERS (clean: `--malformed-share 0`, so that
pandas and DuckDB read every line), for the CSV files and for the JSON Lines
files, with the same cores:

- yanxiu: `yanxiu evaluate --threads 0` from the files to outcomes written
  (JSON Lines, with the provenance sidecar and its SHA-256 of every input),
  the exact rules, wall time of the process;
- DuckDB (`@duckdb/node-api`, installed here from npm into SCRATCH/duckdb
  when missing; threads = the machine's cores): a *simplified* version of the
  rules as one SQL query (bench/b8_duckdb.mjs), timed inside node from the
  query's start to its last row;
- pandas: `read_csv(dtype=str)` / `read_json(lines=True, dtype=False)` alone,
  which only reads the events (no rule applied), in this process.

Best of REPEATS for yanxiu and DuckDB; pandas once (read_json takes minutes
and ~10 GB at 300,000 teachers).  Prints seconds and ratios; `RESULT` lines
for run_all.sh.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd


def best_wall(repeats: int, command: list[str]) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


def duckdb_seconds(node_dir: Path, script: Path, participants: Path, events: Path, fmt: str, threads: int,
                   repeats: int) -> tuple[float, str]:
    best, summary = float("inf"), ""
    for _ in range(repeats):
        out = subprocess.run(["node", str(script), str(participants), str(events), fmt, str(threads)],
                             cwd=node_dir, check=True, capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("RESULT "):
                best = min(best, float(line.split()[2]))
            else:
                summary = line
    return best, summary


def main() -> int:
    build, scratch, teachers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    root = Path(__file__).resolve().parent.parent
    yanxiu = build / "yanxiu"
    cohort = scratch / f"clean-{teachers}"
    if not (cohort / ".complete").exists():
        subprocess.run([str(yanxiu), "simulate", "--participants", str(teachers), "--seed", "1",
                        "--malformed-share", "0", "--out", str(cohort)], check=True, stdout=subprocess.DEVNULL)
        (cohort / ".complete").touch()
    node_dir = scratch / "duckdb"
    if not (node_dir / "node_modules" / "@duckdb" / "node-api").exists():
        node_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(node_dir), "@duckdb/node-api"],
                       check=True, stdout=subprocess.DEVNULL)
    script = node_dir / "b8_duckdb.mjs"  # beside its node_modules, so that the import resolves
    shutil.copyfile(root / "bench" / "b8_duckdb.mjs", script)
    cores = os.cpu_count() or 1
    print(f"B8: {teachers:,} teachers, {cores} cores; events.csv {(cohort / 'events.csv').stat().st_size / 1e6:.0f} MB, "
          f"events.jsonl {(cohort / 'events.jsonl').stat().st_size / 1e6:.0f} MB")
    for fmt in ("csv", "jsonl"):
        participants, events = cohort / f"participants.{fmt}", cohort / f"events.{fmt}"
        out = scratch / f"b8-outcomes-{fmt}.jsonl"
        t_yanxiu = best_wall(repeats, [str(yanxiu), "evaluate", "--program", "hunan-2023-mh-winter", "--threads", "0",
                                       "--participants", str(participants), "--events", str(events), "--out", str(out)])
        t_duck, summary = duckdb_seconds(node_dir, script, participants, events, fmt, cores, repeats)
        t0 = time.perf_counter()
        if fmt == "csv":
            frame = pd.read_csv(events, dtype=str)
            reader = "pandas.read_csv(dtype=str)"
        else:
            frame = pd.read_json(events, lines=True, dtype=False)
            reader = "pandas.read_json(lines=True)"
        t_pandas = time.perf_counter() - t0
        rows = len(frame)
        del frame
        print(f"{fmt}: yanxiu evaluate (exact rules, outcomes written): {t_yanxiu:.2f} s")
        print(f"{fmt}: DuckDB, simplified rules, {cores} threads:        {t_duck:.2f} s ({summary}); "
              f"yanxiu is {t_duck / t_yanxiu:.2f}x faster")
        print(f"{fmt}: {reader} alone ({rows:,} rows):   {t_pandas:.2f} s; yanxiu is {t_pandas / t_yanxiu:.2f}x faster")
        print(f"RESULT {fmt}_yanxiu_s {t_yanxiu:.6g}")
        print(f"RESULT {fmt}_duckdb_s {t_duck:.6g}")
        print(f"RESULT {fmt}_pandas_s {t_pandas:.6g}")
    print(f"RESULT cores {cores}")
    print(f"RESULT csv_mb {(cohort / 'events.csv').stat().st_size / 1e6:.6g}")
    print(f"RESULT jsonl_mb {(cohort / 'events.jsonl').stat().st_size / 1e6:.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
