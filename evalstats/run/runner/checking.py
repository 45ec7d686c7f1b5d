"""Step 2 of a run: hash every input file and validate the cycle(s), in a thread.

Validation is the runner's one heavy job and the kernel idles the second core while it starts
and reads, so :class:`Checking` runs :func:`hash_and_validate` beside the notebook's execution.
Invalid data end the run with :class:`~evalstats.core.errors.InputError` (exit 1, nothing
published) whatever the kernel did meanwhile: :meth:`Checking.raise_if_failed` raises the
validation's error in place of what stopped the run.

Examples
--------
>>> from evalstats.run.runner.checking import Checking
>>> checking = Checking(plan)  # doctest: +SKIP
>>> before = checking.result()  # doctest: +SKIP
>>> before  # doctest: +SKIP
{PosixPath('data/raw/2026A/responses.csv'): ('3f5c…', 48213), ...}
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from evalstats.run.publish import InputsChanged, hash_inputs, input_files
from evalstats.run.runner.plan import RunPlan

__all__ = ["Checking", "hash_and_validate"]


class Checking:
    """Step 2 (:func:`hash_and_validate`) in a thread, beside the notebook's execution.

    Validation is the runner's one heavy job and the kernel idles the second core while it
    starts and reads: on a 1M-form annual cycle running them side by side saves ~10 s.
    """

    def __init__(self, plan: RunPlan):
        self.identifiers: dict = {}
        self.seconds: float | None = None
        self._result = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(plan,), name="evalstats-validate", daemon=True
        )
        self._thread.start()

    def _run(self, plan: RunPlan) -> None:
        t = time.perf_counter()
        try:
            self._result = hash_and_validate(plan, identifiers=self.identifiers)
        except BaseException as exc:  # handed to the main thread by result()
            self._error = exc
        finally:
            self.seconds = time.perf_counter() - t

    def result(self) -> dict[Path, tuple[str, int]]:
        """The input hashes, once validation is done; its error if it failed."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result

    def raise_if_failed(self, exc: BaseException | None = None) -> None:
        """After ``exc`` stopped the run: raise the validation's error instead, if any.

        An interrupt (Ctrl-C) does not wait for the validation to finish.
        """
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            return
        self._thread.join()
        if self._error is not None:
            raise self._error from None


def hash_and_validate(
    plan: RunPlan, *, identifiers: dict | None = None
) -> dict[Path, tuple[str, int]]:
    """Step 2: hash every input file, then validate the cycle(s); InputError if invalid.

    ``identifiers``, when given, is filled with each cycle's respondent-identifier summary
    (pseudonymised / dropped / absent, and the key's fingerprint) for the manifest.
    """
    from evalstats.inputs.validate import validate_cycle

    files = input_files(plan.folders, [plan.scheme_file])
    before = hash_inputs(files)
    if plan.backend == "pandas":
        validated = [
            validate_cycle(f, scheme=plan.scheme, cycle=c)
            for f, c in zip(plan.folders, plan.cycles, strict=True)
        ]
    else:  # out of core: the DuckDB scan (every row checked, problems with their rows)
        from evalstats.counts.backends import scan_cycle

        limit = dict(plan.backend_options).get("memory_limit")
        validated = [
            scan_cycle(f, scheme=plan.scheme, cycle=c, memory_limit=limit)
            for f, c in zip(plan.folders, plan.cycles, strict=True)
        ]
    if identifiers is not None:
        for c, v in zip(plan.cycles, validated, strict=True):
            summary = v.summary() if hasattr(v, "summary") else {}
            identifiers[c] = summary.get("identifiers", {"action": "not_checked"})
    # the bytes validated must be the bytes hashed
    read = {
        Path(f): sha
        for v in validated
        for f, sha in zip(v.inputs["file"], v.inputs["sha256"], strict=True)
        if isinstance(f, str) and isinstance(sha, str)
    }
    changed = [str(p) for p, sha in read.items() if p in before and before[p][0] != sha]
    if changed:
        raise InputsChanged(
            "input files changed while they were read: " + ", ".join(changed),
            zh="读取期间输入文件有改动：" + "、".join(changed),
        )
    return before
