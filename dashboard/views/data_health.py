"""Data health: the last runs and files, row counts, rejected rows by reason with examples,
the last run's warnings, and the last failed run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import streamlit as st

from dashboard import charts
from dashboard.auth import require
from dashboard.db import source_path, warehouse_path, warehouse_settings
from dashboard.frame import Context, context, localise
from dashboard.i18n import column
from dashboard.plain import chart, md
from etl.core.errors import DeskError
from etl.core.settings import PROJECT_ROOT
from etl.load import runlog
from etl.query import csvsafe


def controls(ctx: Context) -> None:
    """Admins: run the scheduled refresh now (a separate process: the dashboard stays
    read-only), or make the previous published version live again."""
    st.subheader(ctx.t("controls"))
    settings = warehouse_settings()
    left, right = st.columns(2)
    if left.button(ctx.t("run_refresh"), key="run_refresh"):
        with st.spinner(ctx.t("run_refresh")):
            proc = subprocess.run([sys.executable, "-m", "etl", "refresh", "--db", str(settings.warehouse_path),
                                   "--inbox", str(settings.inbox)], cwd=PROJECT_ROOT, capture_output=True,
                                  text=True, timeout=3600)
        from etl.refresh import EXIT_CODES

        st.info(ctx.t("refresh_done", code=proc.returncode, meaning=EXIT_CODES.get(proc.returncode, "")))
        st.code(proc.stdout[-4000:] or proc.stderr[-4000:], language="json")
    if right.button(ctx.t("rollback"), key="rollback"):
        from etl.refresh import rollback

        try:
            before, after = rollback(settings)
        except DeskError as exc:
            st.error(md(str(exc)))
        else:
            st.success(ctx.t("rolled_back", before=before.stem, after=after.stem))


COUNTED = ("tickets", "ticket_events", "qa_reviews", "agents", "rejects")


def lake_source(ctx: Context) -> None:
    """Lake mode: where the metric tables come from."""
    manifest = json.loads((Path(ctx.wh.version_file) / "manifest.json").read_text(encoding="utf-8"))
    st.info(ctx.t("lake_source", path=md(source_path()), engine=md(manifest.get("engine")),
                  at=md(str(manifest.get("computed_at", ""))[:16].replace("T", " ")),
                  version=md(manifest.get("warehouse_version"))))


def render(ctx: Context) -> None:
    st.title(ctx.t("page_health"))
    wh = ctx.wh
    if Path(wh.version_file).is_dir():  # lake mode: the refresh and rollback act on the warehouse
        lake_source(ctx)
    else:
        controls(ctx)
    st.subheader(ctx.t("counts"))
    present = set(wh.query("health_objects")["n"])
    counts = wh.query("health_counts", counts=" union all ".join(
        f"select '{name}' as table_name, count(*) as n from {name}" for name in COUNTED if name in present))
    cols = st.columns(len(counts))
    for col, (name, n) in zip(cols, counts.itertuples(index=False), strict=True):
        col.metric(column("tickets_table" if name == "tickets" else name, ctx.lang), f"{n:,}")

    last = wh.query("health_last_run")
    st.subheader(ctx.t("last_success"))
    st.success(ctx.t("run_finished", run=last["run"].iloc[0], at=f"{last['t'].iloc[0]:%Y-%m-%d %H:%M:%S}"))
    st.subheader(ctx.t("runs"))
    st.dataframe(localise(wh.query("health_runs"), ctx.lang), hide_index=True, width="stretch")
    st.subheader(ctx.t("files"))
    st.dataframe(localise(wh.query("health_files"), ctx.lang), hide_index=True, width="stretch")

    st.subheader(ctx.t("rejects"))
    reasons = wh.query("health_reject_reasons")
    if reasons.empty:
        st.caption(ctx.t("no_rejects"))
    else:
        st.plotly_chart(chart(charts.reason_bars(reasons)), key="health_reasons", width="stretch")
        st.caption(ctx.t("rejects_cap"))
        examples = wh.query("health_reject_examples")
        st.dataframe(localise(examples, ctx.lang), hide_index=True, width="stretch")

        def all_rejects() -> bytes:
            return csvsafe.write_csv(wh.query("health_rejects_all"), bom=True)

        st.download_button(ctx.t("download_csv"), data=all_rejects, file_name="rejects.csv", mime="text/csv",
                           on_click="ignore")

    st.subheader(ctx.t("data_issues"))
    try:
        issues = wh.query("health_issue_counts")
    except duckdb.CatalogException:  # a warehouse published before the table existed
        issues = None
    if issues is None or issues.empty:
        st.caption(ctx.t("no_data_issues"))
    else:
        st.caption(ctx.t("data_issues_cap"))
        st.dataframe(localise(issues, ctx.lang), hide_index=True, width="stretch")
        examples = wh.query("health_issue_examples")
        st.dataframe(localise(examples, ctx.lang), hide_index=True, width="stretch")

        def all_issues() -> bytes:
            return csvsafe.write_csv(wh.query("health_issues_all"), bom=True)

        st.download_button(ctx.t("download_csv"), data=all_issues, file_name="data_issues.csv", mime="text/csv",
                           on_click="ignore", key="download_issues")

    st.subheader(ctx.t("reported_agreement"))
    try:
        agreement = wh.query("health_agreement")
    except duckdb.Error:  # a warehouse published before the view existed, or the lake
        agreement = None
    if agreement is None or agreement.empty:
        st.caption(ctx.t("no_reported"))
    else:
        st.caption(ctx.t("reported_agreement_cap"))
        st.dataframe(localise(agreement, ctx.lang), hide_index=True, width="stretch")
        if int(agreement["tickets_compared"].sum()) > int(agreement["tickets_agreeing"].sum()):
            st.caption(ctx.t("reported_disagreeing"))
            st.dataframe(localise(wh.query("health_disagreeing"), ctx.lang), hide_index=True, width="stretch")

    st.subheader(ctx.t("warnings"))
    warnings = wh.query("health_warnings")
    items = list(warnings["warnings"].iloc[0]) if not warnings.empty and warnings["warnings"].iloc[0] is not None else []
    for w in items[:30]:
        st.warning(md(w))  # a warning quotes raw values from the data
    if not items:
        st.caption("—")

    st.subheader(ctx.t("last_failure"))
    failure = runlog.last_failure(warehouse_path())
    if failure:
        st.error(md(f"{failure.get('finished_at', '')}: {failure.get('error', '')}"))
    else:
        st.caption(ctx.t("no_failure"))

    st.subheader(ctx.t("failed_files"))
    failed = warehouse_settings().inbox / "failed"
    reasons = sorted(failed.glob("*.reason.txt")) if failed.is_dir() else []
    if not reasons:
        st.caption(ctx.t("no_failed_files"))
    else:
        st.caption(ctx.t("failed_files_cap", folder=failed))
        for reason in reasons[:50]:
            with st.expander(md(reason.name.removesuffix(".reason.txt"))):  # a file name is data
                st.text(reason.read_text(encoding="utf-8", errors="replace"))


require("data_health")
render(context())
