"""The result of one statistical test: a frozen :class:`TestResult` with ``to_frame()``.

Numbers and codes only, never rounded; :func:`evalstats.present.changes.result_sentence` says
a result in words.

Examples
--------
>>> r = TestResult("trend", 8.2, 0.004, 1.0, "cochran-armitage", 397)
>>> replace_result(r, labels=("a", "b")).to_frame()[["test", "labels"]].values.tolist()
[['trend', 'a vs b']]
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from evalstats.stats.moved import moved_method
from evalstats.stats.multitest import check_alpha

RESULT_COLUMNS = [
    "test",
    "statistic",
    "df",
    "pvalue",
    "method",
    "n",
    "effect_size",
    "effect_size_name",
    "estimate",
    "estimate_name",
    "ci_low",
    "ci_high",
    "confidence_level",
    "labels",
    "note",
]
_NAN = float("nan")


# ====================================================================== the result object
@dataclass(frozen=True)
class TestResult:
    """Result of one statistical test.

    Attributes
    ----------
    test : str
        ``"rate_difference"``, ``"chi2_homogeneity"``, ``"kruskal_wallis"``,
        ``"mann_whitney"`` or ``"trend"``.
    statistic, pvalue, df : float
        Test statistic, two-sided p-value and degrees of freedom (NaN where not applicable).
    method : str
        How the p-value was obtained (e.g. ``"asymptotic"``, ``"monte-carlo"``).
    n : int
        Number of answers (observations) the test used.
    effect_size, effect_size_name : float, str
        An effect size and its name (``"cramers_v"``, ``"epsilon_squared"``,
        ``"probability_of_superiority"``), NaN / ``""`` when there is none.
    estimate, estimate_name, ci_low, ci_high, confidence_level : float, str
        A point estimate (e.g. a difference of rates) with its confidence interval.
    labels : tuple of str
        What was compared, e.g. the cycles ``("2026A", "2026H1")`` for an estimate
        ``first − second``.
    note : str
        Anything a reader must know (e.g. the number of Monte-Carlo tables).
    """

    __test__ = False  # not a pytest test class

    test: str
    statistic: float
    pvalue: float
    df: float
    method: str
    n: int
    effect_size: float = _NAN
    effect_size_name: str = ""
    estimate: float = _NAN
    estimate_name: str = ""
    ci_low: float = _NAN
    ci_high: float = _NAN
    confidence_level: float = _NAN
    labels: tuple[str, ...] = field(default=())
    note: str = ""

    # the sentence is presentation (issue 12)
    __getattr__ = moved_method(
        "TestResult",
        {"sentence": "evalstats.present.changes.result_sentence(r, lang, subject=..., alpha=...)"},
    )

    def to_frame(self) -> pd.DataFrame:
        """The result as a one-row DataFrame (columns ``RESULT_COLUMNS``; ``labels`` joined
        with ``" vs "``)."""
        row = asdict(self)
        row["labels"] = " vs ".join(self.labels)
        return pd.DataFrame([row], columns=RESULT_COLUMNS)

    def significant(self, alpha: float = 0.05) -> bool | None:
        """``pvalue <= alpha``; None when there is no p-value."""
        alpha = check_alpha(alpha)
        return None if math.isnan(self.pvalue) else bool(self.pvalue <= alpha)


def replace_result(res: TestResult, **changes) -> TestResult:
    """A copy of ``res`` with some fields changed (``dataclasses.replace`` for a frozen result).

    Parameters
    ----------
    res : TestResult
    **changes
        Field values to change, e.g. ``labels=("2026A", "2026H1")``.

    Returns
    -------
    TestResult
    """
    return TestResult(**(asdict(res) | changes))


__all__ = ["RESULT_COLUMNS", "TestResult", "replace_result"]
