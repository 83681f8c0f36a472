"""yanxiu.dask on a distributed.LocalCluster with two worker processes:
outcomes, rejections, read counts and the report equal a single-process
`yanxiu.evaluate` / `yanxiu.report` of the same simulated cohort."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import yanxiu  # noqa: E402
import yanxiu.dask  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
CLI = pathlib.Path(os.environ.get("YANXIU_CLI", str(ROOT / "build" / "yanxiu")))
AS_OF = "2023-01-25T12:00:00+08:00"


def _frame(path: pathlib.Path) -> "pd.DataFrame":
    # The simulated files hold a few malformed lines on purpose; a DataFrame
    # holds the records that are JSON objects (yanxiu judges the rest).
    records = []
    for line in path.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append({k: v for k, v in record.items() if not isinstance(v, (dict, list))})
    return pd.DataFrame(records)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    if not CLI.exists():
        pytest.skip(f"yanxiu CLI not found at {CLI} (build it, or set YANXIU_CLI)")
    out = tmp_path_factory.mktemp("dask-cohort")
    subprocess.run([str(CLI), "simulate", "--participants", "4000", "--seed", "11", "--out", str(out)],
                   check=True, capture_output=True)
    return _frame(out / "participants.jsonl"), _frame(out / "events.jsonl"), out / "census.csv"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _engine_loaded(parent: int) -> bool:
    import sys
    return "yanxiu._core" in sys.modules and os.getpid() != parent


def _rejections(evaluation) -> "pd.DataFrame":
    rows = [{"file": r.file, "line": r.line, "field": r.field, "code": r.code, "message": r.message}
            for r in evaluation.rejected]
    frame = pd.DataFrame(rows, columns=["file", "line", "field", "code", "message"])
    return frame.sort_values(["file", "line"], kind="stable").reset_index(drop=True)


def test_dask_equals_one_process(cohort, client):
    participants, events, census = cohort
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    single = yanxiu.evaluate(program, participants, events, as_of=AS_OF)
    assert len(single) > 3000 and len(single.rejected) > 0  # a real cohort, with bad records

    distributed_evaluation = yanxiu.dask.evaluate(
        program, dd.from_pandas(participants, npartitions=3, sort=False),
        dd.from_pandas(events, npartitions=5, sort=False), as_of=AS_OF)
    assert distributed_evaluation.npartitions == 5
    # The work ran in the cluster's two worker processes: both evaluated with the C++ engine.
    loaded = client.run(_engine_loaded, os.getpid())
    assert len(loaded) == 2 and all(loaded.values()), loaded

    pd.testing.assert_frame_equal(distributed_evaluation.to_frame(), single.to_frame())
    pd.testing.assert_frame_equal(distributed_evaluation.rejected, _rejections(single))
    assert distributed_evaluation.summary == single.summary

    one = yanxiu.report(program, single, census=census, generated_at="2023-01-25T12:00:00+08:00").to_dict()
    many = yanxiu.dask.report(program, distributed_evaluation, census=census,
                              generated_at="2023-01-25T12:00:00+08:00").to_dict()
    assert many == one
    assert many["units"] and many["daily"]


def test_dask_report_sums_counts_not_averages(cohort, client):
    # Partitions of very different sizes: averaging per-partition coverage
    # would be wrong; summing counts is exact.
    participants, events, _ = cohort
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    single = yanxiu.report(program, yanxiu.evaluate(program, participants, events), generated_at="x").to_dict()
    for n in (1, 2, 7):
        ev = yanxiu.dask.evaluate(program, participants, dd.from_pandas(events, npartitions=2, sort=False),
                                  npartitions=n)
        assert yanxiu.dask.report(program, ev, generated_at="x").to_dict() == single, n


def test_dask_input_errors(cohort):
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    with pytest.raises(TypeError):
        yanxiu.dask.evaluate(program, [{"id": "T1"}], cohort[1])
    with pytest.raises(TypeError):
        yanxiu.dask.evaluate("hunan-2023-mh-winter", cohort[0], cohort[1])
    other = yanxiu.Program.load("moe-2023-mh-winter")
    ev = yanxiu.dask.evaluate(program, cohort[0].head(50), cohort[1].head(500))
    with pytest.raises(ValueError):
        yanxiu.dask.report(other, ev)


def _split_files(source: pathlib.Path, out: pathlib.Path, parts: int) -> list[tuple[pathlib.Path, pathlib.Path]]:
    """The cohort's JSON Lines split by participant into self-contained pairs
    of files; lines that are not a record with an id go to the first pair."""
    pairs = [(out / f"participants-{k}.jsonl", out / f"events-{k}.jsonl") for k in range(parts)]
    for name, key, side in (("participants.jsonl", "id", 0), ("events.jsonl", "participant", 1)):
        lines: list[list[bytes]] = [[] for _ in range(parts)]
        for line in (source / name).read_bytes().splitlines(keepends=True):
            try:
                record = json.loads(line)
                k = sum(str(record[key]).encode()) % parts
            except (ValueError, KeyError, TypeError):
                k = 0
            lines[k].append(line)
        for k, pair in enumerate(pairs):
            pair[side].write_bytes(b"".join(lines[k]))
    return pairs


def test_dask_evaluate_files_equals_one_process(cohort, client, tmp_path):
    """Partitions of files evaluated where they are: the outcomes, counts and
    report of one process over the whole files; rejections name each file."""
    _, _, census = cohort
    source = census.parent
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    single = yanxiu.evaluate(program, source / "participants.jsonl", source / "events.jsonl", as_of=AS_OF)
    assert len(single.rejected) > 0
    pairs = _split_files(source, tmp_path, 3)
    evaluation = yanxiu.dask.evaluate_files(program, pairs, as_of=AS_OF)
    assert evaluation.npartitions == 3
    pd.testing.assert_frame_equal(evaluation.to_frame(), single.to_frame())
    assert evaluation.summary == single.summary
    assert len(evaluation.rejected) == len(single.rejected)
    assert set(evaluation.rejected["file"]) <= {str(p) for pair in pairs for p in pair}
    assert sorted(evaluation.rejected["code"]) == sorted(r.code for r in single.rejected)
    one = yanxiu.report(program, single, census=census, generated_at="x").to_dict()
    many = evaluation.report(census=census, generated_at="x").to_dict()
    one.pop("provenance", None)
    many.pop("provenance", None)
    assert many == one


def test_dask_evaluate_files_refuses_a_participant_in_two_partitions(cohort, client, tmp_path):
    _, _, census = cohort
    source = census.parent
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    pairs = _split_files(source, tmp_path, 2)
    twice = [(pairs[0][0], pairs[0][1]), (pairs[0][0], pairs[1][1])]
    with pytest.raises(ValueError, match="in two partitions"):
        yanxiu.dask.evaluate_files(program, twice)
    with pytest.raises(ValueError):
        yanxiu.dask.evaluate_files(program, [])
    with pytest.raises(FileNotFoundError):
        yanxiu.dask.evaluate_files(program, [(tmp_path / "none.csv", pairs[0][1])])
