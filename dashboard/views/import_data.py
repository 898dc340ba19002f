"""Import: upload an export (or pick one in the inbox), see and change its mapping with the
values in view, preview what a load would do (the real load into a throw-away warehouse),
save the mapping as a profile and load the file with the CLI's atomic publish.

The one page that writes: it does so only through the ETL (etl/load/preview.py →
etl.load.run.load, which publishes a new warehouse file), never through the dashboard's
read-only connection. Everything but drawing is in etl/load/preview.py.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.auth import current, page_role, require
from dashboard.db import warehouse_settings
from dashboard.frame import Context, context, fmt_minutes
from dashboard.i18n import column, label
from dashboard.plain import md
from etl.core.errors import DeskError
from etl.ingest.read import visible
from etl.load import preview as pv

KEEP, NONE, AUTO = "__keep__", "__none__", "__auto__"
ZONES = ("Asia/Shanghai", "UTC", "Asia/Hong_Kong", "Asia/Singapore", "Asia/Tokyo", "Europe/London",
         "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo")
VALUE_ROWS = 20   # distinct values offered per enumeration field


def _uploads(ctx: Context, settings: Any) -> str | None:
    """Store each newly uploaded file in the inbox (once per upload); the last one stored."""
    files = st.file_uploader(ctx.t("imp_upload"), accept_multiple_files=True, key="imp_upload",
                             max_upload_size=max(1, math.ceil(settings.import_max_upload_mb)))
    done: dict[str, tuple[bool, str]] = st.session_state.setdefault("_imp_uploads", {})
    newest = None
    for f in files or []:
        key = f"{f.file_id}:{f.size}"
        if key not in done:
            try:
                stored = pv.accept_upload(settings, f.name, f.getvalue())
            except DeskError as exc:
                done[key] = (False, str(exc))
            else:
                done[key] = (True, stored.name)
                newest = stored.name
        ok, text = done[key]
        if ok:
            st.success(ctx.t("imp_uploaded", name=md(text)))
        else:
            st.error(md(text))
    return newest


def _file(ctx: Context, settings: Any, newest: str | None) -> Path | None:
    names = [p.name for p in pv.inbox_files(settings)]
    if newest is not None and newest in names:
        st.session_state["imp_file"] = newest
    if st.session_state.get("imp_file") not in [None, *names]:
        st.session_state["imp_file"] = None
    choice = st.selectbox(ctx.t("imp_pick"), [None, *names], key="imp_file",
                          format_func=lambda n: ctx.t("imp_none") if n is None else visible(n))
    if choice is None:
        st.info(ctx.t("imp_no_file"))
        return None
    return pv.inbox_file(settings, choice)


def _base_draft(ctx: Context, path: Path, settings: Any) -> pv.Draft | None:
    """The starting mapping of this file (computed once per file version)."""
    st_ = path.stat()
    key = (path.name, st_.st_mtime_ns, st_.st_size)
    held = st.session_state.get("_imp_draft")
    if held is None or held[0] != key:
        for k in [k for k in st.session_state if str(k).startswith(("imp_col_", "imp_val_", "imp_unit_"))]:
            del st.session_state[k]
        for k in ("imp_tz", "imp_day_first", "imp_time_format", "imp_name", "_imp_whole", "_imp_result",
                  "_imp_saved"):
            st.session_state.pop(k, None)
        try:
            draft = pv.start(path, settings)
        except DeskError as exc:
            st.error(f"**{ctx.t('imp_cannot_read')}**: {md(str(exc))}")
            return None
        held = (key, draft)
        st.session_state["_imp_draft"] = held
    return held[1]


def _column_editors(ctx: Context, base: pv.Draft, draft: pv.Draft) -> None:
    fixed = set(base.data.get("durations", {})) | set(base.data.get("constants", {})) | set(base.data.get("rules", {}))
    with st.expander(ctx.t("imp_edit_columns"), expanded=True):
        cols = st.columns(3)
        for i, target in enumerate(pv.KIND_COLUMNS["tickets"]):
            spec = base.column_of(target)
            keep = target in fixed or (spec is not None and not (isinstance(spec, str) and spec in base.headers))
            options = ([KEEP] if keep else []) + [NONE, *base.headers]
            start = KEEP if keep else spec if isinstance(spec, str) and spec in base.headers else NONE
            choice = cols[i % 3].selectbox(
                target, options, index=options.index(start), key=f"imp_col_{target}",
                format_func=lambda v: ctx.t("imp_keep") if v == KEEP else ctx.t("imp_unmapped") if v == NONE
                else visible(v))
            if choice != start and choice != KEEP:
                draft.set_column(target, None if choice == NONE else choice)


def _time_editors(ctx: Context, base: pv.Draft, draft: pv.Draft) -> None:
    st.subheader(ctx.t("imp_time"))
    time = base.data.get("time", {})
    left, middle, right = st.columns(3)
    zone = str(time.get("timezone") or warehouse_settings().source_timezone)
    zones = list(dict.fromkeys([zone, *ZONES]))
    chosen = left.selectbox(ctx.t("imp_timezone"), zones, index=0, key="imp_tz")
    if chosen != time.get("timezone"):
        draft.set_timezone(chosen)
    df = time.get("day_first")
    df_options = [AUTO, True, False]
    picked = middle.selectbox(ctx.t("imp_day_first"), df_options, index=df_options.index(AUTO if df is None else df),
                              key="imp_day_first", format_func=lambda v: ctx.t(
                                  "imp_df_auto" if v == AUTO else "imp_df_true" if v else "imp_df_false"))
    draft.set_day_first(None if picked == AUTO else bool(picked))
    formats = list(time.get("formats", []))
    fmt_options = list(dict.fromkeys([AUTO, *(formats[:1]), *pv.TIME_FORMATS]))
    fmt = right.selectbox(ctx.t("imp_time_format"), fmt_options, index=fmt_options.index(formats[0] if formats else AUTO),
                          key="imp_time_format",
                          format_func=lambda v: ctx.t("imp_tf_auto") if v == AUTO else v)
    if len(formats) <= 1:
        draft.set_time_format(None if fmt == AUTO else fmt)
    units = {**base.data.get("durations", {}), **{f"{k}_reported": v for k, v in base.data.get("reported", {}).items()}}
    if units:
        cols = st.columns(3)
        for i, (target, spec) in enumerate(units.items()):
            if not isinstance(spec, dict):
                continue
            unit = str(spec.get("unit", "minutes"))
            name = target.removesuffix("_reported") if target.endswith("_reported") else target
            got = cols[i % 3].selectbox(ctx.t("imp_unit", what=target), list(pv.DURATION_UNITS),
                                        index=list(pv.DURATION_UNITS).index(unit) if unit in pv.DURATION_UNITS else 1,
                                        key=f"imp_unit_{target}")
            if got != unit:
                draft.set_duration_unit(name, got)


def _value_editors(ctx: Context, base: pv.Draft, draft: pv.Draft) -> None:
    for fld in pv.ENUM_FIELDS:
        rows = pv.value_rows(draft, fld)
        if not rows:
            continue
        with st.expander(ctx.t("imp_values", field=fld)):
            cols = st.columns(2)
            choices = list(pv.value_choices(fld))
            for i, (value, n, vocab, mapped) in enumerate(rows[:VALUE_ROWS]):
                options = [AUTO, *choices]
                got = cols[i % 2].selectbox(
                    f"{md(value)} ({n:,})", options, index=options.index(mapped) if mapped in options else 0,
                    key=f"imp_val_{fld}_{i}",
                    format_func=lambda v, vocab=vocab: ctx.t("imp_value_auto", value=vocab) if v == AUTO else v)
                if got != (mapped if mapped in options else AUTO):
                    draft.set_value(fld, value, None if got == AUTO else got)


def _fingerprint(path: Path, draft: pv.Draft) -> str:
    st_ = path.stat()
    return hashlib.sha256(f"{path.name}|{st_.st_mtime_ns}|{st_.st_size}|{draft.toml()}".encode()).hexdigest()


def _mapping_table(ctx: Context, result: pv.Preview) -> None:
    st.subheader(ctx.t("imp_mapping"))
    rows = [{ctx.t("imp_field"): f["field"], ctx.t("imp_source"): f["source"],
             ctx.t("imp_raw"): " · ".join(f["raw"]), ctx.t("imp_parsed"): " · ".join(f["parsed"]),
             ctx.t("imp_format"): f["format"]} for f in result.fields]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="imp_mapping_table")


def _show_preview(ctx: Context, result: pv.Preview, settings: Any) -> None:
    st.caption(ctx.t("imp_preview_whole") if result.whole else
               ctx.t("imp_preview_sample", rows=f"{settings.import_sample_rows:,}"))
    if result.error:
        st.error(f"**{ctx.t('imp_preview_failed')}**: {md(result.error)}")
        return
    cols = st.columns(5)
    cols[0].metric(ctx.t("imp_read"), f"{result.rows_read:,}")
    cols[1].metric(ctx.t("imp_would_load"), f"{result.rows_loaded:,}")
    cols[2].metric(ctx.t("imp_would_reject"), f"{result.rows_rejected:,}")
    cols[3].metric(ctx.t("imp_would_skip"), f"{result.rows_skipped:,}")
    cols[4].metric(ctx.t("imp_median_frt"), fmt_minutes(result.median_first_response_minutes, ctx.lang))
    st.markdown(f"**{ctx.t('imp_rejected')}**")
    if result.rejected:
        st.dataframe(pd.DataFrame([{ctx.t("imp_reason"): r["reason"], ctx.t("imp_rows"): r["rows"],
                                    ctx.t("imp_examples"): " | ".join(r["examples"])} for r in result.rejected]),
                     hide_index=True, width="stretch", key="imp_rejected_table")
    else:
        st.caption(ctx.t("imp_none_rejected"))
    if result.skipped:
        st.markdown(f"**{ctx.t('imp_skipped')}**")
        st.dataframe(pd.DataFrame([{ctx.t("imp_reason"): r["reason"], ctx.t("imp_rows"): r["rows"]}
                                   for r in result.skipped]), hide_index=True, width="stretch",
                     key="imp_skipped_table")
    st.markdown(f"**{ctx.t('imp_issues')}**")
    if result.issues:
        st.dataframe(pd.DataFrame([{ctx.t("imp_rule"): r["rule"], ctx.t("imp_field"): r["field"],
                                    ctx.t("imp_rows"): r["rows"], ctx.t("imp_examples"): " | ".join(r["examples"])}
                                   for r in result.issues]), hide_index=True, width="stretch", key="imp_issues_table")
    else:
        st.caption(ctx.t("imp_no_issues"))
    st.markdown(f"**{ctx.t('imp_resolution')}**")
    st.dataframe(pd.DataFrame([{column("category", ctx.lang): label("category", r["category"], ctx.lang),
                                column("tickets", ctx.lang): r["tickets"],
                                column("resolved", ctx.lang): r["resolved"],
                                column("median_hours", ctx.lang): r["median_resolution_hours"]}
                               for r in result.resolution_by_category]),
                 hide_index=True, width="stretch", key="imp_resolution_table",
                 column_config={column("median_hours", ctx.lang): st.column_config.NumberColumn(format="%.1f")})
    if result.warnings:
        with st.expander(f"{ctx.t('imp_warnings')} ({len(result.warnings)})"):
            st.text("\n".join(visible(w) for w in result.warnings[:50]))


def _save_and_load(ctx: Context, path: Path, draft: pv.Draft, settings: Any) -> None:
    st.subheader(ctx.t("imp_save_header"))
    if "imp_name" not in st.session_state:  # a shipped profile's name is taken: yours is a copy
        st.session_state["imp_name"] = f"{draft.name}_own" if draft.origin == "detected" else draft.name
    name = st.text_input(ctx.t("imp_name"), key="imp_name")
    try:
        draft.set_name(name)  # the load records the profile under the name it is saved as
    except DeskError:
        pass
    left, right = st.columns(2)
    if left.button(ctx.t("imp_save"), key="imp_save"):
        try:
            saved = pv.save_profile(draft, settings, name)
        except DeskError as exc:
            st.session_state["_imp_saved"] = (False, str(exc))
        else:
            st.session_state["_imp_saved"] = (True, str(saved), draft.name)
    held = st.session_state.get("_imp_saved")
    if held:
        if held[0]:
            st.success(ctx.t("imp_saved", path=md(held[1]), name=md(held[2])))
        else:
            st.error(f"**{ctx.t('imp_save_failed')}**: {md(held[1])}")
    if right.button(ctx.t("imp_load"), key="imp_load", type="primary"):
        bar = st.progress(0.0, text=ctx.t("imp_loading"))

        def progress(message: str, done: float, total: float) -> None:
            bar.progress(min(1.0, max(0.0, done / total if total else 0.0)), text=md(visible(message)[:200]))

        try:
            result = pv.load_with(path, draft, settings, progress=progress)
        except DeskError as exc:
            st.session_state["_imp_result"] = (False, str(exc))
        else:
            bar.progress(1.0, text=ctx.t("imp_loaded", **_summary(result)) if result.published else "")
            st.session_state["_imp_result"] = (True, result)
    _show_result(ctx)


def _summary(result: Any) -> dict[str, str]:
    tot = result.totals
    return {"version": str(result.version), "run": str(result.run_id), "loaded": f"{tot['rows_loaded']:,}",
            "rejected": f"{tot['rows_rejected']:,}", "skipped": f"{tot['rows_skipped']:,}",
            "read": f"{tot['rows_read']:,}"}


def _show_result(ctx: Context) -> None:
    held = st.session_state.get("_imp_result")
    if not held:
        return
    if not held[0]:
        st.error(f"**{ctx.t('imp_load_failed')}**: {md(held[1])}")
        return
    result = held[1]
    if not result.published:
        st.info(ctx.t("imp_nothing_new", version=result.version))
    else:
        st.success(ctx.t("imp_loaded", **_summary(result)))
        st.dataframe(pd.DataFrame([{
            ctx.t("imp_summary_file"): f.file_name, ctx.t("imp_summary_kind"): f.kind, ctx.t("imp_read"): f.rows_read,
            ctx.t("imp_summary_new"): f.rows_inserted, ctx.t("imp_summary_updated"): f.rows_updated,
            ctx.t("imp_would_reject"): f.rows_rejected, ctx.t("imp_would_skip"): f.rows_skipped}
            for f in result.files]), hide_index=True, width="stretch", key="imp_summary_table")
    identity = current()
    if identity is not None and identity.may(page_role("data_health")):
        st.page_link("views/data_health.py", label=ctx.t("imp_to_health"), icon=":material/monitor_heart:")


def render(ctx: Context) -> None:
    st.title(ctx.t("page_import"))
    settings = warehouse_settings()
    st.caption(ctx.t("imp_intro", mb=f"{settings.import_max_upload_mb:,.0f}", inbox=md(settings.inbox)))
    newest = _uploads(ctx, settings)
    path = _file(ctx, settings, newest)
    if path is None:
        return
    base = _base_draft(ctx, path, settings)
    if base is None:
        return
    key = {"detected": "imp_detected", "suggested": "imp_suggested", "canonical": "imp_canonical"}[base.origin]
    st.info(ctx.t(key, name=md(base.based_on or "")))
    draft = base.copy()
    if base.kind == "tickets":
        _column_editors(ctx, base, draft)
        _time_editors(ctx, base, draft)
        _value_editors(ctx, base, draft)
    else:  # events, QA reviews, agents: loaded as the detected profile says
        st.caption(ctx.t("imp_other_kind", kind=md(base.kind)))
    st.header(ctx.t("imp_preview"))
    fingerprint = _fingerprint(path, draft)
    held = st.session_state.get("_imp_preview")
    if held is None or held[0] != fingerprint:
        with st.spinner(ctx.t("imp_preview")):
            held = (fingerprint, pv.run_preview(path, draft, settings))
        st.session_state["_imp_preview"] = held
    result = held[1]
    whole = st.session_state.get("_imp_whole")
    if st.button(ctx.t("imp_whole"), key="imp_whole_button"):
        with st.spinner(ctx.t("imp_whole")):
            whole = (fingerprint, pv.run_preview(path, draft, settings, whole=True))
        st.session_state["_imp_whole"] = whole
    if whole is not None and whole[0] == fingerprint:
        result = whole[1]
    if result.fields:
        _mapping_table(ctx, result)
    _show_preview(ctx, result, settings)
    _save_and_load(ctx, path, draft, settings)


require("import_data")
render(context())
