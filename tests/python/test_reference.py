"""Hand-computed scenarios for the reference evaluator (tests/python/reference.py).

One test per rule of docs/rules.md.  Every expected number is worked
out by hand in a comment.  Times are China time (+08:00) unless written
otherwise; the window is 2023-01-09 00:00+08:00 .. 2023-02-11 00:00+08:00.

Run with:  /usr/bin/python3 -m pytest tests/python/test_reference.py
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
with open(REPO / "programs" / "moe-2023-mh-winter.json", encoding="utf-8") as _f:
    BASE = json.load(_f)


def program(quiz_mode="completed", pass_score=60, lessons=(), cap=True, ratio=0,
            mph=45, step=0.1, max_hours=None, mins=None, require_verified=True):
    p = copy.deepcopy(BASE)
    p["quiz"] = {"mode": quiz_mode, "pass_score": pass_score}
    p["lessons"] = [{"id": L, "title": L, "minutes": m, "theme": "support"} for L, m in lessons]
    p["credit"] = {"minutes_per_hour": mph, "hour_step": step, "max_hours": max_hours,
                   "cap_at_lesson_length": cap, "min_study_ratio": ratio}
    p["require_verified"] = require_verified
    for cid, m in (mins or {}).items():
        p["categories"][cid]["min_lessons"] = m
    return p


def person(pid="T1", category="mh_fulltime", sector=None, unit="长沙市", verified=None):
    d = {"id": pid, "unit": unit}
    if category is not None:
        d["category"] = category
    if sector is not None:
        d["sector"] = sector
    if verified is not None:
        d["verified"] = verified
    return d


def study(lesson, start, end=None, pid="T1", duration=None):
    e = {"kind": "study", "participant": pid, "lesson": lesson, "start": start}
    if end is not None:
        e["end"] = end
    else:
        e["duration"] = duration
    return e


def quiz(lesson, at, pid="T1", score=None, completed=None):
    q = {"kind": "quiz", "participant": pid, "lesson": lesson, "at": at}
    if score is not None:
        q["score"] = score
    if completed is not None:
        q["completed"] = completed
    return q


def one(prog, events, as_of=None, **pkw):
    out = reference.evaluate(prog, [person(**pkw)], events, as_of)
    assert len(out) == 1
    assert list(out[0]) == list(reference.OUTCOME_FIELDS)
    return out[0]


def by_id(outcomes):
    return {o["participant"]: o for o in outcomes}


# ---------------------------------------------------------------------------

def test_instant_parsing_forms():
    # 2023-01-10T19:00:00+08:00 == 11:00Z == local (no offset) 19:00 == 06:00-05:00
    z = "Asia/Shanghai"
    t = reference.parse_instant("2023-01-10T19:00:00+08:00", z)
    assert reference.parse_instant("2023-01-10T11:00:00Z", z) == t
    assert reference.parse_instant("2023-01-10T19:00:00", z) == t
    assert reference.parse_instant("2023-01-10T06:00:00-05:00", z) == t
    # fractions are dropped
    assert reference.parse_instant("2023-01-10T19:00:00.999+08:00", z) == t
    assert reference.format_instant(t, z) == "2023-01-10T19:00:00+08:00"
    assert reference.window_bounds(BASE) == (
        reference.parse_instant("2023-01-09T00:00:00+08:00", z),
        reference.parse_instant("2023-02-11T00:00:00+08:00", z))


def test_R1_window_edges():
    prog = program()
    events = [
        # L01: wholly before the window (ends 1 s before 2023-01-09 00:00) -> counted 0,
        #      no time in C -> outside_window
        study("L01", "2023-01-08T23:00:00+08:00", "2023-01-08T23:59:59+08:00"),
        quiz("L01", "2023-01-09T00:10:00+08:00"),
        # L02: 2023-02-10 23:30 .. 2023-02-11 00:30 -> only 23:30..24:00 counts = 1800 s;
        #      quiz at 23:59:59 is inside W and after the first instant (23:30) -> credited
        study("L02", "2023-02-10T23:30:00+08:00", "2023-02-11T00:30:00+08:00"),
        quiz("L02", "2023-02-10T15:59:59Z"),
        # L03: 1800 s inside; its only quiz is at 2023-02-11 00:00 = we (excluded)
        #      -> qualifying attempts exist but none in W -> outside_window
        study("L03", "2023-02-10T20:00:00+08:00", "2023-02-10T20:30:00+08:00"),
        quiz("L03", "2023-02-11T00:00:00+08:00"),
    ]
    o = one(prog, events)
    # studied = 0 + 1800 + 1800 = 3600; credited = 1800 (L02);
    # hours = 1800/2700 = 0.666 -> 0.6
    assert o["lessons_credited"] == 1
    assert o["seconds_studied"] == 3600
    assert o["seconds_credited"] == 1800
    assert o["hours_credited"] == 0.6
    assert o["status"] == "in_progress"
    assert o["reasons"] == [
        {"code": "below_minimum", "have": 1, "need": 15},
        {"code": "outside_window", "lesson": "L01"},
        {"code": "outside_window", "lesson": "L03"},
    ]


def test_session_crossing_window_start():
    prog = program()
    events = [
        # 2023-01-08 23:30 .. 2023-01-09 00:30: counted part 00:00..00:30 = 1800 s,
        # first instant = wb; quiz exactly at wb (written in Z) is >= the first instant
        study("L01", "2023-01-08T23:30:00+08:00", "2023-01-09T00:30:00+08:00"),
        quiz("L01", "2023-01-08T16:00:00Z"),
        # L02 same shape, but its quiz is at 23:45 on the 8th (before the window)
        # -> qualifying attempt but outside W -> outside_window
        study("L02", "2023-01-08T23:30:00+08:00", "2023-01-09T00:30:00+08:00"),
        quiz("L02", "2023-01-08T23:45:00+08:00"),
    ]
    o = one(prog, events)
    # L01 and L02 start at the same instant: L01 (smaller id) owns everything;
    # L02 counted 0 but its session had 1800 s in C: overlap 1800, nothing more.
    assert o["seconds_studied"] == 1800
    assert o["lessons_credited"] == 1
    assert o["reasons"] == [
        {"code": "below_minimum", "have": 1, "need": 15},
        {"code": "overlap", "lesson": "L02", "seconds": 1800},
    ]
    # Alone, L02 is credited?  No: its quiz is before the window -> outside_window.
    o2 = one(prog, events[2:])
    assert o2["seconds_studied"] == 1800
    assert o2["lessons_credited"] == 0
    assert o2["reasons"] == [
        {"code": "below_minimum", "have": 0, "need": 15},
        {"code": "outside_window", "lesson": "L02"},
    ]


def test_session_crossing_window_end():
    # quiz mode none, homeroom minimum 1: credited at the end of counted time
    prog = program(quiz_mode="none", mins={"homeroom": 1})
    events = [
        # 2023-02-10 23:00 .. 2023-02-11 01:00: counted 23:00..24:00 = 3600 s;
        # end of counted time = 2023-02-11 00:00+08:00 = we
        study("L01", "2023-02-10T23:00:00+08:00", "2023-02-11T01:00:00+08:00"),
    ]
    o = one(prog, events, category="homeroom", sector="primary")
    assert o["seconds_studied"] == 3600
    assert o["seconds_credited"] == 3600
    assert o["hours_credited"] == 1.3          # 3600/2700 = 1.333 -> 1.3
    assert o["status"] == "completed"
    assert o["certificate"] is True
    assert o["completed_at"] == "2023-02-11T00:00:00+08:00"
    assert o["reasons"] == []


def test_R4_minimum_lessons():
    prog = program()
    events = []
    for i in range(10):
        day = 10 + i
        L = f"L{i + 1:02d}"
        events.append(study(L, f"2023-01-{day}T19:00:00+08:00", f"2023-01-{day}T19:30:00+08:00"))
        events.append(quiz(L, f"2023-01-{day}T19:35:00+08:00"))
    people = [person("H1", "homeroom", "primary"), person("M1", "mh_fulltime", "primary"),
              person("C1", "counselor", "undergraduate")]
    ev = [dict(e, participant=p["id"]) for p in people for e in events]
    out = by_id(reference.evaluate(prog, people, ev))
    # 10 lessons x 1800 s = 18000 s; hours 18000/2700 = 6.666 -> 6.6
    for o in out.values():
        assert o["lessons_credited"] == 10
        assert o["seconds_studied"] == o["seconds_credited"] == 18000
        assert o["hours_credited"] == 6.6
    # homeroom / counselor need 10: completed at the 10th credit (Jan 19 19:35)
    for pid in ("H1", "C1"):
        assert out[pid]["status"] == "completed"
        assert out[pid]["certificate"] is True
        assert out[pid]["lessons_required"] == 10
        assert out[pid]["completed_at"] == "2023-01-19T19:35:00+08:00"
        assert out[pid]["reasons"] == []
    # mental-health teacher needs 15: 10 < 15
    m = out["M1"]
    assert m["status"] == "in_progress"
    assert m["certificate"] is False and m["completed_at"] is None
    assert m["lessons_required"] == 15
    assert m["reasons"] == [{"code": "below_minimum", "have": 10, "need": 15}]


def test_R5_quiz_gate_completed():
    prog = program(quiz_mode="completed")
    events = [
        # L01: only attempt marked completed:false -> no qualifying attempt -> quiz_missing
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
        quiz("L01", "2023-01-10T19:31:00+08:00", completed=False, score=100),
        # L02: attempt without score or flag qualifies -> credited
        study("L02", "2023-01-11T19:00:00+08:00", "2023-01-11T19:30:00+08:00"),
        quiz("L02", "2023-01-11T19:31:00+08:00"),
        # L03: no attempt -> quiz_missing
        study("L03", "2023-01-12T19:00:00+08:00", "2023-01-12T19:30:00+08:00"),
        # L04: attempt in W but before the first instant (19:00) -> quiz_before_study
        study("L04", "2023-01-13T19:00:00+08:00", "2023-01-13T19:30:00+08:00"),
        quiz("L04", "2023-01-13T18:59:59+08:00", score=0, completed=True),
        # L05: a failed score still counts as "completed" (score 0) -> credited;
        #      attempt exactly at the first instant is allowed
        study("L05", "2023-01-14T19:00:00+08:00", "2023-01-14T19:30:00+08:00"),
        quiz("L05", "2023-01-14T19:00:00+08:00", score=0),
    ]
    o = one(prog, events)
    assert o["lessons_credited"] == 2            # L02, L05
    assert o["seconds_studied"] == 5 * 1800      # 9000
    assert o["seconds_credited"] == 3600
    assert o["hours_credited"] == 1.3            # 3600/2700 = 1.333 -> 1.3
    assert o["reasons"] == [
        {"code": "below_minimum", "have": 2, "need": 15},
        {"code": "quiz_missing", "lesson": "L01"},
        {"code": "quiz_missing", "lesson": "L03"},
        {"code": "quiz_before_study", "lesson": "L04"},
    ]


def test_R5_quiz_gate_passed():
    prog = program(quiz_mode="passed", pass_score=60)
    events = [
        # L01: 59 < 60 -> quiz_not_passed
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
        quiz("L01", "2023-01-10T19:31:00+08:00", score=59),
        # L02: 60 >= 60 passes; the completed flag is not looked at in this mode
        study("L02", "2023-01-11T19:00:00+08:00", "2023-01-11T19:30:00+08:00"),
        quiz("L02", "2023-01-11T19:31:00+08:00", score=60, completed=False),
        # L03: attempt without score is not a pass -> quiz_not_passed
        study("L03", "2023-01-12T19:00:00+08:00", "2023-01-12T19:30:00+08:00"),
        quiz("L03", "2023-01-12T19:31:00+08:00", completed=True),
        # L04: passing attempt only after the window -> outside_window
        study("L04", "2023-01-13T19:00:00+08:00", "2023-01-13T19:30:00+08:00"),
        quiz("L04", "2023-02-11T09:00:00+08:00", score=80),
        # L05: failed attempt first, later pass -> credited at the pass
        study("L05", "2023-01-14T19:00:00+08:00", "2023-01-14T19:30:00+08:00"),
        quiz("L05", "2023-01-14T19:31:00+08:00", score=10),
        quiz("L05", "2023-01-14T19:40:00+08:00", score=95),
        # L06: no attempt at all -> quiz_missing
        study("L06", "2023-01-15T19:00:00+08:00", "2023-01-15T19:30:00+08:00"),
    ]
    prog["categories"]["mh_fulltime"]["min_lessons"] = 2
    o = one(prog, events)
    # credited L02 (2023-01-11 19:31) and L05 (2023-01-14 19:40): min 2 reached at 19:40 on the 14th
    assert o["lessons_credited"] == 2
    assert o["seconds_studied"] == 6 * 1800
    assert o["seconds_credited"] == 3600
    assert o["status"] == "completed"
    assert o["completed_at"] == "2023-01-14T19:40:00+08:00"
    assert o["reasons"] == [
        {"code": "quiz_not_passed", "lesson": "L01"},
        {"code": "quiz_not_passed", "lesson": "L03"},
        {"code": "outside_window", "lesson": "L04"},
        {"code": "quiz_missing", "lesson": "L06"},
    ]


def test_R5_quiz_gate_none():
    prog = program(quiz_mode="none", lessons=[("L01", 60), ("L02", 30)], mins={"homeroom": 2})
    events = [
        # L01: 19:00-19:30 on the 10th + 19:00-19:20 on the 11th = 3000 s (< 3600 cap);
        # credited at the end of its counted time: 2023-01-11 19:20
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
        study("L01", "2023-01-11T19:00:00+08:00", "2023-01-11T19:20:00+08:00"),
        # L02: 20 min on the 12th + 20 min on the 13th = 2400 raw, cap 1800;
        # the cap (1800) is reached 600 s into the second session: 2023-01-13 19:10
        study("L02", "2023-01-12T19:00:00+08:00", "2023-01-12T19:20:00+08:00"),
        study("L02", "2023-01-13T19:00:00+08:00", "2023-01-13T19:20:00+08:00"),
        # a quiz is irrelevant in mode none
        quiz("L02", "2023-01-12T19:05:00+08:00", completed=False),
    ]
    o = one(prog, events, category="homeroom", sector="secondary")
    # studied = credited = 3000 + 1800 = 4800; hours 4800/2700 = 1.777 -> 1.7
    assert o["seconds_studied"] == 4800
    assert o["seconds_credited"] == 4800
    assert o["hours_credited"] == 1.7
    assert o["lessons_credited"] == 2
    # 2nd credit in time order: max(Jan 11 19:20, Jan 13 19:10) = Jan 13 19:10
    assert o["completed_at"] == "2023-01-13T19:10:00+08:00"
    assert o["status"] == "completed"
    assert o["reasons"] == [
        {"code": "capped_at_lesson_length", "lesson": "L02", "have": 2400, "need": 1800},
    ]


def test_R6_hours_rounding():
    prog = program()
    events = [
        # T1: 2699 s -> 2699/2700 = 0.99963 h -> floor to 0.1 -> 0.9
        study("L01", "2023-01-10T19:00:00+08:00", duration=2699, pid="T1"),
        quiz("L01", "2023-01-10T20:00:00+08:00", pid="T1"),
        # T2: 2700 s -> exactly 1.0
        study("L01", "2023-01-10T19:00:00+08:00", duration="PT45M", pid="T2"),
        quiz("L01", "2023-01-10T20:00:00+08:00", pid="T2"),
        # T3: 8 sessions of 2700 s on 8 lessons = 21600 s = 8.0 h exactly
        *[study(f"L{i}", f"2023-01-{10 + i}T08:00:00+08:00", duration=2700, pid="T3") for i in range(8)],
        *[quiz(f"L{i}", f"2023-01-{10 + i}T09:00:00+08:00", pid="T3") for i in range(8)],
    ]
    people = [person("T1"), person("T2"), person("T3")]
    out = by_id(reference.evaluate(prog, people, events))
    assert out["T1"]["seconds_credited"] == 2699
    assert out["T1"]["hours_credited"] == 0.9
    assert repr(out["T1"]["hours_credited"]) == "0.9"
    assert out["T2"]["hours_credited"] == 1.0
    assert out["T3"]["hours_credited"] == 8.0

    # 60 min per hour, step 0.5, max 5: T1 2699/3600 = 0.7497 -> 0.5; T2 2700/3600 = 0.75 -> 0.5;
    # T3 21600/3600 = 6.0 -> capped at 5
    prog2 = program(mph=60, step=0.5, max_hours=5)
    out2 = by_id(reference.evaluate(prog2, people, events))
    assert [out2[p]["hours_credited"] for p in ("T1", "T2", "T3")] == [0.5, 0.5, 5.0]

    # step 1: 21600/2700 = 8 -> 8; 2699 -> 0
    prog3 = program(step=1)
    out3 = by_id(reference.evaluate(prog3, people, events))
    assert [out3[p]["hours_credited"] for p in ("T1", "T2", "T3")] == [0.0, 1.0, 8.0]

    # direct: 9 steps of 0.1 prints as 0.9; 3 steps of 0.1 as 0.3 (not 0.30000000000000004)
    c = {"minutes_per_hour": 45, "hour_step": 0.1, "max_hours": None}
    assert repr(float(reference.hours_from_seconds(2700 * 3 // 10 + 5, c))) == "0.3"


def test_R7_other_no_certificate():
    prog = program()
    events = [
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00", pid="O1"),
        quiz("L01", "2023-01-10T19:31:00+08:00", pid="O1"),
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00", pid="O3"),
    ]
    people = [person("O1", "other"), person("O2", None), person("O3", "")]
    out = by_id(reference.evaluate(prog, people, events))
    # O1: 1 lesson credited, time recorded (1800 s, 0.6 h), no certificate
    o1 = out["O1"]
    assert (o1["status"], o1["category"], o1["lessons_credited"], o1["lessons_required"]) == \
        ("recorded", "other", 1, 0)
    assert o1["seconds_credited"] == 1800 and o1["hours_credited"] == 0.6
    assert o1["certificate"] is False and o1["completed_at"] is None
    assert o1["reasons"] == [{"code": "no_certificate_for_category", "category": "other"}]
    # O2: category absent -> other; nothing studied -> not_started
    assert out["O2"]["category"] == "other" and out["O2"]["status"] == "not_started"
    assert out["O2"]["reasons"] == [{"code": "no_certificate_for_category", "category": "other"}]
    # O3: category "" -> other; studied without quiz -> recorded, quiz_missing
    assert out["O3"]["category"] == "other" and out["O3"]["status"] == "recorded"
    assert out["O3"]["reasons"] == [{"code": "no_certificate_for_category", "category": "other"},
                                    {"code": "quiz_missing", "lesson": "L01"}]


def test_overlap_two_tabs():
    prog = program()
    events = [
        # T1, two tabs: L01 19:00-19:30, L02 19:10-19:40.
        # L01 started first: owns 19:00-19:30 (1800); L02 owns 19:30-19:40 (600);
        # overlap L02 = 1800 - 600 = 1200.  L02's first instant is 19:30 -> quiz
        # at 19:45 opens both.
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
        study("L02", "2023-01-10T19:10:00+08:00", "2023-01-10T19:40:00+08:00"),
        quiz("L01", "2023-01-10T19:45:00+08:00"),
        quiz("L02", "2023-01-10T19:45:00+08:00"),
        # T2, same lesson twice: 19:00-19:30 and 19:15-19:45 -> union 2700, overlap 900
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00", pid="T2"),
        study("L01", "2023-01-10T19:15:00+08:00", "2023-01-10T19:45:00+08:00", pid="T2"),
        quiz("L01", "2023-01-10T19:50:00+08:00", pid="T2"),
        # T3, identical starts: tie goes to the smaller lesson id in byte order,
        # "L10" < "L2": L10 owns 19:00-19:30; L2 counts 0 (overlap 1800).
        # A quiz on L2 at 19:35: L2 has no counted time -> not credited, and
        # only the overlap reason is given for it (rules: Reasons 2.).
        study("L2", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00", pid="T3"),
        study("L10", "2023-01-10T11:00:00Z", "2023-01-10T11:30:00Z", pid="T3"),
        quiz("L10", "2023-01-10T19:35:00+08:00", pid="T3"),
        quiz("L2", "2023-01-10T19:35:00+08:00", pid="T3"),
        # T4: a later-starting long session does not take time from an earlier
        # one: L03 18:00-20:00 then L01 19:00-19:10 -> L03 7200, L01 0 (overlap 600)
        study("L03", "2023-01-10T18:00:00+08:00", "2023-01-10T20:00:00+08:00", pid="T4"),
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:10:00+08:00", pid="T4"),
    ]
    people = [person(p) for p in ("T1", "T2", "T3", "T4")]
    out = by_id(reference.evaluate(prog, people, events))
    t1 = out["T1"]
    assert (t1["seconds_studied"], t1["lessons_credited"], t1["seconds_credited"]) == (2400, 2, 2400)
    assert t1["reasons"][1:] == [{"code": "overlap", "lesson": "L02", "seconds": 1200}]
    t2 = out["T2"]
    assert (t2["seconds_studied"], t2["lessons_credited"]) == (2700, 1)
    assert t2["reasons"][1:] == [{"code": "overlap", "lesson": "L01", "seconds": 900}]
    t3 = out["T3"]
    assert (t3["seconds_studied"], t3["lessons_credited"], t3["seconds_credited"]) == (1800, 1, 1800)
    assert t3["reasons"][1:] == [{"code": "overlap", "lesson": "L2", "seconds": 1800}]
    t4 = out["T4"]
    assert t4["seconds_studied"] == 7200
    assert t4["reasons"][1:] == [{"code": "overlap", "lesson": "L01", "seconds": 600},
                                 {"code": "quiz_missing", "lesson": "L03"}]


def test_cap_at_lesson_length():
    events = [
        # 40 min on a 30-minute lesson: raw 2400, capped at 1800
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:40:00+08:00"),
        quiz("L01", "2023-01-10T19:41:00+08:00"),
    ]
    o = one(program(lessons=[("L01", 30)]), events)
    assert (o["seconds_studied"], o["seconds_credited"], o["hours_credited"]) == (1800, 1800, 0.6)
    assert o["reasons"] == [{"code": "below_minimum", "have": 1, "need": 15},
                            {"code": "capped_at_lesson_length", "lesson": "L01",
                             "have": 2400, "need": 1800}]
    # cap off: 2400 s, 2400/2700 = 0.888 -> 0.8, no reason
    o = one(program(lessons=[("L01", 30)], cap=False), events)
    assert (o["seconds_studied"], o["seconds_credited"], o["hours_credited"]) == (2400, 2400, 0.8)
    assert o["reasons"] == [{"code": "below_minimum", "have": 1, "need": 15}]
    # no catalogue: no cap
    o = one(program(), events)
    assert o["seconds_studied"] == 2400


def test_min_study_ratio():
    prog = program(lessons=[("L01", 30), ("L02", 30), ("L03", 45)], ratio=0.5)
    events = [
        # L01: 100 s < 0.5 x 1800 = 900 -> below_minimum (lesson) have 100 need 900
        study("L01", "2023-01-10T19:00:00+08:00", duration=100),
        quiz("L01", "2023-01-10T19:30:00+08:00"),
        # L02: exactly 900 s -> meets the minimum -> credited
        study("L02", "2023-01-11T19:00:00+08:00", duration=900),
        quiz("L02", "2023-01-11T19:30:00+08:00"),
        # L03: 1349 s < 0.5 x 2700 = 1350, and no quiz: below_minimum is reported
        # (rules: Reasons 5. stops before the quiz gate)
        study("L03", "2023-01-12T19:00:00+08:00", duration=1349),
    ]
    o = one(prog, events)
    assert o["lessons_credited"] == 1
    assert o["seconds_studied"] == 100 + 900 + 1349
    assert o["seconds_credited"] == 900
    assert o["reasons"] == [
        {"code": "below_minimum", "have": 1, "need": 15},
        {"code": "below_minimum", "lesson": "L01", "have": 100, "need": 900},
        {"code": "below_minimum", "lesson": "L03", "have": 1349, "need": 1350},
    ]
    # ratio 0: everything with time and a quiz is credited
    o = one(program(lessons=[("L01", 30), ("L02", 30), ("L03", 45)]), events)
    assert o["lessons_credited"] == 2
    assert o["reasons"][1:] == [{"code": "quiz_missing", "lesson": "L03"}]


def test_as_of():
    prog = program()
    T = "2023-01-10T19:15:00+08:00"
    events = [
        # L01 19:00-19:30: before T only 19:00-19:15 = 900 s; quiz exactly at T counts
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
        quiz("L01", "2023-01-10T11:15:00Z"),
        # L02 starts at T: has not happened yet -> not studied, no reason
        study("L02", "2023-01-10T19:15:00+08:00", "2023-01-10T19:45:00+08:00"),
        quiz("L02", "2023-01-10T19:10:00+08:00"),
        # L03 18:00-18:10 = 600 s; its quiz at 19:20 is after T -> quiz_missing
        study("L03", "2023-01-10T18:00:00+08:00", "2023-01-10T18:10:00+08:00"),
        quiz("L03", "2023-01-10T19:20:00+08:00"),
    ]
    o = one(prog, events, as_of=T)
    assert o["seconds_studied"] == 900 + 600
    assert o["seconds_credited"] == 900
    assert o["lessons_credited"] == 1
    assert o["reasons"] == [{"code": "below_minimum", "have": 1, "need": 15},
                            {"code": "quiz_missing", "lesson": "L03"}]
    # without as_of: L01 1800 credited; L02 owns 19:30-19:45 (900; overlap 900),
    # its quiz (19:10) precedes its first instant (19:30) -> quiz_before_study;
    # L03 credited (quiz 19:20 after 18:00) -> studied 1800+900+600 = 3300
    o = one(prog, events)
    assert o["seconds_studied"] == 3300
    assert o["lessons_credited"] == 2
    assert o["seconds_credited"] == 2400
    assert o["reasons"] == [{"code": "below_minimum", "have": 2, "need": 15},
                            {"code": "overlap", "lesson": "L02", "seconds": 900},
                            {"code": "quiz_before_study", "lesson": "L02"}]
    # as_of before anything: not started
    o = one(prog, events, as_of="2023-01-09T00:00:00+08:00")
    assert o["status"] == "not_started" and o["reasons"] == [
        {"code": "below_minimum", "have": 0, "need": 15}]


def test_unverified():
    events = [
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
        quiz("L01", "2023-01-10T19:31:00+08:00"),
    ]
    prog = program(mins={"homeroom": 1})
    o = one(prog, events, category="homeroom", sector="undergraduate", verified=False)
    # earns nothing; minimum still reported; not_verified first, then the mismatch;
    # no lesson reasons and no participant below_minimum for unverified people
    assert (o["status"], o["lessons_credited"], o["seconds_studied"], o["seconds_credited"],
            o["hours_credited"], o["certificate"], o["completed_at"], o["lessons_required"]) == \
        ("unverified", 0, 0, 0, 0.0, False, None, 1)
    assert o["reasons"] == [{"code": "not_verified"},
                            {"code": "category_sector_mismatch", "sector": "undergraduate",
                             "category": "homeroom"}]
    # unverified `other`: no_certificate_for_category is still shown
    o = one(prog, events, category="other", verified=False)
    assert o["reasons"] == [{"code": "not_verified"},
                            {"code": "no_certificate_for_category", "category": "other"}]
    # require_verified off: evaluated normally -> completed at the quiz
    o = one(program(mins={"homeroom": 1}, require_verified=False), events,
            category="homeroom", sector="primary", verified=False)
    assert (o["status"], o["completed_at"]) == ("completed", "2023-01-10T19:31:00+08:00")


def test_sector_mismatch():
    prog = program()
    people = [person("A", "homeroom", "undergraduate"),    # mismatch
              person("B", "counselor", "undergraduate"),   # allowed
              person("C", "homeroom", None),               # sector absent: no flag
              person("D", "mh_parttime", "kindergarten"),  # all sectors allowed
              person("E", "counselor", "other")]           # mismatch
    out = by_id(reference.evaluate(prog, people, []))
    assert out["A"]["reasons"] == [
        {"code": "category_sector_mismatch", "sector": "undergraduate", "category": "homeroom"},
        {"code": "below_minimum", "have": 0, "need": 10}]
    assert out["A"]["category"] == "homeroom"        # kept and evaluated
    assert out["B"]["reasons"] == [{"code": "below_minimum", "have": 0, "need": 10}]
    assert out["C"]["reasons"] == [{"code": "below_minimum", "have": 0, "need": 10}]
    assert out["D"]["reasons"] == [{"code": "below_minimum", "have": 0, "need": 15}]
    assert out["E"]["reasons"][0] == {"code": "category_sector_mismatch", "sector": "other",
                                      "category": "counselor"}
    assert all(o["status"] == "not_started" for o in out.values())
    # sorted by id
    assert [o["participant"] for o in reference.evaluate(prog, people[::-1], [])] == list("ABCDE")


def test_completed_at():
    prog = program(mins={"homeroom": 2})
    events = [
        # L01 studied on the 10th, quiz only on the 12th 20:00 -> credited then
        study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00"),
        quiz("L01", "2023-01-12T12:00:00Z"),
        # L02 studied on the 11th, credited at its first qualifying attempt 19:45
        # (the earlier 19:40 attempt is completed:false, the later 21:00 is ignored)
        study("L02", "2023-01-11T19:00:00+08:00", "2023-01-11T19:30:00+08:00"),
        quiz("L02", "2023-01-11T19:40:00+08:00", completed=False),
        quiz("L02", "2023-01-11T19:45:00+08:00"),
        quiz("L02", "2023-01-11T21:00:00+08:00"),
        # L03 credited on the 15th
        study("L03", "2023-01-15T19:00:00+08:00", "2023-01-15T19:30:00+08:00"),
        quiz("L03", "2023-01-15T19:31:00+08:00"),
    ]
    o = one(prog, events, category="homeroom", sector="primary")
    # credit instants in time order: Jan 11 19:45, Jan 12 20:00, Jan 15 19:31;
    # the 2nd is when the minimum of 2 was reached
    assert o["lessons_credited"] == 3
    assert o["completed_at"] == "2023-01-12T20:00:00+08:00"
    assert o["status"] == "completed" and o["certificate"] is True
    assert o["hours_credited"] == 2.0            # 5400/2700
    # as of Jan 12 19:00 only L02 is credited -> in progress
    o = one(prog, events, as_of="2023-01-12T19:00:00+08:00", category="homeroom", sector="primary")
    assert (o["status"], o["lessons_credited"], o["completed_at"]) == ("in_progress", 1, None)
    assert o["reasons"] == [{"code": "below_minimum", "have": 1, "need": 2},
                            {"code": "quiz_missing", "lesson": "L01"}]


def test_zero_length_session_gives_no_lesson_reason():
    # rules: Reasons 2.: a lesson with only zero-length sessions recorded nothing,
    # so it gets no lesson reason (it was not studied outside the window)
    o = one(program(), [study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:00:00+08:00")])
    assert o["status"] == "not_started"
    assert o["reasons"] == [{"code": "below_minimum", "have": 0, "need": 15}]
    # a session wholly before the window still does
    o = one(program(), [study("L01", "2023-01-08T19:00:00+08:00", "2023-01-08T19:30:00+08:00")])
    assert o["reasons"] == [{"code": "below_minimum", "have": 0, "need": 15},
                            {"code": "outside_window", "lesson": "L01"}]


def test_min_lessons_zero_certificate_category():
    # rules choice: a certificate category with min_lessons 0 completes at the
    # first instant of counted time.  T2 studied 19:00-19:30 (no quiz, so 0
    # lessons credited) -> completed at 19:00.  T1 has no counted time: the
    # instant does not exist -> no certificate, status not_started.
    prog = program(mins={"homeroom": 0})
    people = [person("T1", "homeroom", "primary"), person("T2", "homeroom", "primary")]
    events = [study("L01", "2023-01-10T19:00:00+08:00", "2023-01-10T19:30:00+08:00", pid="T2")]
    out = by_id(reference.evaluate(prog, people, events))
    assert (out["T1"]["status"], out["T1"]["certificate"], out["T1"]["completed_at"]) == \
        ("not_started", False, None)
    assert out["T1"]["reasons"] == []
    t2 = out["T2"]
    assert (t2["status"], t2["certificate"], t2["completed_at"], t2["lessons_credited"]) == \
        ("completed", True, "2023-01-10T19:00:00+08:00", 0)
    assert t2["reasons"] == [{"code": "quiz_missing", "lesson": "L01"}]
