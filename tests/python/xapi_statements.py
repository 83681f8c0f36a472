"""xAPI statements for the tests: the example cohort's events as an LRS
would hold them (statements_of), with the awkward statements an export
holds, and the command line's `xapi:` line read back."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

XAPI_LINE = re.compile(r"^xapi: read (\d+) = mapped (\d+) \+ ignored (\d+) \+ rejected (\d+) \+ duplicates (\d+)$",
                       re.M)


def _actor(participant: str) -> dict[str, Any]:
    return {"objectType": "Agent", "account": {"homePage": "https://platform.example", "name": participant}}


def _object(lesson: str, assessment: bool = False) -> dict[str, Any]:
    obj: dict[str, Any] = {"objectType": "Activity", "id": f"https://platform.example/course/{lesson}?lesson={lesson}"}
    if assessment:
        obj["definition"] = {"type": "http://adlnet.gov/expapi/activities/assessment"}
    return obj


def statement_id(name: str) -> str:
    """A statement id (a UUID, as xAPI needs) named by a short test name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://platform.example/statements/{name}"))


def _verb(name: str) -> dict[str, Any]:
    return {"id": f"http://adlnet.gov/expapi/verbs/{name}"}


def statements_of(events: list[dict[str, Any]]) -> list[Any]:
    """The example events as xAPI statements (study: `terminated` with the
    session's length, at its end; quiz: `passed`/`failed` on an assessment
    with the scaled score), then the awkward ones an export holds."""
    out: list[Any] = []
    for n, e in enumerate(events):
        if e["kind"] == "study":
            try:
                start = datetime.fromisoformat(e["start"])
                end = start + timedelta(minutes=int(e["duration"][2:-1])) if "duration" in e \
                    else datetime.fromisoformat(e["end"])
                timestamp, duration = end.isoformat(), f"PT{int((end - start).total_seconds())}S"
            except ValueError:  # 30 February: the reader's to reject
                timestamp, duration = e["end"], "PT30M"
            out.append({"id": statement_id(f"s-{n}"), "actor": _actor(e["participant"]), "verb": _verb("terminated"),
                        "object": _object(e["lesson"]), "result": {"duration": duration}, "timestamp": timestamp})
        else:
            result: dict[str, Any] = {"score": {"scaled": e["score"] / 100}}
            if "completed" in e:
                result["completion"] = e["completed"]
            out.append({"id": statement_id(f"q-{n}"), "actor": _actor(e["participant"]),
                        "verb": _verb("passed" if e["score"] >= 60 else "failed"),
                        "object": _object(e["lesson"], assessment=True), "result": result, "timestamp": e["at"]})
    first = out[0]
    out.append({"id": statement_id("v-1"), "actor": first["actor"], "verb": _verb("voided"),
                "object": {"objectType": "StatementRef", "id": first["id"]}, "timestamp": "2023-01-20T10:00:00+08:00"})
    out.append({"id": statement_id("i-1"), "actor": first["actor"], "verb": _verb("initialized"), "object": _object("L01"),
                "timestamp": "2023-01-20T10:00:00+08:00"})
    out.append(json.loads(json.dumps(out[2])))  # sent twice
    out.append(42)  # not a statement
    return out


def example_statements(data: Path) -> list[Any]:
    """statements_of the example events (examples/data/events.jsonl)."""
    events = [json.loads(line) for line in (data / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    return statements_of(events)


def write_jsonl(path: Path, statements: list[Any]) -> Path:
    """One statement a line, so that a statement's line is its position."""
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in statements), encoding="utf-8")
    return path


def xapi_line(stderr: str) -> dict[str, int]:
    """The counts of the one `xapi: read ...` line on stderr."""
    (m,) = XAPI_LINE.findall(stderr)
    return dict(zip(("read", "mapped", "ignored", "rejected", "duplicates"), map(int, m)))
