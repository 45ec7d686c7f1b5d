"""Known answers for evalstats.stats.compare and evalstats.stats.multitest.

The source of every value is written above it.  Values quoted to 4 (or 5, 6) decimals are
compared after rounding to that many decimals.
"""

# ---------------------------------------------------------------- difference of two proportions
# Each entry: (k1, n1, k2, n2, method, low, high) for the 95 % interval of k1/n1 - k2/n2.
#
# Newcombe RG (1998). Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Statistics in Medicine 17:873-890, Table II, method 10 (hybrid
# score).  (a) and (b) are quoted in issue 4; (d)-(h) are Table II rows that also agree to
# 4 decimals with the closed-form Wilson-based computation (the bounds of (e) and (f) are the
# single-proportion Wilson bounds of 0/10 and 0/20, Newcombe 1998 Stat Med 17:857 Table I).
NEWCOMBE_1998_TABLE_II = [
    # (a) 56/70 - 48/80
    (56, 70, 48, 80, "newcombe", 0.0524, 0.3339),
    # (b) 9/10 - 3/10
    (9, 10, 3, 10, "newcombe", 0.1705, 0.8090),
    # (d) 5/56 - 0/29
    (5, 56, 0, 29, "newcombe", -0.0381, 0.1926),
    # (e) 0/10 - 0/20
    (0, 10, 0, 20, "newcombe", -0.1611, 0.2775),
    # (f) 0/10 - 0/10
    (0, 10, 0, 10, "newcombe", -0.2775, 0.2775),
    # (g) 10/10 - 0/20
    (10, 10, 0, 20, "newcombe", 0.6791, 1.0000),
    # (h) 10/10 - 0/10
    (10, 10, 0, 10, "newcombe", 0.6075, 1.0000),
]

# R package contingencytables 2.x (Fagerland MW, Lydersen S, Laake P (2017). Statistical
# Analysis of Contingency Tables. CRC), tests/testthat/test-chap4.R:
FAGERLAND_2017 = [
    # Newcombe_hybrid_score_CI_2x2(matrix(c(7, 27, 1, 33), nrow = 2, byrow = TRUE))
    #   "estimate = 0.1765 (95% CI 0.0189 to 0.3404)"   (Perondi et al. 2004: 7/34 - 1/34)
    (7, 34, 1, 34, "newcombe", 0.0189, 0.3404),
    # MiettinenNurminen_asymptotic_score_CI_difference_2x2(matrix(c(0, 16, 15, 57), nrow = 2,
    #   byrow = TRUE))  "estimate = -0.2083 (95% CI -0.3164 to -0.0056)"
    #   (Ritland et al. 2007: 0/16 - 15/72)
    (0, 16, 15, 72, "miettinen-nurminen", -0.3164, -0.0056),
]

# Miettinen-Nurminen for Newcombe's example (a), 56/70 - 48/80: 0.0528 to 0.3382 (value given
# in the issue brief for Newcombe 1998 Table II; checked in the tests by an independent
# computation: numerical restricted MLE + brentq, see test_compare.py).
MN_EXAMPLE_A = (56, 70, 48, 80, "miettinen-nurminen", 0.0528, 0.3382)

DIFFERENCES = NEWCOMBE_1998_TABLE_II + FAGERLAND_2017 + [MN_EXAMPLE_A]

# ---------------------------------------------------------------- 2 x 2 Pearson chi-squared
# contingencytables, test-chap4.R: Pearson_chi_squared_test_2x2(tea), tea = rbind(c(3, 1),
# c(1, 3)):  "Pearson chi-squared test: P = 0.15730, T = 2.000 (df = 1)"
TEA = (3, 4, 1, 4)
TEA_X2 = 2.000
TEA_P = 0.15730

# ---------------------------------------------------------------- chi-squared homogeneity
# Agresti A (2007). An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5: party
# identification (Democrat, Independent, Republican) by gender (females, males); the text
# reports X^2 = 30.1 with df = 2 (scipy.stats.chi2_contingency(correction=False) gives
# 30.070149...).
AGRESTI_2007_TABLE_2_5 = [[762, 327, 468], [484, 239, 477]]
AGRESTI_X2 = 30.1
AGRESTI_DF = 2

