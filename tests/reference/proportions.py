"""Known answers for binomial-proportion confidence intervals (95 %).

Each entry: (k, n, method, low, high, decimals).  The source is written above each value.
"""

# Newcombe RG (1998). Two-sided confidence intervals for the single proportion: comparison of
# seven methods. Statistics in Medicine 17:857-872: the paper's worked examples 81/263, 15/148,
# 0/20 and 1/29, reported to 4 decimals (the first three Wilson values and CP 0/20 are also quoted
# in issue 3; every value here also agrees with statsmodels' proportion_confint).
NEWCOMBE_1998 = [
    # 81/263, method 3 (Wilson score, no continuity correction)
    (81, 263, "wilson", 0.2553, 0.3662, 4),
    # 15/148, method 3 (Wilson score)
    (15, 148, "wilson", 0.0624, 0.1605, 4),
    # 0/20, method 3 (Wilson score)
    (0, 20, "wilson", 0.0000, 0.1611, 4),
    # 1/29, method 3 (Wilson score)
    (1, 29, "wilson", 0.0061, 0.1718, 4),
    # 81/263, method 5 (exact, Clopper-Pearson)
    (81, 263, "clopper-pearson", 0.2527, 0.3676, 4),
    # 15/148, method 5 (Clopper-Pearson)
    (15, 148, "clopper-pearson", 0.0578, 0.1617, 4),
    # 0/20, method 5 (Clopper-Pearson): 0 to 0.1684
    (0, 20, "clopper-pearson", 0.0000, 0.1684, 4),
    # 1/29, method 5 (Clopper-Pearson)
    (1, 29, "clopper-pearson", 0.0009, 0.1776, 4),
]

# Jeffreys interval: equal-tailed quantiles of Beta(k + 1/2, n - k + 1/2) (Brown, Cai &
# DasGupta 2001, Statistical Science 16:101-133, section 4.1.1), with lower = 0 at k = 0 and
# upper = 1 at k = n (same section).  Values computed with
# scipy.stats.beta.ppf([0.025, 0.975], k + 0.5, n - k + 0.5) (scipy 1.17), a code path
# independent of evalstats (which calls scipy.special.betaincinv).
JEFFREYS = [
    # scipy.stats.beta.ppf([0.025, 0.975], 81.5, 182.5)
    (81, 263, "jeffreys", 0.2545219349910236, 0.36564749917408246, 12),
    # scipy.stats.beta.ppf([0.025, 0.975], 15.5, 133.5)
    (15, 148, "jeffreys", 0.060448517009296425, 0.15764314347874112, 12),
    # scipy.stats.beta.ppf([0.025, 0.975], 1.5, 28.5)
    (1, 29, "jeffreys", 0.003746173649057073, 0.15007768600223173, 12),
    # k = 0: lower set to 0 (Brown, Cai & DasGupta 2001, 4.1.1);
    # upper = scipy.stats.beta.ppf(0.975, 0.5, 20.5)
    (0, 20, "jeffreys", 0.0, 0.11663898290487539, 12),
]

ALL = NEWCOMBE_1998 + JEFFREYS

# The source document (a town's evaluation report) quotes "4 votes dissatisfied, 3 % of all
# votes" (占总评议票数 3%).  DOMAIN.md: 4 / 0.03 implies about 133 votes; 4 / 133 = 0.0301.
SOURCE_DOCUMENT_DISSATISFIED = 4
SOURCE_DOCUMENT_VOTES = 133
SOURCE_DOCUMENT_SHARE_PERCENT = 3
