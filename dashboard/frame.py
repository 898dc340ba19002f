"""The frame shared by every page: the context (warehouse version, filters, language), the
sidebar, KPI formatting, and the "tickets behind this chart" component."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.behind import MART_COLUMNS, Behind
from dashboard.db import Warehouse, warehouse_settings
from dashboard.filters import DIMENSIONS, PERIODS, Filters, parse_query_params, period_range
from dashboard.i18n import column, label, t
from dashboard.plain import chart, md
from etl.query import csvsafe

CTX_KEY = "_desk_context"
DISPLAY_ROWS = 500
# chart selections → the expression they filter on, {a} the alias of the rows (ticket_metrics
# or a mart of dashboard/behind.py: both have these columns)
SELECTABLE = {
    "channel": "{a}.channel", "category": "{a}.category", "priority": "{a}.priority", "team": "{a}.team",
    "agent": "{a}.agent_id", "source": "{a}.source", "week": "cast({a}.created_week as varchar)",
}


@dataclass(frozen=True)
class Context:
    wh: Warehouse
    filters: Filters
    lang: str
    meta: dict[str, str]
    first_day: dt.date
    last_day: dt.date
    as_of: dt.datetime

    def t(self, key: str, **fmt: object) -> str:
        return t(key, self.lang, **fmt)


def context() -> Context:
    """The context the frame (app.py) prepared for this run."""
    return st.session_state[CTX_KEY]


# ---------------------------------------------------------------------------- sidebar
def _known_values(wh: Warehouse) -> dict[str, list[str]]:
    return {name: wh.distinct(col) for name, col in DIMENSIONS.items()}


def sidebar(wh: Warehouse) -> Context:
    """Draw the shared filters (initialised from the URL) and return the run's context."""
    first, last, as_of = wh.date_bounds()
    known = _known_values(wh)
    state = st.session_state
    if not state.get("_filters_initialised"):
        filters, lang = parse_query_params(dict(st.query_params), last, first, known)
        state["lang"] = lang
        state["period"] = filters.period
        state["dates"] = (filters.start, filters.end)
        for name in DIMENSIONS:
            state[f"f_{name}"] = list(filters.chosen(name))
        state["_filters_initialised"] = True

    with st.sidebar:
        lang = st.radio("Language / 语言", ["en", "zh"], key="lang", horizontal=True,
                        format_func=lambda v: "English" if v == "en" else "中文")
        st.subheader(t("filters", lang))
        period = st.selectbox(t("quick_pick", lang), PERIODS, key="period",
                              format_func=lambda p: t(p, lang))
        if period == "qp_custom":
            picked = st.date_input(t("date_range", lang), key="dates", min_value=first, max_value=last)
            start, end = (picked if isinstance(picked, tuple | list) and len(picked) == 2
                          else period_range("qp_all", last, first))
        else:
            start, end = period_range(period, last, first)
            st.caption(f"{start} – {end}")
        values: dict[str, tuple[str, ...]] = {}
        for name in DIMENSIONS:
            options = known[name]
            if name == "source" and len(options) <= 1:
                continue
            # drop values a URL or an old session named that this version does not hold
            state[f"f_{name}"] = [v for v in state.get(f"f_{name}", []) if v in options]
            field = {"agent": "agent_id"}.get(name, name)
            chosen = st.multiselect(t(name, lang), options, key=f"f_{name}",
                                    format_func=lambda v, f=field: label(f, v, lang))
            if chosen:
                values[name] = tuple(chosen)
        if st.button(t("reset_filters", lang)):
            for name in DIMENSIONS:
                state[f"f_{name}"] = []
            state["period"] = "qp_90"
            st.rerun()
        st.caption(t("share_hint", lang))
        meta = wh.meta()
        published = meta.get("published_at", "")[:16].replace("T", " ")
        st.divider()
        st.caption(f"{t('as_of', lang)}: **{as_of:%Y-%m-%d %H:%M} UTC** · {t('refreshed', lang)} "
                   f"{published} UTC · {t('version', lang)} {meta.get('version')}")
        stale = stale_hours(wh)
        if stale is not None:
            st.warning(t("stale_data", lang, hours=stale))
        firing = alerts_firing(wh)
        if firing:
            st.warning(t("alerts_firing", lang, n=firing))

    filters = Filters(start=start, end=end, period=period, values=values)
    wanted = filters.to_query_params(lang)
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)
    ctx = Context(wh=wh, filters=filters, lang=lang, meta=meta, first_day=first, last_day=last, as_of=as_of)
    st.session_state[CTX_KEY] = ctx
    return ctx


