"""SQL: analysts' ad hoc queries over the same tables and metric views the pages use, with
the schema beside the editor, examples, parameters from the sidebar, history, saved
queries, downloads and a quick chart. Safe by construction (etl/query/sqlguard.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboard import saved
from dashboard.auth import require
from dashboard.db import guarded_connection, warehouse_path, warehouse_settings
from dashboard.filters import DIMENSIONS
from dashboard.frame import Context, context
from dashboard.plain import chart, md
from etl.query import sqlguard

EXAMPLES = Path(__file__).resolve().parent.parent / "sql" / "examples"


def parameters(ctx: Context) -> dict[str, object]:
    """$since, $until and one list per sidebar dimension (its choice, or every value)."""
    params: dict[str, object] = {"since": ctx.filters.start or ctx.first_day, "until": ctx.filters.end or ctx.last_day}
    for name, column in DIMENSIONS.items():
        chosen = ctx.filters.chosen(name)
        params[name] = list(chosen) if chosen else ctx.wh.distinct(column)
    return params


def schema(ctx: Context) -> None:
    # what analysts query first: the marts, then the stored tables, then the plumbing
    objects = ctx.wh.sql("""
        with objects as (
            select table_name as name, 'table' as kind, comment from duckdb_tables()
            where schema_name = 'main' and not temporary
            union all
            select view_name, 'view', comment from duckdb_views()
            where schema_name = 'main' and not internal and not temporary
        )
        select * from objects
        order by case
            when name in ('ticket_metrics', 'escalation_steps', 'escalation_funnel', 'qa_reviews_scored',
                          'qa_findings', 'agent_error_rates') then 0
            when name in ('tickets', 'ticket_events', 'qa_reviews', 'agents') then 1
            when name in ('rejects', 'load_runs', 'load_files') then 2
            when name like 'int\\_%' escape '\' then 4
            else 3 end, name""")
    columns = ctx.wh.sql("""select table_name, column_name, data_type, comment from duckdb_columns()
                            where schema_name = 'main' order by table_name, column_index""")
    macros = ctx.wh.sql("""select distinct function_name from duckdb_functions()
                           where function_type = 'macro' and schema_name = 'main' and not internal
                           order by 1""")
    st.markdown(f"**{ctx.t('schema')}**")
    for obj in objects.itertuples(index=False):
        with st.expander(f"{md(obj.name)} ({obj.kind})"):
            if obj.comment:
                st.caption(md(obj.comment))
            cols = columns[columns["table_name"] == obj.name][["column_name", "data_type", "comment"]]
            st.dataframe(cols, hide_index=True, width="stretch",
                         column_config={"comment": st.column_config.TextColumn(width="large")})
    if not macros.empty:
        st.caption(ctx.t("macros") + ": " + md(", ".join(macros["function_name"])))


def limits() -> sqlguard.Limits:
    return sqlguard.Limits.from_settings(warehouse_settings().raw)


def isolated(ctx: Context) -> bool:
    """A warehouse file: each ad hoc query in a worker process (etl/query/worker.py), so that
    the time and memory limits hold for it whole. Lake mode (a folder of Parquet views built
    in this process) runs it on the page's guarded connection."""
    return not Path(ctx.wh.version_file).is_dir()


def execute(ctx: Context, text: str, params: dict[str, object]) -> sqlguard.Result:
    lim = limits()
    if isolated(ctx):
        return sqlguard.run_isolated(ctx.wh.version_file, text, params, limits=lim)
    return sqlguard.run(guarded_connection(ctx.wh.version_file), text, params, timeout=lim.timeout,
                        max_rows=lim.max_rows, max_query_bytes=lim.max_query_bytes)


def download(ctx: Context, text: str, params: dict[str, object], fmt: str) -> bytes:
    lim = limits()
    if isolated(ctx):
        return sqlguard.export_isolated(ctx.wh.version_file, text, params, fmt=fmt, limits=lim)
    return sqlguard.export(guarded_connection(ctx.wh.version_file), text, params, fmt=fmt, timeout=lim.timeout,
                           max_query_bytes=lim.max_query_bytes)


def run_query(ctx: Context, text: str) -> None:
    try:
        sqlguard.check_length(text, limits().max_query_bytes)  # before $parameters are looked for
        params = sqlguard.bind(text, parameters(ctx))
        result = execute(ctx, text, params)
    except sqlguard.DeskError as exc:
        st.session_state["sql_error"] = (exc.title, exc.detail)
        st.session_state.pop("sql_result", None)
        outcome = exc.title
        rows = None
    else:
        st.session_state["sql_result"] = (text, params, result)
        st.session_state.pop("sql_error", None)
        outcome, rows = "ok", result.rows
    history = st.session_state.setdefault("sql_history", [])
    history.insert(0, {"at": dt.datetime.now().strftime("%H:%M:%S"), "sql": text, "rows": rows, "outcome": outcome})
    del history[30:]


