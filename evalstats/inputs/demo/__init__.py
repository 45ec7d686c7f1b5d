"""Demo data: a realistic, deterministic town for ``2026H1`` and ``2026A``, and large cycles.

:func:`write_demo` writes two cycle folders as offices send them — responses of the
half-year as an ``.xlsx`` with a title row above the header, responses of the year end as a
GBK-encoded ``.csv`` (units typed by name in the one and by code in the other), plus
``units``, ``forms_issued``, ``incidents`` and ``exclusions``.  The town has 24 units in
three series (a 25th, 退役军人服务站, appears at the year end only).

The answers come from a latent-quality model (an ordered-probit): for form *f* of unit *u*
in group *g*, the latent value on dimension *d* is

.. math:: y_{fd} = \\mu_u + \\delta_{ud} + \\gamma_g + h_f + e_{fd},
          \\quad h_f \\sim N(0, 0.8^2),\\; e_{fd} \\sim N(0, 0.6^2)

and the level is the band of *y* between fixed cut points that give an average unit a mix of
about 60 % top level, 24 % second, 11 % third and 5 % worst.  The per-form "halo" :math:`h_f`
makes one respondent's answers correlate (as real forms do).  Some answers are 不了解 (more
often from the public, and on integrity-like dimensions) and some are left blank.

Planted features (what the analyses must find):

- 综治办, 建管站 and 运管站 are weak in the half-year (on two dimensions each) and partly
  recover by the year end; in 行政管理 the last unit (综治办) is clearly last, in 行政执法 the
  bottom two (建管站, 运管站) are close, so 末位 is not distinguishable;
- critical comments (意见建议), mostly on the weak units;
- forms typed twice (same id, same answers): 3 in 2026H1, 4 in 2026A;
- a burst in 2026H1: 15 forms for 运管站, all top level on every dimension, collected by
  王某 within 10 minutes;
- one voided form per cycle listed in ``exclusions.csv`` with its reason;
- one veto incident in 2026A (国土所, which otherwise scores well).

With ``with_identifiers=True`` the responses also carry the respondent's name (评议人姓名)
and phone number (联系电话), typed in several ways (spaces, dashes, ``+86``, full-width
digits), so that validation must replace them by keyed pseudonyms
(:mod:`evalstats.inputs.pseudonym`).
Each respondent rates several units once each; about 5 % of forms are anonymous, some give only
a name or only a phone; the 15 burst forms come from only 3 respondents (5 forms each for
运管站: :func:`evalstats.inputs.pseudonym.repeated_respondents` finds them).  Names and phones are
drawn from a separate random stream, so every other cell is the same as without them.

The story is made to hold for every seed by conditional simulation: a cycle is drawn, its
composites (as DOMAIN.md defines them) and a normal-approximation P(last) are computed, and
the draw is repeated with the next sub-seed until the conditions hold (综治办 last with
P(last) >= 0.9; 建管站 or 运管站 last in 行政执法, within 3 points of the next, with
P(last) <= 0.45; no composite near the veto threshold; at the year end the three weak units up
by more than 3 points and 国土所 in its series' top 3).  The official figures come from the
scoring module, not from this check.

:func:`write_large` writes a large synthetic cycle for benchmarks, chunk by chunk.

Examples
--------
>>> import tempfile
>>> from evalstats.inputs.demo import write_demo
>>> with tempfile.TemporaryDirectory() as d:
...     [p.name for p in write_demo(d)]
['2026H1', '2026A']
"""

from __future__ import annotations

from evalstats.inputs.demo.large import write_large
from evalstats.inputs.demo.story import demo_files, write_demo
from evalstats.inputs.demo.town import DEMO_CYCLES

__all__ = [
    "DEMO_CYCLES",
    "demo_files",
    "write_demo",
    "write_large",
]
