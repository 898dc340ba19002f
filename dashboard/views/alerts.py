"""Alerts: what is firing now, every firing with its values, window and delivery, the tickets
behind a firing, the deliveries that failed, and the rules of the settings (etl/alerts,
docs/ALERTS.md). Firings are rows of the published warehouse; deliveries are recorded beside
it (alert-deliveries.jsonl), since they happen after the state is published."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboard.auth import require
from dashboard.db import warehouse_path, warehouse_settings
from dashboard.frame import DISPLAY_ROWS, Context, context, customer_columns, localise
from dashboard.i18n import label
from dashboard.plain import md
from etl.alerts.deliver import recorded
from etl.alerts.messages import describe
from etl.query import csvsafe

HISTORY_ROWS = 500


def delivery_column(firings: pd.DataFrame, deliveries: list[dict], ctx: Context) -> list[str]:
    """Per firing: 'sent: managers; failed: wecom' from the deliveries recorded for it."""
    by_firing: dict[int, list[str]] = {}
    for d in deliveries:
        if d.get("firing_id") is None or d.get("test"):
            continue
        word = ctx.t("delivered") if d.get("ok") else ctx.t("not_delivered")
        by_firing.setdefault(int(d["firing_id"]), []).append(f"{word}: {d.get('destination')}")
    return ["; ".join(by_firing.get(int(i), [])) or "—" for i in firings["firing_id"]]


def rules_table(ctx: Context) -> None:
    st.subheader(ctx.t("alerts_rules"))
    cfg = warehouse_settings().alerts
    rows = [{"rule": r.name, "enabled": r.enabled, "rule_text": describe(r, ctx.lang),
             "notify": ", ".join(r.notify) if r.notify is not None else "*"} for r in cfg.rules]
    if rows:
        st.dataframe(localise(pd.DataFrame(rows), ctx.lang), hide_index=True, width="stretch")
    st.caption(ctx.t("alerts_rules_cap"))


def with_states(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = df.copy()
    if "state" in out:
        out["state"] = [label("alert_state", v, lang) for v in out["state"]]
    return out


def tickets_of(ctx: Context, firings: pd.DataFrame) -> None:
    st.subheader(ctx.t("alerts_tickets"))
    options = [int(i) for i in firings["firing_id"]]
    names = {int(r.firing_id): f"#{r.firing_id} · {r.rule}{f' · {r.subject}' if pd.notna(r.subject) else ''} · "
                               f"{label('alert_state', r.state, ctx.lang)} · {r.evaluated_at:%Y-%m-%d %H:%M}"
             for r in firings.itertuples(index=False)}
    picked = st.selectbox(ctx.t("alerts_pick"), options, format_func=lambda i: names[i], key="alert_pick")
    if picked is None:
        return
    total = int(firings.loc[firings["firing_id"] == picked, "behind"].iloc[0] or 0)
    df = ctx.wh.query("alert_tickets", params={"firing_id": picked, "limit": DISPLAY_ROWS},
                      customer=customer_columns())
    st.dataframe(localise(df, ctx.lang), hide_index=True, width="stretch", key="alert_tickets")
    st.caption(ctx.t("alerts_tickets_cap", total=f"{total:,}"))

    def all_tickets() -> bytes:
        everything = ctx.wh.query("alert_tickets", params={"firing_id": picked, "limit": 1 << 62},
                                  customer=customer_columns())
        return csvsafe.write_csv(everything, bom=True)

    st.download_button(ctx.t("download_csv"), data=all_tickets, file_name=f"alert-{picked}-tickets.csv",
                       mime="text/csv", key="alert_tickets_csv", on_click="ignore")


def failures(ctx: Context, deliveries: list[dict]) -> None:
    failed = [d for d in deliveries if not d.get("ok")][-20:]
    if not failed:
        return
    st.subheader(ctx.t("alerts_failed"))
    st.caption(ctx.t("alerts_failed_cap"))
    for d in reversed(failed):
        what = f"#{d['firing_id']} " if d.get("firing_id") else ""
        # a reason quotes a server's reply: data, never markup
        st.warning(md(f"{d.get('at', '')} · {what}{d.get('rule', '')} → {d.get('destination', '')}: {d.get('error', '')}"))


def render(ctx: Context) -> None:
    st.title(ctx.t("page_alerts"))
    if Path(ctx.wh.version_file).is_dir():
        st.info(ctx.t("alerts_unavailable", why="lake"))
        rules_table(ctx)
        return
    try:
        now = ctx.wh.query("alert_firing_now")
        firings = ctx.wh.query("alert_firings", params={"limit": HISTORY_ROWS})
    except duckdb.CatalogException:  # a warehouse published before alerts existed
        st.info(ctx.t("alerts_unavailable", why=f"version {md(ctx.meta.get('version', '?'))}"))
        rules_table(ctx)
        return
    deliveries = recorded(warehouse_path())
    st.subheader(ctx.t("alerts_now"))
    if now.empty:
        st.caption(ctx.t("alerts_quiet"))
    else:
        st.dataframe(localise(now.drop(columns=["firing_id"]), ctx.lang), hide_index=True, width="stretch",
                     key="alerts_now")
    st.caption(ctx.t("alerts_now_cap"))
    st.subheader(ctx.t("alerts_history"))
    if firings.empty:
        st.caption(ctx.t("alerts_none"))
    else:
        shown = firings.assign(delivery=delivery_column(firings, deliveries, ctx))
        order = ["firing_id", "evaluated_at", "rule", "subject", "state", "value", "previous_value", "rule_text",
                 "behind", "delivery"]
        shown = shown[order + [c for c in shown.columns if c not in order]]
        st.dataframe(localise(with_states(shown, ctx.lang), ctx.lang), hide_index=True, width="stretch",
                     key="alerts_history")
        st.caption(ctx.t("alerts_history_cap"))
        tickets_of(ctx, firings)
    failures(ctx, deliveries)
    rules_table(ctx)


require("alerts")
render(context())
