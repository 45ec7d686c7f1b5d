"""The demo town shared by both generators: its units, respondent groups, answer model and
small helpers (seeds, CSV bytes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from evalstats.core.scheme import Scheme

DEMO_CYCLES = ("2026H1", "2026A")
DEMO_FILES = (
    "responses.xlsx",
    "responses.csv",
    "units.csv",
    "forms_issued.csv",
    "incidents.csv",
    "exclusions.csv",
)
LARGE_FORMATS = ("csv", "parquet")

# ---------------------------------------------------------------------- the town
# (code, name, series index, H1 quality, A quality, weak dimension indices, weak shift H1, A,
#  cycles present).  Quality None = drawn from the seed.  Dimension indices refer to the
# scheme's dimension order (default: 0 政务公开, 1 依法行政, 2 办事效率, 3 服务质量, 4 清正廉洁).
_ADMIN, _ENFORCE, _PUBLIC = 0, 1, 2


@dataclass(frozen=True)
class _Unit:
    code: str
    name: str
    series: int
    quality: tuple[float | None, float | None] = (None, None)
    weak_dims: tuple[int, ...] = ()
    weak_shift: tuple[float, float] = (0.0, 0.0)
    cycles: tuple[str, ...] = DEMO_CYCLES

    @property
    def name_en(self) -> str:
        """The unit's English name (the units file's optional ``name_en`` column)."""
        return NAMES_EN[self.code]


# The English names the demo's units file carries (shown by the English edition).
NAMES_EN = {
    "party_office": "Party and Government Office",
    "finance_office": "Finance Office",
    "economic_office": "Economic Development Office",
    "social_affairs": "Social Affairs Office",
    "governance_office": "Comprehensive Governance Office",
    "statistics_station": "Statistics Station",
    "family_planning": "Family Planning Office",
    "civil_affairs": "Civil Affairs Office",
    "justice_office": "Justice Office",
    "urban_management": "Urban Management Squad",
    "work_safety": "Work Safety Station",
    "construction_station": "Construction Management Station",
    "transport_station": "Transport Management Station",
    "land_office": "Land and Resources Office",
    "environment_station": "Environmental Protection Station",
    "labour_security": "Labour and Social Security Office",
    "investment_centre": "Investment Service Centre",
    "labour_service_centre": "Labour Service Centre",
    "culture_station": "Culture Station",
    "agritech_station": "Agricultural Technology Station",
    "health_centre": "Township Health Centre",
    "water_station": "Water Conservancy Station",
    "citizen_service_centre": "Citizen Service Centre",
    "forestry_station": "Forestry Station",
    "veterans_station": "Veterans Service Station",
}

TOWN = (
    _Unit("party_office", "党政办", _ADMIN),
    _Unit("finance_office", "财政所", _ADMIN),
    _Unit("economic_office", "经发办", _ADMIN),
    _Unit("social_affairs", "社会事务办", _ADMIN),
    _Unit("governance_office", "综治办", _ADMIN, (-0.55, -0.15), (0, 2), (-0.3, -0.15)),
    _Unit("statistics_station", "统计站", _ADMIN),
    _Unit("family_planning", "计生办", _ADMIN),
    _Unit("civil_affairs", "民政办", _ADMIN),
    _Unit("justice_office", "司法所", _ENFORCE),
    _Unit("urban_management", "城管执法中队", _ENFORCE, (-0.4, -0.05)),
    _Unit("work_safety", "安监站", _ENFORCE),
    _Unit("construction_station", "建管站", _ENFORCE, (-0.3, 0.0), (2, 3), (-0.3, -0.1)),
    _Unit("transport_station", "运管站", _ENFORCE, (-0.3, -0.05), (2, 3), (-0.3, -0.1)),
    _Unit("land_office", "国土所", _ENFORCE, (0.5, 0.55)),
    _Unit("environment_station", "环保站", _ENFORCE),
    _Unit("labour_security", "劳动保障所", _ENFORCE),
    _Unit("investment_centre", "投资服务中心", _PUBLIC, (0.6, 0.6)),
    _Unit("labour_service_centre", "劳务服务中心", _PUBLIC, (0.55, 0.55)),
    _Unit("culture_station", "文化站", _PUBLIC),
    _Unit("agritech_station", "农技站", _PUBLIC),
    _Unit("health_centre", "卫生院", _PUBLIC),
    _Unit("water_station", "水利站", _PUBLIC),
    _Unit("citizen_service_centre", "便民服务中心", _PUBLIC),
    _Unit("forestry_station", "林业站", _PUBLIC),
    _Unit("veterans_station", "退役军人服务站", _PUBLIC, cycles=("2026A",)),
)

# Group profiles by group code (fallback: by position in the scheme): forms per unit
# (low, high inclusive), latent shift, probability of 不了解.
_GROUP_PROFILE = {
    "enterprise": ((20, 40), 0.0, 0.03),
    "supervisor": ((4, 6), -0.15, 0.01),
    "public": ((20, 60), -0.05, 0.06),
    "deputy": ((1, 4), 0.15, 0.02),
}
_GROUP_FALLBACK = (((20, 40), 0.0, 0.03), ((4, 6), -0.1, 0.01), ((20, 60), 0.0, 0.05))
# Multiplier of the 不了解 probability per dimension position (integrity-like last dimension:
# respondents more often cannot judge).
_UNKNOWN_DIM = (1.0, 1.3, 0.8, 0.7, 2.5)
BLANK_P = 0.008
HALO_SD, NOISE_SD = 0.8, 0.6
# Shares of the valid levels (best first) for an average unit: sets the cut points.
_BASE_SHARES = {4: (0.62, 0.23, 0.11, 0.04)}

COLLECTORS = (
    "张某", "李某", "刘某", "陈某", "杨某", "赵某", "黄某", "周某", "吴某", "徐某",
    "孙某", "胡某", "朱某", "高某", "林某", "何某", "郭某", "马某", "罗某", "梁某",
)  # fmt: skip
BURST_COLLECTOR = "王某"
# (text, tone): critical comments go on a unit's worst forms, praise on its best ones,
# suggestions anywhere
COMMENTS_OTHER = (
    ("希望进一步提高办事效率，减少群众跑腿。", 0),
    ("工作人员服务热情，希望继续保持。", 1),
    ("建议在网上公开办事指南，方便企业查询。", 0),
    ("中午时段窗口无人值守，建议实行错时服务。", -1),
    ("政策宣传不够，很多补贴政策群众不了解。", -1),
)


# ---------------------------------------------------------------------- model helpers
def cut_points(n_valid: int) -> np.ndarray:
    """Ascending cut points on the latent scale (total sd 1) for ``n_valid`` levels."""
    shares = _BASE_SHARES.get(n_valid)
    if shares is None:  # another scheme: geometric shares, best level most common
        w = 0.45 ** np.arange(n_valid)
        shares = tuple(w / w.sum())
    cum = np.cumsum(shares)[:-1]  # P(level <= k), best first
    # level k (best = 0) when y > cut_k; cut_k = quantile of 1 - P(level <= k)
    return np.sort(ndtri(1.0 - cum))


def levels_from_latent(y: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """Valid level index (0 = best) for latent values ``y``."""
    return (len(cuts) - np.searchsorted(cuts, y, side="left")).astype(np.int8)


def group_profiles(scheme: Scheme) -> list[tuple[tuple[int, int], float, float]]:
    out = []
    for i, g in enumerate(scheme.groups):
        out.append(_GROUP_PROFILE.get(g.code, _GROUP_FALLBACK[i % len(_GROUP_FALLBACK)]))
    return out


def unknown_dim(n_dims: int) -> np.ndarray:
    return np.array([_UNKNOWN_DIM[i % len(_UNKNOWN_DIM)] for i in range(n_dims)])


# ---------------------------------------------------------------------- writing
def csv_bytes(frame: pd.DataFrame, *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = frame.to_csv(index=False, lineterminator="\r\n")
    data = text.encode(encoding)  # strict: a character outside GBK is a bug here
    return (b"\xef\xbb\xbf" + data) if bom else data


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number; got {seed!r}")
    return int(seed)


__all__ = [
    "BLANK_P",
    "BURST_COLLECTOR",
    "COLLECTORS",
    "COMMENTS_OTHER",
    "DEMO_CYCLES",
    "DEMO_FILES",
    "HALO_SD",
    "LARGE_FORMATS",
    "NOISE_SD",
    "TOWN",
    "check_seed",
    "csv_bytes",
    "cut_points",
    "group_profiles",
    "levels_from_latent",
    "unknown_dim",
]
