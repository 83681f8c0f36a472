"""Progress by unit (调度、通报, R10): who has completed, as of a day.

Loads the built-in Hunan programme, evaluates the example cohort as of
2023-01-25 and prints, per reporting unit, how many registered, started and
completed, with mean credited hours.

    .venv/bin/python examples/python/progress_by_unit.py [participants] [events] [as_of]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import yanxiu

DATA = Path(__file__).resolve().parents[1] / "data"


def progress_by_unit(evaluation: yanxiu.Evaluation) -> pd.DataFrame:
    """One row per unit: registered, started, completed, coverage, mean hours."""
    frame = evaluation.to_frame()
    frame["started"] = frame["status"] != "not_started"
    frame["completed"] = frame["status"] == "completed"
    table = frame.groupby("unit", sort=True).agg(
        registered=("participant", "size"),
        started=("started", "sum"),
        completed=("completed", "sum"),
        mean_hours=("hours_credited", "mean"),
    )
    table["coverage"] = table["completed"] / table["registered"]
    return table.sort_values(["coverage", "completed"], ascending=False)


def main(argv: list[str]) -> int:
    participants = argv[1] if len(argv) > 1 else str(DATA / "participants.jsonl")
    events = argv[2] if len(argv) > 2 else str(DATA / "events.jsonl")
    as_of = argv[3] if len(argv) > 3 else "2023-01-25"

    program = yanxiu.Program.load("hunan-2023-mh-winter")
    evaluation = yanxiu.evaluate(program, participants, events, as_of=as_of)

    print(f"{program.title.zh} ({program.id}), as of {as_of}")
    counts = evaluation.status_counts()
    print(", ".join(f"{status} {count}" for status, count in counts.items()))
    if evaluation.rejected:
        print(f"{len(evaluation.rejected)} records rejected, e.g. {evaluation.rejected[0].code} "
              f"at {Path(evaluation.rejected[0].file).name}:{evaluation.rejected[0].line}")
    print()
    with pd.option_context("display.width", 120, "display.unicode.east_asian_width", True):
        print(progress_by_unit(evaluation).to_string(float_format=lambda x: f"{x:.2f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
