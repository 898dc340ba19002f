"""Escalations: rate by category, channel, team and agent; the path front line → second line
→ formal appeal → external body with time to each step; the weekly trend; and the tickets
that reached an external body."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.auth import require
from dashboard.frame import Context, context, show_chart, tickets_table
from dashboard.plain import chart

DIMS = {"category": "category", "channel": "channel", "team": "team", "agent": "agent_id"}
LEVELS = {"front_line": 0, "second_line": 1, "formal_appeal": 2, "external_body": 3}


def render(ctx: Context) -> None:
    st.title(ctx.t("page_escalations"))
    st.subheader(ctx.t("esc_rate_by"))
    dim = st.segmented_control(ctx.t("split_by"), list(DIMS), default="category", key="esc_dim",
                               format_func=lambda d: ctx.t(d)) or "category"
    field = {"agent": "agent_id"}.get(dim, dim)
    rates = ctx.wh.query("escalation_by", ctx.filters, dim=DIMS[dim]).rename(columns={"value": field})
    if rates.empty:
        st.info(ctx.t("no_rows"))
        return
    show_chart(ctx, charts.share_bars(rates, field, "pct_escalated", "escalated", ctx.lang, "%",
                                      color=charts.PALETTE[1]),
               f"esc_rate_{dim}", ctx.t("esc_rate_cap"), field=dim, extra="t.is_escalated")

    st.subheader(ctx.t("funnel"))
    path = ctx.wh.query("funnel", ctx.filters)
    event = st.plotly_chart(chart(charts.funnel(path, ctx.lang)), key="esc_funnel", on_select="rerun",
                            selection_mode=("points",), width="stretch")
    st.caption(ctx.t("funnel_cap"))
    points = getattr(getattr(event, "selection", None), "points", []) or []
    steps = [p["customdata"][0] for p in points if p.get("customdata")]
    level = max((LEVELS.get(s, 1) for s in steps), default=1)
    tickets_table(ctx, "esc_funnel", "t.escalation_level >= $level", {"level": level},
                  steps, expanded=bool(steps))

    st.subheader(ctx.t("esc_trend"))
    weekly = ctx.wh.query("escalation_weekly", ctx.filters)
    long = weekly.melt(id_vars="created_week", value_vars=["pct_escalated", "pct_external"],
                       var_name="series", value_name="pct")
    long["series"] = long["series"].map({"pct_escalated": ctx.t("kpi_escalation"),
                                         "pct_external": ctx.t("external_tickets")})
    show_chart(ctx, charts.weekly_lines(long[["created_week", "series", "pct"]], "series", "pct", ctx.lang, "%"),
               "esc_weekly", ctx.t("esc_trend_cap"), field="week", extra="t.is_escalated")

    st.subheader(ctx.t("external_tickets"))
    tickets_table(ctx, "esc_external", "t.escalation_level >= 3", {}, [], expanded=True)


require("escalations")
render(context())
