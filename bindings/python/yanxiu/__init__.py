"""yanxiu 研修 — rules for teacher-training programmes.

The C++ library through pybind11, by the same names::

    import yanxiu

    program = yanxiu.Program.load("hunan-2023-mh-winter")
    evaluation = yanxiu.evaluate(program, "participants.jsonl", "events.jsonl", as_of="2023-01-25")
    evaluation["T001"].status          # 'completed'
    evaluation.to_frame()              # pandas, one row per participant
    yanxiu.evaluate(program, "participants.jsonl", xapi="statements.json")  # xAPI from an LRS

A bad programme raises `ProgramError` (a ValueError), an unknown programme
`ProgramNotFound` (a LookupError); bad records never raise, they are in
`evaluation.rejected`.
"""

from __future__ import annotations

from . import _core
from ._core import (
    AddResult,
    Category,
    CreditRule,
    Label,
    Ledger,
    Lesson,
    LessonResult,
    Milestone,
    Outcome,
    Program,
    ProgramError,
    ProgramNotFound,
    QuizRule,
    Reason,
    Rejection,
    SupportChannel,
    Update,
    Window,
    message,
)
from ._evaluation import OUTCOME_COLUMNS, REQUIREMENT_COLUMNS, STATUSES, Evaluation, InputWarning, evaluate
from ._report import UNIT_COLUMNS, Report, report, simulate, use_cjk_font
from ._diff import CHANGE_COLUMNS, COUNT_COLUMNS, ProgramDiff, diff
from ._xapi import XAPI_EVENT_COLUMNS, XapiRead, read_xapi
from ._certificates import (CERTIFICATE_COLUMNS, Certificate, Certificates, ProvenanceCheck, VerifyResult, certify,
                            check_provenance, keygen, verify)

#: The library version (yanxiu::kVersion, include/yanxiu/version.hpp).
__version__: str = _core.__version__

# Reprs and help() name the public package.
Evaluation.__module__ = __name__
evaluate.__module__ = __name__
Report.__module__ = __name__
report.__module__ = __name__
simulate.__module__ = __name__
ProgramDiff.__module__ = __name__
diff.__module__ = __name__
XapiRead.__module__ = __name__
read_xapi.__module__ = __name__
for _name in (Certificate, Certificates, ProvenanceCheck, VerifyResult, certify, check_provenance, keygen, verify):
    _name.__module__ = __name__

__all__ = [
    "use_cjk_font",
    "AddResult",
    "CERTIFICATE_COLUMNS",
    "Certificate",
    "Certificates",
    "ProvenanceCheck",
    "VerifyResult",
    "certify",
    "check_provenance",
    "keygen",
    "verify",
    "CHANGE_COLUMNS",
    "COUNT_COLUMNS",
    "Category",
    "CreditRule",
    "Evaluation",
    "InputWarning",
    "Label",
    "Ledger",
    "Lesson",
    "LessonResult",
    "Milestone",
    "OUTCOME_COLUMNS",
    "REQUIREMENT_COLUMNS",
    "Outcome",
    "Program",
    "ProgramDiff",
    "ProgramError",
    "ProgramNotFound",
    "QuizRule",
    "Reason",
    "Rejection",
    "Report",
    "UNIT_COLUMNS",
    "diff",
    "report",
    "simulate",
    "STATUSES",
    "SupportChannel",
    "Update",
    "Window",
    "XAPI_EVENT_COLUMNS",
    "XapiRead",
    "__version__",
    "evaluate",
    "message",
    "read_xapi",
]
