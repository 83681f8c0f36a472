"""Requirements as data (docs/rules.md "Requirements: a category's completion rule as data"):
the command line against the reference.

Random programmes with requirement trees (`lessons`/`hours` with `from` a
group, theme or lesson list; `exam`; `approval`; `all`/`any`), declared
groups and exams, lesson and group caps, hour_step, minutes_per_hour and quiz
modes, and random small cohorts with study, quiz, exam, approval and credit
records, are written as JSON Lines and run through

    <cli> evaluate --program program.json --participants participants.jsonl
                   --events events.jsonl [--as-of X] --rejects rejects.jsonl

with and without `--as-of`; every field of every outcome (including
`requirements` and `hours_by_group`) is compared with reference.evaluate(),
and the rejections and the read summary with reference.screen().  The same
records shuffled, with exact and reformatted copies and with conflicting
same-id records added, must give identical outcomes and the same set of
rejections (docs/rules.md "Duplicates and order").

The CLI is YANXIU_CLI (default <repo>/build/yanxiu).  It is copied once into
a temporary directory when this module is imported (waiting a little while
it is missing: another engineer may be rebuilding it), so that a rebuild
during the run cannot change the binary under the tests.

    YANXIU_CLI=/tmp/b1/yanxiu .venv/bin/python -m pytest -q tests/python/test_requirements_reference.py

YANXIU_REQ_SEEDS=N runs N seeds per property instead of the default 60.  A
failing random case is printed as one line of JSON; replay it with
YANXIU_REQ_REPLAY=case.json.  The last part holds small cases, each named
after the rule it pins down, that the random cases first found.
"""

from __future__ import annotations

import atexit
import copy
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import cohorts  # noqa: E402
import reference  # noqa: E402

REPO = HERE.parents[1]
ZONE = cohorts.ZONE
WB, WE, LO, HI = cohorts.WB, cohorts.WE, cohorts.LO, cohorts.HI
N_SEEDS = int(os.environ.get("YANXIU_REQ_SEEDS", "60"))


# ---------------------------------------------------------------------------
# The CLI: a private copy, taken once
# ---------------------------------------------------------------------------

def _snapshot_cli() -> tuple[Path | None, str]:
    src = Path(os.environ.get("YANXIU_CLI", str(REPO / "build" / "yanxiu")))
    deadline = time.monotonic() + 90
    last = f"yanxiu CLI not found at {src} (build it, or set YANXIU_CLI)"
    tmp = Path(tempfile.mkdtemp(prefix="yanxiu-req-cli-"))
    atexit.register(shutil.rmtree, tmp, True)
    while True:
        try:
            if src.exists() and os.access(src, os.X_OK):
                dst = tmp / "yanxiu"
                shutil.copyfile(src, dst)
                dst.chmod(dst.stat().st_mode | stat.S_IXUSR)
                r = subprocess.run([str(dst), "evaluate", "--help"], capture_output=True, timeout=30)
                text = (r.stdout + r.stderr).decode("utf-8", "replace")
                if r.returncode == 0 and "--program" in text:
                    return dst, ""
                last = f"`{src} evaluate --help` failed (exit {r.returncode})"
        except (OSError, subprocess.TimeoutExpired) as e:
            last = f"yanxiu CLI at {src} cannot be run: {e}"
        if time.monotonic() > deadline or not os.environ.get("YANXIU_CLI"):
            return None, last
        time.sleep(3)


CLI, _SKIP = _snapshot_cli()
needs_cli = pytest.mark.skipif(CLI is None, reason=_SKIP or "")


# ---------------------------------------------------------------------------
# Approvals and manual credits of one lesson: the documents fix no order
# among them (only that it must not depend on the records' order), so runs of
# them are compared in one order
# ---------------------------------------------------------------------------

def _audit_key(r: dict):
    return (r.get("at", ""), r.get("by", "").encode(), (r.get("reason") or "").encode(),
            r.get("seconds", 0))


def _sort_audit_runs(reasons: list[dict]) -> list[dict]:
    """Sort each run of consecutive `approved` reasons, and of `manual_credit`
    reasons of one lesson, into the reference's order (time order)."""
    out, i = [], 0
    while i < len(reasons):
        r = reasons[i]
        if r.get("code") in ("approved", "manual_credit"):
            j = i
            while j < len(reasons) and reasons[j].get("code") == r["code"] and \
                    reasons[j].get("lesson") == r.get("lesson"):
                j += 1
            out.extend(sorted(reasons[i:j], key=_audit_key))
            i = j
        else:
            out.append(r)
            i += 1
    return out


# ---------------------------------------------------------------------------
# Random programmes with requirement trees
# ---------------------------------------------------------------------------

GROUP_POOL = ["public", "prof", "实践", "g2"]
EXAM_POOL = ["final", "mid", "考核"]
BY_POOL = ["学校管理员 王老师", "school-0042", "county-office", "b"]
REASON_POOL = ["线下集中学习", "workshop attended in person", "补录"]


def label(x: str) -> dict:
    return {"zh": x, "en": x}


def gen_selection(ch, prog) -> dict:
    options = ["theme"]
    if prog["groups"]:
        options += ["group", "group"]
    if prog["lessons"]:
        options += ["lessons", "lessons"]
    kind = ch.choice(options)
    if kind == "group":
        return {"group": ch.choice(list(prog["groups"]))}
    if kind == "theme":
        return {"theme": ch.choice(prog["themes"])}
    ids = [L["id"] for L in prog["lessons"]]
    return {"lessons": cohorts._sample(ch, ids, ch.integer(1, min(3, len(ids))))}


def gen_requirement(ch, prog, depth: int) -> dict:
    leaves = ["lessons", "hours", "hours", "approval"] + (["exam", "exam"] if prog["exams"] else [])
    kinds = leaves + (["all", "all", "any"] if depth > 0 else [])
    kind = ch.choice(kinds)
    if kind == "lessons":
        r = {"lessons": ch.choice([0, 1, 1, 2, 3])}
    elif kind == "hours":
        r = {"hours": ch.choice([0, 0.1, 0.3, 0.5, 1, 1.3, 2, 0.25, 3])}
    elif kind == "exam":
        return {"exam": ch.choice(list(prog["exams"]))}
    elif kind == "approval":
        return {"approval": True}
    else:
        return {kind: [gen_requirement(ch, prog, depth - 1) for _ in range(ch.integer(1, 3))]}
    if ch.flag(0.5):
        r["from"] = gen_selection(ch, prog)
    return r