def show_result(ctx: Context) -> None:
    if "sql_error" in st.session_state:
        title, detail = st.session_state["sql_error"]
        st.error(md(title))
        with st.expander(ctx.t("db_message")):
            st.code(detail, language=None)
        return
    if "sql_result" not in st.session_state:
        return
    text, params, result = st.session_state["sql_result"]
    df = result.table.to_pandas()
    st.caption(ctx.t("sql_rows", rows=f"{result.rows:,}{'' if result.complete else '+'}", seconds=f"{result.seconds:.2f}"))
    if result.truncated:
        st.warning(ctx.t("sql_truncated", shown=f"{len(df):,}"))
    for note in result.notes:
        st.caption(md(note))
    st.dataframe(df, hide_index=True, width="stretch", key="sql_grid")
    left, right = st.columns(2)
    left.download_button("CSV", data=lambda: download(ctx, text, params, "csv"),
                         file_name="query.csv", mime="text/csv", on_click="ignore", key="sql_csv")
    right.download_button("Parquet", data=lambda: download(ctx, text, params, "parquet"),
                          file_name="query.parquet", mime="application/octet-stream", on_click="ignore",
                          key="sql_parquet")
    if len(df.columns) >= 2 and len(df):
        with st.expander(ctx.t("quick_chart"), expanded=False):
            cols = list(df.columns)
            numeric = [c for c in cols if pd.api.types.is_numeric_dtype(df[c])] or cols
            a, b, c = st.columns(3)
            x = a.selectbox("x", cols, key="chart_x")
            y = b.selectbox("y", numeric, index=min(len(numeric) - 1, 1 if numeric[0] == x else 0), key="chart_y")
            colour = c.selectbox(ctx.t("colour"), ["—", *cols], key="chart_colour")
            plot = df.head(5000)
            first = plot[x].dropna().iloc[0] if plot[x].notna().any() else None
            temporal = pd.api.types.is_datetime64_any_dtype(plot[x]) or isinstance(first, dt.date)
            fig = (px.line if temporal else px.bar)(plot, x=x, y=y, color=None if colour == "—" else colour)
            st.plotly_chart(chart(fig), width="stretch", key="sql_chart")


def render(ctx: Context) -> None:
    st.title(ctx.t("page_sql"))
    editor, side = st.columns([3, 1])
    with side:
        schema(ctx)
    with editor:
        examples = saved.examples(EXAMPLES)
        store = saved.path_for(warehouse_path())
        mine = saved.load(store)
        a, b = st.columns(2)
        pick = a.selectbox(ctx.t("examples"), ["—", *[t for t, _ in examples]], key="sql_example")
        if pick != "—" and st.session_state.get("_sql_example_loaded") != pick:
            st.session_state["sql_text"] = dict(examples)[pick]
            st.session_state["_sql_example_loaded"] = pick
        chosen = b.selectbox(ctx.t("saved_queries"), ["—", *[q["name"] for q in mine]], key="sql_saved")
        if chosen != "—" and st.session_state.get("_sql_saved_loaded") != chosen:
            st.session_state["sql_text"] = next(q["sql"] for q in mine if q["name"] == chosen)
            st.session_state["_sql_saved_loaded"] = chosen
        text = st.text_area("SQL", key="sql_text", height=240,
                            placeholder="select channel, pct_frt_within_sla(frt_sla) from ticket_metrics group by 1")
        st.caption(ctx.t("sql_params"))
        run, name_col, save_col = st.columns([1, 2, 1])
        if run.button(ctx.t("run"), type="primary", key="sql_run"):
            run_query(ctx, text)
        name = name_col.text_input(ctx.t("save_as"), key="sql_save_name", label_visibility="collapsed",
                                   placeholder=ctx.t("save_as"))
        if save_col.button(ctx.t("save"), key="sql_save") and name.strip() and text.strip():
            from dashboard.auth import current

            saved.save(store, name, text, current().name if current() else "?")
            st.toast(ctx.t("saved", name=md(name)))
        show_result(ctx)
        history = st.session_state.get("sql_history", [])
        if history:
            with st.expander(ctx.t("history")):
                st.dataframe(pd.DataFrame(history), hide_index=True, width="stretch")


require("sql")
render(context())
