"""Agent quality: agent × error-type rates from QA reviews, the monthly trend per error type,
a training list backed by a significance test, and a per-agent profile against the team."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import require
from dashboard.behind import INCOMPLETE
from dashboard.db import flagged_agents
from dashboard.frame import Context, context, fmt_minutes, fmt_pct, reviews_table, show_chart, tickets_table
from dashboard.i18n import label
from dashboard.plain import chart, md
from etl.query import csvsafe

ALPHA = 0.05
MAX_HEATMAP_AGENTS = 40


def reviews_where(ctx: Context) -> dict:
    """Filters apply to reviews by the date of the review and the reviewed ticket's dimensions."""
    return {"alias": "q", "date_column": "reviewed_date"}


# the training list's error type for records that lack what their category needs
INCOMPLETE_FIELDS = "incomplete_fields"
CP_DIMS = {"team": "team", "agent": "agent_id"}


def has_completeness(ctx: Context) -> bool:
    """Whether the warehouse has ticket_completeness (one published before it has not)."""
    found = ctx.wh.sql("select count(*) as n from (select table_name as name from duckdb_tables() union all "
                       "select view_name from duckdb_views()) where name = 'ticket_completeness'")
    return bool(int(found["n"].iloc[0]))


def completeness(ctx: Context) -> pd.DataFrame:
    """Record completeness (ticket_completeness): share complete per team or agent, the
    trend by month and team, the effect of an incomplete record; returns the per-agent
    counts for the training list (empty when there is nothing to judge)."""
    st.subheader(ctx.t("cp_title"))
    st.caption(ctx.t("cp_intro"))
    if not has_completeness(ctx):
        st.caption(ctx.t("cp_unavailable"))
        return pd.DataFrame()
    kpis = ctx.wh.query("completeness_kpis", ctx.filters).iloc[0]
    unrecorded = ctx.wh.query("completeness_items", ctx.filters, items="unrecorded_items")
    if not unrecorded.empty:
        items = "; ".join(ctx.t("cp_unrecorded_item", item=label("completeness_item", r.item, ctx.lang),
                                tickets=int(r.tickets)) for r in unrecorded.itertuples())
        st.caption(ctx.t("cp_unrecorded", items=md(items)))
    if not kpis["with_rules"]:
        st.caption(ctx.t("cp_no_rules"))
        return pd.DataFrame()
    left, middle, right = st.columns(3)
    left.metric(ctx.t("cp_share_complete"), fmt_pct(kpis["pct_complete_with_rules"]), border=True)
    middle.metric(ctx.t("cp_incomplete"), f"{int(kpis['incomplete']):,}", border=True)
    right.metric(ctx.t("cp_with_rules"), f"{int(kpis['with_rules']):,}", border=True)
    missing = ctx.wh.query("completeness_items", ctx.filters, items="missing_items")
    if not missing.empty:
        st.caption(ctx.t("cp_missing_items"))
        missing["item"] = [label("completeness_item", item, ctx.lang) for item in missing["item"]]
        st.dataframe(missing.rename(columns={"item": ctx.t("cp_item"), "tickets": ctx.t("cp_missing")}),
                     hide_index=True, key="cp_missing")

    completeness_split(ctx)

    st.markdown(f"**{ctx.t('cp_trend')}**")
    monthly = ctx.wh.query("completeness_monthly", ctx.filters)
    show_chart(ctx, charts.weekly_lines(monthly[["created_month", "team", "pct"]], "team", "pct", ctx.lang, "%"),
               "cp_trend", ctx.t("cp_trend_cap"), extra=INCOMPLETE)

    st.markdown(f"**{ctx.t('cp_effect')}**")
    effect = ctx.wh.query("completeness_effect", ctx.filters)
    effect["is_complete"] = [ctx.t("cp_complete_yes") if v else ctx.t("cp_complete_no") for v in effect["is_complete"]]
    st.dataframe(effect.rename(columns={
        "is_complete": ctx.t("cp_record"), "tickets": ctx.t("kpi_tickets"),
        "resolution_median_hours": ctx.t("cp_resolution_median"), "pct_reopened": ctx.t("cp_reopen_rate"),
        "pct_repeat": ctx.t("cp_repeat_rate")}),
        hide_index=True, key="cp_effect",
        column_config={c: st.column_config.NumberColumn(format="%.1f")
                       for c in (ctx.t("cp_resolution_median"), ctx.t("cp_reopen_rate"), ctx.t("cp_repeat_rate"))})
    st.caption(ctx.t("cp_effect_cap"))
    tickets_table(ctx, "cp_effect", INCOMPLETE, {}, [])
    return ctx.wh.query("completeness_agents", ctx.filters)


