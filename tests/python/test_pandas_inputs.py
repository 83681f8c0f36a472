"""Python input gives the command line's answers from whatever pandas makes of
a file: plain `pd.read_csv` (default dtypes, `dtype=str`, `keep_default_na=False`),
`pd.read_json(lines=True)`, Chinese headers, a `columns=` mapping, labels for
categories and sectors; and a warning instead of silence when a key column is
missing.  Every outcome is compared with the CLI's on the same files."""

from __future__ import annotations

import json
import os
import subprocess
import warnings
from pathlib import Path

import pandas as pd
import pytest

import yanxiu

REPO = Path(__file__).resolve().parents[2]
CLI = Path(os.environ.get("YANXIU_CLI", str(REPO / "build" / "yanxiu")))
PROGRAM = "hunan-2023-mh-winter"
DATA = REPO / "examples" / "data"


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    """A simulated cohort (no malformed rows: pandas reads a short row as
    padding where the CLI rejects it) and the CLI's outcomes for its CSVs."""
    out = tmp_path_factory.mktemp("pandas-cohort")
    subprocess.run([str(CLI), "simulate", "--participants", "1500", "--seed", "11", "--malformed-share", "0",
                    "--out", str(out)], check=True, capture_output=True)
    r = subprocess.run([str(CLI), "evaluate", "--program", PROGRAM, "--participants", str(out / "participants.csv"),
                        "--events", str(out / "events.csv"), "--out", "-"], check=True, capture_output=True, text=True)
    outcomes = {o["participant"]: o for o in map(json.loads, r.stdout.splitlines())}
    assert len(outcomes) == 1500
    return out, outcomes


def differences(evaluation: yanxiu.Evaluation, expected: dict[str, dict]) -> list[str]:
    got = {o.participant: json.loads(json.dumps(o.to_dict(), default=str)) for o in evaluation}
    want = {k: json.loads(json.dumps(v, default=str)) for k, v in expected.items()}
    assert got.keys() == want.keys()
    return [k for k in want if got[k] != want[k]]


@pytest.mark.parametrize("options", [{}, {"dtype": str}, {"keep_default_na": False}, {"dtype": str, "keep_default_na": False}],
                         ids=["default", "dtype=str", "keep_default_na=False", "str-and-no-na"])
