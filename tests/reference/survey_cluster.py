"""Known answers for design-based (respondent-clustered) estimates, from R ``survey``.

A small fixed data set: 16 respondents in 4 groups rate 1-4 of units A-D on the 5 contents.
Each line of ``FORMS`` is ``respondent group unit answers``; answers are the paper-form digits of
the 5 contents in scheme order (1 满意 100 points, 2 比较满意 80, 3 基本满意 60, 4 不满意 0,
5 不了解 = not valid, 0 = blank).  Units A and B form the series ``administration``.

The values below were computed once with R 4.2.2 and survey 4.1-1 (Debian bookworm
``r-cran-survey``), with the data of ``FORMS`` written to ``data.txt``::

    library(survey)
    x <- read.table("data.txt", col.names = c("respondent", "group", "unit", "answers"),
                    colClasses = "character")
    d <- do.call(rbind, lapply(seq_len(nrow(x)), function(i) data.frame(
      respondent = x$respondent[i], group = x$group[i], unit = x$unit[i], dim = 1:5,
      code = as.integer(strsplit(x$answers[i], "")[[1]]))))
    d <- d[d$code %in% 1:4, ]                  # valid answers only (不了解 = 5, blank = 0)
    d$points <- c(100, 80, 60, 0)[d$code]
    d$sat <- as.numeric(d$code <= 3)
    des <- svydesign(ids = ~respondent, strata = ~group, data = d)
    degf(des)                                                  # 12
    m1 <- svymean(~sat, des, deff = "replace"); coef(m1); SE(m1); deff(m1)
    m2 <- svymean(~points, des, deff = "replace"); coef(m2); SE(m2); deff(m2)
    confint(m2, df = degf(des))
    attr(svyciprop(~sat, des, method = "beta"), "ci")
    attr(svyciprop(~sat, des, method = "logit"), "ci")        # svyciprop's default
    ser <- subset(des, unit %in% c("A", "B"))
    m3 <- svymean(~sat, ser); coef(m3); SE(m3)
    m4 <- svymean(~points, ser); coef(m4); SE(m4)
    attr(svyciprop(~sat, ser, method = "beta"), "ci")
    degf(ser)                                                  # 11
    confint(m4, df = degf(ser))

printed with ``sprintf("%.10f", ...)``.  ``svyciprop(method = "beta")`` is the Korn & Graubard
(1998) interval: Clopper-Pearson on the effective sample size ``p(1-p)/v``, multiplied by
``(qt(alpha/2, n - 1) / qt(alpha/2, degf))^2`` with ``n = nrow(design)``, here the valid
answers of the row; evalstats' ``method="clopper-pearson"`` on a design-based row is that
interval.  The default ``logit`` interval of ``svyciprop`` is recorded for reference only.
"""

FORMS = """
e1 enterprise C 31323
e2 enterprise A 23242
e2 enterprise C 53242
e3 enterprise A 31313
e3 enterprise C 22213
e4 enterprise A 23140
e4 enterprise B 33311
e4 enterprise D 12411
e5 enterprise B 52223
e5 enterprise C 33422
e5 enterprise D 13433
s1 supervisor A 32332
s1 supervisor D 21422
s2 supervisor A 21302
s2 supervisor B 22111
s2 supervisor C 23113
s2 supervisor D 01111
s3 supervisor A 12111
s3 supervisor B 11121
s3 supervisor C 12121
s3 supervisor D 11121
p1 public A 44324
p1 public B 42432
p1 public D 42023
p2 public A 12322
p2 public B 33213
p3 public A 33133
p3 public B 11115
p3 public D 21120
p4 public A 33222
p4 public C 11121
p4 public D 11302
p5 public A 32504
p5 public B 34234
p5 public C 42242
p5 public D 35353
p6 public A 34325
p6 public B 32320
p6 public C 53204
p6 public D 04334
d1 deputy A 10240
d1 deputy B 03234
d1 deputy D 23312
d2 deputy A 11211
d2 deputy B 11211
d2 deputy C 21215
d2 deputy D 11012
""".strip().splitlines()

SERIES = {"A": "administration", "B": "administration", "C": "enforcement", "D": "enforcement"}

