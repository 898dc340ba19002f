"""First response: distribution per channel, share within SLA per week, arrivals and waits
by weekday × hour, and the tickets still unanswered."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.auth import require
from dashboard.frame import Context, context, show_chart

QUANTILES = "[" + ", ".join(f"{i / 100:.2f}" for i in range(1, 100)) + "]"
SPLITS = {"channel": "channel", "priority": "priority", "category": "category"}


@st.fragment
def sla_trend(ctx: Context) -> None:
    """The weekly share within SLA; a fragment: its split-by choice and a click on the chart
    rerun only this part."""
    st.subheader(ctx.t("sla_trend"))
    split = st.segmented_control(ctx.t("split_by"), list(SPLITS), default="channel", key="frt_split",
                                 format_func=lambda s: ctx.t(s))
    split = split or "channel"
    weekly = ctx.wh.query("sla_weekly", ctx.filters, dim=SPLITS[split]).rename(columns={"value": split})
    show_chart(ctx, charts.weekly_lines(weekly, split, "pct_sla", ctx.lang, "%"), "frt_sla_weekly",
               ctx.t("sla_trend_cap"), field="week", extra="t.frt_sla = 'breached'")


def render(ctx: Context) -> None:
    st.title(ctx.t("page_first_response"))
    clock = st.segmented_control(ctx.t("clock"), ["calendar", "business"], default="calendar",
                                 key="frt_clock", format_func=lambda c: ctx.t(f"clock_{c}"))
    minutes = "first_response_business_minutes" if clock == "business" else "first_response_minutes"
    # the default target of the settings (the catch-all rule, last in order)
    target = ctx.wh.sql("select target_minutes as m from sla_rules order by rule_order desc limit 1")["m"].iloc[0]

    st.subheader(ctx.t("frt_distribution"))
    q = ctx.wh.query("frt_quantiles", ctx.filters, minutes=minutes, quantiles=QUANTILES)
    if q.empty:
        st.info(ctx.t("no_rows"))
    else:
        show_chart(ctx, charts.frt_ecdf(q, target if clock == "calendar" else None, ctx.lang),
                   "frt_ecdf", ctx.t("frt_distribution_cap"), extra="t.first_response_minutes is not null")

    sla_trend(ctx)

    arrivals = ctx.wh.query("arrivals", ctx.filters, minutes=minutes)
    left, right = st.columns(2)
    with left:
        st.subheader(ctx.t("arrivals_heatmap"))
        show_chart(ctx, charts.weekday_hour_heatmap(arrivals, "tickets", ctx.lang), "frt_arrivals",
                   ctx.t("arrivals_heatmap_cap"))
    with right:
        st.subheader(ctx.t("wait_heatmap"))
        show_chart(ctx, charts.weekday_hour_heatmap(arrivals, "median_wait", ctx.lang, colorscale="OrRd",
                                                    fmt=",.1f"),
                   "frt_waits", ctx.t("wait_heatmap_cap"), extra="t.first_response_at is not null")

    st.subheader(ctx.t("unanswered"))
    waiting = ctx.wh.query("unanswered", ctx.filters)
    if waiting.empty:
        st.caption(ctx.t("no_rows"))
        return
    waiting["past_target"] = waiting["breached"] * 2 > waiting["tickets"]
    show_chart(ctx, charts.bucket_bars(waiting, ctx.lang, flag_col="past_target"), "frt_unanswered",
               ctx.t("unanswered_cap"), extra="t.unanswered_wait_minutes is not null")


require("first_response")
render(context())
