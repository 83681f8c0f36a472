"""Independent reference evaluator for yanxiu (docs/rules.md, docs/programme.md, docs/records.md).

This is a second, deliberately slow and literal reading of the documents,
written without looking at the C++ engine.  It is used by the property tests
to cross-check the command-line program.

    evaluate(program, participants, events, as_of=None) -> list[dict]
    screen(program, participants, events) -> Screened   (duplicates, conflicts)

`evaluate` assumes its inputs are valid (the record readers reject bad
records before the evaluator sees them) and deduplicated; `screen` applies
the duplicate and conflicting-record rules of docs/rules.md "Duplicates and
order" and docs/records.md "Conflicting records" first, for tests that feed duplicates.
Only the standard library is used.

Clause references:  'docs/<page>.md "<heading>"' is the section of that
heading in the repository's documentation; "rules: <section> n." is the
numbered item of that section of docs/rules.md; "records:" is
docs/records.md.

Where the documents leave a detail open, the reading taken here is marked
**reading** and explained where it is used.  They are:

* the outcome's `requirements` array (path, kind, holds, have, need) and
  `hours_by_group` object, and the reasons `requirement_not_met`,
  `exam_not_passed`, `approved`, `manual_credit`, take the JSON shape the
  command line prints (docs/rules.md "What an outcome says about a tree"
  names the fields; docs/programme.md "A worked example" shows the layout);
* `{"hours": H}` without `from` selects every lesson: the selection's hours
  (lesson and group caps, no `credit.max_hours`), docs/programme.md "Hours
  and caps" ("A selection's hours");
* `hours_credited` is capped at `credit.max_hours` *before* it is rounded
  down to `hour_step` (docs/programme.md "Hours and caps": "then capped at
  `credit.max_hours`, then rounded down once"; docs/rules.md "Hours":
  "capped first, then rounded down once" -- round-then-cap would differ only
  when max_hours is not a multiple of hour_step);
* a manual credit credits its lesson at the earlier of its `at` and the
  instant the rules of docs/rules.md "Crediting a lesson: minimum study and
  the quiz gate" (applied to the *online* counted time alone: offline seconds
  do not exist before the credit's `at`, docs/rules.md "Manual credits")
  credit it; offline time has no place on the time line, so with
  `quiz.mode: none` that instant is the end of the lesson's online counted
  time;
* `completed_at` of a bare `{"lessons": N}` (and `min_lessons`) stays the
  instant the Nth lesson was credited, rules.md "Certificate" (docs/rules.md
  "When a tree holds: completed_at": "a bare lesson count keeps its own
  dating"); every other requirement completes at the earliest T at which it
  holds, with counted time, when evaluated as of T (found by a search);
* approvals and manual credits are listed in time order (`at`, then `by`,
  `reason`, `seconds`), so that, as docs/rules.md "Duplicates and order"
  requires, the order of the records does not matter.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

__all__ = ["evaluate", "screen", "Screened", "canonical_form", "parse_instant",
           "format_instant", "window_bounds", "hours_from_seconds", "floor_to_step",
           "OUTCOME_FIELDS", "is_bare_lessons"]

OUTCOME_FIELDS = ("participant", "unit", "category", "status",
                  "lessons_credited", "lessons_required", "seconds_studied",
                  "seconds_credited", "hours_credited", "certificate",
                  "completed_at", "reasons")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# ---------------------------------------------------------------------------
# Instants (docs/records.md "Events", its timestamps; rules: "All times are
# whole seconds")
# ---------------------------------------------------------------------------

def _to_seconds(dt: datetime) -> int:
    """Aware datetime -> whole Unix seconds; the fraction is dropped
    (docs/records.md "Events": a timestamp's "optional fraction (dropped)";
    rules: "All times are whole seconds").  timedelta normalises microseconds
    to [0, 1e6), so dropping them is a floor, i.e. the instant is truncated to
    the second it lies in."""
    td = dt - _EPOCH
    return td.days * 86400 + td.seconds


def parse_instant(text: str, zone: str) -> int:
    """An ISO 8601 timestamp -> whole Unix seconds.

    docs/records.md "Events": with `Z` or an offset the instant is taken as
    written; with nothing, it is "local time in the programme's zone"."""
    s = text.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(zone))
    return _to_seconds(dt)


def format_instant(seconds: int, zone: str) -> str:
    """Whole Unix seconds -> ISO 8601 in the programme zone with its offset
    (docs/python.md "What comes back": `completed_at` "aware, programme
    zone"; docs/programme.md "A worked example"), e.g.
    2023-01-30T20:15:00+08:00."""
    dt = (_EPOCH + timedelta(seconds=seconds)).astimezone(ZoneInfo(zone))
    return dt.isoformat(timespec="seconds")


def _utc_text(seconds: int) -> str:
    """An instant in UTC, for canonical forms (records: "timestamps in UTC")."""
    return (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


_ISO_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def parse_duration(value) -> int:
    """`duration` (docs/records.md "Events": "seconds as a number or ISO
    8601") -> whole seconds, fraction dropped.  Also a credit's `seconds`
    (records: "a whole number >= 1 (or an ISO 8601 duration)")."""
    if isinstance(value, bool):
        raise TypeError("duration must be a number or a string")
    if isinstance(value, (int, float)):
        return math.floor(Fraction(str(value)))
    m = _ISO_DURATION.match(value.strip().upper())
    if not m:
        raise ValueError(f"bad ISO 8601 duration: {value!r}")
    total = Fraction(0)
    for key, mult in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if m.group(key) is not None:
            total += Fraction(m.group(key)) * mult
    return math.floor(total)


def window_bounds(program: dict) -> tuple[int, int]:
    """rules: "W = [wb, we)": wb = start date 00:00 in the programme zone,
    we = the day after the end date 00:00 (docs/programme.md "Keys":
    `window.start`, `window.end` are "local dates, both inclusive")."""
    zone = ZoneInfo(program["time_zone"])
    d0 = date.fromisoformat(program["window"]["start"])
    d1 = date.fromisoformat(program["window"]["end"]) + timedelta(days=1)
    wb = _to_seconds(datetime(d0.year, d0.month, d0.day, tzinfo=zone))
    we = _to_seconds(datetime(d1.year, d1.month, d1.day, tzinfo=zone))
    return wb, we


# ---------------------------------------------------------------------------
# Hours (docs/rules.md "Hours"; docs/programme.md "Hours and caps")
# ---------------------------------------------------------------------------

def _num(x) -> Fraction:
    """A JSON number, exactly as written (0.1 is 1/10, not a binary float)."""
    return Fraction(str(x))


def floor_to_step(hours: Fraction, hour_step) -> Fraction:
    """Round down to a multiple of hour_step, exactly; hour_step is taken to
    6 decimals (rules: "Hours")."""
    step_micro = round(_num(hour_step) * 1_000_000)
    steps = math.floor(hours * 1_000_000 / step_micro)
    return Fraction(steps * step_micro, 1_000_000)


def hours_from_seconds(seconds_credited: int, credit: dict) -> Fraction:
    """hours = seconds / (minutes_per_hour*60), capped at max_hours when set,
    then rounded down to a multiple of hour_step, exactly.

    Cap, then round (docs/rules.md "Hours": "capped first, then rounded down
    once"; docs/programme.md "Hours and caps"); the same as round-then-cap
    whenever max_hours is a multiple of hour_step."""
    hours = Fraction(seconds_credited) / (_num(credit["minutes_per_hour"]) * 60)
    if credit.get("max_hours") is not None:
        hours = min(hours, _num(credit["max_hours"]))
    return floor_to_step(hours, credit["hour_step"])


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _byte_key(s: str) -> bytes:
    """Byte-string order of ids (rules: "lesson id as a byte string")."""
    return s.encode("utf-8")


def _length_of(interval: tuple[int, int]) -> int:
    a, b = interval
    return max(0, b - a)


def _intersect(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return (max(a[0], b[0]), min(a[1], b[1]))


def _catalogue(program: dict) -> dict[str, dict]:
    """docs/programme.md "Keys": `lessons[]` is the optional catalogue, by id."""
    return {entry["id"]: entry for entry in (program.get("lessons") or [])}


def _catalogue_lengths(program: dict) -> dict[str, int]:
    """docs/programme.md "Keys": a lesson's length is its `minutes` (only where given), kept
    in whole seconds."""
    lengths = {}
    for entry in program.get("lessons") or []:
        if entry.get("minutes") is not None:
            lengths[entry["id"]] = math.floor(_num(entry["minutes"]) * 60)
    return lengths


def _category_of(p: dict) -> str:
    """rules: "absent or empty means `other`"."""
    c = p.get("category")
    return c if c else "other"


def _sector_mismatch(p: dict, cat: dict) -> bool:
    """docs/programme.md "Keys": `sectors` absent (or empty) means every sector;
    rules: the mismatch is flagged only when the participant's sector is
    given."""
    sector = p.get("sector")
    allowed = cat.get("sectors")
    return bool(sector) and bool(allowed) and sector not in allowed


def requirement_of(cat: dict) -> dict:
    """docs/programme.md "Keys": a category gives `"requires": R` or `"min_lessons": N`
    (shorthand for {"lessons": N}), not both."""
    if "requires" in cat and cat["requires"] is not None:
        return cat["requires"]
    return {"lessons": int(cat.get("min_lessons", 0))}


def is_bare_lessons(req: dict) -> bool:
    """docs/rules.md "Category, verification, certificate, status":
    `lessons_required` is N where the requirement is `{"lessons": N}` (or
    `min_lessons`), else 0."""
    return "lessons" in req and "from" not in req and isinstance(req["lessons"], int)


def _kind_of(req: dict) -> str:
    for k in ("lessons", "hours", "exam", "approval", "all", "any"):
        if k in req:
            return k
    raise ValueError(f"not a requirement: {req!r}")


# ---------------------------------------------------------------------------
# The records of one participant
# ---------------------------------------------------------------------------

@dataclass
class _Records:
    sessions: list = field(default_factory=list)   # {"lesson", "start", "end"}
    quizzes: list = field(default_factory=list)    # {"lesson", "at", "score"?, "completed"?}
    exams: list = field(default_factory=list)      # {"exam", "at", "score"}
    approvals: list = field(default_factory=list)  # {"at", "by", "reason"?}
    credits: list = field(default_factory=list)    # {"lesson", "at", "seconds", "by", "reason"?}


class _Context:
    """What every evaluation of the programme needs, computed once."""

    def __init__(self, program: dict):
        self.program = program
        self.zone = program["time_zone"]
        self.wb, self.we = window_bounds(program)
        self.credit = program["credit"]
        self.quiz_cfg = program["quiz"]
        self.mode = self.quiz_cfg.get("mode", "completed")
        self.catalogue = _catalogue(program)
        self.lengths = _catalogue_lengths(program)
        self.cap_on = bool(self.credit.get("cap_at_lesson_length", True))
        self.ratio = _num(self.credit.get("min_study_ratio", 0) or 0)
        self.seconds_per_hour = _num(self.credit["minutes_per_hour"]) * 60
        self.groups = program.get("groups") or {}          # declared order kept
        self.exams = program.get("exams") or {}

    def in_window(self, t: int) -> bool:
        return self.wb <= t < self.we

    def group_of(self, lesson: str):
        entry = self.catalogue.get(lesson)
        return None if entry is None else entry.get("group")

    def lesson_max_hours(self, lesson: str):
        entry = self.catalogue.get(lesson)
        if entry is None or entry.get("max_hours") is None:
            return None
        return _num(entry["max_hours"])

    def group_max_hours(self, group: str):
        g = self.groups.get(group) or {}
        return None if g.get("max_hours") is None else _num(g["max_hours"])

    def exam_pass_score(self, exam: str) -> Fraction:
        """docs/rules.md "Exams", docs/programme.md "Keys": pass: score >= the exam's
        `pass_score`, default 60."""
        e = self.exams.get(exam) or {}
        return _num(e.get("pass_score", 60) if e.get("pass_score") is not None else 60)

    def selected(self, sel, lesson: str) -> bool:
        """docs/programme.md "Requirements": SEL is {"group": G}, {"theme": T} or {"lessons": [...]};
        no `from` selects every lesson."""
        if sel is None:
            return True
        entry = self.catalogue.get(lesson)
        if "group" in sel:
            return entry is not None and entry.get("group") == sel["group"]
        if "theme" in sel:
            return entry is not None and entry.get("theme") == sel["theme"]
        if "lessons" in sel:
            return lesson in sel["lessons"]
        raise ValueError(f"bad selection {sel!r}")


# ---------------------------------------------------------------------------
# A participant's standing as of T
# ---------------------------------------------------------------------------

def _qualifies(ctx: _Context, q: dict) -> bool:
    """rules: Crediting a lesson 3. -- a quiz attempt qualifies by mode."""
    if ctx.mode == "completed":
        return q.get("completed", True) is not False
    if ctx.mode == "passed":
        # score >= pass_score; no score is not a pass; `completed` ignored
        return q.get("score") is not None and _num(q["score"]) >= _num(ctx.quiz_cfg["pass_score"])
    raise ValueError(ctx.mode)


def _standing(ctx: _Context, recs: _Records, T: int | None) -> dict:
    """Everything about one (verified) participant as of T (None: no limit):
    per-lesson time and credit, and the counts.  docs/rules.md "Study time
    and the lesson cap", "Crediting a lesson: minimum study and the quiz
    gate", "Manual credits" (`T` is as_of: the top of docs/rules.md)."""
    wb, we = ctx.wb, ctx.we

    # C = [wb, min(we, T)): the range in which time counts (rules: Study time 4.)
    C = (wb, we if T is None else min(we, T))

    # rules: Study time 1. only sessions with start < T matter at all.
    live = [s for s in recs.sessions if T is None or s["start"] < T]

    # rules: Study time 2. order (start, lesson id as bytes, end); "started
    # first" uses the unclipped start.
    def order_key(s):
        return (s["start"], _byte_key(s["lesson"]), s["end"])

    # rules: Study time 3-4 (docs/rules.md "Study time and the lesson cap"): at every instant covered
    # by several sessions the time belongs to the covering session that
    # started first.  Done literally: cut the time line at every session
    # start/end and at the ends of C into elementary pieces; inside one piece
    # the set of covering sessions does not change, so one owner per piece.
    cuts = sorted({x for s in live for x in (s["start"], s["end"])} | {C[0], C[1]})
    owned_in_C: dict[int, list[tuple[int, int]]] = {i: [] for i in range(len(live))}
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        covering = [i for i, s in enumerate(live) if s["start"] <= a and b <= s["end"]]
        if not covering:
            continue
        owner = min(covering, key=lambda i: order_key(live[i]))
        # rules: Study time 4. clip to C (C's ends are cuts)
        if C[0] <= a and b <= C[1]:
            owned_in_C[owner].append((a, b))

    # docs/rules.md "Manual credits": a credit counts only when `at` lies in the window and
    # not after as_of (records: one dated outside the window is rejected anyway).
    credits = [c for c in recs.credits
               if ctx.in_window(c["at"]) and (T is None or c["at"] <= T)]

    studied = {s["lesson"] for s in live}
    hand = {c["lesson"] for c in credits}
    lessons = sorted(studied | hand, key=_byte_key)

    per_lesson = {}
    for L in lessons:
        idx = [i for i, s in enumerate(live) if s["lesson"] == L]
        pieces = sorted(pc for i in idx for pc in owned_in_C[i])
        raw_online = sum(_length_of(pc) for pc in pieces)            # rules: Study time 4.
        mine = [c for c in credits if c["lesson"] == L]
        # docs/rules.md "Manual credits": `seconds` are added to its raw time as offline
        # time, outside the overlap rule (the lesson cap still applies).
        offline = sum(c["seconds"] for c in mine)
        raw = raw_online + offline
        length = ctx.lengths.get(L)
        capped = ctx.cap_on and length is not None and raw > length   # rules: Study time 5.
        counted = min(raw, length) if capped else raw
        first_online = pieces[0][0] if pieces else None                 # rules: Study time 6.
        # rules: Reasons 1. overlap = sum over L's sessions of
        #   |session ∩ C| - |owned part ∩ C|
        overlap = sum(_length_of(_intersect((live[i]["start"], live[i]["end"]), C))
                      - sum(_length_of(pc) for pc in owned_in_C[i]) for i in idx)
        any_time_in_C = any(_length_of(_intersect((live[i]["start"], live[i]["end"]), C)) > 0
                            for i in idx)
        any_positive = any(live[i]["end"] > live[i]["start"] for i in idx)
        per_lesson[L] = dict(pieces=pieces, raw=raw, raw_online=raw_online, counted=counted,
                             length=length, capped=capped, first_online=first_online,
                             overlap=overlap, any_time_in_C=any_time_in_C,
                             any_positive=any_positive, studied=L in studied, credits=mine)

    # rules: "Crediting a lesson"
    for L, info in per_lesson.items():
        info["credited"] = False
        info["credit_at"] = None
        info["need"] = None
        counted = info["counted"]
        normal = False
        normal_at = None
        # **reading**: the quiz gate and the minimum study (the §2 route) look
        # at the online counted time alone: before a manual credit's `at` its
        # offline seconds do not exist (as of), so they cannot let a quiz
        # credit the lesson earlier than the credit itself does.
        online_counted = min(counted, info["raw_online"])
        if info["length"] is not None:
            info["need"] = math.ceil(ctx.ratio * info["length"])
        # 1. counted time > 0
        if online_counted > 0:
            ok = True
            # 2. counted >= min_study_ratio x catalogue length, need rounded up
            if info["need"] is not None:
                ok = online_counted >= info["need"]
            if ok:
                if ctx.mode == "none":
                    # credited at the instant its counted intervals, in time
                    # order, have added up to its counted time (with a cap: the
                    # cap instant).  **reading**: offline seconds have no place
                    # on the time line; the online intervals are followed up to
                    # min(counted, online time), i.e. to the end of the online
                    # counted time or to the cap, whichever comes first.
                    normal = True
                    target = online_counted
                    acc = 0
                    for a, b in info["pieces"]:
                        if acc + (b - a) >= target:
                            normal_at = a + (target - acc)
                            break
                        acc += b - a
                elif info["first_online"] is not None:
                    opening = [q["at"] for q in recs.quizzes
                               if q["lesson"] == L and _qualifies(ctx, q)
                               and ctx.in_window(q["at"])                # at ∈ W
                               and (T is None or q["at"] <= T)           # at ≤ T
                               and q["at"] >= info["first_online"]]      # after first instant
                    if opening:
                        normal = True
                        normal_at = min(opening)                        # first opening attempt
        # docs/rules.md "Manual credits": "The lesson is credited at the credit's
        # `at`, unless the online route ... credited it earlier: the earlier of
        # the two"; only where the lesson's counted time is then greater than 0.
        manual_at = min((c["at"] for c in info["credits"]), default=None) if counted > 0 else None
        if normal or manual_at is not None:
            info["credited"] = True
            instants = [t for t in (normal_at, manual_at) if t is not None]
            info["credit_at"] = min(instants) if instants else None

    credited = [L for L, i in per_lesson.items() if i["credited"]]
    seconds_studied = sum(i["counted"] for i in per_lesson.values())   # rules: Study time 7.
    seconds_credited = sum(per_lesson[L]["counted"] for L in credited)

    # docs/programme.md "Hours and caps": a credited lesson's hours, exact, capped at
    # its max_hours.
    lesson_hours = {}
    for L in credited:
        h = Fraction(per_lesson[L]["counted"]) / ctx.seconds_per_hour
        cap = ctx.lesson_max_hours(L)
        lesson_hours[L] = h if cap is None else min(h, cap)

    # first instant of counted time (rules: min_lessons 0 choice): the
    # earliest online piece or counted credit.
    firsts = [i["first_online"] for i in per_lesson.values() if i["first_online"] is not None] + \
             [c["at"] for c in credits if per_lesson[c["lesson"]]["counted"] > 0]
    first_counted = min(firsts) if firsts and seconds_studied > 0 else None

    exams = [x for x in recs.exams if ctx.in_window(x["at"]) and (T is None or x["at"] <= T)]
    approvals = [a for a in recs.approvals if ctx.in_window(a["at"]) and (T is None or a["at"] <= T)]

    return dict(per_lesson=per_lesson, lessons=lessons, credited=credited,
                lessons_credited=len(credited), seconds_studied=seconds_studied,
                seconds_credited=seconds_credited, lesson_hours=lesson_hours,
                first_counted=first_counted, exams=exams, approvals=approvals,
                credits=credits, T=T, C=C)


def _selection_hours(ctx: _Context, st: dict, sel) -> Fraction:
    """docs/programme.md "Hours and caps": "A selection's hours: for each
    group, the hours of the selected lessons in it, capped at the group's
    `max_hours`; summed; plus the hours of the selected lessons in no group."
    Exact."""
    by_group: dict = {}
    loose = Fraction(0)
    for L, h in st["lesson_hours"].items():
        if not ctx.selected(sel, L):
            continue
        g = ctx.group_of(L)
        if g is None:
            loose += h
        else:
            by_group[g] = by_group.get(g, Fraction(0)) + h
    total = loose
    for g, h in by_group.items():
        cap = ctx.group_max_hours(g)
        total += h if cap is None else min(h, cap)
    return total


def _hours_credited(ctx: _Context, st: dict) -> Fraction:
    """docs/programme.md "Hours and caps": `hours_credited` is the selection's
    hours over all lessons, capped at credit.max_hours, then rounded down to
    hour_step once."""
    h = _selection_hours(ctx, st, None)
    if ctx.credit.get("max_hours") is not None:
        h = min(h, _num(ctx.credit["max_hours"]))
    return floor_to_step(h, ctx.credit["hour_step"])


def _hours_by_group(ctx: _Context, st: dict | None) -> dict:
    """Each declared group's hours: its credited lessons' hours, capped at
    the group's max_hours (docs/programme.md "Hours and caps"), rounded down to
    hour_step; in the programme's order of the groups."""
    out = {}
    for g in ctx.groups:
        if st is None:
            out[g] = 0.0
            continue
        h = sum((hh for L, hh in st["lesson_hours"].items() if ctx.group_of(L) == g), Fraction(0))
        cap = ctx.group_max_hours(g)
        if cap is not None:
            h = min(h, cap)
        out[g] = float(floor_to_step(h, ctx.credit["hour_step"]))
    return out


def _judge(ctx: _Context, st: dict, req: dict, path: str, out: list) -> bool:
    """Evaluate one requirement (docs/programme.md "Requirements", the table) against a standing; append
    its row (pre-order) to `out`; return whether it holds."""
    kind = _kind_of(req)
    row = {"path": path, "kind": kind, "holds": False, "have": None, "need": None}
    out.append(row)
    if kind == "lessons":
        sel = req.get("from")
        have = sum(1 for L in st["credited"] if ctx.selected(sel, L))
        need = int(req["lessons"])
        row.update(have=have, need=need, holds=have >= need)
    elif kind == "hours":
        have = floor_to_step(_selection_hours(ctx, st, req.get("from")), ctx.credit["hour_step"])
        need = _num(req["hours"])
        row.update(have=float(have), need=float(need), holds=have >= need)
    elif kind == "exam":
        # a passed attempt of exam ID lies in the window, not after as_of.
        # **reading**: `have` is the best score of the attempts that count
        # (null: none), `need` the pass score.
        scores = [_num(x["score"]) for x in st["exams"]
                  if x["exam"] == req["exam"] and x.get("score") is not None]
        need = ctx.exam_pass_score(req["exam"])
        best = max(scores) if scores else None
        row.update(have=None if best is None else float(best), need=float(need),
                   holds=best is not None and best >= need)
    elif kind == "approval":
        have = 1 if st["approvals"] else 0
        row.update(have=have, need=1, holds=have >= 1)
    else:
        results = [_judge(ctx, st, child, f"{path}.{kind}[{i}]", out)
                   for i, child in enumerate(req[kind])]
        have = sum(1 for r in results if r)
        need = len(results) if kind == "all" else 1
        row.update(have=have, need=need, holds=have >= need)
    return row["holds"]


def _holds_with_time(ctx: _Context, recs: _Records, req: dict, T: int) -> bool:
    """The certificate's condition as of T: the requirement holds and there
    is counted time (docs/rules.md "Approvals": "a participant with no
    counted time stays `not_started` and gets no certificate, whatever
    holds")."""
    st = _standing(ctx, recs, T)
    return st["seconds_studied"] > 0 and _judge(ctx, st, req, "requires", [])


def _earliest_completion(ctx: _Context, recs: _Records, req: dict, upper: int) -> int | None:
    """docs/rules.md "When a tree holds: completed_at": completed_at is the
    earliest instant T at which the requirement holds when evaluated as of T.

    A literal search: every instant of the participant's records (and the
    second after it, where "study before T" starts to count) is a candidate;
    evaluate as of each in time order.  Between two neighbouring candidates
    no record starts or lands, only study time in progress grows, so the
    condition can only turn true once in the gap: bisect the gap before the
    first candidate that holds to find the exact second."""
    lo_bound = ctx.wb          # as of any T < wb nothing counts at all
    pts = {lo_bound, upper}
    for s in recs.sessions:
        pts |= {s["start"], s["start"] + 1, s["end"], s["end"] + 1}
    for group in (recs.quizzes, recs.exams, recs.approvals, recs.credits):
        for r in group:
            pts |= {r["at"], r["at"] + 1}
    cands = sorted(t for t in pts if lo_bound <= t <= upper)
    prev = lo_bound - 1
    for c in cands:
        if _holds_with_time(ctx, recs, req, c):
            lo, hi = prev, c          # holds(hi), not holds(lo)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _holds_with_time(ctx, recs, req, mid):
                    hi = mid
                else:
                    lo = mid
            return hi
        prev = c
    return None


# ---------------------------------------------------------------------------
# One participant
# ---------------------------------------------------------------------------

def _evaluate_one(ctx: _Context, p: dict, recs: _Records, T: int | None) -> dict:
    program = ctx.program
    zone = ctx.zone

    cat_id = _category_of(p)
    cat = program["categories"][cat_id]
    req = requirement_of(cat)
    bare = is_bare_lessons(req)
    min_lessons = int(req["lessons"]) if bare else 0
    gives_certificate = bool(cat.get("certificate", False))

    # docs/rules.md "Category, verification, certificate, status" (R3):
    # verified false + require_verified -> earns nothing.
    verified = p.get("verified", True)
    if verified is None:
        verified = True
    unverified = bool(program.get("require_verified", True)) and not verified

    st = None if unverified else _standing(ctx, recs, T)
    rows: list = []
    if unverified:
        lessons_credited = seconds_studied = seconds_credited = 0
        hours = Fraction(0)
        certificate = False
        completed_at = None
    else:
        lessons_credited = st["lessons_credited"]
        seconds_studied = st["seconds_studied"]
        seconds_credited = st["seconds_credited"]
        hours = _hours_credited(ctx, st)
        holds = _judge(ctx, st, req, "requires", rows)
        completed_at = None
        if bare:
            # rules: Certificate: lessons_credited >= min_lessons;
            # completed_at = credit instant of the min_lessons-th credited
            # lesson in time order (docs/rules.md "When a tree holds:
            # completed_at": "a bare lesson count keeps its own dating").
            certificate = gives_certificate and holds
            if certificate:
                if min_lessons == 0:
                    # rules choice: completes at the first instant of counted
                    # time; without counted time there is no certificate.
                    if st["first_counted"] is not None:
                        completed_at = st["first_counted"]
                    else:
                        certificate = False
                else:
                    instants = sorted(st["per_lesson"][L]["credit_at"] for L in st["credited"])
                    completed_at = instants[min_lessons - 1]
        else:
            certificate = gives_certificate and holds and seconds_studied > 0
            if certificate:
                upper = ctx.we if T is None else min(ctx.we, T)
                completed_at = _earliest_completion(ctx, recs, req, upper)
                assert completed_at is not None, "holds as of as_of but never earlier?"

    if unverified:
        status = "unverified"
    elif seconds_studied == 0:
        status = "not_started"
    elif certificate:
        status = "completed"
    elif not gives_certificate:
        status = "recorded"
    else:
        status = "in_progress"

    # rules: "Reasons" -- participant-level first, in the table's order
    reasons = []
    if unverified:
        reasons.append({"code": "not_verified"})
    if _sector_mismatch(p, cat):
        reasons.append({"code": "category_sector_mismatch", "sector": p["sector"], "category": cat_id})
    if not gives_certificate:
        reasons.append({"code": "no_certificate_for_category", "category": cat_id})
    if gives_certificate and not unverified:
        if bare:
            if lessons_credited < min_lessons:
                reasons.append({"code": "below_minimum", "have": lessons_credited, "need": min_lessons})
        else:
            # docs/rules.md "What an outcome says about a tree":
            # `requirement_not_met` for "each node that does not hold and whose
            # ancestors all do not hold either" -- every node that stands in the way (it
            # fails and so does every node above it; a failed alternative under
            # an `any` that holds is not what is missing), in pre-order; then
            # each exam that was sat and not passed, once, in the order the
            # tree first names it.
            blocking = {}
            for r in rows:
                parent = r["path"].rsplit(".", 1)[0] if "." in r["path"] else None
                blocking[r["path"]] = not r["holds"] and (parent is None or blocking.get(parent, False))
                if blocking[r["path"]]:
                    reason = {"code": "requirement_not_met", "path": r["path"], "requirement": r["kind"]}
                    if r["kind"] == "exam":
                        reason["exam"] = _node_at(req, r["path"])["exam"]
                    reason.update({"have": r["have"], "need": r["need"]})
                    reasons.append(reason)
            seen = set()
            for r in rows:
                if r["kind"] == "exam" and not r["holds"] and r["have"] is not None:
                    exam = _node_at(req, r["path"])["exam"]
                    if exam not in seen:
                        seen.add(exam)
                        reasons.append({"code": "exam_not_passed", "exam": exam,
                                        "have": r["have"], "need": r["need"]})
    if not unverified:
        # docs/rules.md "What an outcome says about a tree": every approval that
        # counted appears in the reasons.
        for a in sorted(st["approvals"], key=lambda a: (a["at"], _byte_key(a["by"]),
                                                         _byte_key(a.get("reason") or ""))):
            r = {"code": "approved", "by": a["by"], "at": format_instant(a["at"], zone)}
            if a.get("reason"):
                r["reason"] = a["reason"]
            reasons.append(r)

    # lesson reasons, verified participants only, lessons in byte order
    if not unverified:
        T_ = st["T"]
        for L in st["lessons"]:
            info = st["per_lesson"][L]
            # 1. overlap
            if info["overlap"] > 0:
                reasons.append({"code": "overlap", "lesson": L, "seconds": info["overlap"]})
            # 2. counted time 0
            if info["counted"] == 0:
                if not info["any_time_in_C"] and info["any_positive"]:
                    reasons.append({"code": "outside_window", "lesson": L})
                continue
            # 3. capped
            if info["capped"]:
                reasons.append({"code": "capped_at_lesson_length", "lesson": L,
                                "have": info["raw"], "need": info["length"]})
            # docs/rules.md "What an outcome says about a tree": every manual
            # credit that counted appears in the reasons
            for c in sorted(info["credits"], key=lambda c: (c["at"], _byte_key(c["by"]),
                                                            _byte_key(c.get("reason") or ""),
                                                            c["seconds"])):
                r = {"code": "manual_credit", "lesson": L, "seconds": c["seconds"],
                     "by": c["by"], "at": format_instant(c["at"], zone)}
                if c.get("reason"):
                    r["reason"] = c["reason"]
                reasons.append(r)
            # 4. credited
            if info["credited"]:
                continue
            # 5. minimum study not met
            if info["need"] is not None and info["counted"] < info["need"]:
                reasons.append({"code": "below_minimum", "lesson": L,
                                "have": info["counted"], "need": info["need"]})
                continue
            # 6. the quiz gate failed
            Q = [q for q in recs.quizzes if q["lesson"] == L and (T_ is None or q["at"] <= T_)]
            Qual = [q for q in Q if _qualifies(ctx, q)]
            if any(ctx.in_window(q["at"]) for q in Qual):
                code = "quiz_before_study"
            elif Qual:
                code = "outside_window"
            elif ctx.mode == "passed" and any(ctx.in_window(q["at"]) for q in Q):
                code = "quiz_not_passed"
            else:
                code = "quiz_missing"
            reasons.append({"code": code, "lesson": L})

    out = {
        "participant": p["id"],
        "unit": p.get("unit") or "",
        "category": cat_id,
        "status": status,
        "lessons_credited": lessons_credited,
        "lessons_required": min_lessons,
        "seconds_studied": seconds_studied,
        "seconds_credited": seconds_credited,
        "hours_credited": float(hours),
        "certificate": certificate,
        "completed_at": None if completed_at is None else format_instant(completed_at, zone),
        "reasons": reasons,
    }
    # **reading** (the command line's shape): the per-requirement standing
    # for a requirement other than a bare {"lessons": N}, verified only.
    if not bare and not unverified:
        out["requirements"] = rows
    if ctx.groups:
        out["hours_by_group"] = _hours_by_group(ctx, st)
    return out


def _node_at(req: dict, path: str) -> dict:
    """The requirement at `path` ("requires.all[0].any[1]")."""
    node = req
    for part in path.split(".")[1:]:
        kind, idx = part[:-1].split("[")
        node = node[kind][int(idx)]
    return node


# ---------------------------------------------------------------------------
# Records -> per-participant lists
# ---------------------------------------------------------------------------

def _parse_event(e: dict, zone: str) -> dict:
    """An event record -> its parsed content (instants in Unix seconds)."""
    kind = e["kind"]
    pid = str(e["participant"])
    if kind == "study":
        start = parse_instant(e["start"], zone)
        if e.get("end") is not None:
            end = parse_instant(e["end"], zone)
        else:
            end = start + parse_duration(e["duration"])
        return {"kind": kind, "participant": pid, "lesson": e["lesson"], "start": start, "end": end}
    if kind == "quiz":
        q = {"kind": kind, "participant": pid, "lesson": e["lesson"], "at": parse_instant(e["at"], zone)}
        if e.get("score") is not None:
            q["score"] = e["score"]
        q["completed"] = e.get("completed") is not False   # rules: default true
        return q
    if kind == "exam":
        x = {"kind": kind, "participant": pid, "exam": e["exam"], "at": parse_instant(e["at"], zone)}
        if e.get("score") is not None:
            x["score"] = e["score"]
        return x
    if kind == "approval":
        a = {"kind": kind, "participant": pid, "at": parse_instant(e["at"], zone), "by": e["by"]}
        if e.get("reason") is not None:
            a["reason"] = e["reason"]
        return a
    if kind == "credit":
        c = {"kind": kind, "participant": pid, "lesson": e["lesson"], "at": parse_instant(e["at"], zone),
             "seconds": parse_duration(e["seconds"]), "by": e["by"]}
        if e.get("reason") is not None:
            c["reason"] = e["reason"]
        return c
    raise ValueError(f"unknown kind {kind!r}")


def evaluate(program: dict, participants: list[dict], events: list[dict],
             as_of: str | None = None) -> list[dict]:
    """One outcome (docs/python.md "What comes back") per participant, sorted
    by participant id (docs/cpp.md "A tour", step 3)."""
    ctx = _Context(program)
    zone = ctx.zone
    T = None if as_of is None else parse_instant(as_of, zone)

    people = list(participants)
    if program.get("on_sector_mismatch", "flag") == "reject":
        # docs/programme.md "Keys" (`on_sector_mismatch`): with `reject`, a mismatched participant is
        # rejected by the reader, so the evaluator never sees it (nor its events).
        people = [p for p in people
                  if not _sector_mismatch(p, program["categories"][_category_of(p)])]

    recs: dict[str, _Records] = {p["id"]: _Records() for p in people}
    for e in events:
        pid = e["participant"]
        if pid not in recs:
            continue
        r = _parse_event(e, zone)
        kind = r.pop("kind")
        r.pop("participant")
        {"study": recs[pid].sessions, "quiz": recs[pid].quizzes, "exam": recs[pid].exams,
         "approval": recs[pid].approvals, "credit": recs[pid].credits}[kind].append(r)

    out = [_evaluate_one(ctx, p, recs[p["id"]], T) for p in people]
    out.sort(key=lambda o: _byte_key(o["participant"]))
    return out


def lesson_details(program: dict, participants: list[dict], events: list[dict],
                   as_of: str | None = None) -> dict:
    """For tests: each verified participant's per-lesson standing as of
    as_of -- {participant: {lesson: {"counted", "raw_online", "credited",
    "credit_at", "credits"}}}."""
    ctx = _Context(program)
    T = None if as_of is None else parse_instant(as_of, ctx.zone)
    recs: dict[str, _Records] = {p["id"]: _Records() for p in participants}
    for e in events:
        if e["participant"] in recs:
            r = _parse_event(e, ctx.zone)
            kind = r.pop("kind")
            r.pop("participant")
            {"study": recs[e["participant"]].sessions, "quiz": recs[e["participant"]].quizzes,
             "exam": recs[e["participant"]].exams, "approval": recs[e["participant"]].approvals,
             "credit": recs[e["participant"]].credits}[kind].append(r)
    out = {}
    for pid, rc in recs.items():
        st = _standing(ctx, rc, T)
        out[pid] = {L: {k: i[k] for k in ("counted", "raw_online", "credited", "credit_at", "credits")}
                    for L, i in st["per_lesson"].items()}
    return out


# ---------------------------------------------------------------------------
# Duplicates and conflicting records (docs/rules.md "Duplicates and order"; records:
# "Duplicates", "Conflicting records")
# ---------------------------------------------------------------------------

def canonical_form(record: dict, zone: str, *, participant: bool = False) -> str:
    """records: "the record after parsing written as compact JSON with its
    keys sorted (timestamps in UTC, ids as text, a category by its id)"."""
    if participant:
        content = {k: v for k, v in record.items() if v is not None}
        content["id"] = str(record["id"])
    else:
        content = _parse_event(record, zone)
        for k in ("start", "end", "at"):
            if k in content:
                content[k] = _utc_text(content[k])
        if record.get("id") is not None:
            content["id"] = str(record["id"])
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass
class Screened:
    participants: list           # the records kept, in input order
    events: list
    rejected: list               # (file, code, record): "participants"/"events"
    duplicates: dict             # file -> count


def screen(program: dict, participants: list[dict], events: list[dict]) -> Screened:
    """Apply the duplicate and conflict rules to valid records.

    Two records with the same `id` and the same content (after parsing), or
    two without `id` equal in every field after parsing, are one record: the
    later is a duplicate.  Records that share an `id` but differ: the one
    whose canonical form is smallest in byte order is kept, each other
    distinct content is rejected `duplicate_id` once, and further copies of
    a rejected record are duplicates.  So the result does not depend on the
    order of the records."""
    zone = program["time_zone"]
    result = Screened([], [], [], {"participants": 0, "events": 0})

    def run(records, name, is_participant):
        def key_of(r):
            if is_participant:
                return ("id", str(r["id"]))
            return ("id", str(r["id"])) if r.get("id") is not None else None

        groups: dict = {}
        order = []
        for r in records:
            k = key_of(r)
            canon = canonical_form(r, zone, participant=is_participant)
            gk = k if k is not None else ("content", canon)
            if gk not in groups:
                groups[gk] = {}
                order.append(gk)
            groups[gk].setdefault(canon, []).append(r)
        kept = []
        for gk in order:
            contents = groups[gk]
            smallest = min(contents, key=lambda c: c.encode("utf-8"))
            for canon, copies in contents.items():
                if canon == smallest:
                    kept.append(copies[0])
                    result.duplicates[name] += len(copies) - 1
                else:
                    result.rejected.append((name, "duplicate_id", copies[0]))
                    result.duplicates[name] += len(copies) - 1
        # keep input order of the first copy of each kept record
        pos = {id(r): i for i, r in enumerate(records)}
        kept.sort(key=lambda r: pos[id(r)])
        return kept

    result.participants = run(participants, "participants", True)
    result.events = run(events, "events", False)
    return result