# svymean(~sat, des, deff = "replace")
TOWN_SATISFIED = {"estimate": 0.8867924528, "se": 0.0357657225, "design_effect": 2.6885560344}
# svymean(~points, des, deff = "replace"); confint(m2, df = degf(des)), degf(des) = 12
TOWN_SCORE = {
    "estimate": 71.9811320755,
    "se": 4.6714948589,
    "design_effect": 5.1603905080,
    "ci": (61.8028191431, 82.1594450078),
    "df": 12,
}
# attr(svyciprop(~sat, des, method = "beta"), "ci")
TOWN_SATISFIED_BETA_CI = (0.7830742696, 0.9522674378)
# attr(svyciprop(~sat, des, method = "logit"), "ci") (not reproduced: for reference)
TOWN_SATISFIED_LOGIT_CI = (0.7828171773, 0.9445180253)
# ser <- subset(des, unit %in% c("A", "B")): svymean(~sat, ser), svyciprop(..., "beta")
SERIES_AB_SATISFIED = {
    "estimate": 0.8859649123,
    "se": 0.0486146333,
    "ci": (0.7318974394, 0.9683878063),
}
# svymean(~points, ser); confint(m4, df = degf(ser)), degf(ser) = 11
SERIES_AB_SCORE = {
    "estimate": 70.7017543860,
    "se": 5.3777814836,
    "ci": (58.8653371464, 82.5381716255),
    "df": 11,
}


# ---------------------------------------------------------------------- repeated forms per unit
# A second fixed data set: respondents who gave unit A up to three forms (unit B: one each),
# lines as in ``FORMS``.  Unit A's own rows are then respondent-clustered
# (``evalstats.stats.score.clustered``).  Computed once with R 4.2.2 and survey 4.1-1, the
# lines written to ``rep.txt`` and ``d`` built from them as above::
#
#     dA <- d[d$unit == "A", ]
#     # composite of unit A: groups as strata, group x dimension means, the scheme's weights
#     desA <- svydesign(ids = ~respondent, strata = ~group, data = dA)
#     b <- svyby(~points, ~group + dim, desA, svymean, covmat = TRUE)
#     gw <- c(enterprise = 0.4, supervisor = 0.3, public = 0.2, deputy = 0.1)
#     w <- unname(gw[as.character(b$group)] * 0.2)
#     comp <- svycontrast(b, w); coef(comp); SE(comp)
#     # unit A pooled over groups and dimensions: the unit's respondents, one stratum
#     desU <- svydesign(ids = ~respondent, data = dA)
#     m1 <- svymean(~points, desU); coef(m1); SE(m1); degf(desU)             # degf 9
#     confint(m1, df = degf(desU))
#     m2 <- svymean(~sat, desU); coef(m2); SE(m2)
#     attr(svyciprop(~sat, desU, method = "beta"), "ci")
#     # one cell: unit A x enterprise x efficiency (dimension 3)
#     desC <- svydesign(ids = ~respondent,
#                       data = dA[dA$group == "enterprise" & dA$dim == 3, ])
#     m3 <- svymean(~points, desC); coef(m3); SE(m3); degf(desC)             # degf 2
#     confint(m3, df = degf(desC))
#
# printed with ``sprintf("%.10f", ...)``.
FORMS_REPEATED = """
e1 enterprise A 11210
e1 enterprise A 12512
e2 enterprise A 43312
e3 enterprise A 21441
e3 enterprise A 11331
e3 enterprise A 33104
s1 supervisor A 14221
s1 supervisor A 23131
s2 supervisor A 13113
s2 supervisor A 01322
p1 public A 02131
p2 public A 11523
p2 public A 33311
p3 public A 25213
d1 deputy A 21312
d1 deputy A 22211
d2 deputy A 21114
e1 enterprise B 34331
e2 enterprise B 20112
e4 enterprise B 13313
s1 supervisor B 12432
s2 supervisor B 32323
p1 public B 22111
p3 public B 32145
p4 public B 21205
d1 deputy B 12134
d2 deputy B 13314
""".strip().splitlines()

# svycontrast(b, w)
REPEATED_A_COMPOSITE = {"estimate": 77.2200000000, "se": 3.6580159029}
# svymean(~points, desU); confint(m1, df = degf(desU)), degf = 9
REPEATED_A_SCORE = {
    "estimate": 77.9487179487,
    "se": 3.3262793676,
    "ci": (70.4241512519, 85.4732846455),
    "df": 9,
}
# svymean(~sat, desU); attr(svyciprop(~sat, desU, method = "beta"), "ci")
REPEATED_A_SATISFIED = {
    "estimate": 0.9230769231,
    "se": 0.0347896293,
    "ci": (0.8043297324, 0.9810983196),
}
# svymean(~points, desC); confint(m3, df = degf(desC)), degf = 2
REPEATED_A_ENTERPRISE_EFFICIENCY = {
    "estimate": 60.0,
    "se": 6.9282032303,
    "ci": (30.1903474590, 89.8096525410),
    "df": 2,
}


