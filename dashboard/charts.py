"""Pure chart builders: data frame (+ language) → plotly figure. No Streamlit, no SQL.

Bars that can be clicked to list their tickets carry the dimension value in `customdata`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.i18n import label, t
from dashboard.stats import Survival

PALETTE = ["#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#64748b"]
RED, GREY, GREEN = "#dc2626", "#94a3b8", "#16a34a"


def _layout(fig: go.Figure, *, height: int = 360, legend: bool = True) -> go.Figure:
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), showlegend=legend,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      colorway=PALETTE, hovermode="closest")
    return fig


MINUTE_TICKS = ([1, 5, 15, 60, 240, 1440, 4320, 10080, 43200],
                ["1 min", "5 min", "15 min", "1 h", "4 h", "1 d", "3 d", "7 d", "30 d"])


def _minutes_axis(fig: go.Figure, scale: float = 1.0) -> None:
    """A log axis of durations with readable ticks; `scale` = minutes per axis unit."""
    vals, text = MINUTE_TICKS
    fig.update_xaxes(type="log", tickvals=[v / scale for v in vals], ticktext=text, title=None)


def partial_weeks(weeks: pd.Series, start: dt.date | None, end: dt.date | None) -> set[str]:
    """Weeks (Monday dates) that the date range covers only in part."""
    out = set()
    for w in pd.to_datetime(weeks).dt.date.unique():
        if (start and w < start) or (end and w + dt.timedelta(days=6) > end):
            out.add(str(w))
    return out


def weekly_volume(df: pd.DataFrame, lang: str, start: dt.date | None = None,
                  end: dt.date | None = None) -> go.Figure:
    """df: created_week, channel, tickets. Weeks the range covers only in part are faded."""
    partial = partial_weeks(df["created_week"], start, end)
    fig = go.Figure()
    for channel, part in df.groupby("channel", sort=True):
        weeks = part["created_week"].astype(str)
        fig.add_bar(x=part["created_week"], y=part["tickets"], name=label("channel", channel, lang),
                    marker_opacity=[0.35 if w[:10] in partial else 1.0 for w in weeks],
                    customdata=part[["created_week"]].astype(str), hovertemplate="%{x|%Y-%m-%d}: %{y:,}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="stack", yaxis_title=t("kpi_tickets", lang))
    return _layout(fig)


def share_bars(df: pd.DataFrame, field: str, value_col: str, count_col: str, lang: str,
               x_title: str, *, color: str = RED) -> go.Figure:
    """Horizontal bars of a percentage per dimension value, labelled with a count.
    df: <field>, <value_col> (percent), <count_col>."""
    df = df.sort_values(value_col, ascending=True)
    names = [label(field, v, lang) for v in df[field]]
    fig = go.Figure(go.Bar(
        x=df[value_col], y=names, orientation="h", marker_color=color,
        text=[f"{c:,}" for c in df[count_col]], textposition="outside",
        customdata=df[[field]].astype(str), hovertemplate="%{y}: %{x:.1f} %<extra></extra>"))
    fig.update_layout(xaxis_title=x_title, yaxis_title=None)
    return _layout(fig, height=max(220, 34 * len(df) + 80), legend=False)


def frt_ecdf(df: pd.DataFrame, target_minutes: float | None, lang: str) -> go.Figure:
    """df: channel, share (0–1), minutes — quantiles of first-response time per channel."""
    fig = go.Figure()
    for channel, part in df.groupby("channel", sort=True):
        part = part.sort_values("share")
        fig.add_scatter(x=part["minutes"].clip(lower=0.1), y=part["share"] * 100, mode="lines",
                        name=label("channel", channel, lang),
                        hovertemplate="%{x:,.0f} min → %{y:.0f} %<extra>%{fullData.name}</extra>")
    if target_minutes:
        fig.add_vline(x=target_minutes, line_dash="dash", line_color=RED)
    _minutes_axis(fig)
    fig.update_yaxes(title="%", range=[0, 100])
    return _layout(fig)


def weekly_lines(df: pd.DataFrame, field: str | None, value_col: str, lang: str, y_title: str,
                 *, percent: bool = True) -> go.Figure:
    """df: created_week (or any x in the first column), [field], value_col."""
    x_col = df.columns[0]
    fig = go.Figure()
    groups = df.groupby(field, sort=True) if field else [(None, df)]
    for key, part in groups:
        part = part.sort_values(x_col)
        fig.add_scatter(x=part[x_col], y=part[value_col], mode="lines+markers",
                        name=label(field, key, lang) if field else y_title,
                        customdata=part[[x_col]].astype(str),
                        hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}" + (" %" if percent else "") + "<extra>%{fullData.name}</extra>")
    fig.update_yaxes(title=y_title, rangemode="normal" if percent else "tozero")
    return _layout(fig)


def weekday_hour_heatmap(df: pd.DataFrame, value_col: str, lang: str, *, colorscale: str = "Blues",
                         fmt: str = ",.0f") -> go.Figure:
    """df: created_weekday (1=Mon), created_hour (0–23), value_col."""
    grid = np.full((7, 24), np.nan)
    for wd, hour, value in df[["created_weekday", "created_hour", value_col]].itertuples(index=False):
        grid[int(wd) - 1, int(hour)] = value
    fig = go.Figure(go.Heatmap(
        z=grid, x=list(range(24)), y=[label("weekday", i, lang) for i in range(1, 8)],
        colorscale=colorscale, hovertemplate="%{y} %{x}:00 → %{z:" + fmt + "}<extra></extra>",
        colorbar=dict(thickness=10)))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(dtick=2, title=t("hour_of_day", lang))
    return _layout(fig, height=300, legend=False)


def bucket_bars(df: pd.DataFrame, lang: str, *, flag_col: str | None = None) -> go.Figure:
    """df: bucket (ordered labels), tickets[, flag_col: bool → red]."""
    colors = [RED if (flag_col and f) else GREY for f in (df[flag_col] if flag_col else [False] * len(df))]
    fig = go.Figure(go.Bar(x=df["bucket"], y=df["tickets"], marker_color=colors,
                           text=[f"{v:,}" for v in df["tickets"]], textposition="outside",
                           customdata=df[["bucket"]], hovertemplate="%{x}: %{y:,}<extra></extra>"))
    fig.update_yaxes(title=t("kpi_tickets", lang))
    return _layout(fig, height=300, legend=False)


def median_p90_bars(df: pd.DataFrame, lang: str) -> go.Figure:
    """df: category, median_hours, p90_hours."""
    df = df.sort_values("median_hours")
    names = [label("category", c, lang) for c in df["category"]]
    fig = go.Figure()
    fig.add_bar(y=names, x=df["median_hours"], orientation="h", name="median", marker_color=PALETTE[0],
                customdata=df[["category"]], hovertemplate="%{y}: %{x:,.1f} h<extra>median</extra>")
    fig.add_bar(y=names, x=df["p90_hours"], orientation="h", name="P90", marker_color="#93c5fd",
                customdata=df[["category"]], hovertemplate="%{y}: %{x:,.1f} h<extra>P90</extra>")
    fig.update_layout(barmode="group")
    _minutes_axis(fig, scale=60)
    return _layout(fig, height=max(260, 44 * len(df) + 80))


def survival_curves(curves: dict[str, Survival], lang: str) -> go.Figure:
    """Step curves of the share still unresolved after t hours, per category."""
    fig = go.Figure()
    for category, s in sorted(curves.items()):
        hours = np.concatenate([[s.times[0] / 60 if len(s.times) else 0.01], s.times / 60])
        surv = np.concatenate([[1.0], s.survival]) * 100
        fig.add_scatter(x=np.maximum(hours, 0.01), y=surv, mode="lines", line_shape="hv",
                        name=label("category", category, lang),
                        hovertemplate="%{x:,.1f} h → %{y:.0f} %<extra>%{fullData.name}</extra>")
    fig.add_hline(y=50, line_dash="dot", line_color=GREY)
    _minutes_axis(fig, scale=60)
    fig.update_yaxes(title="%", range=[0, 100])
    return _layout(fig, height=400)


def stacked_buckets(df: pd.DataFrame, field: str, lang: str) -> go.Figure:
    """df: bucket, <field>, tickets (bucket order as given)."""
    order = list(dict.fromkeys(df["bucket"]))
    fig = go.Figure()
    for key, part in df.groupby(field, sort=True):
        part = part.set_index("bucket").reindex(order).fillna({"tickets": 0}).reset_index()
        fig.add_bar(x=part["bucket"], y=part["tickets"], name=label(field, key, lang),
                    customdata=np.stack([part["bucket"], [key] * len(part)], axis=1),
                    hovertemplate="%{x}: %{y:,}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title=t("kpi_tickets", lang))
    return _layout(fig, height=320)


def funnel(df: pd.DataFrame, lang: str) -> go.Figure:
    """df: step, tickets, median_hours_from_previous (NaN for the first step)."""
    text = []
    for tickets, hours, share in zip(df["tickets"], df["median_hours_from_previous"], df["share_of_previous"], strict=True):
        part = f"{tickets:,}"
        if share == share and share is not None and not pd.isna(share):
            part += f" ({share * 100:.1f} %)"
        if hours == hours and hours is not None and not pd.isna(hours):
            part += f" · {t('median_to_step', lang)} {hours:,.1f} {t('hours', lang)}"
        text.append(part)
    fig = go.Figure(go.Funnel(y=[label("step", s, lang) for s in df["step"]], x=df["tickets"],
                              text=text, textinfo="text", customdata=df[["step"]],
                              marker=dict(color=[PALETTE[0], PALETTE[6], PALETTE[1], RED][: len(df)])))
    return _layout(fig, height=320, legend=False)


def error_heatmap(df: pd.DataFrame, lang: str) -> go.Figure:
    """df: agent_id, error_type, error_rate (0–1), reviews_with_error, reviews; the error types
    in the order of their first rows (the warehouse's qa_error_types() order)."""
    agents = sorted(df["agent_id"].unique())
    types = list(dict.fromkeys(df["error_type"]))
    z = np.full((len(agents), len(types)), np.nan)
    text = np.full((len(agents), len(types)), "", dtype=object)
    ai = {a: i for i, a in enumerate(agents)}
    ti = {e: i for i, e in enumerate(types)}
    for row in df.itertuples(index=False):
        if row.error_type in ti:
            z[ai[row.agent_id], ti[row.error_type]] = row.error_rate * 100
            text[ai[row.agent_id], ti[row.error_type]] = f"{row.reviews_with_error}/{row.reviews}"
    fig = go.Figure(go.Heatmap(
        z=z, x=[label("error_type", e, lang) for e in types], y=agents, text=text,
        texttemplate="%{text}", colorscale="Reds", zmin=0,
        hovertemplate="%{y} · %{x}: %{z:.1f} % (%{text})<extra></extra>", colorbar=dict(thickness=10)))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, height=max(300, 22 * len(agents) + 90), legend=False)


