"""Resolution by category: median and P90, weekly trend, Kaplan–Meier survival that counts
still-open tickets, and open-ticket ageing."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import require
from dashboard.behind import FOLLOWED_BY_REPEAT, MART_COLUMNS
from dashboard.frame import Context, context, localise, show_chart
from dashboard.i18n import column, label
from dashboard.stats import kaplan_meier


def survival_table(ctx: Context) -> tuple[dict, pd.DataFrame]:
    bins = ctx.wh.query("survival_bins", ctx.filters)
    curves = {}
    rows = []
    for category, part in bins.groupby("category"):
        km = kaplan_meier(part["minutes"].to_numpy(), part["events"].to_numpy(), part["censored"].to_numpy())
        curves[category] = km
        median = km.median()
        rows.append({"category": category, "km_median_hours": None if median is None else median / 60})
    return curves, pd.DataFrame(rows)


REPEAT_DIMS = {"category": "category", "channel": "channel", "team": "team", "agent": "agent_id"}


@st.fragment
def repeats(ctx: Context) -> None:
    """Repeat complaints and first-contact resolution (ticket_repeats), by the first ticket.
    A fragment: its split-by choice, chart click and chain pick rerun only this part."""
    st.subheader(ctx.t("repeats"))
    repeats_mart = ctx.wh.mart_with("ticket_repeats", (*MART_COLUMNS, "resolution_at"))
    kpis = ctx.wh.query("repeats_kpis", ctx.filters, repeats=repeats_mart).iloc[0]
    if not kpis["with_customer"]:
        st.caption(ctx.t("repeats_no_customers"))
        return
    left, middle, right = st.columns(3)
    left.metric(ctx.t("repeat_rate"), "—" if kpis["pct_repeat"] is None else f"{kpis['pct_repeat']:.1f} %")
    middle.metric(ctx.t("fcr"), "—" if kpis["pct_fcr"] is None else f"{kpis['pct_fcr']:.1f} %")
    right.metric(ctx.t("repeats_other_channel"), f"{int(kpis['repeats_other_channel']):,} / {int(kpis['repeats']):,}")
    dim = st.segmented_control(ctx.t("split_by"), list(REPEAT_DIMS), default="category", key="repeat_dim",
                               format_func=lambda d: ctx.t(d)) or "category"
    field = REPEAT_DIMS[dim]
    rates = ctx.wh.query("repeats_by", ctx.filters, dim=field, repeats=repeats_mart).rename(columns={"value": field})
    if rates.empty:
        st.caption(ctx.t("no_rows"))
        return
    show_chart(ctx, charts.share_bars(rates, field, "pct_repeat", "followed", ctx.lang, "%",
                                      color=charts.PALETTE[2]),
               f"repeat_rate_{dim}", ctx.t("repeats_cap", days=f"{repeat_window_days(ctx):g}"), field=dim,
               extra=FOLLOWED_BY_REPEAT)
    repeat_chain(ctx, repeats_mart)


def repeat_chain(ctx: Context, repeats_mart: str) -> None:
    """The chain drill-down: pick a first ticket whose customer came back; every ticket of
    that customer in order, with what each repeats. `repeats_mart`: ticket_repeats with the
    filter columns and resolution_at (dashboard/db.py mart_with)."""
    st.markdown(f"**{ctx.t('chain_title')}**")
    chains = ctx.wh.query("repeat_chains", ctx.filters, repeats=repeats_mart)
    if chains.empty:
        st.caption(ctx.t("chain_none"))
        return
    options = list(range(len(chains)))

    def option(i: int) -> str:
        r = chains.iloc[i]
        return ctx.t("chain_option", ticket=r["ticket_id"], category=label("category", r["category"], ctx.lang),
                     tickets=int(r["tickets"]), created=f"{r['created_at']:%Y-%m-%d}")

    i = st.selectbox(ctx.t("chain_pick"), options, format_func=option, key="repeat_chain_pick") or 0
    first = chains.iloc[i]
    chain = ctx.wh.query("repeat_chain", params={"source": str(first["source"]), "ticket": str(first["ticket_id"])},
                         repeats=repeats_mart)
    chain = localise(chain, ctx.lang).rename(columns={
        "resolution_at": ctx.t("chain_resolved_at"), "is_resolved": ctx.t("chain_is_resolved"),
        "repeat_of": ctx.t("chain_repeat_of"), "days_after_previous_resolution": ctx.t("chain_days_after"),
        "is_repeat_other_channel": ctx.t("chain_other_channel"), "in_chain": ctx.t("chain_in_chain")})
    st.dataframe(chain, hide_index=True, width="stretch", key="repeat_chain_table")
    st.caption(ctx.t("chain_cap"))


def repeat_window_days(ctx: Context) -> float:
    meta = ctx.wh.sql("select value from warehouse_meta where key = 'repeat_window_days'")
    return float(meta["value"].iloc[0]) if not meta.empty else 7.0


def render(ctx: Context) -> None:
    st.title(ctx.t("page_resolution"))
    by_cat = ctx.wh.query("resolution_by_category", ctx.filters)
    if by_cat.empty:
        st.info(ctx.t("no_rows"))
        return
    st.subheader(ctx.t("res_by_category"))
    show_chart(ctx, charts.median_p90_bars(by_cat.dropna(subset=["median_hours"]), ctx.lang),
               "res_by_category", ctx.t("res_by_category_cap"), field="category", extra="t.is_resolved")

    st.subheader(ctx.t("survival"))
    curves, km = survival_table(ctx)
    show_chart(ctx, charts.survival_curves(curves, ctx.lang), "res_survival", ctx.t("survival_cap"))
    table = by_cat[["category", "median_hours", "resolved", "open"]].merge(km, on="category", how="left")
    table["category"] = [label("category", c, ctx.lang) for c in table["category"]]
    table = table.rename(columns={"median_hours": ctx.t("naive_median"), "km_median_hours": ctx.t("km_median"),
                                  "category": ctx.t("category"), "resolved": column("resolved", ctx.lang),
                                  "open": column("open", ctx.lang)})
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.1f")
                                for c in (ctx.t("naive_median"), ctx.t("km_median"))})

    st.subheader(ctx.t("res_trend"))
    weekly = ctx.wh.query("resolution_weekly", ctx.filters)
    show_chart(ctx, charts.weekly_lines(weekly, "category", "median_hours", ctx.lang, ctx.t("hours"),
                                        percent=False),
               "res_weekly", ctx.t("res_trend_cap"), field="week", extra="t.is_resolved")

    repeats(ctx)

    st.subheader(ctx.t("open_ageing"))
    ageing = ctx.wh.query("open_ageing", ctx.filters)
    if ageing.empty:
        st.caption(ctx.t("no_rows"))
        return
    show_chart(ctx, charts.stacked_buckets(ageing, "category", ctx.lang), "res_ageing",
               ctx.t("open_ageing_cap"), extra="not t.is_resolved")


require("resolution")
render(context())
