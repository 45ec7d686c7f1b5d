"""The one units-table check shared by scores, ranks, comparisons and quality flags."""

from __future__ import annotations

import pandas as pd
import pytest

from evalstats.stats.units import check_units_table


def test_tidies_names_and_series():
    units = pd.DataFrame({"unit": [1, "U2"], "name": ["一", None], "series": ["A", 3], "x": 0})
    out = check_units_table(units)
    assert out.columns.tolist() == ["unit", "name", "series"]
    assert out.to_dict("list") == {"unit": ["1", "U2"], "name": ["一", ""], "series": ["A", "3"]}


def test_per_cycle_keeps_cycle_and_allows_a_unit_once_per_cycle():
    units = pd.DataFrame({"cycle": ["2026H1", "2026A"], "unit": ["U1", "U1"], "series": "A"})
    assert check_units_table(units, per_cycle=True).columns.tolist() == [
        "cycle",
        "unit",
        "name",
        "series",
    ]
    with pytest.raises(ValueError) as e:
        check_units_table(units)
    assert str(e.value) == "units lists unit(s) ['U1'] more than once"
    with pytest.raises(ValueError) as e:
        check_units_table(pd.concat([units, units.iloc[:1]]), per_cycle=True)
    assert str(e.value) == "units lists unit(s) ['U1'] more than once in a cycle"


@pytest.mark.parametrize(
    ("units", "error", "message"),
    [
        ({"unit": ["U1"]}, TypeError, "roster must be a pandas DataFrame; got dict"),
        (
            pd.DataFrame({"unit": ["U1"]}),
            ValueError,
            "roster lacks column(s) ['series']; required: ['unit', 'series']; got ['unit']",
        ),
        (
            pd.DataFrame({"unit": ["U1", "U2"], "series": ["A", None]}),
            ValueError,
            "roster has no series for unit(s) ['U2']",
        ),
    ],
)
def test_errors_name_the_parameter(units, error, message):
    with pytest.raises(error) as e:
        check_units_table(units, name="roster")
    assert str(e.value) == message