def profile_bars(df: pd.DataFrame, lang: str, reference: str | None = None) -> go.Figure:
    """df: metric (label), agent, team_median — one bar pair per metric (same unit)."""
    fig = go.Figure()
    fig.add_bar(x=df["metric"], y=df["agent"], name=t("agent_value", lang), marker_color=PALETTE[0],
                text=[f"{v:,.1f}" if v == v else "—" for v in df["agent"]], textposition="outside")
    fig.add_bar(x=df["metric"], y=df["team_median"], name=reference or t("team_median", lang), marker_color=GREY,
                text=[f"{v:,.1f}" if v == v else "—" for v in df["team_median"]], textposition="outside")
    fig.update_layout(barmode="group")
    return _layout(fig, height=340)


def reason_bars(df: pd.DataFrame) -> go.Figure:
    """df: reason_code, rows."""
    df = df.sort_values("rows")
    fig = go.Figure(go.Bar(x=df["rows"], y=df["reason_code"], orientation="h", marker_color=RED,
                           text=[f"{v:,}" for v in df["rows"]], textposition="outside",
                           customdata=df[["reason_code"]]))
    return _layout(fig, height=max(200, 30 * len(df) + 60), legend=False)


# ---------------------------------------------------------------------------- process
STAGE_COLORS = {"new": PALETTE[7], "open": PALETTE[0], "pending": PALETTE[6], "on_hold": PALETTE[4],
                "escalated": PALETTE[1], "solved": GREY}


