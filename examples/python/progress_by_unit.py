"""Progress by unit (调度、通报, R10): who has completed, as of a day.

Loads the built-in Hunan programme, evaluates the example cohort as of
2023-01-25 with its census and prints, per reporting unit, the figures of
`yanxiu report` (the same C++ builds both): census, registered, started,
completed, coverage with its base, and mean credited hours.  Only the target
categories count; teachers outside them are recorded hours only, and mean
hours are over verified teachers.

    .venv/bin/python examples/python/progress_by_unit.py [participants] [events] [as_of] [census]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import yanxiu

DATA = Path(__file__).resolve().parents[1] / "data"


def progress_by_unit(report: yanxiu.Report) -> pd.DataFrame:
    """One row per unit in ranking order: the report's figures, with the
    coverage base beside the rate so that each rate can be checked."""
    rows = []
    for unit in report.units:
        t = unit["target"]
        rows.append({"rank": unit["rank"], "unit": unit["unit"], "census": t["expected"],
                     "registered": t["registered"], "started": t["started"], "completed": t["completed"],
                     "coverage": t["coverage"], "base": t["coverage_base"], "mean_hours": t["mean_hours"]})
    frame = pd.DataFrame(rows).set_index("unit")
    return frame


def main(argv: list[str]) -> int:
    participants = argv[1] if len(argv) > 1 else str(DATA / "participants.jsonl")
    events = argv[2] if len(argv) > 2 else str(DATA / "events.jsonl")
    as_of = argv[3] if len(argv) > 3 else "2023-01-25"
    census = argv[4] if len(argv) > 4 else str(DATA / "census.csv")

    program = yanxiu.Program.load("hunan-2023-mh-winter")
    evaluation = yanxiu.evaluate(program, participants, events, as_of=as_of)
    report = yanxiu.report(program, evaluation, census=census)

    print(f"{program.title.zh} ({program.id}), as of {as_of}")
    counts = evaluation.status_counts()
    print(", ".join(f"{status} {count}" for status, count in counts.items()))
    if evaluation.rejected:
        print(f"{len(evaluation.rejected)} records rejected, e.g. {evaluation.rejected[0].code} "
              f"at {Path(evaluation.rejected[0].file).name}:{evaluation.rejected[0].line}")
    total = report.totals["target"]
    print(f"target teachers: registered {total['registered']}, completed {total['completed']}, "
          f"coverage {total['coverage']:.1%} of {total['coverage_base']} ({total['coverage_denominator']})")
    print()
    with pd.option_context("display.width", 120, "display.unicode.east_asian_width", True):
        print(progress_by_unit(report).to_string(float_format=lambda x: f"{x:.4f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
