"""Independent reference evaluator for yanxiu (SPEC §2 + docs/rules.md).

This is a second, deliberately slow and literal reading of the documents,
written without looking at the C++ engine.  It is used by the property tests
to cross-check the command-line program.

    evaluate(program, participants, events, as_of=None) -> list[dict]

Inputs are assumed valid (the record readers reject bad records before the
evaluator sees them) and deduplicated.  Only the standard library is used.

Clause references:  "SPEC §2 <bullet>" is the bullet of that name in
/work/shared/SPEC.md section 2; "rules: <section> n." is the numbered item of
that section of docs/rules.md.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

__all__ = ["evaluate", "parse_instant", "format_instant", "window_bounds",
           "hours_from_seconds", "OUTCOME_FIELDS"]

OUTCOME_FIELDS = ("participant", "unit", "category", "status",
                  "lessons_credited", "lessons_required", "seconds_studied",
                  "seconds_credited", "hours_credited", "certificate",
                  "completed_at", "reasons")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# ---------------------------------------------------------------------------
# Instants (SPEC §2 "Instants and local time"; rules: "All times are whole
# seconds")
# ---------------------------------------------------------------------------

def _to_seconds(dt: datetime) -> int:
    """Aware datetime -> whole Unix seconds; the fraction is dropped
    (SPEC §2 "Study time": "Time is kept in whole seconds (fractions are
    dropped)").  timedelta normalises microseconds to [0, 1e6), so dropping
    them is a floor, i.e. the instant is truncated to the second it lies in."""
    td = dt - _EPOCH
    return td.days * 86400 + td.seconds


def parse_instant(text: str, zone: str) -> int:
    """An ISO 8601 timestamp -> whole Unix seconds.

    SPEC §2 "Instants": with `Z` or an offset the instant is taken as
    written; without an offset it is read in the programme's time zone."""
    s = text.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(zone))
    return _to_seconds(dt)


def format_instant(seconds: int, zone: str) -> str:
    """Whole Unix seconds -> ISO 8601 in the programme zone with its offset
    (SPEC §5: "Times are printed in the programme's zone"), e.g.
    2023-01-30T20:15:00+08:00."""
    dt = (_EPOCH + timedelta(seconds=seconds)).astimezone(ZoneInfo(zone))
    return dt.isoformat(timespec="seconds")


_ISO_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$")


def parse_duration(value) -> int:
    """`duration` (SPEC §4: seconds, or an ISO 8601 duration) -> whole
    seconds, fraction dropped."""
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
    we = the day after the end date 00:00 (SPEC §2 "Instants")."""
    zone = ZoneInfo(program["time_zone"])
    d0 = date.fromisoformat(program["window"]["start"])
    d1 = date.fromisoformat(program["window"]["end"]) + timedelta(days=1)
    wb = _to_seconds(datetime(d0.year, d0.month, d0.day, tzinfo=zone))
    we = _to_seconds(datetime(d1.year, d1.month, d1.day, tzinfo=zone))
    return wb, we


# ---------------------------------------------------------------------------
# Hours (SPEC §2 "Credited time"; rules: "Hours")
# ---------------------------------------------------------------------------

def hours_from_seconds(seconds_credited: int, credit: dict) -> Fraction:
    """hours = floor(seconds / (minutes_per_hour*60) / hour_step) * hour_step,
    exactly; hour_step taken to 6 decimals; then min(., max_hours)."""
    minutes_per_hour = Fraction(str(credit["minutes_per_hour"]))
    step_micro = round(Fraction(str(credit["hour_step"])) * 1_000_000)  # "to 6 decimals"
    seconds_per_hour = minutes_per_hour * 60
    # number of whole steps: seconds / seconds_per_hour / (step_micro / 1e6)
    steps = math.floor(Fraction(seconds_credited) * 1_000_000 / (seconds_per_hour * step_micro))
    hours = Fraction(steps * step_micro, 1_000_000)
    if credit.get("max_hours") is not None:
        hours = min(hours, Fraction(str(credit["max_hours"])))
    return hours


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


def _catalogue_lengths(program: dict) -> dict[str, int]:
    """SPEC §3: `lessons` is the optional catalogue; a lesson's length is
    its `minutes` (only where given), kept in whole seconds."""
    lengths = {}
    for entry in program.get("lessons") or []:
        if entry.get("minutes") is not None:
            lengths[entry["id"]] = math.floor(Fraction(str(entry["minutes"])) * 60)
    return lengths


def _category_of(p: dict) -> str:
    """rules: "absent or empty means `other`"."""
    c = p.get("category")
    return c if c else "other"


def _sector_mismatch(p: dict, cat: dict) -> bool:
    """SPEC §2 "Categories": `sectors` absent means every sector; rules:
    the mismatch is flagged only when the participant's sector is given."""
    sector = p.get("sector")
    allowed = cat.get("sectors")
    return bool(sector) and allowed is not None and sector not in allowed


# ---------------------------------------------------------------------------
# One participant
# ---------------------------------------------------------------------------

