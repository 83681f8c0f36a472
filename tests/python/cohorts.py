"""Random small cohorts for yanxiu property tests.

A cohort is a dict

    {"program": <resolved programme dict>,
     "participants": [<participant record>, ...],
     "events": [<study or quiz record>, ...],
     "as_of": <ISO string> | None}

Everything is valid input (no rejections expected) and study sessions are
unique by parsed content, so the reference evaluator can take it as is.

Two ways in:

    cohort_from_seed(seed)     plain `random.Random(seed)`
    cohorts()                  a hypothesis strategy (shrinks well: every
                               choice is drawn separately, simplest first)

and `write_files(dirpath, program, participants, events)` writes
program.json / participants.jsonl / events.jsonl for the CLI.
"""

from __future__ import annotations

import copy
import json
import os
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import reference

REPO = Path(__file__).resolve().parents[2]
BASE_PROGRAM_PATH = REPO / "programs" / "moe-2023-mh-winter.json"

ZONE = "Asia/Shanghai"
SECTORS = ["primary", "secondary", "secondary_vocational", "higher_vocational",
           "undergraduate", "kindergarten", "other"]
# Lesson ids chosen so that byte order differs from "natural" order.
LESSON_POOL = ["L01", "L02", "L03", "L10", "L2", "l1", "第1课"]
PARTICIPANT_POOL = ["T1", "T2", "T3", "T10", "A7", "t4", "教师5", "Z9"]
UNITS = ["长沙市", "湘潭大学", "", "株洲市", "Changsha"]
OTHER_OFFSETS = [timedelta(0), timedelta(hours=-5), timedelta(hours=5, minutes=45),
                 timedelta(hours=9), timedelta(hours=-11)]

# Probability that a timestamp carries a non-zero fraction of a second
# (docs/records.md "Events": "an optional fraction (dropped)").  Zero fractions (".000") are always allowed.
NONZERO_FRACTION_P = 0.03


def _utc(y, mo, d, h=0, mi=0, s=0) -> int:
    return reference._to_seconds(datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc))


# The window of the built-in programme: 2023-01-09 00:00+08 .. 2023-02-11 00:00+08
WB = _utc(2023, 1, 8, 16)
WE = _utc(2023, 2, 10, 16)
# The range sessions are generated in (brief: 2023-01-08T15:00Z ... 2023-02-11T02:00+08:00)
LO = _utc(2023, 1, 8, 15)
HI = _utc(2023, 2, 10, 18)


# ---------------------------------------------------------------------------
# Choosers: one interface over random.Random and hypothesis' draw
# ---------------------------------------------------------------------------

class RandomChooser:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def flag(self, p: float) -> bool:
        """True with probability p."""
        return self.rng.random() < p

    def choice(self, seq):
        return seq[self.rng.randrange(len(seq))]


class DrawChooser:
    """Adapts hypothesis' `draw`; shrinks to small integers, False flags and
    the first element of every choice."""

    def __init__(self, draw):
        from hypothesis import strategies as st
        self.draw = draw
        self.st = st

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(self.st.integers(lo, hi))

    def flag(self, p: float) -> bool:
        return self.draw(self.st.integers(0, 999)) >= round(1000 * (1 - p))

    def choice(self, seq):
        return seq[self.draw(self.st.integers(0, len(seq) - 1))]


def _sample(ch, pool, k):
    pool = list(pool)
    out = []
    for _ in range(k):
        out.append(pool.pop(ch.integer(0, len(pool) - 1)))
    return out


def shuffled(ch, items: list) -> list:
    """`items` in an order the chooser draws (Fisher-Yates over its integers),
    so a shrinking chooser can shrink the order too."""
    order = list(range(len(items)))
    for i in range(len(order) - 1, 0, -1):
        j = ch.integer(0, i)
        order[i], order[j] = order[j], order[i]
    return [items[i] for i in order]


# ---------------------------------------------------------------------------
# Formatting instants in varied forms
# ---------------------------------------------------------------------------

