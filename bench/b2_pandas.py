"""B2: yanxiu.evaluate on pandas DataFrames versus a pure-pandas
implementation of the same rules, on the same DataFrames.

    b2_pandas.py DIR [REPEATS]

DIR holds a clean simulated cohort (yanxiu simulate --participants N --seed S --out DIR --malformed-share 0: no
malformed records; exact re-sent duplicates are kept).  Both sides get the
DataFrames pandas.read_csv gives (timestamps as text), and both parse them.
The pandas side implements, for the built-in programme hunan-2023-mh-winter
(no catalogue, so no cap; quiz mode `completed`; 45 minutes per 学时, step
0.1; require_verified): duplicates, overlap resolution by start order
(start, lesson id, end), window clipping, the quiz gate, hours rounding and
statuses.  It is checked to agree with yanxiu on lessons_credited,
seconds_studied, seconds_credited, hours_credited and status for every
participant before any time is reported.

The same is then timed on typed frames (kind, participant and lesson
categorical, the instants aware datetime64: what an analyst keeps, or reads
from Parquet), both implementations on the same frames, the outcomes checked
equal to those of the text frames.

Prints the time of each, best of REPEATS, and the ratio; `RESULT` lines for
run_all.sh.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

import yanxiu
from bench_util import best_of

WB = int(pd.Timestamp("2023-01-09T00:00:00+08:00").timestamp())
WE = int(pd.Timestamp("2023-02-11T00:00:00+08:00").timestamp())
MIN_LESSONS = {"mh_fulltime": 15, "mh_parttime": 15, "homeroom": 10, "counselor": 10, "other": 0}
SECONDS_PER_HOUR = 45 * 60
STEP_MICRO = 100_000  # hour_step 0.1, in millionths


def seconds(text: pd.Series) -> pd.Series:
    """ISO 8601 -> Unix seconds.  A timestamp without an offset is wall-clock
    time in Asia/Shanghai (+08:00 all year since 1991).  An aware datetime64
    column (the typed frames) is taken as it is."""
    if isinstance(text.dtype, pd.DatetimeTZDtype):
        return (text.astype("int64") // 1_000_000_000).astype("int64")
    text = text.astype(str)
    text = text.where(text.str.len() != 19, text + "+08:00").str.replace("Z", "+00:00", regex=False)
    t = pd.to_datetime(text, utc=True, format="%Y-%m-%dT%H:%M:%S%z")
    return (t.astype("int64") // 1_000_000_000).astype("int64")


def duration_seconds(text: pd.Series) -> pd.Series:
    """Whole seconds, or an ISO 8601 duration (PT26M4S)."""
    text = text.astype(str)
    plain = pd.to_numeric(text, errors="coerce")
    iso = plain.isna()
    plain[iso] = pd.to_timedelta(text[iso]).dt.total_seconds()
    return plain.astype("int64")


def pandas_evaluate(participants: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    people = participants.drop_duplicates()
    people = people.assign(
        category=people["category"].fillna("other").replace("", "other"),
        verified=people["verified"].map(lambda v: v is not False and v is not np.False_)
        if people["verified"].dtype == object else people["verified"].astype(bool))
    people = people.set_index("id")

    events = events.drop_duplicates()
    study = events[events["kind"] == "study"]
    start = seconds(study["start"])
    has_end = study["end"].notna()
    end = pd.Series(np.zeros(len(study), dtype="int64"), index=study.index)
    end[has_end] = seconds(study.loc[has_end, "end"])
    end[~has_end] = start[~has_end] + duration_seconds(study.loc[~has_end, "duration"])
    sessions = pd.DataFrame({"participant": study["participant"].to_numpy(), "lesson": study["lesson"].to_numpy(),
                             "start": start.to_numpy(), "end": end.to_numpy()})

    # Overlap: in (start, lesson, end) order, a session owns [max(start, M), end)
    # where M is the largest end of the participant's earlier sessions.
    sessions = sessions.sort_values(["participant", "start", "lesson", "end"], kind="mergesort", ignore_index=True)
    covered = sessions.groupby("participant", sort=False)["end"].cummax()
    previous = covered.groupby(sessions["participant"], sort=False).shift(1)
    owned_start = np.maximum(np.maximum(sessions["start"].to_numpy(), previous.fillna(np.iinfo("int64").min)
                                        .to_numpy(dtype="int64")), WB)
    owned_end = np.minimum(sessions["end"].to_numpy(), WE)
    sessions["counted"] = np.maximum(owned_end - owned_start, 0)
    sessions["first"] = np.where(sessions["counted"] > 0, owned_start, np.iinfo("int64").max)
    lessons = sessions.groupby(["participant", "lesson"], sort=False).agg(counted=("counted", "sum"),
                                                                          first=("first", "min")).reset_index()

    # Quiz gate, mode `completed`: an attempt not marked completed=false, in
    # the window, at or after the lesson's first counted instant.
    quiz = events[events["kind"] == "quiz"]
    completed = quiz["completed"]
    if completed.dtype == object:
        qualifies = ~completed.astype(str).str.lower().isin(["false", "0", "no"])
    else:
        qualifies = completed.fillna(True).astype(bool)
    quiz = pd.DataFrame({"participant": quiz["participant"].to_numpy(), "lesson": quiz["lesson"].to_numpy(),
                         "at": seconds(quiz["at"]).to_numpy()})[qualifies.to_numpy()]
    quiz = quiz[(quiz["at"] >= WB) & (quiz["at"] < WE)]
    last_attempt = quiz.groupby(["participant", "lesson"], sort=False)["at"].max().rename("last_at").reset_index()
    lessons = lessons.merge(last_attempt, on=["participant", "lesson"], how="left")
    lessons["credited"] = (lessons["counted"] > 0) & (lessons["last_at"] >= lessons["first"])
    lessons["seconds_credited"] = lessons["counted"].where(lessons["credited"], 0)

    per = lessons.groupby("participant", sort=False).agg(lessons_credited=("credited", "sum"),
                                                         seconds_studied=("counted", "sum"),
                                                         seconds_credited=("seconds_credited", "sum"))
    out = people[["category", "verified"]].join(per, how="left").fillna(
        {"lessons_credited": 0, "seconds_studied": 0, "seconds_credited": 0})
    for column in ("lessons_credited", "seconds_studied", "seconds_credited"):
        out[column] = out[column].astype("int64").where(out["verified"], 0)
    steps = (out["seconds_credited"] * 1_000_000) // (SECONDS_PER_HOUR * STEP_MICRO)
    out["hours_credited"] = (steps * STEP_MICRO) / 1e6
    required = out["category"].map(MIN_LESSONS)
    certificate = out["category"] != "other"
    status = np.select(
        [~out["verified"], out["seconds_studied"] == 0, certificate & (out["lessons_credited"] >= required),
         ~certificate],
        ["unverified", "not_started", "completed", "recorded"], default="in_progress")
    out["status"] = status
    return out.sort_index()


def typed(events: pd.DataFrame) -> pd.DataFrame:
    """The events as an analyst keeps them (read from Parquet, or converted
    once): kind, participant and lesson categorical, the instants aware
    datetime64.  Both implementations get these same frames."""
    out = events.copy()
    for column in ("kind", "participant", "lesson"):
        out[column] = out[column].astype("category")
    for column in ("start", "end", "at"):
        present = out[column].notna()
        instants = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns, UTC]")
        instants[present] = pd.to_datetime(seconds(out.loc[present, column]), unit="s", utc=True)
        out[column] = instants
    return out


def main() -> int:
    directory = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    program = yanxiu.Program.load("hunan-2023-mh-winter")
    participants = pd.read_csv(f"{directory}/participants.csv", dtype={"id": str, "unit": str, "name": str})
    events = pd.read_csv(f"{directory}/events.csv", dtype={"participant": str, "lesson": str, "id": str})

    t_yanxiu, evaluation = best_of(repeats, lambda: yanxiu.evaluate(program, participants, events, threads=1))
    t_yanxiu_all, _ = best_of(repeats, lambda: yanxiu.evaluate(program, participants, events))
    assert not evaluation.rejected, evaluation.rejected[:3]
    t_pandas, ours = best_of(repeats, lambda: pandas_evaluate(participants, events))

    typed_events = typed(events)
    t_typed, typed_evaluation = best_of(repeats, lambda: yanxiu.evaluate(program, participants, typed_events,
                                                                         threads=1))
    t_typed_all, _ = best_of(repeats, lambda: yanxiu.evaluate(program, participants, typed_events))
    t_pandas_typed, ours_typed = best_of(repeats, lambda: pandas_evaluate(participants, typed_events))
    assert typed_evaluation.to_frame().equals(evaluation.to_frame()), "typed frames gave other outcomes"

    theirs = evaluation.to_frame().set_index("participant")
    columns = ["lessons_credited", "seconds_studied", "seconds_credited", "hours_credited", "status"]
    mismatched = 0
    for frame in (ours, ours_typed):
        frame = frame.reindex(theirs.index)
        for column in columns:
            bad = frame[column] != theirs[column]
            if bad.any():
                mismatched += int(bad.sum())
                print(f"MISMATCH {column}: {int(bad.sum())} participants, e.g.\n"
                      f"{pd.DataFrame({'pandas': frame[column][bad], 'yanxiu': theirs[column][bad]}).head()}")
    if mismatched:
        return 1
    n, e = len(theirs), len(events)
    print(f"{n} participants, {e} event rows: pandas implementation agrees with yanxiu on {', '.join(columns)} "
          f"for every participant")
    print(f"yanxiu.evaluate (DataFrames in, 1 thread):  {t_yanxiu:.3f} s")
    print(f"yanxiu.evaluate (DataFrames in, all cores): {t_yanxiu_all:.3f} s")
    print(f"pure pandas (groupby):                      {t_pandas:.3f} s")
    print(f"ratio pandas / yanxiu: {t_pandas / t_yanxiu:.1f}x (1 thread), {t_pandas / t_yanxiu_all:.1f}x (all cores)")
    print("typed frames (categorical ids, datetime64 instants):")
    print(f"  yanxiu.evaluate, 1 thread:  {t_typed:.3f} s")
    print(f"  yanxiu.evaluate, all cores: {t_typed_all:.3f} s")
    print(f"  pure pandas:                {t_pandas_typed:.3f} s")
    print(f"  ratio pandas / yanxiu: {t_pandas_typed / t_typed:.1f}x (1 thread), "
          f"{t_pandas_typed / t_typed_all:.1f}x (all cores)")
    print(f"RESULT participants {n}")
    print(f"RESULT yanxiu_typed_s {t_typed:.6g}")
    print(f"RESULT yanxiu_typed_all_s {t_typed_all:.6g}")
    print(f"RESULT pandas_typed_s {t_pandas_typed:.6g}")
    print(f"RESULT events {e}")
    print(f"RESULT yanxiu_s {t_yanxiu:.6g}")
    print(f"RESULT yanxiu_all_s {t_yanxiu_all:.6g}")
    print(f"RESULT pandas_s {t_pandas:.6g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