def gen_program(ch) -> dict:
    prog = cohorts.base_program()
    prog["id"] = "test-requirements"
    prog["version"] = "1"
    prog["quiz"] = {"mode": ch.choice(["completed", "passed", "none", "none"]),
                    "pass_score": ch.choice([60, 80, 0, 100])}
    groups = {}
    for g in cohorts._sample(ch, GROUP_POOL, ch.integer(0, 3)):
        groups[g] = {"label": label(g)}
        cap = ch.choice([None, None, 0.3, 0.5, 1, 2, 0.7, 1.25, 0])
        if cap is not None or ch.flag(0.3):
            groups[g]["max_hours"] = cap
    prog["groups"] = groups
    exams = {}
    for x in cohorts._sample(ch, EXAM_POOL, ch.integer(0, 2)):
        exams[x] = {"label": label(x)}
        ps = ch.choice([None, 60, 80, 0, 100, 59.5])
        if ps is not None:
            exams[x]["pass_score"] = ps
    prog["exams"] = exams
    if ch.flag(0.75):
        lessons = []
        for L in cohorts._sample(ch, cohorts.LESSON_POOL, ch.integer(2, 6)):
            entry = {"id": L, "title": f"课程 {L}", "minutes": ch.choice([1, 5, 20, 30, 45, 90, 2.5, 60]),
                     "theme": ch.choice(prog["themes"])}
            if groups and ch.flag(0.75):
                entry["group"] = ch.choice(list(groups))
            if ch.flag(0.3):
                entry["max_hours"] = ch.choice([0.1, 0.25, 0.5, 1, 0.3, 0])
            lessons.append(entry)
        prog["lessons"] = lessons
    else:
        prog["lessons"] = []
    credit = prog["credit"]
    credit["minutes_per_hour"] = ch.choice([45, 60, 50, 40, 45, 7, 90])
    credit["hour_step"] = ch.choice([0.1, 0.5, 1, 0.25, 0.3, 0.05, 0.1, 0.125, 2, 0.01])
    credit["max_hours"] = None if not ch.flag(0.3) else ch.choice([1, 2.5, 0.7, 5])
    credit["cap_at_lesson_length"] = not ch.flag(0.3)
    credit["min_study_ratio"] = ch.choice([0, 0, 0.5, 1])
    prog["require_verified"] = not ch.flag(0.1)
    for cid, cat in prog["categories"].items():
        cat.pop("min_lessons", None)
        cat.pop("requires", None)
        if cat.get("certificate"):
            how = ch.choice(["tree", "tree", "tree", "min_lessons", "bare"])
        else:
            how = ch.choice(["tree", "min_lessons", "min_lessons"])
        if how == "min_lessons":
            cat["min_lessons"] = ch.choice([0, 1, 2, 3])
        elif how == "bare":
            cat["requires"] = {"lessons": ch.choice([0, 1, 2])}
        else:
            cat["requires"] = gen_requirement(ch, prog, ch.choice([0, 1, 2, 2]))
    return prog


# ---------------------------------------------------------------------------
# Random cohorts with exam, approval and credit records
# ---------------------------------------------------------------------------

def _clip(t: int, lo: int, hi: int) -> int:
    return min(max(t, lo), hi)


