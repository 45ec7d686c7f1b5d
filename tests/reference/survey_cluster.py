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
