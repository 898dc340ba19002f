"""Overview: KPI tiles against the previous period, weekly volume by channel, and where the
first-response SLA is furthest behind."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.auth import require
from dashboard.frame import Context, context, delta, fmt_minutes, fmt_pct, show_chart


def kpi_tiles(ctx: Context) -> None:
    now = ctx.wh.query("kpis", ctx.filters).iloc[0]
    prev_filters = ctx.filters.previous()
    before = ctx.wh.query("kpis", prev_filters).iloc[0] if prev_filters else None
    days = ctx.filters.days

    def prev(col: str) -> float | None:
        return None if before is None or not before["tickets"] else before[col]

    tiles = [
        ("kpi_tickets", f"{int(now['tickets']):,}", delta(now["tickets"], prev("tickets")), "normal"),
        ("kpi_frt_median", fmt_minutes(now["frt_median"], ctx.lang),
         delta(now["frt_median"], prev("frt_median"), unit="minutes"), "inverse"),
        ("kpi_frt_p90", fmt_minutes(now["frt_p90"], ctx.lang),
         delta(now["frt_p90"], prev("frt_p90"), unit="minutes"), "inverse"),
        ("kpi_sla", fmt_pct(now["pct_sla"]), delta(now["pct_sla"], prev("pct_sla"), percent_points=True), "normal"),
        ("kpi_resolution_median", fmt_minutes(now["resolution_median"], ctx.lang),
         delta(now["resolution_median"], prev("resolution_median"), unit="minutes"), "inverse"),
        ("kpi_escalation", fmt_pct(now["pct_escalated"]),
         delta(now["pct_escalated"], prev("pct_escalated"), percent_points=True), "inverse"),
        ("kpi_reopen", fmt_pct(now["pct_reopened"]),
         delta(now["pct_reopened"], prev("pct_reopened"), percent_points=True), "inverse"),
        ("kpi_csat", fmt_pct(now["pct_csat"]), delta(now["pct_csat"], prev("pct_csat"), percent_points=True), "normal"),
    ]
    for row in (tiles[:4], tiles[4:]):
        for col, (key, value, change, color) in zip(st.columns(4), row, strict=True):
            col.metric(ctx.t(key), value, change, delta_color=color,
                       help=ctx.t("vs_previous", days=days) if days else None, border=True)


def render(ctx: Context) -> None:
    st.title(ctx.t("page_overview"))
    kpi_tiles(ctx)
    if ctx.wh.query("kpis", ctx.filters)["tickets"].iloc[0] == 0:
        st.info(ctx.t("no_rows"))
        return
    st.subheader(ctx.t("weekly_volume"))
    weekly = ctx.wh.query("weekly_volume", ctx.filters)
    show_chart(ctx, charts.weekly_volume(weekly, ctx.lang, ctx.filters.start, ctx.filters.end),
               "overview_weekly", ctx.t("weekly_volume_cap"),
               field="week")
    st.subheader(ctx.t("behind_sla"))
    left, right = st.columns(2)
    for col, dim, field, title in ((left, "category", "category", "by_category"), (right, "team", "team", "by_team")):
        with col:
            st.markdown(f"**{ctx.t(title)}**")
            df = ctx.wh.query("breach_by", ctx.filters, dim=dim).rename(columns={"value": field})
            fig = charts.share_bars(df, field, "breach_pct", "breached", ctx.lang, ctx.t("breach_share"))
            show_chart(ctx, fig, f"overview_breach_{dim}", ctx.t("behind_sla_cap"), field=field,
                       extra="t.frt_sla = 'breached'")


require("overview")
render(context())