def alerts_firing(wh: Warehouse) -> int:
    """How many alert rules (per subject) are firing in this version; 0 for a warehouse or a
    lake without alert tables (dashboard/views/alerts.py shows them)."""
    try:
        return len(wh.query("alert_firing_now"))
    except duckdb.Error:
        return 0


def stale_hours(wh: Warehouse) -> float | None:
    """Hours since the newest ticket, when over [refresh] stale_after_hours; else None."""
    newest = wh.sql("select max(created_at) as t from ticket_metrics")["t"].iloc[0]
    if newest is None or pd.isna(newest):
        return None
    age = (dt.datetime.now(dt.UTC) - pd.Timestamp(newest).to_pydatetime()).total_seconds() / 3600
    return round(age) if age > warehouse_settings().stale_after_hours else None


# ---------------------------------------------------------------------------- formatting
def fmt_minutes(value: float | None, lang: str) -> str:
    if value is None or pd.isna(value):
        return "—"
    if value < 120:
        return f"{value:,.0f} {t('minutes', lang)}"
    if value < 72 * 60:
        return f"{value / 60:,.1f} {t('hours', lang)}"
    return f"{value / 1440:,.1f} d" if lang == "en" else f"{value / 1440:,.1f} 天"


def fmt_pct(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1f} %"


def delta(now: float | None, before: float | None, *, unit: str = "", percent_points: bool = False) -> str | None:
    if now is None or before is None or pd.isna(now) or pd.isna(before):
        return None
    diff = now - before
    if percent_points:
        return f"{diff:+.1f} pp"
    if unit == "minutes":
        return f"{diff:+,.0f} min" if abs(diff) < 120 else f"{diff / 60:+,.1f} h"
    return f"{diff:+,.0f}"


# ---------------------------------------------------------------------------- drill-down
def selection_filter(event: Any, field: str | None, alias: str = "t") -> tuple[str, dict[str, Any], list[str]]:
    """(SQL condition on the rows of `alias`, params, selected values) from a plotly selection
    on a chart whose points carry the value of `field` as customdata[0]."""
    if not field or event is None:
        return "true", {}, []
    try:
        points = event.selection.points
    except AttributeError:
        points = (event or {}).get("selection", {}).get("points", [])
    values = sorted({str(p["customdata"][0]) for p in points if p.get("customdata")})
    if not values:
        return "true", {}, []
    return f"list_contains($selected, {SELECTABLE[field].replace('{a}', alias)})", {"selected": values}, values


def show_chart(ctx: Context, fig: go.Figure, key: str, caption: str, *, field: str | None = None,
               extra: str | Behind = "true", params: dict[str, Any] | None = None,
               tickets: bool = True) -> None:
    """A chart, its caption, and the tickets behind it (narrowed by a click on the chart
    when the chart's points carry `field`), with a CSV download of all of them. `extra`:
    which tickets the chart is about, a condition on ticket_metrics t or a Behind."""
    event = st.plotly_chart(chart(fig), key=key, on_select="rerun" if field else "ignore",
                            selection_mode=("points",), width="stretch")
    st.caption(caption)
    if not tickets:
        return
    behind = isinstance(extra, Behind)
    sel_sql, sel_params, selected = selection_filter(event, field, alias="{m}" if behind else "t")
    shown_field = {"agent": "agent_id"}.get(field or "", field or "")
    extra = extra.narrowed(sel_sql) if isinstance(extra, Behind) else f"({extra}) and ({sel_sql})"
    tickets_table(ctx, key, extra, {**(params or {}), **sel_params},
                  [label(shown_field, v, ctx.lang) for v in selected], expanded=bool(selected))


