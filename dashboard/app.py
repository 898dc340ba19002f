"""Complaint-desk dashboard (first cut): headline figures from the metric views, read-only."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb
import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DB = Path(os.environ.get("DESK_DB", "data/warehouse.duckdb"))

st.set_page_config(page_title="Complaint desk", layout="wide")
st.title("Complaint desk")
if not DB.exists():
    st.info("No warehouse yet. Build the demo with `python -m etl demo`, or load your export "
            "with `python -m etl load FILE`.")
    st.stop()
con = duckdb.connect(str(DB), read_only=True)
row = con.execute("""
    select count(*), median(first_response_minutes), pct_frt_within_sla(frt_sla),
           median(resolution_minutes), pct_escalated(is_escalated)
    from ticket_metrics""").fetchall()[0]
con.close()
cols = st.columns(5)
cols[0].metric("Tickets", f"{row[0]:,}")
cols[1].metric("Median first response (min)", f"{row[1] or 0:,.0f}")
cols[2].metric("First response within SLA", f"{row[2] or 0:.1f} %")
cols[3].metric("Median resolution (h)", f"{(row[3] or 0) / 60:,.1f}")
cols[4].metric("Escalated", f"{row[4] or 0:.1f} %")
