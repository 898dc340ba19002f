"""The AI assistant: what it handled and contained, when it handed over to people, whether its
contained tickets stayed solved, the arrivals outside the human agents' schedule it answered at
once, and what to automate next (marts ticket_assistant, assistant_automation)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import require
from dashboard.behind import AFTER_HOURS, HANDED_OFF, HANDLED, HUMAN_HANDLED, OUTCOMES
from dashboard.frame import Context, context, fmt_minutes, fmt_pct, show_chart
from dashboard.i18n import label
from dashboard.plain import md


def setting(ctx: Context, key: str, default: float) -> float:
    """An [assistant] setting as the warehouse was built with it (warehouse_meta)."""
    value = ctx.meta.get(f"assistant_{key}")
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def kpis(ctx: Context, row: pd.Series) -> None:
    cols = [*st.columns(3), *st.columns(3)]
    cols[0].metric(ctx.t("as_handled"), f"{int(row['handled']):,}")
    cols[1].metric(ctx.t("as_containment"), fmt_pct(row["contained_pct"]))
    cols[2].metric(ctx.t("as_stayed_solved"), fmt_pct(row["stayed_solved_pct"]))
    cols[3].metric(ctx.t("as_handoff_rate"), fmt_pct(row["handed_off_pct"]))
    cols[4].metric(ctx.t("as_handoff_median"), fmt_minutes(row["handoff_median_minutes"], ctx.lang))
    cols[5].metric(ctx.t("as_after_hours_answered"),
                   f"{int(row['outside_answered']):,} / {int(row['outside_hours']):,}")


@st.fragment
def automation(ctx: Context) -> None:
    """What to automate next: the ranking by agent hours a target containment would free.
    A fragment: moving the target slider reruns only this part."""
    st.subheader(ctx.t("as_automate"))
    default = int(round(setting(ctx, "target_pct", 60.0)))
    target = st.slider(ctx.t("as_target"), 0, 100, default, step=5, key="as_target", format="%d %%")
    min_handled = int(setting(ctx, "min_handled", 20))
    ranked = ctx.wh.query("assistant_automation", ctx.filters,
                          params={"target": float(target), "min_handled": min_handled})
    if ranked.empty:
        st.caption(ctx.t("no_rows"))
        return
    cap_minutes = setting(ctx, "action_cap_minutes", 30.0)
    show_chart(ctx, charts.automation_bars(ranked, ctx.lang), "as_automate",
               ctx.t("as_automate_cap", target=target, min_handled=min_handled, cap=f"{cap_minutes:g}"),
               field="category", extra=HUMAN_HANDLED)
    table = pd.DataFrame({
        ctx.t("category"): [label("category", v, ctx.lang) for v in ranked["category"]],
        ctx.t("as_col_tickets"): ranked["tickets"],
        ctx.t("as_col_contained"): ranked["contained_pct"],
        ctx.t("as_col_handled"): ranked["handled"],
        ctx.t("as_col_reach"): ranked["reach_pct"],
        ctx.t("as_col_minutes"): ranked["human_minutes_per_ticket"],
        ctx.t("as_col_basis"): [ctx.t(f"as_basis_{v}") for v in ranked["minutes_basis"]],
        ctx.t("as_col_escalated"): ranked["escalated_pct"],
        ctx.t("as_col_csat"): ranked["csat_satisfied_pct"],
        ctx.t("as_col_hours"): ranked["hours_freed"],
    })
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.1f") for c in (
                     ctx.t("as_col_contained"), ctx.t("as_col_reach"), ctx.t("as_col_minutes"),
                     ctx.t("as_col_escalated"), ctx.t("as_col_csat"), ctx.t("as_col_hours"))})


def render(ctx: Context) -> None:
    st.title(ctx.t("page_assistant"))
    row = ctx.wh.query("assistant_kpis", ctx.filters).iloc[0]
    if not row["tickets"]:
        st.info(ctx.t("no_rows"))
        return
    if not row["handled"]:
        st.caption(ctx.t("as_none_handled"))
        automation(ctx)
        return
    kpis(ctx, row)
    st.caption(ctx.t("as_kpis_cap", minutes=f"{setting(ctx, 'answered_within_minutes', 5.0):g}",
                     schedule=md(ctx.meta.get("assistant_human_schedule", "default"))))

    st.subheader(ctx.t("as_by_category"))
    by_cat = ctx.wh.query("assistant_by", ctx.filters, dim="category").rename(columns={"value": "category"})
    if not by_cat.empty:
        show_chart(ctx, charts.share_bars(by_cat, "category", "contained_pct", "handled", ctx.lang, "%",
                                          color=charts.PALETTE[0]),
                   "as_by_category", ctx.t("as_by_category_cap"), field="category", extra=HANDLED)

    st.subheader(ctx.t("as_weekly"))
    weekly = ctx.wh.query("assistant_weekly", ctx.filters)
    show_chart(ctx, charts.assistant_weekly(weekly, ctx.lang), "as_weekly", ctx.t("as_weekly_cap"),
               field="week", extra=HANDLED)

    st.subheader(ctx.t("as_handoff"))
    if not by_cat.empty:
        show_chart(ctx, charts.share_bars(by_cat, "category", "handed_off_pct", "handed_off", ctx.lang, "%",
                                          color=charts.PALETTE[1]),
                   "as_handoff", ctx.t("as_handoff_cap"), field="category", extra=HANDED_OFF)

    st.subheader(ctx.t("as_outcomes"))
    outcomes = ctx.wh.query("assistant_outcomes", ctx.filters)
    if not outcomes.empty:
        show_chart(ctx, charts.outcome_bars(outcomes, ctx.lang), "as_outcomes", ctx.t("as_outcomes_cap"),
                   extra=OUTCOMES)

    st.subheader(ctx.t("as_after_hours"))
    after = ctx.wh.query("assistant_after_hours", ctx.filters).rename(columns={"value": "channel"})
    if after.empty:
        st.caption(ctx.t("no_rows"))
    else:
        show_chart(ctx, charts.share_bars(after, "channel", "answered_pct", "arrivals", ctx.lang, "%",
                                          color=charts.PALETTE[5]),
                   "as_after_hours", ctx.t("as_after_hours_cap",
                                           minutes=f"{setting(ctx, 'answered_within_minutes', 5.0):g}"),
                   field="channel", extra=AFTER_HOURS)

    automation(ctx)


require("assistant")
render(context())