def reviews_table(ctx: Context, key: str) -> None:
    """The QA reviews behind a quality chart, with a CSV download of all of them."""
    where = {"alias": "q", "date_column": "reviewed_date"}
    total = int(ctx.wh.query("reviews_count", ctx.filters, **where)["n"].iloc[0])
    box = st.expander(f"{ctx.t('reviews_behind')} ({total:,})", key=f"{key}_reviews_open", on_change="rerun")
    with box:
        if not box.open:
            return  # closed: its rows are queried when it opens (opening reruns the page)
        shown = ctx.wh.query("reviews", ctx.filters, **where, params={"limit": DISPLAY_ROWS})
        st.dataframe(localise(shown, ctx.lang), hide_index=True, width="stretch", key=f"{key}_reviews")
        st.caption(ctx.t("showing_rows", shown=len(shown), total=total))

        def all_reviews() -> bytes:
            everything = ctx.wh.query("reviews", ctx.filters, **where, params={"limit": 1 << 62})
            return csvsafe.write_csv(everything, bom=True)

        st.download_button(ctx.t("download_csv"), data=all_reviews, file_name=f"reviews-{key}.csv",
                           mime="text/csv", key=f"{key}_reviews_csv", on_click="ignore")


def tickets_table(ctx: Context, key: str, extra: str | Behind, params: dict[str, Any], selected: list[str],
                  *, expanded: bool = False) -> None:
    """The tickets behind a chart in an expander that reports its state: while it is closed
    only their count (its label) is queried; opening it reruns the page, which then queries
    and sends the first DISPLAY_ROWS of them. `expanded` (a click selected some) opens it.
    `extra`: a condition on ticket_metrics t, or a Behind (counted on its mart)."""
    if isinstance(extra, Behind):
        base, counted, extra = ctx.wh.mart_with(extra.mart, MART_COLUMNS), extra.on_mart(), extra.on_tickets()
    else:
        base, counted = "ticket_metrics", extra
    total = int(ctx.wh.query("tickets_count", ctx.filters, extra=counted, params=params, base=base)["n"].iloc[0])
    state = f"{key}_tickets_open"
    if expanded:
        st.session_state[state] = True
    box = st.expander(f"{ctx.t('tickets_behind')} ({total:,})", key=state, on_change="rerun")
    with box:
        if selected:
            st.caption(ctx.t("selection_filters", what=md(", ".join(selected))))
        if total == 0:
            st.caption(ctx.t("no_rows"))
            return
        if not box.open:
            return
        df = ctx.wh.query("tickets", ctx.filters, extra=extra, params={**params, "limit": DISPLAY_ROWS},
                          customer=customer_columns())
        st.dataframe(localise(df, ctx.lang), hide_index=True, width="stretch", key=f"{key}_table")
        st.caption(ctx.t("showing_rows", shown=min(total, DISPLAY_ROWS), total=total))

        def full_csv() -> bytes:
            everything = ctx.wh.query("tickets", ctx.filters, extra=extra, params={**params, "limit": 1 << 62},
                                      customer=customer_columns())
            return csvsafe.write_csv(everything, bom=True)

        st.download_button(ctx.t("download_csv"), data=full_csv, file_name=f"tickets-{key}.csv",
                           mime="text/csv", key=f"{key}_csv", on_click="ignore")


def customer_columns() -> str:
    """Ticket-level customer fields are for analysts and admins (roles: dashboard/auth.py)."""
    from dashboard.auth import current

    identity = current()
    return ", customer_id" if identity is not None and identity.may("analyst") else ""


def localise(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Value labels and column titles in the chosen language, for display."""
    out = df.copy()
    for col, field in (("channel", "channel"), ("category", "category"), ("priority", "priority"),
                       ("status", "status"), ("frt_sla", "frt_sla"), ("reported_verdict", "frt_sla"),
                       ("computed_verdict", "frt_sla"), ("figure", "figure")):
        if col in out:
            out[col] = [label(field, v, lang) for v in out[col]]
    return out.rename(columns={c: column(c, lang) for c in out.columns})
