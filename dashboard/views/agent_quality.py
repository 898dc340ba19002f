"""Agent quality: agent × error-type rates from QA reviews, the monthly trend per error type,
a training list backed by a significance test, and a per-agent profile against the team."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import require
from dashboard.frame import Context, context, fmt_minutes, fmt_pct, reviews_table, show_chart
from dashboard.i18n import label
from dashboard.plain import chart
from dashboard.stats import training_list
from etl.query import csvsafe

ALPHA = 0.05
MAX_HEATMAP_AGENTS = 40


def reviews_where(ctx: Context) -> dict:
    """Filters apply to reviews by the date of the review and the reviewed ticket's dimensions."""
    return {"alias": "q", "date_column": "reviewed_date"}


def render(ctx: Context) -> None:
    st.title(ctx.t("page_quality"))
    min_reviews = st.slider(ctx.t("min_reviews"), 1, 50, 10, key="qa_min_reviews")
    rates = ctx.wh.query("quality_by_agent", ctx.filters, **reviews_where(ctx))
    if rates.empty:
        st.info(ctx.t("no_rows"))
        return

    st.subheader(ctx.t("quality_heatmap"))
    # the agents with the highest share of reviews with any error (pct_reviews_with_error)
    per_review = ctx.wh.query("agent_reviews", ctx.filters, **reviews_where(ctx))
    worst = (per_review[per_review["reviews"] >= min_reviews]
             .sort_values("pct_reviews_with_error", ascending=False)["agent_id"].head(MAX_HEATMAP_AGENTS))
    shown = rates[rates["agent_id"].isin(worst)]
    if shown.empty:
        st.caption(ctx.t("no_rows"))
    else:
        st.plotly_chart(chart(charts.error_heatmap(shown, ctx.lang)), key="qa_heatmap", width="stretch")
        st.caption(ctx.t("quality_heatmap_cap"))
        reviews_table(ctx, "qa_heatmap")

    st.subheader(ctx.t("error_trend"))
    monthly = ctx.wh.query("quality_monthly", ctx.filters, **reviews_where(ctx))
    show_chart(ctx, charts.weekly_lines(monthly, "error_type", "pct", ctx.lang, "%"), "qa_trend",
               ctx.t("error_trend_cap"), tickets=False)
    reviews_table(ctx, "qa_trend")

    st.subheader(ctx.t("training_list"))
    st.caption(ctx.t("training_cap", alpha=ALPHA, min=min_reviews))
    flagged = training_list(rates, min_reviews, ALPHA)
    if flagged.empty:
        st.success(ctx.t("no_training"))
    else:
        found = ctx.wh.query("review_examples", ctx.filters, **reviews_where(ctx),
                             params={"agents": [str(a) for a in flagged["agent_id"]],
                                     "error_types": [str(e) for e in flagged["error_type"]]})
        examples = found.groupby(["agent_id", "error_type"], sort=False)["ticket_id"].agg(
            lambda ids: ", ".join(ids.astype(str)))
        table = flagged.assign(examples=[examples.get((r.agent_id, r.error_type), "")
                                         for r in flagged.itertuples(index=False)])
        table["error_type"] = [label("error_type", e, ctx.lang) for e in table["error_type"]]
        st.dataframe(
            table[["error_type", "agent_id", "team", "reviews", "with_error", "rate", "team_rate", "p_holm",
                   "examples"]].rename(columns={
                       "error_type": ctx.t("error_type"), "agent_id": ctx.t("agent"), "team": ctx.t("team"),
                       "reviews": ctx.t("reviews"), "with_error": ctx.t("with_error"), "rate": ctx.t("rate"),
                       "team_rate": ctx.t("team_rate"), "p_holm": ctx.t("p_value"),
                       "examples": ctx.t("example_tickets")}),
            hide_index=True, width="stretch", key="qa_training",
            column_config={ctx.t("rate"): st.column_config.NumberColumn(format="percent"),
                           ctx.t("team_rate"): st.column_config.NumberColumn(format="percent"),
                           ctx.t("p_value"): st.column_config.NumberColumn(format="%.2e")})
        st.download_button(ctx.t("download_csv"), data=csvsafe.write_csv(flagged, bom=True),
                           file_name="training-list.csv", mime="text/csv", on_click="ignore")

    st.subheader(ctx.t("agent_profile"))
    st.caption(ctx.t("agent_profile_cap"))
    per_agent = ctx.wh.query("agent_tickets", ctx.filters)
    agents = sorted(set(per_agent["agent_id"]) | set(per_review["agent_id"]))
    if not agents:
        return
    default = flagged["agent_id"].iloc[0] if not flagged.empty else agents[0]
    agent = st.selectbox(ctx.t("pick_agent"), agents, index=agents.index(default), key="qa_agent")
    merged = per_agent.merge(per_review, on="agent_id", how="outer")
    team = merged.loc[merged["agent_id"] == agent, "team"].iloc[0]
    mates = merged[merged["team"] == team]
    me = merged[merged["agent_id"] == agent].iloc[0]
    tiles = [
        ("kpi_tickets", "tickets", lambda v: f"{v:,.0f}", "normal"),
        ("kpi_frt_median", "frt_median_minutes", lambda v: fmt_minutes(v, ctx.lang), "inverse"),
        ("kpi_sla", "pct_sla", fmt_pct, "normal"),
        ("kpi_resolution_median", "resolution_median_hours", lambda v: fmt_minutes(v * 60, ctx.lang), "inverse"),
        ("kpi_escalation", "pct_escalated", fmt_pct, "inverse"),
        ("kpi_reopen", "pct_reopened", fmt_pct, "inverse"),
        ("kpi_reviews", "reviews", lambda v: f"{v:,.0f}", "off"),
        ("kpi_review_errors", "pct_reviews_with_error", fmt_pct, "inverse"),
    ]
    for row in (tiles[:4], tiles[4:]):
        for col, (key, field, fmt, color) in zip(st.columns(4), row, strict=True):
            value, median = me.get(field), mates[field].median()
            change = None if pd.isna(value) or pd.isna(median) else f"{value - median:+,.1f} vs {ctx.t('team_median')}"
            col.metric(ctx.t(key), "—" if pd.isna(value) else fmt(value), change, delta_color=color, border=True)
    # error rates per type: the agent's against the team's (all the team's reviews pooled)
    mine = rates[rates["agent_id"] == agent].set_index("error_type")
    team_rates = ctx.wh.query("quality_of_team", ctx.filters, **reviews_where(ctx),
                              params={"team": None if pd.isna(team) else str(team)}
                              ).set_index("error_type")["error_rate"]
    profile = pd.DataFrame({
        "metric": [label("error_type", e, ctx.lang) for e in mine.index],
        "agent": (mine["error_rate"] * 100).to_numpy(),
        "team_median": (team_rates.reindex(mine.index) * 100).to_numpy(),
    })
    show_chart(ctx, charts.profile_bars(profile, ctx.lang, reference=ctx.t("team_rate")), "qa_profile",
               ctx.t("profile_errors_cap"), extra="t.agent_id = $agent", params={"agent": agent})


require("agent_quality")
render(context())