def test_plain_read_csv_gives_the_cli_outcomes(cohort, options):
    out, expected = cohort
    program = yanxiu.Program.load(PROGRAM)
    participants = pd.read_csv(out / "participants.csv", **options)
    events = pd.read_csv(out / "events.csv", **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error", yanxiu.InputWarning)
        evaluation = yanxiu.evaluate(program, participants, events)
    assert evaluation.rejected == []
    assert differences(evaluation, expected) == []


def test_read_json_lines_gives_the_cli_outcomes(cohort):
    """pd.read_json(lines=True) makes `completed` and `score` floats (NaN where absent)."""
    out, expected = cohort
    program = yanxiu.Program.load(PROGRAM)
    participants = pd.read_json(out / "participants.jsonl", lines=True, dtype=False)
    events = pd.read_json(out / "events.jsonl", lines=True)
    assert events["completed"].dtype.kind == "f"
    evaluation = yanxiu.evaluate(program, participants, events)
    assert evaluation.rejected == []
    assert differences(evaluation, expected) == []


@pytest.mark.parametrize("threads", [1, 2])
def test_typed_frames_give_the_cli_outcomes(cohort, threads):
    """Categorical ids, lessons and kinds (each category converted once),
    aware and naive datetime64 instants, and an object column of True/False/NaN
    give the outcomes of the text columns, on one thread or several."""
    out, expected = cohort
    program = yanxiu.Program.load(PROGRAM)
    participants = pd.read_csv(out / "participants.csv", dtype={"id": str})
    participants["unit"] = participants["unit"].astype("category")
    participants["category"] = participants["category"].astype("category")
    events = pd.read_csv(out / "events.csv", dtype={"participant": str, "lesson": str, "id": str})
    for column in ("kind", "participant", "lesson"):
        events[column] = events[column].astype("category")
    def instants(text: pd.Series) -> pd.Series:
        # Text without an offset is wall-clock time in Shanghai.
        text = text.where(text.isna() | (text.str.len() != 19), text + "+08:00")
        return pd.to_datetime(text, utc=True)

    for column in ("start", "end"):
        events[column] = instants(events[column])
    # Naive datetime64: wall-clock time in the programme's zone.
    events["at"] = instants(events["at"]).dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    assert isinstance(events["start"].dtype, pd.DatetimeTZDtype) and events["at"].dtype.kind == "M"
    events["completed"] = events["completed"].map({"true": True, "false": False, True: True, False: False})
    assert events["completed"].dtype == object and events["completed"].isna().any()
    evaluation = yanxiu.evaluate(program, participants, events, threads=threads)
    assert evaluation.rejected == []
    assert differences(evaluation, expected) == []


def test_categorical_missing_values_and_non_text_categories():
    """A category's missing cells (code -1) are missing fields; integer
    categories are ids as integers are; a str with a lone surrogate in an
    object column is rejected bad_utf8, the rows around it kept."""
    program = yanxiu.Program.load(PROGRAM)
    people = pd.DataFrame({"id": pd.Categorical([1001, 1002, None]), "category": ["homeroom"] * 3})
    evaluation = yanxiu.evaluate(program, people, [])
    assert [o.participant for o in evaluation] == ["1001", "1002"]
    assert [(r.line, r.code, r.field) for r in evaluation.rejected] == [(3, "missing_field", "id")]
    events = pd.DataFrame({
        "kind": ["study", "study", "study"],
        "participant": ["1001", "1001", "1002"],
        "lesson": ["L01", "L02", "L01"],
        "start": ["2023-01-10T08:00:00+08:00"] * 3,
        "end": ["2023-01-10T08:30:00+08:00"] * 3,
        "id": ["a", "b\udc80", "c"],
    })
    evaluation = yanxiu.evaluate(program, people, events)
    assert [(r.file, r.line, r.code, r.field) for r in evaluation.rejected] == [
        ("<participants>", 3, "missing_field", "id"), ("<events>", 2, "bad_utf8", "id")]
    assert evaluation.summary["events"] == {"read": 3, "accepted": 2, "rejected": 1, "duplicates": 0}
    assert evaluation["1001"].seconds_studied == 1800


def test_a_large_frame_in_pieces_keeps_row_order_and_numbers(cohort):
    """More rows than one piece: duplicates and rejections are numbered by
    their row and come out in row order, on any number of threads."""
    out, _ = cohort
    program = yanxiu.Program.load(PROGRAM)
    participants = pd.read_csv(out / "participants.csv", dtype=str)
    events = pd.read_csv(out / "events.csv", dtype=str)
    assert len(events) > 16384  # a piece holds 16,384 rows
    bad = events[events["kind"] == "study"].sample(n=50, random_state=3).index
    events.loc[bad, "start"] = "not a time"
    before = yanxiu.evaluate(program, participants, events).summary["events"]["duplicates"]  # the cohort's own
    events = pd.concat([events, events.iloc[:100]], ignore_index=True)  # re-sent copies at the end
    one = yanxiu.evaluate(program, participants, events, threads=1)
    two = yanxiu.evaluate(program, participants, events, threads=2)
    rows = sorted(int(i) + 1 for i in bad)
    resent = [int(i) + 1 + len(events) - 100 for i in bad if i < 100]  # the copies are rejected again
    assert [r.line for r in one.rejected] == rows + resent
    assert {r.code for r in one.rejected} == {"bad_timestamp"}
    assert [(r.line, r.code, r.message) for r in two.rejected] == [(r.line, r.code, r.message) for r in one.rejected]
    assert one.summary == two.summary
    assert one.summary["events"]["duplicates"] == before + 100 - len(resent)
    assert one.to_frame().equals(two.to_frame())


def test_nullable_and_float_booleans_and_float_ids():
    program = yanxiu.Program.load(PROGRAM)
    people = pd.DataFrame({
        "id": [1001.0, 1002.0, None],
        "category": ["homeroom", "中小学班主任", "homeroom"],
        "verified": pd.array([True, False, pd.NA], dtype="boolean"),
    })
    evaluation = yanxiu.evaluate(program, people, [])
    assert [o.participant for o in evaluation] == ["1001", "1002"]
    assert [o.category for o in evaluation] == ["homeroom", "homeroom"]
    assert evaluation["1002"].status == "unverified"
    assert [r.code for r in evaluation.rejected] == ["missing_field"]
    floats = pd.DataFrame({"id": ["A", "B"], "verified": [1.0, 0.0]})
    assert yanxiu.evaluate(program, floats, [])["B"].status == "unverified"


def test_chinese_headers_and_values(cohort):
    out, expected = cohort
    program = yanxiu.Program.load(PROGRAM)
    labels = {c.id: c.label.zh for c in program.categories}
    people = pd.read_csv(out / "participants.csv", dtype=str, keep_default_na=False)
    people["verified"] = people["verified"].map({"true": "是", "false": "否"})
    people["category"] = people["category"].map(labels)
    people = people.rename(columns={"id": "工号", "unit": "单位", "sector": "学段", "category": "类别",
                                    "verified": "是否实名", "name": "姓名"})
    events = pd.read_csv(out / "events.csv", dtype=str, keep_default_na=False)
    events = events.rename(columns={"participant": "参训人", "lesson": "课程", "start": "开始时间", "end": "结束时间"})
    evaluation = yanxiu.evaluate(program, people, events)
    assert evaluation.rejected == []
    assert differences(evaluation, expected) == []


def test_columns_mapping_renames_frames_and_dicts():
    program = yanxiu.Program.load(PROGRAM)
    people = pd.DataFrame({"teacher_no": ["T1"], "school": ["长沙市"], "role": ["homeroom"]})
    mapping = {"teacher_no": "id", "school": "unit", "role": "category"}
    evaluation = yanxiu.evaluate(program, people, [], columns=mapping)
    assert evaluation["T1"].unit == "长沙市"
    dicts = yanxiu.evaluate(program, [{"teacher_no": "T1", "school": "长沙市", "role": "homeroom"}], [],
                            columns=mapping)
    assert dicts["T1"].to_dict() == evaluation["T1"].to_dict()
    with pytest.raises(ValueError, match="no record field"):
        yanxiu.evaluate(program, people, [], columns={"teacher_no": "teacher"})
    with pytest.raises(ValueError, match="both name the field 'id'"):
        yanxiu.evaluate(program, pd.DataFrame({"id": ["A"], "工号": ["B"]}), [])


def test_a_missing_key_column_warns():
    program = yanxiu.Program.load(PROGRAM)
    people = pd.DataFrame({"teacher": ["T1", "T2"], "unit": ["长沙市", "长沙市"]})
    with pytest.warns(yanxiu.InputWarning, match="no id column"):
        evaluation = yanxiu.evaluate(program, people, [])
    assert len(evaluation) == 0
    with pytest.warns(yanxiu.InputWarning, match="none of the 2 participants records"):
        yanxiu.evaluate(program, [{"teacher": "T1"}, {"teacher": "T2"}], [])


def test_rejections_carry_the_dataframe_index_label():
    pd = pytest.importorskip("pandas")
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    people = pd.DataFrame({"id": ["T1", "T2", "T3"], "unit": ["长沙市"] * 3, "sector": ["primary"] * 3,
                           "category": ["homeroom", "no_such_category", "homeroom"], "verified": [True] * 3},
                          index=pd.Index(["r-a", "r-b", "r-c"], name="row"))
    events = pd.DataFrame({"kind": ["study", "study"], "participant": ["T1", "T1"], "lesson": ["L01", "L02"],
                           "start": ["2023-01-12T10:00:00+08:00", "not a time"],
                           "end": ["2023-01-12T10:30:00+08:00", "2023-01-12T11:30:00+08:00"]},
                          index=[100, 200])
    ev = yanxiu.evaluate(program, people, events)
    frame = ev.rejected_frame()
    assert list(frame.columns) == ["file", "line", "index", "field", "code", "message"]
    by_file = {row.file: row for row in frame.itertuples()}
    assert by_file["<participants>"].line == 2 and by_file["<participants>"].index == "r-b"
    assert by_file["<participants>"].code == "unknown_category"
    assert by_file["<events>"].line == 2 and by_file["<events>"].index == 200
    # From files: no DataFrame, no label.
    from_files = yanxiu.evaluate(program, DATA / "participants.jsonl", DATA / "events.jsonl").rejected_frame()
    assert from_files["index"].isna().all()


def test_outcome_frame_gives_reasons_as_text():
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    ev = yanxiu.evaluate(program, DATA / "participants.jsonl", DATA / "events.jsonl", as_of="2023-01-25")
    zh, en = ev.to_frame(lang="zh"), ev.to_frame(lang="en")
    assert "reasons_text" not in ev.to_frame().columns
    for i, outcome in enumerate(ev):
        assert zh["reasons_text"][i] == "；".join(outcome.explain("zh")[1:])
        assert en["reasons_text"][i] == "; ".join(outcome.explain("en")[1:])
    assert any("课" in text for text in zh["reasons_text"])
    with pytest.raises(ValueError):
        ev.to_frame(lang="fr")
