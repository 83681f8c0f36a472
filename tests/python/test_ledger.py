"""yanxiu.Ledger (the streaming ledger) against yanxiu.evaluate (batch).

A simulated cohort replayed one record at a time, in random order, into a
Ledger must give, field by field, what batch evaluation of the same records
gives; and snapshot() -> restore() must give the same ledger back.
"""

from __future__ import annotations

import random
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import yanxiu

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cohorts  # noqa: E402

CN = timezone(timedelta(hours=8))
WINDOW_START = datetime(2023, 1, 9, tzinfo=CN)
WINDOW_END = datetime(2023, 2, 11, tzinfo=CN)
CATEGORIES = [("mh_fulltime", "secondary"), ("mh_parttime", "primary"), ("homeroom", "primary"),
              ("homeroom", "undergraduate"), ("counselor", "undergraduate"), ("other", "kindergarten")]
LESSONS = [f"L{i:02d}" for i in range(1, 21)]


def _iso(t: datetime) -> str:
    return t.isoformat()


def simulate_cohort(n: int, seed: int) -> tuple[list[dict], list[dict]]:
    """A small cohort with the behaviours the rules care about: steady
    finishers, crammers crossing the deadline, quiz skippers, quizzes before
    study, two tabs (overlap), early sessions crossing into the window,
    unverified and non-target teachers, and exact re-sent duplicates."""
    rng = random.Random(seed)
    participants: list[dict] = []
    events: list[dict] = []
    for i in range(n):
        pid = f"T{i:05d}"
        category, sector = rng.choice(CATEGORIES)
        person = {"id": pid, "unit": rng.choice(["长沙市", "株洲市", "湘潭大学", ""]), "sector": sector,
                  "category": category}
        if rng.random() < 0.05:
            person["verified"] = False
        participants.append(person)
        behaviour = rng.choice(["steady", "steady", "crammer", "skipper", "two_tabs", "early", "idle"])
        if behaviour == "idle":
            continue
        lessons = rng.sample(LESSONS, rng.randint(3, 18))
        if behaviour == "crammer":
            t = WINDOW_END - timedelta(hours=rng.randint(4, 30))
        elif behaviour == "early":
            t = WINDOW_START - timedelta(minutes=rng.randint(10, 300))
        else:
            t = WINDOW_START + timedelta(days=rng.randint(0, 25), hours=rng.randint(7, 20))
        for lesson in lessons:
            minutes = rng.randint(5, 50)
            start, end = t, t + timedelta(minutes=minutes, seconds=rng.randint(0, 59))
            study = {"kind": "study", "participant": pid, "lesson": lesson, "start": _iso(start)}
            if rng.random() < 0.3:
                study["duration"] = int((end - start).total_seconds())
            else:
                study["end"] = _iso(end)
            events.append(study)
            if behaviour == "two_tabs" and rng.random() < 0.5:
                other = rng.choice(LESSONS)
                events.append({"kind": "study", "participant": pid, "lesson": other,
                               "start": _iso(start + timedelta(minutes=2)),
                               "end": _iso(end + timedelta(minutes=rng.randint(-3, 10)))})
            if rng.random() < 0.1:
                events.append(dict(study))  # re-sent: a duplicate
            quiz_p = 0.4 if behaviour == "skipper" else 0.95
            if rng.random() < quiz_p:
                at = end + timedelta(minutes=rng.randint(0, 20))
                if rng.random() < 0.05:
                    at = start - timedelta(minutes=5)  # quiz before study
                quiz = {"kind": "quiz", "participant": pid, "lesson": lesson, "at": _iso(at),
                        "score": rng.randint(30, 100)}
                if rng.random() < 0.05:
                    quiz["completed"] = False
                events.append(quiz)
            t = end + timedelta(minutes=rng.randint(-10, 600))
    return participants, events


def replay(program: yanxiu.Program, participants: list[dict], events: list[dict],
           rng: random.Random) -> tuple[yanxiu.Ledger, list[yanxiu.Update]]:
    """Adds the records in a random order in which each participant comes
    before its events (an event of an unknown participant is rejected)."""
    by_participant: dict[str, list[dict]] = {}
    for e in events:
        by_participant.setdefault(e["participant"], []).append(e)
    order = list(participants)
    rng.shuffle(order)
    pending: list[dict] = []
    updates = []
    ledger = yanxiu.Ledger(program)
    for person in order:
        assert ledger.add_participant(person).accepted
        pending.extend(by_participant.get(person["id"], []))
        # Drain a random share of what is pending, in random order.
        rng.shuffle(pending)
        take = rng.randint(0, len(pending))
        for e in pending[:take]:
            updates.append(ledger.add(e))
        del pending[:take]
    rng.shuffle(pending)
    for e in pending:
        updates.append(ledger.add(e))
    return ledger, updates