# ---------------------------------------------------------------- Kruskal-Wallis
# Hollander M, Wolfe DA (1973). Nonparametric Statistical Methods, p. 116; R's kruskal.test
# example:
#   x <- c(2.9, 3.0, 2.5, 2.6, 3.2); y <- c(3.8, 2.7, 4.0, 2.4); z <- c(2.8, 3.4, 3.7, 2.2, 2.0)
#   kruskal.test(list(x, y, z))
# H = 0.771429, p = 0.679965 (values as quoted in issue 4; scipy.stats.kruskal agrees)
HOLLANDER_WOLFE = ([2.9, 3.0, 2.5, 2.6, 3.2], [3.8, 2.7, 4.0, 2.4], [2.8, 3.4, 3.7, 2.2, 2.0])
HOLLANDER_WOLFE_H = 0.771429
HOLLANDER_WOLFE_P = 0.679965

# contingencytables, test-chap7.R: KruskalWallis_asymptotic_test_rxc(table_7.6) with
#   table_7.6 <- matrix(c(22, 4, 12, 24, 9, 10, 51, 7, 6), ncol = 3, byrow = TRUE)
#   -> "Asymptotic Kruskal-Wallis test: T =  9.162, df = 2, P = 0.010"
# (Fagerland et al. 2017, Table 7.6: low birth weight vs psychiatric morbidity; rows are
# the groups, columns the ordered categories)
FAGERLAND_TABLE_7_6 = [[22, 4, 12], [24, 9, 10], [51, 7, 6]]
FAGERLAND_TABLE_7_6_H = 9.162
FAGERLAND_TABLE_7_6_P = 0.010

# ---------------------------------------------------------------- trend
# R: prop.trend.test(c(83, 90, 129, 70), c(86, 93, 136, 82))   (the smokers example of
# ?prop.test): X-squared = 8.22492, df = 1, p-value = 0.004132 (values as quoted in issue 4)
SMOKERS_K = [83, 90, 129, 70]
SMOKERS_N = [86, 93, 136, 82]
SMOKERS_X2 = 8.22492
SMOKERS_P = 0.004132

# ---------------------------------------------------------------- multiple testing
# Benjamini Y, Hochberg Y (1995). JRSS B 57:289-300, section 4.2: the 15 p-values of the
# myocardial infarction example; at 0.05 the BH procedure rejects the 4 smallest, Holm's
# (Bonferroni-type) procedure 3.
BH_1995_P = [
    0.0001,
    0.0004,
    0.0019,
    0.0095,
    0.0201,
    0.0278,
    0.0298,
    0.0344,
    0.0459,
    0.3240,
    0.4262,
    0.5719,
    0.6528,
    0.7590,
    1.000,
]
BH_1995_BH_REJECTIONS = 4
BH_1995_HOLM_REJECTIONS = 3

# R (stats package, any version since 2.x):
#   p <- c(0.010, 0.020, 0.030, 0.040, 0.045, 0.060, 0.020, 0.500, 0.800, 0.001)
#   p.adjust(p, method = "holm")
#   p.adjust(p, method = "BH")
#   p.adjust(p, method = "bonferroni")
# Values computed in exact rational arithmetic by the textbook step-down (Holm), step-up (BH)
# and min(1, m p) (Bonferroni) algorithms that p.adjust implements, and cross-checked against
# statsmodels 0.15 multipletests (agreement to 3e-16).  The vector has a tie (0.020 twice),
# adjusted values capped at 1, and non-monotone raw ratios that the running max/min smooths.
R_P_ADJUST_P = [0.010, 0.020, 0.030, 0.040, 0.045, 0.060, 0.020, 0.500, 0.800, 0.001]
R_P_ADJUST = {
    "holm": [0.09, 0.16, 0.18, 0.20, 0.20, 0.20, 0.16, 1.0, 1.0, 0.01],
    "bh": [0.05, 0.05, 0.06, 9 / 140, 9 / 140, 0.075, 0.05, 5 / 9, 0.8, 0.01],
    "bonferroni": [0.1, 0.2, 0.3, 0.4, 0.45, 0.6, 0.2, 1.0, 1.0, 0.01],
}