def stage_bars(df: pd.DataFrame, field: str, value_col: str, lang: str) -> go.Figure:
    """Time in each stage per group, one bar per stage (log minutes).
    df: <field>, stage, stage_order, <value_col> (minutes), tickets."""
    groups = sorted(df[field].dropna().unique(), key=lambda v: label(field, v, lang), reverse=True)
    names = {g: label(field, g, lang) for g in groups}
    fig = go.Figure()
    for stage, part in sorted(df.groupby("stage"), key=lambda kv: kv[1]["stage_order"].min()):
        part = part.set_index(field).reindex(groups).reset_index()
        fig.add_bar(y=[names[g] for g in groups], x=part[value_col].clip(lower=0.5), orientation="h",
                    name=label("stage", stage, lang), marker_color=STAGE_COLORS.get(stage, GREY),
                    customdata=np.stack([part[field].astype(str), part["tickets"].fillna(0)], axis=1),
                    hovertemplate="%{y} · %{fullData.name}: %{x:,.0f} min (%{customdata[1]:,.0f})<extra></extra>")
    fig.update_layout(barmode="group")
    _minutes_axis(fig)
    return _layout(fig, height=max(320, 26 * len(groups) * max(1, df["stage"].nunique()) // 2 + 120))


def wait_split_bars(df: pd.DataFrame, field: str, lang: str) -> go.Figure:
    """Mean hours per ticket: the desk working, on hold, waiting on the customer, stacked.
    df: <field>, desk_working, on_hold, customer (minutes)."""
    df = df.assign(total=df["desk_working"] + df["on_hold"] + df["customer"]).sort_values("total")
    names = [label(field, v, lang) for v in df[field]]
    fig = go.Figure()
    for col, key, color in (("desk_working", "proc_desk_working", PALETTE[0]), ("on_hold", "proc_on_hold", PALETTE[4]),
                            ("customer", "proc_customer", PALETTE[6])):
        fig.add_bar(y=names, x=df[col] / 60, orientation="h", name=t(key, lang), marker_color=color,
                    customdata=df[[field]].astype(str),
                    hovertemplate="%{y}: %{x:,.1f} h<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="stack", xaxis_title=t("hours", lang))
    return _layout(fig, height=max(240, 34 * len(df) + 100))


def target_bars(df: pd.DataFrame, lang: str) -> go.Figure:
    """Met / breached / pending per time point, as shares of its tickets, labelled with counts.
    df: target, met, breached, pending."""
    df = df.iloc[::-1]
    total = (df["met"] + df["breached"] + df["pending"]).clip(lower=1)
    names = [label("process_target", v, lang) for v in df["target"]]
    fig = go.Figure()
    for col, color in (("met", GREEN), ("breached", RED), ("pending", GREY)):
        fig.add_bar(y=names, x=df[col] / total * 100, orientation="h", name=label("frt_sla", col, lang),
                    marker_color=color, text=[f"{v:,}" for v in df[col]], textposition="inside",
                    customdata=df[["target"]].astype(str),
                    hovertemplate="%{y}: %{x:.1f} % (%{text})<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="stack", xaxis_title="%", xaxis_range=[0, 100])
    return _layout(fig, height=max(200, 40 * len(df) + 100))


def assistant_weekly(df: pd.DataFrame, lang: str) -> go.Figure:
    """The assistant's weekly containment and "contained and stayed solved", in percent.
    df: created_week, contained_pct, stayed_solved_pct."""
    df = df.sort_values("created_week")
    fig = go.Figure()
    for col, key, color in (("contained_pct", "as_contained", PALETTE[0]),
                            ("stayed_solved_pct", "as_stayed_solved", PALETTE[2])):
        fig.add_scatter(x=df["created_week"], y=df[col], mode="lines+markers", name=t(key, lang),
                        line_color=color, customdata=df[["created_week"]].astype(str),
                        hovertemplate="%{x|%Y-%m-%d}: %{y:.1f} %<extra>%{fullData.name}</extra>")
    fig.update_yaxes(title="%", rangemode="tozero")
    return _layout(fig)


def outcome_bars(df: pd.DataFrame, lang: str) -> go.Figure:
    """Contained against handed-off tickets: CSAT (4–5), reopen and repeat-contact rates.
    df: outcome (contained / handed_off), csat_satisfied_pct, reopened_pct, repeat_pct."""
    measures = (("csat_satisfied_pct", "as_csat"), ("reopened_pct", "as_reopened"), ("repeat_pct", "as_repeat"))
    fig = go.Figure()
    for (outcome, part), color in zip(df.groupby("outcome", sort=True), (PALETTE[0], PALETTE[1]), strict=False):
        row = part.iloc[0]
        values = [row[col] for col, _ in measures]
        fig.add_bar(x=[t(key, lang) for _, key in measures], y=values, name=t(f"as_outcome_{outcome}", lang),
                    marker_color=color, text=["—" if pd.isna(v) else f"{v:.1f} %" for v in values],
                    textposition="outside", hovertemplate="%{x}: %{y:.1f} %<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="group", yaxis_title="%")
    return _layout(fig)


def automation_bars(df: pd.DataFrame, lang: str) -> go.Figure:
    """Agent hours a target containment would free, per category, largest on top; a category
    without enough assistant tickets to tell (hours_freed NULL) shows no bar.
    df: category, hours_freed, tickets."""
    df = df.assign(hours=df["hours_freed"].astype("float64").fillna(0.0)).iloc[::-1]
    names = [label("category", v, lang) for v in df["category"]]
    fig = go.Figure(go.Bar(
        x=df["hours"], y=names, orientation="h", marker_color=PALETTE[2],
        text=["—" if pd.isna(v) else f"{v:,.1f} h" for v in df["hours_freed"]], textposition="outside",
        customdata=df[["category"]].astype(str), hovertemplate="%{y}: %{x:,.1f} h<extra></extra>"))
    fig.update_layout(xaxis_title=t("hours", lang), yaxis_title=None)
    return _layout(fig, height=max(220, 34 * len(df) + 80), legend=False)