def outcome_fields(o: yanxiu.Outcome) -> dict:
    d = o.to_dict(include_lessons=True)
    d["started_from"] = o.started_from
    d["completed_from"] = o.completed_from
    d["credited_from"] = [lesson.credited_from for lesson in o.lessons]
    return d


def assert_same_outcomes(streamed: list[yanxiu.Outcome], batch: list[yanxiu.Outcome]) -> None:
    assert [o.participant for o in streamed] == [o.participant for o in batch]
    for s, b in zip(streamed, batch):
        assert outcome_fields(s) == outcome_fields(b), s.participant
        assert s == b


@pytest.fixture(scope="module")
def hunan() -> yanxiu.Program:
    return yanxiu.Program.load("hunan-2023-mh-winter")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ledger_in_random_order_equals_batch(hunan, seed):
    participants, events = simulate_cohort(300, seed)
    batch = yanxiu.evaluate(hunan, participants, events)
    assert not batch.rejected
    ledger, updates = replay(hunan, participants, events, random.Random(seed * 7919))
    assert_same_outcomes(ledger.outcomes(), batch.outcomes)
    for o in batch.outcomes[::17]:
        one = ledger.outcome(o.participant)
        assert one is not None and outcome_fields(one) == outcome_fields(o)
    # Every record counted once: accepted + duplicates = records given.
    assert sum(u.accepted for u in updates) + sum(u.duplicate for u in updates) == len(events)
    assert sum(u.accepted for u in updates) == batch.summary["events"]["accepted"]
    assert sum(u.completed_now for u in updates) == batch.status_counts()["completed"]


@pytest.mark.parametrize("as_of", ["2023-01-20", "2023-02-10T12:00:00+08:00", "2023-02-10"])
def test_ledger_as_of_equals_batch_as_of(hunan, as_of):
    participants, events = simulate_cohort(200, 11)
    batch = yanxiu.evaluate(hunan, participants, events, as_of=as_of)
    ledger, _ = replay(hunan, participants, events, random.Random(5))
    assert_same_outcomes(ledger.outcomes(as_of=as_of), batch.outcomes)
    for o in batch.outcomes[::23]:
        assert outcome_fields(ledger.outcome(o.participant, as_of=as_of)) == outcome_fields(o)


@pytest.mark.parametrize("seed", range(20))
def test_ledger_equals_batch_on_property_cohorts(seed):
    """The property-test cohorts: catalogues, caps, minimum study, quiz modes, as_of."""
    cohort = cohorts.cohort_from_seed(seed)
    program = yanxiu.Program.from_json(cohort["program"])
    participants, events = cohort["participants"], cohort["events"]
    batch = yanxiu.evaluate(program, participants, events, as_of=cohort["as_of"])
    ledger, _ = replay(program, participants, events, random.Random(seed))
    assert_same_outcomes(ledger.outcomes(as_of=cohort["as_of"]), batch.outcomes)


def test_update_reports_the_participants_standing(hunan):
    ledger = yanxiu.Ledger(hunan)
    added = ledger.add_participant({"id": "T1", "unit": "长沙市", "sector": "primary", "category": "homeroom"})
    assert added.accepted and added.result == "accepted" and added.id == "T1" and added.rejection is None and added
    again = ledger.add_participant({"id": "T1", "unit": "长沙市", "sector": "primary", "category": "homeroom"})
    assert again.duplicate and again.result == "duplicate" and not again
    completed = []
    for k in range(10):
        start = datetime(2023, 1, 10 + k, 19, 0, tzinfo=CN)
        u = ledger.add({"kind": "study", "participant": "T1", "lesson": f"L{k:02d}", "start": start,
                        "end": start + timedelta(minutes=45)})
        assert u.accepted and not u.duplicate and u.rejection is None
        assert u.status == "in_progress" and u.lessons_credited == k
        u = ledger.add({"kind": "quiz", "participant": "T1", "lesson": f"L{k:02d}",
                        "at": start + timedelta(minutes=50), "score": 90})
        assert u.lessons_credited == k + 1 and u.lessons_required == 10
        assert u.seconds_credited == (k + 1) * 2700 and u.hours_credited == k + 1
        completed.append(u.completed_now)
    assert completed == [False] * 9 + [True]
    assert u.status == "completed"
    assert repr(u).startswith("yanxiu.Update(accepted=True, duplicate=False, participant='T1', status='completed'")
    again = ledger.add({"kind": "quiz", "participant": "T1", "lesson": "L09",
                        "at": datetime(2023, 1, 19, 19, 50, tzinfo=CN), "score": 90})
    assert again.duplicate and not again.accepted and not again.completed_now
    assert again.status == "completed"


