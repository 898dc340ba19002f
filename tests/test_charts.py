"""Chart builders, statistics and filters as pure functions, without Streamlit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard import charts
from dashboard.filters import Filters, parse_query_params, period_range
from dashboard.i18n import TEXT, VALUES, label, t
from dashboard.stats import fisher_greater, holm, kaplan_meier, training_list


def test_weekly_volume_stacks_channels_and_fades_partial_weeks() -> None:
    df = pd.DataFrame({"created_week": pd.to_datetime(["2026-01-05", "2026-01-05", "2026-01-12"]),
                       "channel": ["chat", "email", "chat"], "tickets": [3, 2, 4]})
    fig = charts.weekly_volume(df, "zh", start=dt.date(2026, 1, 7), end=dt.date(2026, 1, 18))
    assert fig.layout.barmode == "stack"
    assert {tr.name for tr in fig.data} == {"在线客服", "邮件"}
    chat = next(tr for tr in fig.data if tr.name == "在线客服")
    assert list(chat.y) == [3, 4]
    assert list(chat.marker.opacity) == [0.35, 1.0]  # the week of 5 Jan starts before the range


def test_share_bars_sorted_and_clickable() -> None:
    df = pd.DataFrame({"category": ["withdrawal", "app_usage"], "breach_pct": [12.5, 2.0], "breached": [5, 1]})
    fig = charts.share_bars(df, "category", "breach_pct", "breached", "en", "%")
    bar = fig.data[0]
    assert list(bar.y) == ["App usage question", "Withdrawal"]  # ascending: worst at the top
    assert [c[0] for c in bar.customdata] == ["app_usage", "withdrawal"]
    assert list(bar.text) == ["1", "5"]


def test_frt_ecdf_has_target_line_and_log_axis() -> None:
    df = pd.DataFrame({"channel": ["chat"] * 3, "share": [0.1, 0.5, 0.9], "minutes": [0.0, 5.0, 60.0]})
    fig = charts.frt_ecdf(df, 1440, "en")
    assert fig.layout.xaxis.type == "log"
    assert min(fig.data[0].x) > 0  # zero minutes clipped for the log axis
    assert list(fig.data[0].y) == [10.0, 50.0, 90.0]
    assert fig.layout.shapes[0].x0 == 1440


def test_heatmap_grid_orientation() -> None:
    df = pd.DataFrame({"created_weekday": [1, 7], "created_hour": [9, 23], "tickets": [5, 2]})
    fig = charts.weekday_hour_heatmap(df, "tickets", "en")
    z = np.array(fig.data[0].z)
    assert z.shape == (7, 24) and z[0, 9] == 5 and z[6, 23] == 2 and np.isnan(z[3, 3])
    assert list(fig.data[0].y)[0] == "Mon"


def test_funnel_text_and_error_heatmap_counts() -> None:
    path = pd.DataFrame({"step": ["front_line", "second_line"], "tickets": [100, 8],
                         "median_hours_from_previous": [np.nan, 2.5], "share_of_previous": [np.nan, 0.08]})
    fig = charts.funnel(path, "en")
    assert list(fig.data[0].y) == ["Front line", "Second line"]
    assert "8 (8.0 %)" in fig.data[0].text[1] and "2.5" in fig.data[0].text[1]
    rates = pd.DataFrame({"agent_id": ["A1", "A1"], "error_type": ["communication", "timeliness"],
                          "error_rate": [0.5, 0.0], "reviews_with_error": [1, 0], "reviews": [2, 2]})
    heat = charts.error_heatmap(rates, "en").data[0]
    assert heat.text[0][0] == "1/2" and heat.z[0][0] == 50.0


def test_survival_curves_start_at_100() -> None:
    km = kaplan_meier(np.array([60.0, 120.0]), np.array([1, 1]), np.array([0, 0]))
    fig = charts.survival_curves({"withdrawal": km}, "en")
    assert fig.data[0].y[0] == 100 and fig.data[0].y[-1] == 0


def test_kaplan_meier_with_censoring() -> None:
    # times 1..4; resolved at 1, 2, 4; one ticket still open at age 3
    km = kaplan_meier(np.array([3, 1, 2, 4]), np.array([0, 1, 1, 1]), np.array([1, 0, 0, 0]))
    assert list(km.survival) == pytest.approx([0.75, 0.5, 0.5, 0.0])
    assert km.median() == 2
    # open tickets keep the curve up: naive median of resolved (2) vs KM with more open tickets
    km2 = kaplan_meier(np.array([1, 2, 3]), np.array([1, 1, 0]), np.array([0, 0, 5]))
    assert km2.median() is None


def test_fisher_and_holm() -> None:
    assert fisher_greater(8, 2, 1, 5) == pytest.approx(280 / 11440)
    assert fisher_greater(0, 10, 5, 5) == 1.0
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_training_list_flags_only_significant_agents() -> None:
    rows = []
    for agent, with_error in (("A1", 20), ("A2", 1), ("A3", 2), ("A4", 1)):
        rows.append({"agent_id": agent, "team": "t", "error_type": "communication", "reviews": 40,
                     "reviews_with_error": with_error})
    rows.append({"agent_id": "A5", "team": "t", "error_type": "communication", "reviews": 3,
                 "reviews_with_error": 3})  # below the minimum number of reviews
    flagged = training_list(pd.DataFrame(rows), min_reviews=10)
    assert list(flagged["agent_id"]) == ["A1"]
    assert flagged["p_holm"].iloc[0] < 0.05 and flagged["team_rate"].iloc[0] == pytest.approx(7 / 123)


def test_filters_sql_and_previous_period() -> None:
    f = Filters(start=dt.date(2026, 1, 10), end=dt.date(2026, 1, 19), values={"channel": ("chat",), "agent": ("A1",)})
    where, params = f.where()
    assert "list_contains($f_channel, t.channel)" in where and "t.agent_id" in where
    assert params == {"f_start": dt.date(2026, 1, 10), "f_end": dt.date(2026, 1, 19),
                      "f_channel": ["chat"], "f_agent": ["A1"]}
    prev = f.previous()
    assert (prev.start, prev.end) == (dt.date(2025, 12, 31), dt.date(2026, 1, 9))
    assert Filters().where() == ("true", {})


def test_url_round_trip_drops_unknown_values() -> None:
    known = {"channel": ["chat", "email"]}
    f, lang = parse_query_params({"lang": "zh", "period": "custom", "from": "2026-01-05", "to": "2026-01-07",
                                  "channel": "chat,fax"}, dt.date(2026, 1, 12), dt.date(2025, 1, 1), known)
    assert lang == "zh" and f.chosen("channel") == ("chat",)
    assert (f.start, f.end) == (dt.date(2026, 1, 5), dt.date(2026, 1, 7))
    assert f.to_query_params("zh") == {"lang": "zh", "period": "custom", "from": "2026-01-05",
                                       "to": "2026-01-07", "channel": "chat"}
    bad, _ = parse_query_params({"period": "custom", "from": "yesterday"}, dt.date(2026, 1, 12),
                                dt.date(2025, 1, 1), known)
    assert bad.period == "qp_90"


def test_quick_picks() -> None:
    last, first = dt.date(2026, 9, 30), dt.date(2025, 10, 1)
    assert period_range("qp_7", last, first) == (dt.date(2026, 9, 24), last)
    assert period_range("qp_month", last, first) == (dt.date(2026, 9, 1), last)
    assert period_range("qp_quarter", last, first) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert period_range("qp_all", last, first) == (first, last)


def test_every_label_in_both_languages() -> None:
    for key, (en, zh) in TEXT.items():
        assert en and zh, key
    for field, values in VALUES.items():
        for value in values:
            assert label(field, value, "en") != label(field, value, "zh") or value in ("SLA",), (field, value)
    assert label("category", "withdrawal", "zh") == "提现问题"
    assert label("channel", "unknown-thing", "zh") == "unknown-thing"
    assert t("share_hint", "zh").startswith("地址栏")