@st.fragment
def completeness_split(ctx: Context) -> None:
    """Share complete per team or agent; a fragment: the split choice and a click on the
    chart rerun only this part."""
    dim = st.segmented_control(ctx.t("cp_by"), list(CP_DIMS), default="team", key="cp_dim",
                               format_func=lambda d: ctx.t(d)) or "team"
    field = CP_DIMS[dim]
    by = ctx.wh.query("completeness_by", ctx.filters, dim=field).rename(columns={"value": field})
    if not by.empty:
        show_chart(ctx, charts.share_bars(by, field, "pct_complete", "incomplete", ctx.lang, "%",
                                          color=charts.PALETTE[1]),
                   f"cp_by_{dim}", ctx.t("cp_by_cap"), field=dim, extra=INCOMPLETE)


def render(ctx: Context) -> None:
    st.title(ctx.t("page_quality"))
    min_reviews = st.slider(ctx.t("min_reviews"), 1, 50, 10, key="qa_min_reviews")
    rates = ctx.wh.query("quality_by_agent", ctx.filters, **reviews_where(ctx))
    if rates.empty:
        st.info(ctx.t("no_reviews"))
        completeness(ctx)  # the records are judged without QA reviews
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

    fields = completeness(ctx)

    st.subheader(ctx.t("training_list"))
    st.caption(ctx.t("training_cap", alpha=ALPHA, min=min_reviews))
    if not fields.empty:
        st.caption(ctx.t("cp_training_note"))
    # the QA reviews' error types, and records lacking what their category needs (per ticket)
    flagged = flagged_agents(ctx.wh.version_file, repr(ctx.filters), min_reviews, ALPHA,
                             pd.concat([rates, fields], ignore_index=True) if not fields.empty else rates)
    if flagged.empty:
        st.success(ctx.t("no_training"))
    else:
        found = ctx.wh.query("review_examples", ctx.filters, **reviews_where(ctx),
                             params={"agents": [str(a) for a in flagged["agent_id"]],
                                     "error_types": [str(e) for e in flagged["error_type"]]})
        examples = dict(found.groupby(["agent_id", "error_type"], sort=False)["ticket_id"].agg(
            lambda ids: ", ".join(ids.astype(str))).items())
        sloppy = [str(a) for a in flagged.loc[flagged["error_type"] == INCOMPLETE_FIELDS, "agent_id"]]
        if sloppy:  # an incomplete record's examples: the agent's newest incomplete tickets
            cp_found = ctx.wh.query("completeness_examples", ctx.filters, params={"agents": sloppy})
            for agent_id, ids in cp_found.groupby("agent_id", sort=False)["ticket_id"]:
                examples[(agent_id, INCOMPLETE_FIELDS)] = ", ".join(ids.astype(str))
        table = flagged.assign(examples=[examples.get((r.agent_id, r.error_type), "")
                                         for r in flagged.itertuples(index=False)])
        table["error_type"] = [ctx.t("cp_training_type") if e == INCOMPLETE_FIELDS else label("error_type", e, ctx.lang)
                               for e in table["error_type"]]
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