def gen_case(ch) -> dict:
    prog = gen_program(ch)
    lesson_ids = [L["id"] for L in prog["lessons"]] or \
        cohorts._sample(ch, cohorts.LESSON_POOL, ch.integer(1, 5))
    mid1 = cohorts._utc(2023, 1, 20, 11, 0)
    mid2 = cohorts._utc(2023, 1, 30, 12, 15)
    as_of_t = ch.choice([mid1, WE - 3600, WB + 7200, mid2 + 1800, WB, WE - 1, WE + 86400,
                         mid1 + ch.integer(0, 20 * 86400), WB + ch.integer(0, 30 * 86400)])
    as_of = cohorts.format_varied(ch, as_of_t, allow_fraction=False)
    anchors = [WB, WE, mid1, mid2, as_of_t]

    participants, events = [], []
    seen = set()
    n_id = [0]

    def add(ev):
        key = reference.canonical_form(ev, ZONE)
        if key in seen:          # generated records are unique; copies come later, on purpose
            return
        seen.add(key)
        if ch.flag(0.3):
            n_id[0] += 1
            ev["id"] = f"e{n_id[0]}"
        events.append(ev)

    for pid in cohorts._sample(ch, cohorts.PARTICIPANT_POOL, ch.integer(1, 6)):
        p = {"id": pid}
        u = ch.choice(cohorts.UNITS + [None])
        if u is not None:
            p["unit"] = u
        if ch.flag(0.7):
            p["sector"] = ch.choice(cohorts.SECTORS)
        c = ch.choice(list(prog["categories"]) * 2 + ["", None])
        if c is not None:
            p["category"] = c
        v = ch.choice([None, True, True, None, True, False])
        if v is not None:
            p["verified"] = v
        participants.append(p)

        sessions = []
        for _ in range(ch.integer(0, 5)):
            L = ch.choice(lesson_ids)
            pts = anchors + [s[1] for s in sessions] + [s[2] for s in sessions]
            if sessions and ch.flag(0.3):
                s = ch.choice(sessions)
                start = ch.integer(s[1], s[2])
            else:
                start = _clip(ch.choice(pts) + ch.choice([0, 1, -1, 60, -60, 1800, -1800, 3599,
                                                           ch.integer(-3 * 3600, 3 * 3600)]), LO, HI)
            length = ch.choice([1800, 0, 60, 1, 300, 2700, 5400, ch.integer(0, 3 * 3600), 900])
            sessions.append((L, start, start + length))
            ev = {"kind": "study", "participant": pid, "lesson": L,
                  "start": cohorts.format_varied(ch, start, allow_fraction=False)}
            if ch.flag(0.5):
                ev["end"] = cohorts.format_varied(ch, start + length, allow_fraction=False)
            else:
                ev["duration"] = length if ch.flag(0.5) else f"PT{length}S"
            add(ev)

        for _ in range(ch.integer(0, 4)):
            if sessions and ch.flag(0.8):
                L, s0, s1 = ch.choice(sessions)
                at = ch.choice([s1 + 60, s0, s1, s0 - 60, (s0 + s1) // 2, s1 + 86400, s0 + 1])
            else:
                L = ch.choice(lesson_ids)
                at = ch.choice([WB, WE, WB - 1, WE - 1, mid1, mid2, as_of_t, as_of_t + 1])
            q = {"kind": "quiz", "participant": pid, "lesson": L,
                 "at": cohorts.format_varied(ch, at, allow_fraction=False)}
            score = ch.choice([None, 80, 59, 60, 100, 0])
            if score is not None:
                q["score"] = score
            comp = ch.choice([None, True, False, None])
            if comp is not None:
                q["completed"] = comp
            add(q)

        if prog["exams"]:
            for _ in range(ch.integer(0, 3)):
                x = ch.choice(list(prog["exams"]))
                ps = prog["exams"][x].get("pass_score", 60)
                at = ch.choice(anchors + [WB - 1, WE - 1, as_of_t + 1, as_of_t - 1, mid1 + 3600,
                                          ch.integer(WB, WE)])
                score = ch.choice([ps, ps - 1, ps + 0.5, 100, 0, 72, 59.5, ps - 0.5, None])
                x_rec = {"kind": "exam", "participant": pid, "exam": x,
                         "at": cohorts.format_varied(ch, at, allow_fraction=False)}
                if score is not None:    # records.md: a sitting without a score did not pass
                    x_rec["score"] = min(max(score, 0), 100)
                add(x_rec)

        for _ in range(ch.choice([0, 0, 1, 1, 2])):
            at = ch.choice(anchors + [WB - 1, WE - 1, as_of_t + 1, ch.integer(WB, WE)])
            a = {"kind": "approval", "participant": pid,
                 "at": cohorts.format_varied(ch, at, allow_fraction=False), "by": ch.choice(BY_POOL)}
            if ch.flag(0.3):
                a["reason"] = ch.choice(REASON_POOL)
            add(a)

        for _ in range(ch.choice([0, 0, 1, 1, 2, 3])):
            L = ch.choice([s[0] for s in sessions] + lesson_ids if sessions and ch.flag(0.6)
                          else lesson_ids)
            at = _clip(ch.choice(anchors + [s[2] for s in sessions] + [ch.integer(WB, WE)])
                       + ch.choice([0, 0, 1, -1, 3600]), WB, WE - 1)
            c = {"kind": "credit", "participant": pid, "lesson": L,
                 "at": cohorts.format_varied(ch, at, allow_fraction=False),
                 "seconds": ch.choice([1, 60, 600, 1800, 5400, 900, 2700, 300, "PT30M", "PT1H15M"]),
                 "by": ch.choice(BY_POOL)}
            if ch.flag(0.5):
                c["reason"] = ch.choice(REASON_POOL)
            add(c)
        if ch.flag(0.08):
            # records.md: a credit dated outside the window is rejected `outside_window`
            events.append({"kind": "credit", "participant": pid, "lesson": ch.choice(lesson_ids),
                           "at": cohorts.format_varied(ch, ch.choice([WB - 1, WE, WE + 86400]),
                                                       allow_fraction=False),
                           "seconds": 600, "by": "county-office"})

    events = cohorts.shuffled(ch, events)
    return {"program": prog, "participants": participants, "events": events, "as_of": as_of}


def case_from_seed(seed: int) -> dict:
    return gen_case(cohorts.RandomChooser(random.Random(1_000_003 * seed + 17)))


# ---------------------------------------------------------------------------
# Expected screening (reference side)
# ---------------------------------------------------------------------------

def expected_screen(case: dict):
    """Outside-window credits are rejected first (records.md), then the
    duplicate and conflict rules (reference.screen)."""
    rejected = []
    events = []
    zone = case["program"]["time_zone"]
    wb, we = reference.window_bounds(case["program"])
    for e in case["events"]:
        if e["kind"] == "credit" and not (wb <= reference.parse_instant(e["at"], zone) < we):
            rejected.append(("events", "outside_window", e))
        else:
            events.append(e)
    s = reference.screen(case["program"], case["participants"], events)
    s.rejected = rejected + s.rejected
    return s


def _rkey(file: str, code: str, record: dict, zone: str = ZONE) -> tuple:
    """A rejection by its file, code and the rejected record's content (two
    spellings of one record are the same content)."""
    try:
        content = reference.canonical_form(record, zone, participant=file == "participants")
    except (KeyError, ValueError, TypeError):
        content = json.dumps(record, ensure_ascii=False, sort_keys=True)
    return (file, code, content)


# ---------------------------------------------------------------------------
# Running the CLI
# ---------------------------------------------------------------------------

class CliFailure(AssertionError):
    pass


def _jsonl(records) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def run_cli(program, participants, events, as_of=None) -> dict:
    """Run `yanxiu evaluate`; return stdout bytes, outcomes, rejections as
    (file, code, record) keys, and the read summary from stderr."""
    with tempfile.TemporaryDirectory(prefix="yanxiu-req-") as d:
        d = Path(d)
        files = {"program": d / "program.json", "participants": d / "participants.jsonl",
                 "events": d / "events.jsonl"}
        files["program"].write_text(json.dumps(program, ensure_ascii=False, indent=1), encoding="utf-8")
        texts = {"participants": _jsonl(participants), "events": _jsonl(events)}
        for k in texts:
            files[k].write_text(texts[k], encoding="utf-8")
        rejects = d / "rejects.jsonl"
        cmd = [str(CLI), "evaluate", "--program", str(files["program"]),
               "--participants", str(files["participants"]), "--events", str(files["events"]),
               "--rejects", str(rejects)]
        if as_of is not None:
            cmd += ["--as-of", as_of]
        r = subprocess.run(cmd, capture_output=True, timeout=120)
        err = r.stderr.decode("utf-8", "replace")
        if r.returncode != 0:
            raise CliFailure(f"CLI exit {r.returncode}: {err.strip()}")
        lines = {k: texts[k].splitlines() for k in texts}
        rej = []
        for line in (rejects.read_text(encoding="utf-8").splitlines() if rejects.exists() else []):
            if not line.strip():
                continue
            j = json.loads(line)
            name = "participants" if Path(j["file"]).name == "participants.jsonl" else "events"
            record = json.loads(lines[name][j["line"] - 1])
            rej.append(_rkey(name, j["code"], record, program["time_zone"]) + (j.get("field"),))
        summary = {}
        for line in err.splitlines():
            for name in ("participants", "events"):
                if line.startswith(name + ": read"):
                    nums = [int(t) for t in line.replace("=", " ").replace("+", " ").split() if t.isdigit()]
                    summary[name] = tuple(nums[:4])
        outs = [json.loads(x) for x in r.stdout.decode("utf-8").splitlines() if x.strip()]
        return {"stdout": r.stdout, "outcomes": outs, "rejected": rej, "summary": summary}


# ---------------------------------------------------------------------------
# Comparing
# ---------------------------------------------------------------------------

def _same_value(a, b) -> bool:
    if isinstance(b, bool) or b is None or isinstance(b, str):
        return a == b and type(a) is type(b)
    if isinstance(b, float):
        return isinstance(a, (int, float)) and not isinstance(a, bool) and float(a) == b
    if isinstance(b, int):
        return a == b and type(a) is int
    if isinstance(b, dict):
        return isinstance(a, dict) and list(a) == list(b) and all(_same_value(a[k], b[k]) for k in b)
    if isinstance(b, list):
        return isinstance(a, list) and len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return a == b


def _same_reason(a: dict, b: dict) -> bool:
    # key order inside a reason is not compared; values and their types are
    return isinstance(a, dict) and set(a) == set(b) and all(_same_value(a[k], b[k]) for k in b)


def _same_field(f: str, a, b) -> bool:
    if f == "reasons":
        return isinstance(a, list) and len(a) == len(b) and all(map(_same_reason, a, b))
    if f == "requirements":
        return isinstance(a, list) and len(a) == len(b) and \
            all(isinstance(x, dict) and list(x) == list(y) and _same_value(x, y) for x, y in zip(a, b))
    return _same_value(a, b)


def diff_outcomes(cli: list[dict], ref: list[dict]) -> list[tuple]:
    """Field-by-field differences as (participant, field, cli value,
    reference value); empty when equal."""
    problems = []
    if [o.get("participant") for o in cli] != [o["participant"] for o in ref]:
        problems.append(("*", "participants", [o.get("participant") for o in cli],
                         [o["participant"] for o in ref]))
    by_id = {o["participant"]: o for o in ref}
    for o in cli:
        r = by_id.get(o.get("participant"))
        if r is None:
            continue
        pid = o["participant"]
        if list(o) != list(r):
            problems.append((pid, "fields", list(o), list(r)))
        for f in r:
            a, b = o.get(f, "<absent>"), r[f]
            if not _same_field(f, a, b):
                problems.append((pid, f, a, b))
    return problems


def _fmt(problems) -> str:
    return "\n  ".join(f"{pid}.{f}: cli {json.dumps(a, ensure_ascii=False)} != "
                       f"reference {json.dumps(b, ensure_ascii=False)}" for pid, f, a, b in problems)


def dump(case: dict, **extra) -> str:
    c = dict(case)
    c.update(extra)
    return json.dumps(c, ensure_ascii=False)


def check_case(case: dict, as_of) -> dict:
    """CLI == reference for one case and one as_of (None: without --as-of):
    outcomes, rejections and the read summary."""
    scr = expected_screen(case)
    try:
        res = run_cli(case["program"], case["participants"], case["events"], as_of)
    except CliFailure as e:
        raise AssertionError(f"{e}\ncase: {dump(case, as_of=as_of)}") from None
    ref = reference.evaluate(case["program"], scr.participants, scr.events, as_of)
    problems = []
    for pid, f, a, b in diff_outcomes(res["outcomes"], ref):
        if f == "reasons" and _same_field(f, _sort_audit_runs(a), _sort_audit_runs(b)):
            # the documents give no order among several approvals, or several
            # manual credits of one lesson: compared as sets here (that the
            # order must not depend on the records' order is checked by
            # test_shuffled_records_with_copies_and_conflicts)
            continue
        problems.append((pid, f, a, b))
    text = [_fmt(problems)] if problems else []
    want_rej = Counter(_rkey(f, c, r, case["program"]["time_zone"]) for (f, c, r) in scr.rejected)
    got_rej = Counter(k[:3] for k in res["rejected"])
    if want_rej != got_rej:
        text.append(f"rejections: cli {sorted(got_rej.items())} != reference {sorted(want_rej.items())}")
    for name, records in (("participants", case["participants"]), ("events", case["events"])):
        n_rej = sum(1 for f, _, _ in scr.rejected if f == name)
        want = (len(records), len(records) - n_rej - scr.duplicates[name], n_rej, scr.duplicates[name])
        if res["summary"].get(name) != want:
            text.append(f"{name} summary: cli {res['summary'].get(name)} != reference {want}")
    if text:
        msg = (f"CLI disagrees with the reference (as_of {as_of}):\n  " + "\n  ".join(text)
               + f"\ncase: {dump(case, as_of=as_of)}")
        print(msg)
        raise AssertionError(msg)
    return res


# ---------------------------------------------------------------------------
# CLI == reference
# ---------------------------------------------------------------------------

@needs_cli
@pytest.mark.parametrize("seed", range(N_SEEDS))
def test_cli_matches_reference_requirements(seed):
    case = case_from_seed(seed)
    check_case(case, None)
    check_case(case, case["as_of"])


@needs_cli
@pytest.mark.skipif(not os.environ.get("YANXIU_REQ_REPLAY"), reason="set YANXIU_REQ_REPLAY=case.json")
def test_replay():
    text = Path(os.environ["YANXIU_REQ_REPLAY"]).read_text(encoding="utf-8").strip()
    if text.startswith("case: "):
        text = text[len("case: "):]
    case = json.loads(text)
    check_case(case, case.get("as_of"))


@needs_cli
def test_example_modules_programme():
    """The shipped example (examples/programmes/modules-50h.json): groups
    with caps, lesson max_hours, an exam and an approval."""
    prog = json.loads((REPO / "examples" / "programmes" / "modules-50h.json").read_text(encoding="utf-8"))
    rng = random.Random(7)
    ids = [L["id"] for L in prog["lessons"]]
    participants = [{"id": "T1", "unit": "长沙市", "category": "teacher"},
                    {"id": "T2", "category": "teacher"}, {"id": "T3", "category": "auditor"},
                    {"id": "T4", "category": "teacher", "verified": False}]
    events = []
    day0 = reference.parse_instant("2024-03-01T08:00:00+08:00", "Asia/Shanghai")
    for pid in ("T1", "T2", "T3", "T4"):
        t = day0
        for L in rng.sample(ids, 40 if pid == "T1" else 12):
            t += rng.choice([3600, 7200, 86400])
            events.append({"kind": "study", "participant": pid, "lesson": L,
                           "start": reference.format_instant(t, "Asia/Shanghai"),
                           "duration": rng.choice([2700, 5400, 1800, 6000])})
    events += [
        {"kind": "credit", "participant": "T1", "lesson": "S01", "at": "2024-04-02T17:00:00+08:00",
         "seconds": 5400, "by": "county-office", "reason": "workshop attended in person"},
        {"kind": "exam", "participant": "T1", "exam": "final", "at": "2024-06-20T10:00:00+08:00", "score": 72},
        {"kind": "exam", "participant": "T2", "exam": "final", "at": "2024-06-20T10:00:00+08:00", "score": 58},
        {"kind": "approval", "participant": "T1", "at": "2024-06-25T09:00:00+08:00", "by": "school-0042"},
    ]
    case = {"program": prog, "participants": participants, "events": events}
    for as_of in (None, "2024-05-01T00:00:00+08:00", "2024-06-24T12:00:00+08:00"):
        check_case(case, as_of)


# ---------------------------------------------------------------------------
# Order, copies and conflicting records
# ---------------------------------------------------------------------------

UNIT_SWAP = {"长沙市": "株洲市", "株洲市": "长沙市", "湘潭大学": "长沙市", "Changsha": "Zhuzhou"}


def _shift(text: str, delta: int) -> str:
    return reference.format_instant(reference.parse_instant(text, ZONE) + delta, ZONE)


def conflicting_variant(rng: random.Random, rec: dict, *, participant: bool):
    """A record with the same id and different content, differing in one
    field whose canonical order does not depend on how numbers or instants
    are spelled (instants moved by a minute, same-width numbers, another
    short string), or None."""
    v = copy.deepcopy(rec)
    if participant:
        if v.get("unit") in UNIT_SWAP:
            v["unit"] = UNIT_SWAP[v["unit"]]
        elif isinstance(v.get("verified"), bool):
            v["verified"] = not v["verified"]
        else:
            return None
        return v
    kind = v["kind"]
    options = ["at"] if kind != "study" else ["start"]
    if kind == "exam" and isinstance(v.get("score"), int) and 10 <= v["score"] <= 89:
        options.append("score")
    if kind == "credit" and isinstance(v.get("seconds"), int) and 100 <= v["seconds"] <= 899:
        options.append("seconds")
    if kind in ("approval", "credit"):
        options.append("by")
    what = rng.choice(options)
    if what == "start":
        delta = rng.choice([-60, 60])
        v["start"] = _shift(v["start"], delta)
        if "end" in v:
            v["end"] = _shift(v["end"], delta)
    elif what == "at":
        t = reference.parse_instant(v["at"], ZONE)
        delta = rng.choice([-60, 60])
        if kind == "credit" and not (WB <= t + delta < WE):
            delta = -delta
        v["at"] = reference.format_instant(t + delta, ZONE)
    elif what == "score":
        v["score"] = v["score"] + rng.choice([-9, 9])
    elif what == "seconds":
        v["seconds"] = v["seconds"] + rng.choice([-99, 99])
    else:
        v["by"] = "a-office" if v["by"] != "a-office" else "z-office"
    return v


def reformatted_copy(rng: random.Random, rec: dict) -> dict:
    """The same record with its instants spelled another way (rules:
    records are compared after parsing)."""
    c = copy.deepcopy(rec)
    ch = cohorts.RandomChooser(rng)
    for k in ("start", "end", "at"):
        if k in c:
            c[k] = cohorts.format_varied(ch, reference.parse_instant(c[k], ZONE), allow_fraction=False)
    return c


def with_copies_and_conflicts(case: dict, rng: random.Random) -> dict:
    parts = list(case["participants"])
    evs = list(case["events"])
    extra_p, extra_e = [], []
    for p in parts:
        if rng.random() < 0.3:
            v = conflicting_variant(rng, p, participant=True)
            if v is not None:
                extra_p.append(v)
                if rng.random() < 0.3:
                    extra_p.append(copy.deepcopy(v))        # a copy of (maybe) the rejected one
        if rng.random() < 0.2:
            extra_p.append(copy.deepcopy(p))
    n = 0
    for e in evs:
        in_window_credit = not (e["kind"] == "credit" and
                                not (WB <= reference.parse_instant(e["at"], ZONE) < WE))
        if not in_window_credit:
            continue
        r = rng.random()
        if r < 0.25:
            if "id" not in e:
                n += 1
                e["id"] = f"c{n}"
            v = conflicting_variant(rng, e, participant=False)
            if v is not None:
                extra_e.append(v)
                if rng.random() < 0.3:
                    extra_e.append(reformatted_copy(rng, v))
        elif r < 0.4:
            extra_e.append(reformatted_copy(rng, e))
        elif r < 0.5:
            extra_e.append(copy.deepcopy(e))
    c = dict(case)
    c["participants"] = parts + extra_p
    c["events"] = evs + extra_e
    return c


@needs_cli
@pytest.mark.parametrize("seed", range(N_SEEDS))
def test_shuffled_records_with_copies_and_conflicts(seed):
    """docs/rules.md "Duplicates and order": the same records in any order, with
    copies and conflicting same-id records, give identical outcomes and the
    same set of rejections -- and what the reference expects."""
    rng = random.Random(seed)
    base = copy.deepcopy(case_from_seed(seed))
    case = with_copies_and_conflicts(base, rng)
    shuffled = dict(case)
    shuffled["participants"] = rng.sample(case["participants"], len(case["participants"]))
    shuffled["events"] = rng.sample(case["events"], len(case["events"]))
    as_of = case["as_of"] if seed % 2 else None
    a = check_case(case, as_of)
    b = check_case(shuffled, as_of)
    assert Counter(a["rejected"]) == Counter(b["rejected"]), \
        f"shuffling changed the rejections\ncase: {dump(case, as_of=as_of)}"
    assert a["summary"] == b["summary"]
    assert a["stdout"] == b["stdout"], f"shuffling changed the outcomes\ncase: {dump(case, as_of=as_of)}"


# ---------------------------------------------------------------------------
# Reference-only properties (always run)
# ---------------------------------------------------------------------------

def test_reference_is_order_independent():
    for seed in range(40):
        case = case_from_seed(seed)
        rng = random.Random(seed)
        s = expected_screen(case)
        r1 = reference.evaluate(case["program"], s.participants, s.events, case["as_of"])
        c2 = with_copies_and_conflicts(copy.deepcopy(case), random.Random(seed))
        c3 = dict(c2, participants=rng.sample(c2["participants"], len(c2["participants"])),
                  events=rng.sample(c2["events"], len(c2["events"])))
        s2, s3 = expected_screen(c2), expected_screen(c3)
        r2 = reference.evaluate(case["program"], s2.participants, s2.events, case["as_of"])
        r3 = reference.evaluate(case["program"], s3.participants, s3.events, case["as_of"])
        assert r2 == r3, dump(c2)
        assert Counter(_rkey(*x) for x in s2.rejected) == Counter(_rkey(*x) for x in s3.rejected)
        assert s2.duplicates == s3.duplicates
        assert len(r1) == len(r2)


def test_reference_completed_at_is_the_earliest_as_of():
    """docs/rules.md "When a tree holds: completed_at": completed_at is the earliest T at which the requirement
    holds when evaluated as of T -- checked by evaluating as of
    completed_at and one second before it (requirements other than a bare
    {"lessons": N})."""
    checked = 0
    for seed in range(60):
        case = case_from_seed(seed)
        s = expected_screen(case)
        outs = reference.evaluate(case["program"], s.participants, s.events, None)
        for o in outs:
            if o["completed_at"] is None or "requirements" not in o:
                continue
            p = [x for x in s.participants if x["id"] == o["participant"]]
            t = reference.parse_instant(o["completed_at"], ZONE)
            at = reference.evaluate(case["program"], p, s.events, reference.format_instant(t, ZONE))[0]
            before = reference.evaluate(case["program"], p, s.events, reference.format_instant(t - 1, ZONE))[0]
            assert at["certificate"] and at["completed_at"] == o["completed_at"], dump(case)
            assert not before["certificate"], dump(case)
            checked += 1
    assert checked >= 10


def test_reference_monotone_in_as_of():
    """Counts never fall as as_of moves later (each clause of docs/rules.md
    only adds what counts)."""
    for seed in range(30):
        case = case_from_seed(seed)
        s = expected_screen(case)
        prev = None
        for t in range(WB - 3600, WE + 7200, 5 * 86400):
            outs = reference.evaluate(case["program"], s.participants, s.events,
                                      reference.format_instant(t, ZONE))
            if prev is not None:
                for a, b in zip(prev, outs):
                    assert b["seconds_studied"] >= a["seconds_studied"]
                    assert b["lessons_credited"] >= a["lessons_credited"]
                    assert b["hours_credited"] >= a["hours_credited"]
                    assert b["certificate"] or not a["certificate"], dump(case)
            prev = outs


# ---------------------------------------------------------------------------
# Hand-computed scenarios for the reference (docs/rules.md "Requirements: a category's completion rule as data")
# ---------------------------------------------------------------------------

def _prog(**kw) -> dict:
    p = cohorts.base_program()
    p["id"], p["version"] = "hand", "1"
    p["quiz"] = {"mode": "none", "pass_score": 60}
    p["credit"] = {"minutes_per_hour": 45, "hour_step": 0.1, "max_hours": None,
                   "cap_at_lesson_length": True, "min_study_ratio": 0}
    p["categories"] = {"t": {"label": label("t"), "certificate": True, "requires": kw.pop("requires")},
                       "other": {"label": label("o"), "certificate": False, "min_lessons": 0}}
    p.update(kw)
    return p


def _study(L, start, seconds, pid="T1"):
    return {"kind": "study", "participant": pid, "lesson": L, "start": start, "duration": seconds}


def _one(prog, events, as_of=None, **pkw):
    out = reference.evaluate(prog, [dict({"id": "T1", "category": "t"}, **pkw)], events, as_of)
    return out[0]


def test_hours_with_lesson_and_group_caps():
    lessons = [{"id": "P1", "title": "", "minutes": 90, "group": "pub"},
               {"id": "P2", "title": "", "minutes": 90, "group": "pub"},
               {"id": "C1", "title": "", "minutes": 120, "group": "case", "max_hours": 1},
               {"id": "X1", "title": "", "minutes": 30}]
    prog = _prog(requires={"all": [{"hours": 4}, {"hours": 2, "from": {"group": "pub"}},
                                   {"hours": 1.5, "from": {"lessons": ["C1", "X1"]}}]},
                 lessons=lessons, groups={"pub": {"label": label("p"), "max_hours": 2.5},
                                          "case": {"label": label("c")}})
    ev = [_study("P1", "2023-01-10T08:00:00+08:00", 5400),   # 2 h
          _study("P2", "2023-01-11T08:00:00+08:00", 5400),   # 2 h -> pub 4 h, capped 2.5
          _study("C1", "2023-01-12T08:00:00+08:00", 7200),   # 2.666 h, lesson cap 1 h
          _study("X1", "2023-01-13T08:00:00+08:00", 900)]    # 1/3 h, no group
    o = _one(prog, ev)
    # all lessons: 2.5 + 1 + 1/3 = 3.833 -> 3.8 < 4: the first child fails
    assert o["hours_credited"] == 3.8
    assert o["hours_by_group"] == {"pub": 2.5, "case": 1.0}
    assert [r["have"] for r in o["requirements"]] == [1, 3.8, 2.5, 1.3]
    assert [r["holds"] for r in o["requirements"]] == [False, False, True, False]
    assert o["status"] == "in_progress" and o["completed_at"] is None
    assert o["reasons"][:3] == [
        {"code": "requirement_not_met", "path": "requires", "requirement": "all", "have": 1, "need": 3},
        {"code": "requirement_not_met", "path": "requires.all[0]", "requirement": "hours", "have": 3.8, "need": 4.0},
        {"code": "requirement_not_met", "path": "requires.all[2]", "requirement": "hours", "have": 1.3, "need": 1.5}]
    # 3 x 900 s at 45 min/h in three places: exactly 1.0 h (rounded once, exactly)
    prog2 = _prog(requires={"hours": 1}, lessons=[
        {"id": "A", "title": "", "minutes": 60, "group": "g1"}, {"id": "B", "title": "", "minutes": 60, "group": "g2"},
        {"id": "C", "title": "", "minutes": 60, "max_hours": 5}],
        groups={"g1": {"label": label("1")}, "g2": {"label": label("2"), "max_hours": 3}})
    ev2 = [_study(L, f"2023-01-1{i}T08:00:00+08:00", 900) for i, L in enumerate("ABC")]
    o2 = _one(prog2, ev2)
    assert o2["hours_credited"] == 1.0 and o2["requirements"][0]["have"] == 1.0
    # completed when the third lesson's 900th second was studied: 2023-01-12 08:15
    assert o2["completed_at"] == "2023-01-12T08:15:00+08:00"
    assert o2["hours_by_group"] == {"g1": 0.3, "g2": 0.3}


def test_completed_at_mid_session_and_exam_approval():
    prog = _prog(requires={"all": [{"hours": 1}, {"exam": "final"}, {"approval": True}]},
                 exams={"final": {"label": label("f")}})          # pass_score default 60
    ev = [_study("L1", "2023-01-10T08:00:00+08:00", 7200),
          {"kind": "exam", "participant": "T1", "exam": "final", "at": "2023-01-09T10:00:00+08:00", "score": 59.5},
          {"kind": "exam", "participant": "T1", "exam": "final", "at": "2023-02-11T10:00:00+08:00", "score": 99},
          {"kind": "exam", "participant": "T1", "exam": "final", "at": "2023-01-09T11:00:00+08:00", "score": 60},
          {"kind": "approval", "participant": "T1", "at": "2023-01-08T10:00:00+08:00", "by": "early"},
          {"kind": "approval", "participant": "T1", "at": "2023-01-09T09:00:00+08:00", "by": "school"}]
    o = _one(prog, ev)
    # 1 h = 2700 s into the session: 08:45 on the 10th, after the exam (60 on the 9th,
    # 11:00; the 99 is after the window) and the approval (the 8th's is before it)
    assert o["completed_at"] == "2023-01-10T08:45:00+08:00"
    assert o["requirements"][2] == {"path": "requires.all[1]", "kind": "exam", "holds": True,
                                    "have": 60.0, "need": 60.0}
    assert {"code": "approved", "by": "school", "at": "2023-01-09T09:00:00+08:00"} in o["reasons"]
    assert not any(r.get("by") == "early" for r in o["reasons"])
    # as of the 9th 10:30 the only exam attempt counted is the 59.5
    o = _one(prog, ev, as_of="2023-01-09T10:30:00+08:00")
    assert o["status"] == "not_started" and not o["certificate"]
    assert {"code": "exam_not_passed", "exam": "final", "have": 59.5, "need": 60.0} in o["reasons"]


def test_manual_credit():
    lessons = [{"id": "L1", "title": "", "minutes": 30}, {"id": "L2", "title": "", "minutes": 30}]
    prog = _prog(requires={"lessons": 2}, lessons=lessons,
                 quiz={"mode": "completed", "pass_score": 60},
                 credit={"minutes_per_hour": 45, "hour_step": 0.1, "max_hours": None,
                         "cap_at_lesson_length": True, "min_study_ratio": 0.5})
    ev = [  # L1: 5 min online, no quiz; the office adds 30 min on the 12th -> capped at 30 min
        _study("L1", "2023-01-10T08:00:00+08:00", 300),
        {"kind": "credit", "participant": "T1", "lesson": "L1", "at": "2023-01-12T09:00:00+08:00",
         "seconds": 1800, "by": "office", "reason": "线下集中学习"},
        # L2: 10 min online (below the 15-minute minimum) and a quiz on the 10th; the
        # office adds 100 s on the 11th: credited at its `at` (the quiz alone did not)
        _study("L2", "2023-01-10T09:00:00+08:00", 600),
        {"kind": "quiz", "participant": "T1", "lesson": "L2", "at": "2023-01-10T09:20:00+08:00"},
        {"kind": "credit", "participant": "T1", "lesson": "L2", "at": "2023-01-11T09:00:00+08:00",
         "seconds": 100, "by": "office"}]
    o = _one(prog, ev)
    assert (o["lessons_credited"], o["seconds_studied"], o["seconds_credited"]) == (2, 2500, 2500)
    assert o["completed_at"] == "2023-01-12T09:00:00+08:00"      # the 2nd credit instant
    assert o["reasons"] == [
        {"code": "capped_at_lesson_length", "lesson": "L1", "have": 2100, "need": 1800},
        {"code": "manual_credit", "lesson": "L1", "seconds": 1800, "by": "office",
         "at": "2023-01-12T09:00:00+08:00", "reason": "线下集中学习"},
        {"code": "manual_credit", "lesson": "L2", "seconds": 100, "by": "office",
         "at": "2023-01-11T09:00:00+08:00"}]
    # as of the 11th 12:00 the L1 credit has not happened: L1 300 s < 900 s, quiz missing
    o = _one(prog, ev, as_of="2023-01-11T12:00:00+08:00")
    assert (o["lessons_credited"], o["seconds_studied"]) == (1, 1000)
    assert o["reasons"][0] == {"code": "below_minimum", "have": 1, "need": 2}
    assert {"code": "below_minimum", "lesson": "L1", "have": 300, "need": 900} in o["reasons"]
    # with 800 offline seconds on L2 the counted time (1400 s) meets the minimum,
    # but the offline seconds only exist from the credit's `at`: the quiz of the
    # 10th (600 s online) still does not credit L2, the credit of the 11th does
    ev2 = ev[:4] + [dict(ev[4], seconds=800)]
    o = _one(prog, ev2)
    assert o["completed_at"] == "2023-01-12T09:00:00+08:00"
    o = _one(dict(prog, categories={"t": {"label": label("t"), "certificate": True, "min_lessons": 1}}), ev2)
    assert o["completed_at"] == "2023-01-11T09:00:00+08:00"
    # and with 15 minutes online the quiz credits it on the 10th, before the credit
    ev3 = ev[:2] + [_study("L2", "2023-01-10T09:00:00+08:00", 900)] + ev[3:]
    o = _one(dict(prog, categories={"t": {"label": label("t"), "certificate": True, "min_lessons": 1}}), ev3)
    assert o["completed_at"] == "2023-01-10T09:20:00+08:00"


def test_screen_keeps_the_smallest_canonical_form():
    prog = _prog(requires={"lessons": 1})
    a = {"kind": "approval", "participant": "T1", "at": "2023-01-10T10:00:00+08:00", "by": "b", "id": "x"}
    b = dict(a, by="a")                    # smaller: "a" < "b"
    b2 = dict(b, at="2023-01-10T02:00:00Z")  # the same as b, written in UTC
    for order in ([a, b, b2], [b2, a, b], [b, b2, a]):
        s = reference.screen(prog, [{"id": "T1"}], order)
        assert [e["by"] for e in s.events] == ["a"]
        assert [(f, c, r["by"]) for f, c, r in s.rejected] == [("events", "duplicate_id", "b")]
        assert s.duplicates["events"] == 1
    # a later copy of the rejected record is a duplicate, not a second rejection
    s = reference.screen(prog, [{"id": "T1"}], [a, b, dict(a)])
    assert len(s.rejected) == 1 and s.duplicates["events"] == 1


# ---------------------------------------------------------------------------
# Small cases the random ones found, each named after its rule (records.md,
# rules.md): the CLI once broke each of them
# ---------------------------------------------------------------------------

def _minimal_prog():
    return _prog(requires={"all": [{"approval": True}, {"exam": "final"}]},
                 exams={"final": {"label": label("f"), "pass_score": 60}})


@needs_cli
def test_audit_reasons_do_not_depend_on_record_order():
    prog = _minimal_prog()
    ev = [{"kind": "approval", "participant": "T1", "at": "2023-01-13T10:00:00+08:00", "by": "b"},
          {"kind": "approval", "participant": "T1", "at": "2023-01-12T10:00:00+08:00", "by": "a"},
          {"kind": "credit", "participant": "T1", "lesson": "L1", "at": "2023-01-13T10:00:00+08:00",
           "seconds": 100, "by": "o3"},
          {"kind": "credit", "participant": "T1", "lesson": "L1", "at": "2023-01-12T10:00:00+08:00",
           "seconds": 100, "by": "o4"}]
    people = [{"id": "T1", "category": "t"}]
    a = run_cli(prog, people, ev)["stdout"]
    b = run_cli(prog, people, ev[::-1])["stdout"]
    assert a == b


@needs_cli
def test_approved_reason_carries_the_reason():
    prog = _minimal_prog()
    ev = [{"kind": "approval", "participant": "T1", "at": "2023-01-12T10:00:00+08:00", "by": "school",
           "reason": "材料齐全"}]
    out = run_cli(prog, [{"id": "T1", "category": "t"}], ev)["outcomes"][0]
    assert {"code": "approved", "by": "school", "at": "2023-01-12T10:00:00+08:00",
            "reason": "材料齐全"} in out["reasons"]


@needs_cli
def test_exam_without_score_is_a_sitting_that_did_not_pass():
    prog = _minimal_prog()
    ev = [{"kind": "exam", "participant": "T1", "exam": "final", "at": "2023-01-12T10:00:00+08:00"}]
    res = run_cli(prog, [{"id": "T1", "category": "t"}], ev)
    assert res["rejected"] == []
    assert res["outcomes"] == reference.evaluate(prog, [{"id": "T1", "category": "t"}], ev)


@needs_cli
def test_credit_seconds_as_iso_duration():
    prog = _minimal_prog()
    ev = [{"kind": "credit", "participant": "T1", "lesson": "L1", "at": "2023-01-12T10:00:00+08:00",
           "seconds": "PT30M", "by": "office"}]
    res = run_cli(prog, [{"id": "T1", "category": "t"}], ev)
    assert res["rejected"] == []
    assert res["outcomes"] == reference.evaluate(prog, [{"id": "T1", "category": "t"}], ev)


@needs_cli
def test_credit_only_lesson_without_quiz_is_credited_at_the_credit():
    prog = _prog(requires={"lessons": 1})             # quiz.mode none
    ev = [{"kind": "credit", "participant": "T1", "lesson": "L1", "at": "2023-01-20T19:01:09+08:00",
           "seconds": 900, "by": "office"}]
    out = run_cli(prog, [{"id": "T1", "category": "t"}], ev)["outcomes"][0]
    assert out["completed_at"] == "2023-01-20T19:01:09+08:00"


@needs_cli
def test_completion_at_the_window_start():
    prog = _prog(requires={"all": [{"lessons": 1}]})
    ev = [{"kind": "credit", "participant": "T1", "lesson": "L1", "at": "2023-01-09T00:00:00+08:00",
           "seconds": 900, "by": "office"}]
    people = [{"id": "T1", "category": "t"}]
    with_as_of = run_cli(prog, people, ev, "2023-01-09T00:00:00+08:00")["outcomes"][0]
    without = run_cli(prog, people, ev)["outcomes"][0]
    assert with_as_of["completed_at"] == "2023-01-09T00:00:00+08:00"
    assert without["completed_at"] == with_as_of["completed_at"]         # once 00:00:01


@needs_cli
def test_approvals_differing_in_reason_are_two_records():
    prog = _minimal_prog()
    a = {"kind": "approval", "participant": "T1", "at": "2023-01-12T10:00:00+08:00", "by": "school"}
    ev = [a, dict(a, reason="材料齐全"),                                # no id: two records
          dict(a, id="a1", at="2023-01-13T10:00:00+08:00", reason="x"),
          dict(a, id="a1", at="2023-01-13T10:00:00+08:00", reason="y")]  # one id: a conflict
    res = run_cli(prog, [{"id": "T1", "category": "t"}], ev)
    assert res["summary"]["events"] == (4, 3, 1, 0)
    assert [k[1] for k in res["rejected"]] == ["duplicate_id"]
