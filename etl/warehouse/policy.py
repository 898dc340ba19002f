"""The policy tables written from the settings at every build: SLA rules, schedule rules
and schedules, the process's time-point targets, the record-completeness rules, and the business calendar (calendar_hours,
business_days) that the business-minute metrics join, kept while it covers the data for the
same schedules."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb
import holidays
import pyarrow as pa

from etl.core.settings import Settings
from etl.warehouse.schema import get_meta, set_meta


def write_policy(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Tables of the SLA and schedule rules in force, from the configuration."""
    sla = pa.table({
        "rule_order": pa.array(range(len(settings.sla_rules)), pa.int32()),
        "priority": pa.array([r.priority for r in settings.sla_rules], pa.string()),
        "category": pa.array([r.category for r in settings.sla_rules], pa.string()),
        "channel": pa.array([r.channel for r in settings.sla_rules], pa.string()),
        "team": pa.array([r.team for r in settings.sla_rules], pa.string()),
        "target_minutes": pa.array([r.target_minutes for r in settings.sla_rules], pa.float64()),
        "clock": pa.array([r.clock for r in settings.sla_rules], pa.string()),
    })
    rules = pa.table({
        "rule_order": pa.array(range(len(settings.schedule_rules)), pa.int32()),
        "channel": pa.array([r.channel for r in settings.schedule_rules], pa.string()),
        "team": pa.array([r.team for r in settings.schedule_rules], pa.string()),
        "schedule_id": pa.array([r.schedule for r in settings.schedule_rules], pa.string()),
    })
    scheds = pa.table({
        "schedule_id": pa.array(list(settings.schedules), pa.string()),
        "timezone": pa.array([s.timezone for s in settings.schedules.values()], pa.string()),
        "holidays": pa.array([s.holidays or None for s in settings.schedules.values()], pa.string()),
        "weekly_hours": pa.array([json.dumps({d: [f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans]
                                              for d, spans in zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                                                                  (s.weekly[i] for i in range(7)))})
                                  for s in settings.schedules.values()], pa.string()),
    })
    targets = settings.process_targets
    process = pa.table({
        "target_order": pa.array(range(len(targets)), pa.int32()),
        "name": pa.array([r.name for r in targets], pa.string()),
        "start": pa.array([r.start for r in targets], pa.string()),
        "stop": pa.array([r.stop for r in targets], pa.string()),
        "priority": pa.array([r.priority for r in targets], pa.string()),
        "category": pa.array([r.category for r in targets], pa.string()),
        "channel": pa.array([r.channel for r in targets], pa.string()),
        "team": pa.array([r.team for r in targets], pa.string()),
        "target_minutes": pa.array([r.target_minutes for r in targets], pa.float64()),
        "clock": pa.array([r.clock for r in targets], pa.string()),
    })
    crules = settings.completeness_rules
    completeness = pa.table({
        "rule_order": pa.array(range(len(crules)), pa.int32()),
        "item": pa.array([r.item for r in crules], pa.string()),
        "any_of": pa.array([list(r.any_of) for r in crules], pa.list_(pa.string())),
        "categories": pa.array([list(r.categories) if r.categories is not None else None for r in crules],
                               pa.list_(pa.string())),
        "resolved_only": pa.array([r.resolved_only for r in crules], pa.bool_()),
    })
    for name, table in (("sla_rules", sla), ("schedule_rules", rules), ("schedules", scheds),
                        ("process_targets", process), ("completeness_rules", completeness)):
        con.register("_policy", table)
        con.execute(f"create or replace table {name} as select * from _policy")
        con.unregister("_policy")
    set_meta(con, "reporting_timezone", settings.reporting_timezone)
    set_meta(con, "repeat_window_days", repr(settings.repeat_window_days))
    for key in ("human_schedule", "answered_within_minutes", "target_pct", "action_cap_minutes", "min_handled"):
        set_meta(con, f"assistant_{key}", str(getattr(settings, f"assistant_{key}")))


# a calendar is built this many days past the newest time stamp or as_of, so that the next
# refreshes (as_of moving on by hours or days) find it covering them and keep it
CALENDAR_AHEAD_DAYS = 31


def calendar_key(settings: Settings) -> str:
    """What the calendar tables depend on besides their date range."""
    return hashlib.sha256(f"{holidays.__version__}|{sorted(settings.schedules.items())!r}".encode()).hexdigest()


def write_calendar(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: dt.datetime) -> None:
    """calendar_hours and business_days covering every stored time stamp and as_of; kept as
    they are when they already cover that range for the same schedules and holiday data."""
    row = con.execute("""
        select min(t), max(t) from (
            select min(created_at) as t from tickets union all
            select max(greatest(created_at, first_response_at, resolved_at, closed_at)) from tickets union all
            select min(event_at) from ticket_events union all
            select max(event_at) from ticket_events
        )""").fetchall()[0]
    lo = row[0] or as_of
    hi = max(row[1] or as_of, as_of)
    first = (lo - dt.timedelta(days=2)).date()
    last = (hi + dt.timedelta(days=2)).date()
    key = calendar_key(settings)
    stored = json.loads(get_meta(con, "calendar") or "{}")
    if (stored.get("key") == key and stored.get("first", "9999") <= first.isoformat()
            and stored.get("last", "0000") >= last.isoformat()):
        return
    # (pandas: imported only when a calendar is built)
    from etl.warehouse.calendar import build_calendar

    last += dt.timedelta(days=CALENDAR_AHEAD_DAYS)
    hours, days = build_calendar(settings.schedules, first, last)
    for name, table in (("calendar_hours", hours), ("business_days", days)):
        con.register("_calendar", table)
        con.execute(f"create or replace table {name} as select * from _calendar")
        con.unregister("_calendar")
    set_meta(con, "calendar", json.dumps({"key": key, "first": first.isoformat(), "last": last.isoformat()}))


