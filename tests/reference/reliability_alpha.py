"""Known answers for Cronbach's alpha and its Feldt interval.

The source is written above each value.  Every value was also re-derived independently of
evalstats (by hand, or with ``pandas.DataFrame.cov`` and ``scipy.stats.f.isf``) before it was
written here.
"""

from fractions import Fraction

# Issue 4 of this project ("items A = 3,2,4,3,4; B = 4,3,4,2,4; C = 3,4,5,3,4 give
# alpha = 63/86"); the same 5 × 3 example is worked in "How is cronbach alpha coefficient
# calculated" (askan.ai).  By hand: item variances (ddof=1) 0.7, 0.8, 0.7 (sum 2.2); totals
# 10, 9, 13, 8, 12 with variance 4.3; alpha = 3/2 · (1 − 2.2/4.3) = 3.15/4.3 = 63/86.
ISSUE_ITEMS = {"A": [3, 2, 4, 3, 4], "B": [4, 3, 4, 2, 4], "C": [3, 4, 5, 3, 4]}
ISSUE_ALPHA = Fraction(63, 86)
ISSUE_ITEM_VARIANCES = [Fraction(7, 10), Fraction(8, 10), Fraction(7, 10)]
ISSUE_TOTAL_VARIANCE = Fraction(43, 10)

# pingouin (R. Vallat), dataset "cronbach_alpha" (15 subjects × 10 items, from
# real-statistics.com, Cronbach's alpha Example 1), rows = subjects 0..14, columns Q1..Q10.
# pingouin's docstring (results "tested against the R package psych"):
#   pg.cronbach_alpha(data=data, items='Items', scores='Scores', subject='Subj')
#   -> (0.5917188485995826, array([0.195, 0.84 ]))      (interval rounded to 3 decimals)
# Re-derived here: alpha from DataFrame.cov(), interval 1 − (1 − α)·f.isf(0.025 | 0.975, 14, 126).
LIKERT_15x10 = {
    "Q1": [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4],
    "Q2": [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
    "Q3": [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5],
    "Q4": [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
    "Q5": [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3],
    "Q6": [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
    "Q7": [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3],
    "Q8": [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
    "Q9": [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3],
    "Q10": [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4],
}
LIKERT_ALPHA = 0.5917188485995826
LIKERT_CI_3DP = (0.195, 0.840)

# pingouin, dataset "cronbach_wide_missing" (12 × 11 binary answers with 4 blanks, from
# real-statistics.com).  pingouin's docstring:
#   # In R: psych::alpha(data, use="pairwise")
#   pg.cronbach_alpha(data=data)                         -> (0.732660835214447, [0.435, 0.909])
#   # In R: psych::alpha(data, use="complete.obs")
#   pg.cronbach_alpha(data=data, nan_policy='listwise')  -> (0.8016949152542373, [0.581, 0.933])
#   pg.cronbach_alpha(data=data.fillna(data.median()))   -> (0.7380191693290734, [0.447, 0.911])
# pingouin's intervals use n = 12 (all rows) even after deleting incomplete rows; evalstats
# uses the forms actually used (listwise: the 9 complete rows; pairwise: the smallest pair
# count, 10), so only the alphas — and the Feldt formula at n = 12 — are compared.
NAN = float("nan")
WIDE_MISSING = {
    "Q1": [1, 1, NAN, 1, 1, 0, 1, 1, 0, 1, 1, 1],
    "Q2": [1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0],
    "Q3": [1, 1, 1, 1, 1, NAN, 1, 1, 0, 0, 1, 0],
    "Q4": [1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1],
    "Q5": [1, 1, NAN, 1, 1, 1, 0, 1, 1, 0, 0, 0],
    "Q6": [1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0],
    "Q7": [1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0],
    "Q8": [1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0],
    "Q9": [1, 0, 1, 1, 1, 0, 0, 0, 0, NAN, 0, 0],
    "Q10": [1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0],
    "Q11": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
}
WIDE_PAIRWISE_ALPHA = 0.732660835214447
WIDE_PAIRWISE_CI_N12_3DP = (0.435, 0.909)
WIDE_LISTWISE_ALPHA = 0.8016949152542373
WIDE_LISTWISE_CI_N12_3DP = (0.581, 0.933)
WIDE_MEDIAN_FILLED_ALPHA = 0.7380191693290734
WIDE_MEDIAN_FILLED_CI_3DP = (0.447, 0.911)