# ---------------------------------------------------------------------- change between cycles
# A second cycle ``2026A`` (lines as in ``FORMS``): respondents e1-e3, s1, s2, p1-p3 and d1
# answer again (same label, same group: linked), e6, s4, p7, p8 and d3 are new.  ``FORMS`` is
# the first cycle ``2026H1``.  Computed once with R 4.2.2 and survey 4.1-1, ``FORMS`` written
# to ``h1.txt`` and ``FORMS_ANNUAL`` to ``annual.txt``::
#
#     rd <- function(file, cycle) {
#       x <- read.table(file, col.names = c("respondent", "group", "unit", "answers"),
#                       colClasses = "character")
#       d <- do.call(rbind, lapply(seq_len(nrow(x)), function(i) data.frame(
#         respondent = x$respondent[i], group = x$group[i], unit = x$unit[i], dim = 1:5,
#         code = as.integer(strsplit(x$answers[i], "")[[1]]))))
#       d <- d[d$code %in% 1:4, ]
#       d$points <- c(100, 80, 60, 0)[d$code]
#       d$sat <- as.numeric(d$code <= 3)
#       d$cycle <- cycle
#       d
#     }
#     both <- rbind(rd("h1.txt", "2026H1"), rd("annual.txt", "2026A"))
#     both$cycle <- factor(both$cycle, levels = c("2026H1", "2026A"))
#     show <- function(des, var) {
#       b <- svyby(as.formula(paste0("~", var)), ~cycle, des, svymean, covmat = TRUE)
#       ct <- svycontrast(b, c(-1, 1)); coef(ct); SE(ct); confint(ct, df = degf(des))
#     }
#     # 1. independent cycles: nobody linked (the annual labels made distinct)
#     ind <- both; ind$respondent <- paste(ind$cycle, ind$respondent)
#     des1 <- svydesign(ids = ~respondent, strata = ~interaction(cycle, group), data = ind)
#     show(des1, "points"); show(des1, "sat")
#     # 2. linked: the same label in the same group is one respondent in both cycles
#     des2 <- svydesign(ids = ~respondent, strata = ~group, data = both)
#     degf(des2)                                                             # 17
#     show(des2, "points"); show(des2, "sat")
#     # 3. linked, unit A pooled over groups and dimensions: its respondents, one stratum
#     des3 <- svydesign(ids = ~respondent, data = both[both$unit == "A", ])
#     degf(des3)                                                             # 18
#     show(des3, "points"); show(des3, "sat")
#
# printed with ``sprintf("%.10f", ...)``.  In case 1 evalstats takes Welch-Satterthwaite
# degrees of freedom from each cycle's (the standard errors are R's); in cases 2 and 3 the
# intervals are R's ``confint(..., df = degf(des))``.
FORMS_ANNUAL = """
e1 enterprise A 51202
e1 enterprise B 35441
e1 enterprise D 11141
e2 enterprise B 34532
e3 enterprise A 22221
e3 enterprise B 32314
e3 enterprise C 22412
e3 enterprise D 10332
e6 enterprise D 41223
s1 supervisor B 31333
s2 supervisor A 21420
s2 supervisor B 41313
s4 supervisor A 35321
s4 supervisor B 52142
s4 supervisor C 41332
s4 supervisor D 12123
p1 public A 21212
p1 public B 32232
p1 public C 31222
p2 public A 32432
p2 public B 11212
p2 public C 31113
p2 public D 14231
p3 public B 22522
p7 public A 24331
p7 public C 11131
p7 public D 23112
p8 public A 35442
d1 deputy A 21313
d1 deputy B 01212
d1 deputy C 13233
d1 deputy D 21131
d3 deputy A 21251
d3 deputy B 23421
d3 deputy C 11122
d3 deputy D 52321
""".strip().splitlines()

# case 1: svycontrast(...) of des1 (standard errors only)
CHANGE_INDEPENDENT_TOWN = {
    "score_diff": 1.4320415772,
    "score_se": 4.8799007179,
    "rate_diff": 0.0114111400,
    "rate_se": 0.0412255490,
}
# case 2: des2, confint(ct, df = degf(des2)), degf 17
CHANGE_LINKED_TOWN = {
    "score_diff": 1.4320415772,
    "score_se": 5.4955736094,
    "score_ci": (-10.1626052329, 13.0266883874),
    "rate_diff": 0.0114111400,
    "rate_se": 0.0495639536,
    "rate_ci": (-0.0931596614, 0.1159819414),
    "df": 17,
}
# case 3: des3 (unit A), confint(ct, df = degf(des3)), degf 18
CHANGE_LINKED_UNIT_A = {
    "score_diff": 3.5642135642,
    "score_se": 8.3929423859,
    "score_ci": (-14.0687040768, 21.1971312053),
    "rate_diff": 0.0133477633,
    "rate_se": 0.0812134130,
    "rate_ci": (-0.1572752860, 0.1839708127),
    "df": 18,
}


