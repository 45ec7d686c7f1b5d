"""evalstats: survey analysis for government-conduct evaluations (政风行风测评 / 民主评议)."""

from __future__ import annotations

from .errors import EvalstatsError, InputError, RunError, SchemeError
from .scheme import Scheme, load_scheme

__version__ = "0.1.0"

__all__ = [
    "EvalstatsError",
    "InputError",
    "RunError",
    "Scheme",
    "SchemeError",
    "__version__",
    "load_scheme",
]
