#!/usr/bin/env python3
"""Writes the small example cohort in examples/data/ (JSON Lines and CSV of the
same records, and a census).  Run it again only to change the example; the
files it writes are committed and checked field by field by the tests."""
import csv
import json
import pathlib
from datetime import datetime, timedelta, timezone

HERE = pathlib.Path(__file__).resolve().parent
CST = timezone(timedelta(hours=8))

participants = [
    ("T001", "长沙市", "secondary", "mh_fulltime", True),
    ("T002", "长沙市", "primary", "homeroom", True),
    ("T003", "株洲市", "primary", "homeroom", True),
    ("T004", "株洲市", "kindergarten", "mh_parttime", True),
    ("T005", "湘西土家族苗族自治州", "secondary", "homeroom", True),
    ("T006", "湖南师范大学", "undergraduate", "counselor", True),
    ("T007", "长沙民政职业技术学院", "higher_vocational", "counselor", True),
    ("T008", "长沙市", "secondary", "other", True),
    ("T009", "株洲市", "primary", "homeroom", False),
    ("T010", "湖南师范大学", "undergraduate", "homeroom", True),
    ("T011", "衡阳市", "secondary_vocational", "homeroom", True),
    ("T012", "衡阳市", "primary", "mh_parttime", True),
]

events = []


def t(day, hour, minute=0, month=1):
    return datetime(2023, month, day, hour, minute, tzinfo=CST)


def iso(dt):
    return dt.isoformat()


def study(who, lesson, start, minutes, use_duration=False):
    e = {"kind": "study", "participant": who, "lesson": lesson, "start": iso(start)}
    if use_duration:
        e["duration"] = f"PT{minutes}M"
    else:
        e["end"] = iso(start + timedelta(minutes=minutes))
    events.append(e)


def quiz(who, lesson, at, score=85, completed=None):
    e = {"kind": "quiz", "participant": who, "lesson": lesson, "at": iso(at), "score": score}
    if completed is not None:
        e["completed"] = completed
    events.append(e)


def steady(who, lessons, first_day, minutes=32, per_day=2, skip_quiz=()):
    for i in range(lessons):
        lesson = f"L{i + 1:02d}"
        day = first_day + i // per_day
        month, day = (1, day) if day <= 31 else (2, day - 31)
        start = t(day, 19 + (i % per_day), 0, month)
        study(who, lesson, start, minutes, use_duration=(i % 3 == 0))
        if lesson not in skip_quiz:
            quiz(who, lesson, start + timedelta(minutes=minutes + 3), 70 + (i * 7) % 30)


steady("T001", 16, 10)                       # completes 15 (16 credited)
steady("T002", 10, 12, minutes=25)           # completes 10
steady("T003", 8, 15, skip_quiz=("L04",))    # in progress, a quiz missing
steady("T004", 15, 11, minutes=28)
events.append({"kind": "quiz", "participant": "T004", "lesson": "L16",
               "at": iso(t(20, 8)), "score": 90})
study("T004", "L16", t(20, 9), 30)           # quiz before study: not credited
# T005 crams on the last day, across midnight of 2 月 10 日.
for i in range(10):
    start = t(10, 14 + i, 0, month=2) if i < 9 else t(10, 23, 40, month=2)
    study("T005", f"L{i + 1:02d}", start, 40)
    quiz("T005", f"L{i + 1:02d}", start + timedelta(minutes=41), 75)
# T006 studies with two tabs open at once on some evenings.
for i in range(10):
    start = t(16 + i // 2, 20, 0 if i % 2 == 0 else 15)
    study("T006", f"L{i + 1:02d}", start, 30)
    quiz("T006", f"L{i + 1:02d}", start + timedelta(minutes=50), 80)
steady("T008", 6, 18)                        # other: time recorded, no certificate
steady("T009", 10, 12)                       # unverified: earns nothing
steady("T010", 4, 20)                        # homeroom in a university: flagged
# T011 starts before the window opens; only the part from 1 月 9 日 counts.
study("T011", "L01", datetime(2023, 1, 8, 23, 40, tzinfo=CST), 40)
quiz("T011", "L01", t(9, 0, 30), 66)
steady("T011", 5, 14)
# T012 re-watches lessons and passes on a second attempt.
for i in range(6):
    start = t(20 + i, 21)
    study("T012", f"L{i + 1:02d}", start, 30)
    study("T012", f"L{i + 1:02d}", start + timedelta(days=1, minutes=-30), 20)
    quiz("T012", f"L{i + 1:02d}", start + timedelta(days=1), 90, completed=True)
# Two records a platform export might really contain, rejected with reasons.
events.append({"kind": "study", "participant": "T404", "lesson": "L01",
               "start": "2023-01-12T19:00:00+08:00", "end": "2023-01-12T19:30:00+08:00"})
events.append({"kind": "study", "participant": "T003", "lesson": "L09",
               "start": "2023-02-30T19:00:00+08:00", "end": "2023-02-30T19:30:00+08:00"})

census = [("长沙市", "mh_fulltime", 2), ("长沙市", "homeroom", 3), ("株洲市", "homeroom", 4),
          ("株洲市", "mh_parttime", 1), ("湘西土家族苗族自治州", "homeroom", 2),
          ("湖南师范大学", "counselor", 2), ("长沙民政职业技术学院", "counselor", 1),
          ("衡阳市", "homeroom", 2), ("衡阳市", "mh_parttime", 1), ("岳阳市", "homeroom", 3)]

with open(HERE / "participants.jsonl", "w", encoding="utf-8") as f:
    for pid, unit, sector, category, verified in participants:
        f.write(json.dumps({"id": pid, "unit": unit, "sector": sector, "category": category,
                            "verified": verified}, ensure_ascii=False) + "\n")
with open(HERE / "participants.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "unit", "sector", "category", "verified"])
    for pid, unit, sector, category, verified in participants:
        w.writerow([pid, unit, sector, category, "true" if verified else "false"])
with open(HERE / "events.jsonl", "w", encoding="utf-8") as f:
    for e in events:
        f.write(json.dumps(e, ensure_ascii=False) + "\n")
columns = ["kind", "participant", "lesson", "start", "end", "duration", "at", "score", "completed"]
with open(HERE / "events.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(columns)
    for e in events:
        row = []
        for c in columns:
            v = e.get(c, "")
            row.append("true" if v is True else "false" if v is False else v)
        w.writerow(row)
with open(HERE / "census.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["unit", "category", "expected"])
    w.writerows(census)
print(f"{len(participants)} participants, {len(events)} events")