def _evaluate_one(program: dict, p: dict, sessions: list[dict], quizzes: list[dict],
                  T: int | None) -> dict:
    zone = program["time_zone"]
    wb, we = window_bounds(program)
    credit = program["credit"]
    quiz_cfg = program["quiz"]
    mode = quiz_cfg.get("mode", "completed")
    lengths = _catalogue_lengths(program)
    cap_on = bool(credit.get("cap_at_lesson_length", True))
    ratio = Fraction(str(credit.get("min_study_ratio", 0) or 0))

    cat_id = _category_of(p)
    cat = program["categories"][cat_id]
    min_lessons = int(cat.get("min_lessons", 0))
    gives_certificate = bool(cat.get("certificate", False))

    # SPEC §2 "Real name (R3)": verified false + require_verified -> earns nothing.
    verified = p.get("verified", True)
    if verified is None:
        verified = True
    unverified = bool(program.get("require_verified", True)) and not verified

    # C = [wb, min(we, T)): the range in which time counts (rules: Study time 4.)
    c_end = we if T is None else min(we, T)
    C = (wb, c_end)

    # rules: Study time 1. only sessions with start < T matter at all.
    live = [s for s in sessions if T is None or s["start"] < T]

    # rules: Study time 2. order (start, lesson id as bytes, end); "started
    # first" uses the unclipped start.
    def order_key(s):
        return (s["start"], _byte_key(s["lesson"]), s["end"])

    # rules: Study time 3-4 / SPEC §2 "Study time": at every instant covered
    # by several sessions the time belongs to the covering session that
    # started first.  Done literally: cut the time line at every session
    # start/end and at the ends of C into elementary pieces; inside one piece
    # the set of covering sessions does not change, so one owner per piece.
    cuts = sorted({x for s in live for x in (s["start"], s["end"])} | {C[0], C[1]})
    # per session (by index into `live`): list of owned pieces inside C
    owned_in_C: dict[int, list[tuple[int, int]]] = {i: [] for i in range(len(live))}
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        covering = [i for i, s in enumerate(live) if s["start"] <= a and b <= s["end"]]
        if not covering:
            continue
        owner = min(covering, key=lambda i: order_key(live[i]))
        # rules: Study time 4. clip to C: a piece is either inside C or
        # outside it, because C's ends are cuts.
        if C[0] <= a and b <= C[1]:
            owned_in_C[owner].append((a, b))

    lessons_studied = sorted({s["lesson"] for s in live}, key=_byte_key)

    per_lesson = {}
    for L in lessons_studied:
        idx = [i for i, s in enumerate(live) if s["lesson"] == L]
        pieces = sorted(pc for i in idx for pc in owned_in_C[i])
        raw = sum(_length_of(pc) for pc in pieces)              # rules: Study time 4.
        length = lengths.get(L)
        capped = cap_on and length is not None and raw > length  # rules: Study time 5.
        counted = min(raw, length) if capped else raw
        first_instant = pieces[0][0] if pieces else None        # rules: Study time 6.
        # rules: Reasons 1. overlap = sum over L's sessions of
        #   |session ∩ C| - |owned part ∩ C|
        overlap = sum(_length_of(_intersect((live[i]["start"], live[i]["end"]), C))
                      - sum(_length_of(pc) for pc in owned_in_C[i]) for i in idx)
        any_time_in_C = any(_length_of(_intersect((live[i]["start"], live[i]["end"]), C)) > 0
                            for i in idx)
        # a zero-length session is a record of nothing studied, not of study outside the window
        any_positive = any(live[i]["end"] > live[i]["start"] for i in idx)
        per_lesson[L] = dict(pieces=pieces, raw=raw, counted=counted, length=length,
                             capped=capped, first_instant=first_instant,
                             overlap=overlap, any_time_in_C=any_time_in_C, any_positive=any_positive)

    # rules: "Crediting a lesson"
    def qualifies(q) -> bool:
        if mode == "completed":
            return q.get("completed", True) is not False
        if mode == "passed":
            # score >= pass_score; no score is not a pass; `completed` ignored
            return q.get("score") is not None and Fraction(str(q["score"])) >= Fraction(str(quiz_cfg["pass_score"]))
        raise ValueError(mode)

    for L, info in per_lesson.items():
        info["credited"] = False
        info["credit_at"] = None
        info["need"] = None
        counted = info["counted"]
        # 1. counted time > 0
        if counted <= 0:
            continue
        # 2. counted >= min_study_ratio x catalogue length, need rounded up
        if info["length"] is not None:
            need = math.ceil(ratio * info["length"])
            info["need"] = need
            if counted < need:
                continue
        # 3. quiz gate
        if mode == "none":
            # credited at the instant its counted intervals, in time order,
            # have added up to its counted time (with a cap: the cap instant)
            acc = 0
            for a, b in info["pieces"]:
                if acc + (b - a) >= counted:
                    info["credit_at"] = a + (counted - acc)
                    break
                acc += b - a
            info["credited"] = True
        else:
            opening = [q["at"] for q in quizzes
                       if q["lesson"] == L and qualifies(q)
                       and wb <= q["at"] < we                      # at ∈ W
                       and (T is None or q["at"] <= T)             # at ≤ T
                       and q["at"] >= info["first_instant"]]       # after first instant
            if opening:
                info["credited"] = True
                info["credit_at"] = min(opening)                 # first opening attempt

    # rules: "Category, verification, certificate, status"
    if unverified:
        lessons_credited = seconds_studied = seconds_credited = 0
        hours = Fraction(0)
        certificate = False
        completed_at = None
    else:
        credited = [L for L, i in per_lesson.items() if i["credited"]]
        lessons_credited = len(credited)
        seconds_studied = sum(i["counted"] for i in per_lesson.values())   # rules: Study time 7.
        seconds_credited = sum(per_lesson[L]["counted"] for L in credited)
        hours = hours_from_seconds(seconds_credited, credit)
        # rules: Certificate: the category gives certificates and
        # lessons_credited >= min_lessons; completed_at = credit instant of the
        # min_lessons-th credited lesson in time order.
        certificate = gives_certificate and lessons_credited >= min_lessons
        completed_at = None
        if certificate:
            if min_lessons == 0:
                # choice: min_lessons 0 completes at the first instant of
                # counted time.  Reading: with no counted time that instant
                # does not exist, so the minimum is not "reached" and there is
                # no certificate (status not_started anyway).
                firsts = [i["first_instant"] for i in per_lesson.values()
                          if i["first_instant"] is not None and i["counted"] > 0]
                if firsts:
                    completed_at = min(firsts)
                else:
                    certificate = False
            else:
                instants = sorted(per_lesson[L]["credit_at"] for L in credited)
                completed_at = instants[min_lessons - 1]

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

    # rules: "Reasons" — participant-level first, in the table's order
    reasons = []
    if unverified:
        reasons.append({"code": "not_verified"})
    if _sector_mismatch(p, cat):
        reasons.append({"code": "category_sector_mismatch", "sector": p["sector"], "category": cat_id})
    if not gives_certificate:
        reasons.append({"code": "no_certificate_for_category", "category": cat_id})
    if gives_certificate and not unverified and lessons_credited < min_lessons:
        reasons.append({"code": "below_minimum", "have": lessons_credited, "need": min_lessons})

    # lesson reasons, verified participants only, studied lessons in byte order
    if not unverified:
        for L in lessons_studied:
            info = per_lesson[L]
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
            # 4. credited
            if info["credited"]:
                continue
            # 5. minimum study not met
            if info["need"] is not None and info["counted"] < info["need"]:
                reasons.append({"code": "below_minimum", "lesson": L,
                                "have": info["counted"], "need": info["need"]})
                continue
            # 6. the quiz gate failed
            Q = [q for q in quizzes if q["lesson"] == L and (T is None or q["at"] <= T)]
            Qual = [q for q in Q if qualifies(q)]
            if any(wb <= q["at"] < we for q in Qual):
                code = "quiz_before_study"
            elif Qual:
                code = "outside_window"
            elif mode == "passed" and any(wb <= q["at"] < we for q in Q):
                code = "quiz_not_passed"
            else:
                code = "quiz_missing"
            reasons.append({"code": code, "lesson": L})

    return {
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


# ---------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------

def evaluate(program: dict, participants: list[dict], events: list[dict],
             as_of: str | None = None) -> list[dict]:
    """One SPEC §5 outcome per participant, sorted by participant id."""
    zone = program["time_zone"]
    T = None if as_of is None else parse_instant(as_of, zone)

    people = list(participants)
    if program.get("on_sector_mismatch", "flag") == "reject":
        # SPEC §2 "Categories": with `reject`, a mismatched participant is
        # rejected by the reader, so the evaluator never sees it (nor its events).
        people = [p for p in people
                  if not _sector_mismatch(p, program["categories"][_category_of(p)])]

    sessions: dict[str, list[dict]] = {p["id"]: [] for p in people}
    quizzes: dict[str, list[dict]] = {p["id"]: [] for p in people}
    for e in events:
        pid = e["participant"]
        if pid not in sessions:
            continue
        if e["kind"] == "study":
            start = parse_instant(e["start"], zone)
            if e.get("end") is not None:
                end = parse_instant(e["end"], zone)
            else:
                end = start + parse_duration(e["duration"])
            sessions[pid].append({"lesson": e["lesson"], "start": start, "end": end})
        elif e["kind"] == "quiz":
            q = {"lesson": e["lesson"], "at": parse_instant(e["at"], zone)}
            if e.get("score") is not None:
                q["score"] = e["score"]
            if e.get("completed") is not None:
                q["completed"] = e["completed"]
            quizzes[pid].append(q)
        else:
            raise ValueError(f"unknown kind {e['kind']!r}")

    out = [_evaluate_one(program, p, sessions[p["id"]], quizzes[p["id"]], T) for p in people]
    out.sort(key=lambda o: _byte_key(o["participant"]))
    return out