def format_varied(ch, t: int, *, allow_fraction: bool = True) -> str:
    """Instant `t` (whole Unix seconds) as an ISO 8601 string: `+08:00`,
    `Z`, no offset (programme-zone local time) or another offset."""
    form = ch.choice(["+08:00", "Z", "local", "other"])
    frac = ""
    if allow_fraction and ch.flag(0.05):
        frac = ".000"
    if allow_fraction and ch.flag(NONZERO_FRACTION_P):
        frac = ch.choice([".5", ".999", ".250000", ".001"])
    base = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=t)
    if form == "Z":
        return base.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"
    if form == "+08:00":
        return base.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M:%S") + frac + "+08:00"
    if form == "local":
        return base.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M:%S") + frac
    off = ch.choice(OTHER_OFFSETS)
    local = base.astimezone(timezone(off))
    total = int(off.total_seconds())
    sign = "-" if total < 0 else "+"
    hh, mm = divmod(abs(total) // 60, 60)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + frac + f"{sign}{hh:02d}:{mm:02d}"


# ---------------------------------------------------------------------------
# Programme variants
# ---------------------------------------------------------------------------

def base_program() -> dict:
    with open(BASE_PROGRAM_PATH, encoding="utf-8") as f:
        return json.load(f)


def gen_program(ch, lesson_ids: list[str]) -> dict:
    prog = base_program()
    prog["id"] = "test-variant"
    prog["version"] = "1"
    prog["quiz"]["mode"] = ch.choice(["completed", "passed", "none"])
    prog["quiz"]["pass_score"] = ch.choice([60, 80, 0, 100])
    if ch.flag(0.5):
        # a small catalogue with lengths (short, so caps and minimums bite)
        prog["lessons"] = [
            {"id": L, "title": f"课程 {L}", "minutes": ch.choice([30, 1, 5, 45, 90]),
             "theme": ch.choice(prog["themes"])}
            for L in lesson_ids
        ]
    else:
        prog["lessons"] = []
    credit = prog["credit"]
    credit["cap_at_lesson_length"] = not ch.flag(0.3)
    credit["min_study_ratio"] = ch.choice([0, 0.5])
    credit["minutes_per_hour"] = ch.choice([45, 60])
    credit["hour_step"] = ch.choice([0.1, 0.5, 1])
    credit["max_hours"] = None if not ch.flag(0.3) else 5
    prog["require_verified"] = not ch.flag(0.1)
    # Small minimums so that certificates and completed_at are exercised
    # (with 1-6 lessons nobody reaches 15 or 10); 0 exercises the rules.md
    # choice "min_lessons 0 completes at the first instant of counted time".
    if ch.flag(0.75):
        for cid, cat in prog["categories"].items():
            if cat.get("certificate"):
                cat["min_lessons"] = ch.choice([1, 2, 3, 1, 2, 0])
    return prog


# ---------------------------------------------------------------------------
# Cohorts
# ---------------------------------------------------------------------------

def _gen_instant_near(ch, anchors: list[int]) -> int:
    a = ch.choice(anchors)
    delta = ch.choice([0, 1, -1, 60, -60, 1800, -1800, 3599, -3600,
                       ch.integer(-3 * 3600, 3 * 3600)])
    return min(max(a + delta, LO), HI)


def gen_cohort(ch) -> dict:
    n_lessons = ch.integer(1, 6)
    lesson_ids = _sample(ch, LESSON_POOL, n_lessons)
    program = gen_program(ch, lesson_ids)

    mid1 = _utc(2023, 1, 20, 11, 0)
    mid2 = _utc(2023, 1, 30, 12, 15)
    as_of_t = None
    as_of = None
    if ch.flag(0.35):
        as_of_t = ch.choice([mid1, WE - 3600, WB + 7200, mid2 + 1800, WB, WE - 1,
                             mid1 + ch.integer(0, 20 * 86400)])
        as_of = format_varied(ch, as_of_t, allow_fraction=False)

    base_anchors = [WB, WE, mid1, mid2] + ([as_of_t] if as_of_t is not None else [])

    n_people = ch.integer(1, 8)
    pids = _sample(ch, PARTICIPANT_POOL, n_people)
    participants = []
    events = []
    seen_sessions = set()
    seen_quizzes = set()
    for pid in pids:
        p = {"id": pid}
        u = ch.choice(UNITS + [None])
        if u is not None:
            p["unit"] = u
        if ch.flag(0.8):
            p["sector"] = ch.choice(SECTORS)
        c = ch.choice(list(program["categories"]) * 2 + ["", None])
        if c is not None:
            p["category"] = c
        v = ch.choice([None, True, True, None, True, False])
        if v is not None:
            p["verified"] = v
        participants.append(p)

        # study sessions
        sessions = []  # (lesson, start, end)
        for _ in range(ch.integer(0, 6)):
            L = ch.choice(lesson_ids)
            anchors = base_anchors + [s[1] for s in sessions] + [s[2] for s in sessions]
            how = ch.choice(["near", "same_start", "inside_prev", "near"])
            if how == "same_start" and sessions:
                start = ch.choice(sessions)[1]
            elif how == "inside_prev" and sessions:
                s = ch.choice(sessions)
                start = ch.integer(s[1], s[2])
            else:
                start = _gen_instant_near(ch, anchors)
            length = ch.choice([1800, 0, 60, 1, 300, 2700, 5400,
                                ch.integer(0, 3 * 3600), 86400])
            end = start + length
            key = (pid, L, start, end)
            if key in seen_sessions:
                continue
            seen_sessions.add(key)
            sessions.append((L, start, end))
            # Non-zero fractions must not change validity: a fraction on
            # `start` of a zero-length session would make end < start before
            # truncation, one on `end` of a 24 h session would make it > 24 h.
            ev = {"kind": "study", "participant": pid, "lesson": L,
                  "start": format_varied(ch, start, allow_fraction=length > 0)}
            form = ch.choice(["end", "end", "duration", "iso_duration"])
            if form == "end":
                ev["end"] = format_varied(ch, end, allow_fraction=length < 86400)
            elif form == "duration":
                ev["duration"] = length
            else:
                h, rem = divmod(length, 3600)
                m, s_ = divmod(rem, 60)
                ev["duration"] = "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + \
                    (f"{s_}S" if s_ or not (h or m) else "")
            events.append(ev)

        # quiz attempts: before/after/inside study, at window edges, at as_of
        for _ in range(ch.integer(0, 5)):
            if sessions and ch.flag(0.8):
                L, s0, s1 = ch.choice(sessions)
                if ch.flag(0.15):
                    L = ch.choice(lesson_ids)
                at = ch.choice([s1 + 60, s0, s1, s0 - 60, (s0 + s1) // 2, s1 + 86400 * 3, s0 + 1])
            else:
                L = ch.choice(lesson_ids)
                at = ch.choice([WB, WE, WB - 1, WE - 1, mid1, mid2]
                               + ([as_of_t, as_of_t + 1] if as_of_t is not None else []))
            at = min(max(at, LO - 86400), HI + 86400)
            q = {"kind": "quiz", "participant": pid, "lesson": L, "at": format_varied(ch, at)}
            score = ch.choice([None, 80, 59, 60, 100, 0, 59.5])
            if score is not None:
                q["score"] = score
            comp = ch.choice([None, True, False])
            if comp is not None:
                q["completed"] = comp
            key = (pid, L, reference.parse_instant(q["at"], ZONE), q.get("score"), q.get("completed", True))
            if key in seen_quizzes:
                continue
            seen_quizzes.add(key)
            events.append(q)

    # interleave events of different participants
    events = shuffled(ch, events)
    return {"program": program, "participants": participants, "events": events, "as_of": as_of}


def cohort_from_seed(seed: int) -> dict:
    return gen_cohort(RandomChooser(random.Random(seed)))


def cohorts():
    """Hypothesis strategy producing cohort dicts."""
    from hypothesis import strategies as st

    @st.composite
    def _cohorts(draw):
        return gen_cohort(DrawChooser(draw))

    return _cohorts()


# ---------------------------------------------------------------------------
# Files for the CLI
# ---------------------------------------------------------------------------

def _clean(record: dict) -> dict:
    return {k: v for k, v in record.items() if v is not None}


def write_files(dirpath, program: dict, participants: list[dict], events: list[dict]) -> dict:
    """Write program.json, participants.jsonl and events.jsonl into dirpath;
    return their paths by name."""
    d = Path(dirpath)
    d.mkdir(parents=True, exist_ok=True)
    paths = {"program": d / "program.json", "participants": d / "participants.jsonl",
             "events": d / "events.jsonl"}
    with open(paths["program"], "w", encoding="utf-8") as f:
        json.dump(program, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(paths["participants"], "w", encoding="utf-8") as f:
        for p in participants:
            f.write(json.dumps(_clean(p), ensure_ascii=False) + "\n")
    with open(paths["events"], "w", encoding="utf-8") as f:
        for e in events:
            f.write(json.dumps(_clean(e), ensure_ascii=False) + "\n")
    return paths


def cohort_json(cohort: dict) -> str:
    """A replayable one-line JSON of the cohort."""
    return json.dumps(cohort, ensure_ascii=False, sort_keys=False)


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    c = cohort_from_seed(seed)
    if len(sys.argv) > 2:
        write_files(sys.argv[2], c["program"], c["participants"], c["events"])
        print(f"as_of: {c['as_of']}", file=sys.stderr)
    print(cohort_json(c))