def test_rejections(hunan):
    ledger = yanxiu.Ledger(hunan)
    added = ledger.add_participant({"unit": "长沙市"})
    assert added.result == "rejected" and not added
    r = added.rejection
    assert isinstance(r, yanxiu.Rejection) and r.code == "missing_field" and r.field == "id"
    early = {"kind": "study", "participant": "nobody", "lesson": "L01",
             "start": "2023-01-10T19:00:00+08:00", "end": "2023-01-10T19:30:00+08:00"}
    u = ledger.add(early)
    assert u.accepted and u.parked and ledger.parked_count == 1  # waits for its participant
    assert "parked=True" in repr(u)
    strict = yanxiu.Ledger(hunan, park_limit=0)
    u = strict.add(early)
    assert not u.accepted and u.rejection is not None and u.rejection.code == "unknown_participant"
    assert "rejection=yanxiu.Rejection(" in repr(u)
    ledger.add_participant({"id": "T1", "category": "homeroom"})
    u = ledger.add({"kind": "study", "participant": "T1", "lesson": "L01",
                    "start": "2023-01-10T19:00:00+08:00", "end": "not a time"})
    assert u.rejection.code == "bad_timestamp" and u.rejection.field == "end"
    assert ledger.outcome("T1").status == "not_started"
    assert ledger.outcome("nobody") is None
    ledger.add_participant({"id": "nobody", "category": "homeroom"})
    assert ledger.parked_count == 0 and ledger.outcome("nobody").seconds_studied == 1800
    with pytest.raises(TypeError):
        ledger.add(["not", "a", "dict"])


def test_snapshot_restore_round_trip(hunan):
    participants, events = simulate_cohort(150, 21)
    ledger, _ = replay(hunan, participants, events, random.Random(3))
    snapshot = ledger.snapshot()
    assert snapshot["format"] == "yanxiu-ledger/1"
    restored = yanxiu.Ledger.restore(snapshot)
    assert restored.participant_count == ledger.participant_count
    assert restored.event_count == ledger.event_count
    assert_same_outcomes(restored.outcomes(), ledger.outcomes())
    assert_same_outcomes(restored.outcomes(as_of="2023-01-25"), ledger.outcomes(as_of="2023-01-25"))
    # The restored ledger goes on where the old one stopped.
    extra = {"kind": "study", "participant": participants[0]["id"], "lesson": "L99",
             "start": "2023-02-01T10:00:00+08:00", "end": "2023-02-01T10:30:00+08:00"}
    a, b = ledger.add(extra), restored.add(extra)
    assert (a.accepted, a.status, a.seconds_credited) == (b.accepted, b.status, b.seconds_credited)
    assert restored.snapshot() == ledger.snapshot()
    with pytest.raises(yanxiu.ProgramError):
        yanxiu.Ledger.restore({"format": "something else"})


def test_threads_share_a_ledger(hunan):
    participants, events = simulate_cohort(120, 8)
    ledger = yanxiu.Ledger(hunan)
    for p in participants:
        ledger.add_participant(p)
    chunks = [events[i::4] for i in range(4)]
    threads = [threading.Thread(target=lambda c=c: [ledger.add(e) for e in c]) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert_same_outcomes(ledger.outcomes(), yanxiu.evaluate(hunan, participants, events).outcomes)


def test_names_and_reprs(hunan):
    assert "Ledger" in yanxiu.__all__ and "Update" in yanxiu.__all__
    assert yanxiu.Ledger.__module__ == "yanxiu" and yanxiu.Update.__module__ == "yanxiu"
    ledger = yanxiu.Ledger(hunan)
    assert repr(ledger) == "yanxiu.Ledger(program='hunan-2023-mh-winter', participants=0, events=0)"
    assert ledger.program.id == "hunan-2023-mh-winter"


def test_records_convert_the_same_way_as_in_evaluate(hunan):
    """The Ledger and yanxiu.evaluate share one converter: pd.NA and NaN are
    missing in both, a numeric id comes back as text, a list is a bad_type."""
    pd = pytest.importorskip("pandas")
    ledger = yanxiu.Ledger(hunan)
    added = ledger.add_participant({"id": 7, "unit": "长沙市", "sector": pd.NA, "category": "homeroom",
                                    "verified": float("nan")})
    assert added.accepted and added.id == "7"
    study = {"kind": "study", "participant": 7, "lesson": "L01", "start": "2023-01-10T19:00:00+08:00",
             "end": "2023-01-10T19:30:00+08:00", "id": pd.NA}
    u = ledger.add(study)
    assert u.accepted and u.participant == "7"
    bad = ledger.add({**study, "lesson": ["L01"]})
    assert bad.rejection is not None and bad.rejection.code == "bad_type" and bad.rejection.field == "lesson"
    batch = yanxiu.evaluate(hunan, [{"id": 7, "unit": "长沙市", "sector": pd.NA, "category": "homeroom",
                                     "verified": float("nan")}], [study])
    assert [o.to_dict() for o in ledger.outcomes()] == [o.to_dict() for o in batch]
