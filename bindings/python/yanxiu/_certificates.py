"""Certificates anyone can verify: `yanxiu.keygen`, `yanxiu.certify`,
`yanxiu.verify` (the library's certificate.hpp; Ed25519 by libsodium)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _core
from ._core import Program
from . import _xapi
from ._evaluation import AsOf, Records, _add

if TYPE_CHECKING:
    import pandas as pd

#: The columns of Certificates.frame(), in order.
CERTIFICATE_COLUMNS = ("id", "code", "participant", "name", "unit", "category", "hours", "seconds", "lessons",
                       "completed_at", "issued_at", "supersedes", "programme_id", "programme_version", "key")

PathLike = str | bytes | os.PathLike[str] | os.PathLike[bytes]


@dataclass(frozen=True)
class Certificate:
    """One signed certificate record, as `line` holds it (canonical JSON)."""

    id: str
    code: str
    participant: str
    name: str
    unit: str
    category: str
    hours: str
    seconds: int
    lessons: int
    completed_at: str
    issued_at: str
    supersedes: str
    programme_id: str
    programme_version: str
    programme_sha256: str
    key: str
    sig: str
    line: str = field(repr=False)
    #: The SHA-256 link to the record before it in its file ("" for the first).
    prev: str = field(default="", repr=False)

    @classmethod
    def from_line(cls, line: str) -> Certificate:
        j = json.loads(line)
        p = j["programme"]
        return cls(id=j["id"], code=j["code"], participant=j["participant"], name=j.get("name", ""), unit=j["unit"],
                   category=j["category"], hours=j["hours"], seconds=j["seconds"], lessons=j["lessons"],
                   completed_at=j["completed_at"], issued_at=j["issued_at"], supersedes=j.get("supersedes", ""),
                   programme_id=p["id"], programme_version=p["version"], programme_sha256=p["sha256"], key=j["key"],
                   sig=j["sig"], line=line, prev=j.get("prev", ""))


class Certificates(Sequence[Certificate]):
    """The certificates `certify` issued, previous ones first."""

    def __init__(self, lines: list[str]) -> None:
        self._items = [Certificate.from_line(line) for line in lines]

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i: Any) -> Any:
        return self._items[i]

    def __iter__(self) -> Iterator[Certificate]:
        return iter(self._items)

    def text(self) -> str:
        """The certificate file: one canonical line each (what `yanxiu certify --out` writes)."""
        return "".join(c.line + "\n" for c in self._items)

    def write(self, path: PathLike) -> None:
        """Writes the file through a temporary beside it, put in place whole."""
        target = os.fsdecode(path)
        temporary = f"{target}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8", newline="\n") as f:
            f.write(self.text())
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)

    def frame(self) -> pd.DataFrame:
        """One row per certificate (CERTIFICATE_COLUMNS)."""
        import pandas as pd

        return pd.DataFrame([[getattr(c, k) for k in CERTIFICATE_COLUMNS] for c in self._items],
                            columns=list(CERTIFICATE_COLUMNS))

    def __repr__(self) -> str:
        return f"<yanxiu.Certificates: {len(self)}>"


def keygen(path: PathLike, overwrite: bool = False) -> str:
    """Writes an Ed25519 key pair: `path` (the secret, mode 0600) and
    `path.pub`; returns the key id.  Refuses to overwrite unless `overwrite`."""
    return _core._keygen(os.fsdecode(path), overwrite)


def _text(path: PathLike) -> bytes:
    """A file's bytes as they are: the library judges them (a line that is
    not UTF-8 is that line's failure, as on the command line)."""
    with open(path, "rb") as f:
        return f.read()


def certify(program: Program, key: PathLike, participants: Records, events: Records | None = None, *,
            xapi: Any = None, xapi_lesson: str = "last_segment", as_of: AsOf = None, issued_at: AsOf = None,
            previous: PathLike | Iterable[Certificate] | None = None, threads: int = 0) -> Certificates:
    """Evaluates the records as `yanxiu.evaluate` does and issues one signed
    certificate per certified participant, as `yanxiu certify` does (the same
    bytes for the same inputs and key).  `previous`: certificates issued
    before (a file or Certificate objects): unchanged ones are kept as they
    are, changed ones reissued with `supersedes`; a previous file that does not
    verify as this key issued it raises ValueError naming the line."""
    if not isinstance(program, Program):
        raise TypeError(f"program must be a yanxiu.Program, not {type(program).__name__}")
    if events is None and xapi is None:
        raise TypeError("certify needs events or xapi")
    secret = _text(key)
    before: bytes
    name = "previous"
    if previous is None:
        before = b""
    elif isinstance(previous, (str, bytes, os.PathLike)):
        before = _text(previous)
        name = os.fsdecode(previous)
    else:
        before = "".join(c.line + "\n" for c in previous).encode("utf-8")
    data = _core._Dataset(program, threads)
    _add(data, False, participants, "participants")
    if events is not None:
        _add(data, True, events, "events")
    if xapi is not None:
        _xapi._read_into(data, xapi, xapi_lesson)
    lines = data.certify(_core._parse_as_of(program, as_of), threads, secret, before,
                         _core._parse_as_of(program, issued_at) if issued_at is not None else None, name)
    return Certificates(lines)


@dataclass(frozen=True)
class VerifyResult:
    """What `verify` found: `issues` are (file, line, id, why), one per failed line."""

    records: int
    valid: int
    issues: list[tuple[str, int, str, str]]

    @property
    def ok(self) -> bool:
        return not self.issues


def verify(pub: PathLike, *files: PathLike, revoked: PathLike | None = None) -> VerifyResult:
    """Checks certificate files as `yanxiu verify` does: canonical form,
    signature by `pub`, not twice, not revoked, not superseded."""
    if not files:
        raise TypeError("verify needs at least one certificates file")
    texts = [(os.fsdecode(f), _text(f)) for f in files]
    revocations = [(os.fsdecode(revoked), _text(revoked))] if revoked is not None else []
    records, valid, issues = _core._verify(_text(pub), texts, revocations)
    return VerifyResult(records, valid, list(issues))


@dataclass(frozen=True)
class ProvenanceCheck:
    """What `check_provenance` found: `problems` names each file missing or
    changed; `embedded` when the provenance came from inside the output (a
    report's JSON or HTML), which cannot name its own SHA-256."""

    files: int
    problems: list[str]
    embedded: bool

    @property
    def ok(self) -> bool:
        return not self.problems


def check_provenance(path: PathLike) -> ProvenanceCheck:
    """Checks an output against its provenance as `yanxiu provenance` does:
    `FILE.provenance.json` beside it (or the sidecar itself), else the
    provenance a report's JSON or HTML carries; every file it names is
    re-hashed.  Raises ValueError when there is no provenance to check."""
    files, problems, embedded = _core._check_provenance(os.fsdecode(path))
    return ProvenanceCheck(files, list(problems), embedded)