# ---------------------------------------------------------------------- groups compared
# Rao-Scott test of homogeneity of the groups' levels, per dimension, on ``FORMS`` (one
# cycle), with R 4.2.2 and survey 4.1-1, ``d`` built as at the top of this file plus
#
#     d$group <- factor(d$group, levels = c("enterprise", "supervisor", "public", "deputy"))
#     d$level <- factor(d$code, levels = 1:4)
#     des <- svydesign(ids = ~respondent, strata = ~group, data = d)
#     for (k in 1:5) {
#       r <- svychisq(~group + level, subset(des, dim == k))          # statistic = "F"
#       sprintf("%.10f", c(r$statistic, r$parameter, r$p.value))
#     }
#     r <- svychisq(~group + level, subset(des, dim == 3 & unit %in% c("A", "B")))
#
# Each entry: (F, numerator df, denominator df, p-value).
RAO_SCOTT_BY_DIMENSION = [
    (1.6193681858, 4.6365605878, 55.6387270534, 0.1743515264),
    (1.5868698086, 3.4773400131, 41.7280801574, 0.2015453871),
    (2.1532547603, 5.9010507715, 70.8126092584, 0.0587623955),
    (1.1115004185, 5.5028476354, 66.0341716249, 0.3642410932),
    (1.6350948981, 5.4776693835, 65.7320326014, 0.1573805651),
]
# subset(des, dim == 3 & unit %in% c("A", "B")): the series administration
RAO_SCOTT_SERIES_AB_DIMENSION_3 = (1.5473342232, 5.2333086399, 57.5663950385, 0.1871489197)


# ---------------------------------------------------------------------- change of a composite
# Unit A of two cycles in which the same 26 respondents (labels alike, same groups) rate it
# once each (``tests/test_design.py::severe_raters(n_units=2, seed=5)`` and ``seed=6``, unit A;
# lines as in ``FORMS``).  Computed once with R 4.2.2 and survey 4.1-1, the lines written to
# ``cc_h1.txt`` and ``cc_annual.txt`` and read with ``rd()`` above::
#
#     both <- rbind(rd("cc_h1.txt", "2026H1"), rd("cc_annual.txt", "2026A"))
#     both$cycle <- factor(both$cycle, levels = c("2026H1", "2026A"))
#     des <- svydesign(ids = ~respondent, strata = ~group, data = both)
#     b <- svyby(~points, ~cycle + group + dim, des, svymean, covmat = TRUE)
#     gw <- c(enterprise = 0.4, supervisor = 0.3, public = 0.2, deputy = 0.1)
#     w <- unname(gw[as.character(b$group)] * 0.2 * ifelse(b$cycle == "2026A", 1, -1))
#     ct <- svycontrast(b, w); coef(ct); SE(ct); SE(ct)^2
#     # each cycle alone: svycontrast of svyby(~points, ~group + dim, ...) with gw * 0.2
#
# printed with ``sprintf("%.10f", ...)``.
COMPOSITE_CHANGE_H1 = """
enterprise0 enterprise A 21111
enterprise1 enterprise A 34444
enterprise2 enterprise A 11111
enterprise3 enterprise A 11211
enterprise4 enterprise A 33322
enterprise5 enterprise A 11121
enterprise6 enterprise A 34434
enterprise7 enterprise A 44434
supervisor0 supervisor A 12312
supervisor1 supervisor A 33243
supervisor2 supervisor A 12212
supervisor3 supervisor A 31131
supervisor4 supervisor A 22111
public0 public A 42243
public1 public A 21221
public2 public A 33123
public3 public A 11111
public4 public A 23243
public5 public A 11121
public6 public A 11221
public7 public A 34334
public8 public A 11111
public9 public A 20122
deputy0 deputy A 12313
deputy1 deputy A 13444
deputy2 deputy A 33233
""".strip().splitlines()
COMPOSITE_CHANGE_ANNUAL = """
enterprise0 enterprise A 24322
enterprise1 enterprise A 31112
enterprise2 enterprise A 31222
enterprise3 enterprise A 21221
enterprise4 enterprise A 13321
enterprise5 enterprise A 42333
enterprise6 enterprise A 12212
enterprise7 enterprise A 11313
supervisor0 supervisor A 13322
supervisor1 supervisor A 02121
supervisor2 supervisor A 22222
supervisor3 supervisor A 23222
supervisor4 supervisor A 34432
public0 public A 11221
public1 public A 11213
public2 public A 22232
public3 public A 11111
public4 public A 32232
public5 public A 11221
public6 public A 11112
public7 public A 11111
public8 public A 33322
public9 public A 11112
deputy0 deputy A 34324
deputy1 deputy A 11111
deputy2 deputy A 13221
""".strip().splitlines()
# svycontrast(b, w): the change, its standard error and variance
COMPOSITE_CHANGE_A = {"diff": 7.2488888889, "se": 8.9349150330, "var": 79.8327066475}
# each cycle's composite and standard error
COMPOSITE_CHANGE_A_CYCLES = {
    "2026H1": (70.4177777778, 6.4404156205),
    "2026A": (77.6666666667, 3.7592193550),
}
