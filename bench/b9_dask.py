"""B9: yanxiu.dask on a 2-worker distributed.LocalCluster against one process
on the same two cores, same cohort, same answers.

    b9_dask.py DIR [REPEATS]

DIR holds a simulated cohort (participants.csv, events.csv, census.csv).  The
cohort is first split, untimed, into two self-contained partitions by a hash
of the participant id (as a national export comes split by province):
DIR/b9-parts/participants-K.csv and events-K.csv.

Timed, best of REPEATS, each from the files to an outcomes DataFrame and the
unit report:

- one process: `yanxiu.evaluate(program, participants.csv, events.csv,
  threads=2)`, `.to_frame()`, `yanxiu.report(...)`;
- Dask: `yanxiu.dask.evaluate_files(program, partitions)` on a LocalCluster
  of two worker processes with one thread each, `.to_frame()`, `.report()`.

The two outcome frames must be equal and the two reports' JSON equal (the
generated_at fixed; the single process's report also names its input files
by SHA-256, which the partitions' report does not) before any time is
printed.  `RESULT` lines for
run_all.sh.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zlib

import distributed

import yanxiu
import yanxiu.dask
from bench_util import best_of

PARTS = 2
GENERATED_AT = "2023-02-11T00:00:00+08:00"


def split(directory: str) -> list[tuple[str, str]]:
    """participants.csv and events.csv split by crc32(participant id) % PARTS."""
    out = os.path.join(directory, "b9-parts")
    pairs = [(os.path.join(out, f"participants-{k}.csv"), os.path.join(out, f"events-{k}.csv")) for k in range(PARTS)]
    if all(os.path.exists(p) and os.path.exists(e) for p, e in pairs):
        return pairs
    os.makedirs(out, exist_ok=True)
    for source, column, target in (("participants.csv", 0, 0), ("events.csv", 1, 1)):
        with open(os.path.join(directory, source), encoding="utf-8", newline="") as f:
            header = f.readline()
            assert header.split(",")[column] in ("id", "participant"), header
            files = [open(pair[target] + ".part", "w", encoding="utf-8", newline="") for pair in pairs]
            for handle in files:
                handle.write(header)
            for line in f:
                key = line.split(",", column + 1)[column]
                assert '"' not in key, "quoted ids: split with a CSV reader"
                files[zlib.crc32(key.encode()) % PARTS].write(line)
            for handle in files:
                handle.close()
    for p, e in pairs:
        os.replace(p + ".part", p)
        os.replace(e + ".part", e)
    return pairs


def main() -> int:
    directory = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    census = os.path.join(directory, "census.csv")
    t0 = time.perf_counter()
    pairs = split(directory)
    print(f"split into {PARTS} partitions by participant: {time.perf_counter() - t0:.1f} s (untimed)")

    def one_process():
        evaluation = yanxiu.evaluate(program, os.path.join(directory, "participants.csv"),
                                     os.path.join(directory, "events.csv"), threads=2)
        return evaluation.to_frame(), yanxiu.report(program, evaluation, census, GENERATED_AT)

    t_single, (frame_single, report_single) = best_of(repeats, one_process)

    cluster = distributed.LocalCluster(n_workers=PARTS, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    with distributed.Client(cluster):
        def on_dask():
            evaluation = yanxiu.dask.evaluate_files(program, pairs)
            return evaluation.to_frame(), evaluation.report(census, GENERATED_AT), evaluation.summary

        t_dask, (frame_dask, report_dask, summary) = best_of(repeats, on_dask)
    cluster.close()

    if not frame_single.equals(frame_dask):
        print("MISMATCH: the outcome frames differ")
        return 1
    def without_provenance(report) -> dict:
        # One process read whole files and names them with their SHA-256; the partitions' report has none.
        content = json.loads(report.to_json())
        content.pop("provenance", None)
        return content

    if without_provenance(report_single) != without_provenance(report_dask):
        print("MISMATCH: the reports differ")
        return 1
    n, e = len(frame_single), summary["events"]["read"]
    ratio = t_dask / t_single
    print(f"{n} participants, {e} event records: outcomes and report identical")
    print(f"one process, 2 threads (files -> to_frame + report): {t_single:.2f} s")
    print(f"yanxiu.dask, 2 workers x 1 thread (same):              {t_dask:.2f} s")
    print(f"dask / one process: {ratio:.2f} (target <= 1.20)")
    print(f"RESULT participants {n}")
    print(f"RESULT events {e}")
    print(f"RESULT single_s {t_single:.6g}")
    print(f"RESULT dask_s {t_dask:.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
