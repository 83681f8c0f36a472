"""What the Python benchmarks share."""

from __future__ import annotations

import time
from typing import Any, Callable


def best_of(repeats: int, f: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall time of `repeats` calls of `f`, and the last call's result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = f()
        best = min(best, time.perf_counter() - t0)
    return best, result
