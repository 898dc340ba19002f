"""Process: where tickets wait (the time in each stage per category or team, median and P90),
waiting on the desk against waiting on the customer with the handoffs, and the process's time
points met or breached, with the breaching tickets. The figures are the marts and views of
docs/METRICS.md ("The process"); tickets without an event log are said to be so."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts
from dashboard.auth import require
from dashboard.frame import (
    DISPLAY_ROWS,
    Context,
    context,
    customer_columns,
    fmt_minutes,
    localise,
    show_chart,
)
from dashboard.i18n import column, label
from dashboard.plain import chart
from etl.core import sqlfiles
from etl.query import csvsafe

DIMS = {"category": "category", "team": "team"}
UNITS = {"calendar": "minutes", "business": "business_minutes"}
MARTS = ("ticket_stage_times", "ticket_process", "process_target_results", "process_breaches")


def has_marts(ctx: Context) -> bool:
    """Whether the published state holds the process marts (a warehouse published before them
    does not, until a rebuild)."""
    names = "', '".join(MARTS)
    found = ctx.wh.sql(f"""select count(distinct name) as n from (
        select table_name as name from duckdb_tables() union all select view_name from duckdb_views())
        where name in ('{names}')""")
    return int(found["n"].iloc[0]) == len(MARTS)


def pct(part: float, whole: float) -> str:
    return "—" if not whole else f"{100 * part / whole:.1f} %"


def evidence_note(ctx: Context, summary: pd.Series) -> None:
    total, without = int(summary["tickets"]), int(summary["without_events"])
    if without:
        st.info(ctx.t("proc_no_events", n=without, total=total, pct=pct(without, total)))
    else:
        st.caption(ctx.t("proc_all_events"))


def tiles(ctx: Context, summary: pd.Series) -> None:
    with_events = int(summary["with_events"])
    cols = st.columns(4)
    cols[0].metric(ctx.t("kpi_desk_wait"), fmt_minutes(summary["desk_wait_median"], ctx.lang), border=True)
    cols[1].metric(ctx.t("kpi_customer_wait"), fmt_minutes(summary["customer_wait_median"], ctx.lang), border=True,
                   help=ctx.t("kpi_customer_wait_help", share=pct(int(summary["waited_on_customer"]),
                                                                   int(summary["tickets"]))))
    cols[2].metric(ctx.t("kpi_reassigned"), pct(int(summary["reassigned"]), with_events),
                   help=ctx.t("kpi_handoff_help"), border=True)
    cols[3].metric(ctx.t("kpi_team_handoff"), pct(int(summary["team_handed"]), with_events),
                   help=ctx.t("kpi_handoff_help"), border=True)


def where_tickets_wait(ctx: Context, dim: str, unit: str) -> None:
    st.subheader(ctx.t("proc_where"))
    stat = st.segmented_control(ctx.t("statistic"), ["median", "p90"], default="median", key="proc_stat",
                                format_func=lambda s: ctx.t(f"stat_{s}")) or "median"
    view_sql = sqlfiles.sql_text("marts/stage_durations")
    stages = ctx.wh.query("process_stages", ctx.filters, alias="s", stage_durations=view_sql)
    rows = stages[stages["grouped_by"] == dim].dropna(subset=[dim])
    if rows.empty:
        st.caption(ctx.t("no_rows"))
        return
    prefix = "" if unit == "minutes" else "business_"
    value_col = f"{'median' if stat == 'median' else 'p90'}_{prefix}minutes"
    show_chart(ctx, charts.stage_bars(rows, dim, value_col, ctx.lang), f"proc_stages_{dim}",
               ctx.t("proc_where_cap", stat=ctx.t(f"stat_{stat}"), dim=ctx.t(dim).lower()), field=dim)

    st.markdown(f"**{ctx.t('proc_longest')}**")
    top = rows[rows["wait_rank"] == 1].copy()
    table = pd.DataFrame({
        ctx.t(dim): [label(dim, v, ctx.lang) for v in top[dim]],
        column("stage", ctx.lang): [label("stage", v, ctx.lang) for v in top["stage"]],
        column("median_hours", ctx.lang): top[f"median_{prefix}minutes"] / 60,
        column("p90_hours", ctx.lang): top[f"p90_{prefix}minutes"] / 60,
        column("share_of_tickets", ctx.lang): top["share_of_tickets"] * 100,
        column("tickets", ctx.lang): top["tickets"],
    })
    st.dataframe(table, hide_index=True, width="stretch", key=f"proc_longest_{dim}",
                 column_config={column("median_hours", ctx.lang): st.column_config.NumberColumn(format="%.1f"),
                                column("p90_hours", ctx.lang): st.column_config.NumberColumn(format="%.1f"),
                                column("share_of_tickets", ctx.lang): st.column_config.NumberColumn(format="%.1f %%")})
    st.caption(ctx.t("proc_longest_cap", dim=ctx.t(dim).lower()))


def waiting_split(ctx: Context, dim: str, unit: str) -> None:
    st.subheader(ctx.t("proc_split"))
    waits = ctx.wh.query("process_waits", ctx.filters, alias="p", dim=DIMS[dim], unit=unit)
    if waits.empty:
        st.caption(ctx.t("no_rows"))
        return
    waits = waits.rename(columns={"value": dim})
    show_chart(ctx, charts.wait_split_bars(waits, dim, ctx.lang), f"proc_split_{dim}",
               ctx.t("proc_split_cap", dim=ctx.t(dim).lower()), field=dim)
    table = pd.DataFrame({
        ctx.t(dim): [label(dim, v, ctx.lang) for v in waits[dim]],
        column("tickets", ctx.lang): waits["tickets"],
        column("desk_median_hours", ctx.lang): waits["desk_median"] / 60,
        column("customer_median_hours", ctx.lang): waits["customer_median"] / 60,
        column("agent_handoffs", ctx.lang): waits["agent_handoffs"],
        column("team_handoffs", ctx.lang): waits["team_handoffs"],
    })
    number = st.column_config.NumberColumn(format="%.2f")
    st.dataframe(table, hide_index=True, width="stretch", key=f"proc_split_table_{dim}",
                 column_config={column(c, ctx.lang): number for c in
                                ("desk_median_hours", "customer_median_hours", "agent_handoffs", "team_handoffs")})


def time_points(ctx: Context) -> None:
    st.subheader(ctx.t("proc_points"))
    points = ctx.wh.query("process_points", ctx.filters, alias="r")
    if points.empty:
        st.caption(ctx.t("no_rows"))
        return
    st.plotly_chart(chart(charts.target_bars(points, ctx.lang)), key="proc_points", width="stretch")
    st.caption(ctx.t("proc_points_cap"))
    table = pd.DataFrame({
        column("target", ctx.lang): [label("process_target", v, ctx.lang) for v in points["target"]],
        column("target_minutes", ctx.lang): [
            f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}–{hi:,.0f}"
            for lo, hi in zip(points["min_target_minutes"], points["max_target_minutes"], strict=True)],
        label("frt_sla", "met", ctx.lang): points["met"],
        label("frt_sla", "breached", ctx.lang): points["breached"],
        label("frt_sla", "pending", ctx.lang): points["pending"],
        ctx.t("met_pct"): points["pct_met"],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="proc_points_table",
                 column_config={ctx.t("met_pct"): st.column_config.NumberColumn(format="%.1f %%")})

    st.subheader(ctx.t("proc_breaches"))
    breached = points[points["breached"] > 0]["target"].tolist()
    if not breached:
        st.caption(ctx.t("proc_no_breaches"))
        return
    target = st.selectbox(ctx.t("proc_pick_target"), breached, key="proc_target",
                          format_func=lambda v: label("process_target", v, ctx.lang))
    breach_table(ctx, str(target))


def breach_table(ctx: Context, target: str) -> None:
    """The tickets that breached `target`, in an expander that reports its state: while it is
    closed only their count is queried (its label); opening it reruns the page, which then
    queries and sends the first DISPLAY_ROWS (at 1 M tickets they were 120 KiB of the page's
    170, and the table the browser drew longest)."""
    params = {"target": target}
    total = int(ctx.wh.query("process_breaches_count", ctx.filters, alias="b", params=params)["n"].iloc[0])
    if total == 0:
        st.caption(ctx.t("proc_no_breaches"))
        return
    box = st.expander(f"{ctx.t('proc_breach_list')} ({total:,})", key="proc_breach_tickets_open", on_change="rerun")
    with box:
        if box.open:
            breach_rows(ctx, params, total)


def breach_rows(ctx: Context, params: dict[str, str], total: int) -> None:
    """The first DISPLAY_ROWS of the `total` tickets that breached params["target"], and all in a CSV."""
    target = params["target"]
    shown = ctx.wh.query("process_breaches", ctx.filters, alias="b", params={**params, "limit": DISPLAY_ROWS},
                         customer=customer_columns())
    display = localise(shown.assign(target=[label("process_target", v, ctx.lang) for v in shown["target"]],
                                    evidence=[label("evidence", v, ctx.lang) for v in shown["evidence"]]),
                       ctx.lang)
    st.dataframe(display, hide_index=True, width="stretch", key="proc_breach_table")
    st.caption(ctx.t("proc_breaches_rows", shown=len(shown), total=total))

    def full_csv() -> bytes:
        everything = ctx.wh.query("process_breaches", ctx.filters, alias="b",
                                  params={**params, "limit": 1 << 62}, customer=customer_columns())
        return csvsafe.write_csv(everything, bom=True)

    st.download_button(ctx.t("download_csv"), data=full_csv, file_name=f"breaches-{target}.csv",
                       mime="text/csv", key="proc_breach_csv", on_click="ignore")


def render(ctx: Context) -> None:
    st.title(ctx.t("page_process"))
    if not has_marts(ctx):
        st.info(ctx.t("proc_rebuild"))
        return
    dim = st.segmented_control(ctx.t("split_by"), list(DIMS), default="category", key="proc_dim",
                               format_func=lambda d: ctx.t(d)) or "category"
    clock = st.segmented_control(ctx.t("clock"), list(UNITS), default="calendar", key="proc_clock",
                                 format_func=lambda c: ctx.t(f"clock_{c}")) or "calendar"
    unit = UNITS[clock]
    summary = ctx.wh.query("process_summary", ctx.filters, alias="p", unit=unit).iloc[0]
    if int(summary["tickets"]) == 0:
        st.info(ctx.t("no_rows"))
        return
    evidence_note(ctx, summary)
    tiles(ctx, summary)
    where_tickets_wait(ctx, dim, unit)
    waiting_split(ctx, dim, unit)
    time_points(ctx)


require("process")
render(context())
