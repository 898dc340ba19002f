"""Evaluate the rules on one warehouse state: read each metric, judge, compare with the state, record.

`evaluate(con, settings)` works on a connection to a build (never the live file): it reads
the state of every rule from `alert_firings` (etl/sql/alerts/state.sql: the last firing of each
rule and subject), reads each enabled rule's metric over its window (and the window before,
for drops_by / rises_by), and appends a firing where a rule (for a subject) starts to hold or
clears, with the tickets behind it, in one transaction. A rule that is firing and is no longer
enabled in the settings is cleared (with a note, and not delivered). It returns the firings.

Judging: a window whose basis (decided tickets, reviews … the metric's header says) is below
the rule's min_count, or whose value is unknown (no rows for a rate), does not hold; so a
firing rule whose data thin out clears. A count over no rows is 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from etl.alerts import messages
from etl.alerts.windows import Window, previous, window
from etl.core import sqlfiles
from etl.core.alert_settings import AlertRule, metrics
from etl.core.errors import WarehouseError
from etl.core.settings import Settings
from etl.core.sqlfiles import quote_ident
from etl.warehouse.schema import get_meta

BEGINNING = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)  # the start bound of window "all"


@dataclass(frozen=True)
class Reading:
    """A metric over one window for one subject."""

    subject: str | None
    value: float | None
    basis: int = 0
    behind: int = 0
    tickets: tuple[tuple[str, str], ...] = ()  # (source, ticket_id), at most [alerts] max_tickets


@dataclass
class Firing:
    """A rule (for a subject) starting to hold or clearing: a row of alert_firings."""

    rule: str
    subject: str | None
    per: str | None
    state: str  # started | cleared (| test: a sample, never stored)
    metric: str
    condition: str
    threshold: float
    window_name: str
    window_start: dt.datetime | None
    window_end: dt.datetime
    previous_start: dt.datetime | None
    previous_end: dt.datetime | None
    value: float | None
    basis: int | None
    previous_value: float | None
    previous_basis: int | None
    tickets: int
    rule_text: str
    note: str | None
    as_of: dt.datetime
    evaluated_at: dt.datetime
    run_id: int | None = None
    version: int | None = None
    firing_id: int = 0
    ticket_refs: tuple[tuple[str, str], ...] = ()
    description: str = ""
    notify: tuple[str, ...] | None = field(default=None)  # the rule's destinations (None: all)
    deliver: bool = True  # False for a clear the settings no longer know the rule of

    def fields(self) -> dict[str, Any]:
        out = asdict(self)
        out["ticket_ids"] = [t for _s, t in self.ticket_refs]
        return out


def _filter(rule: AlertRule, params: dict[str, Any]) -> str:
    """The rule's where (and per) as SQL over alias t: field names from the metric's header
    (checked when the settings loaded), quoted; the values bound as lists."""
    parts = []
    for i, (fld, values) in enumerate(rule.where):
        params[f"w_{i}"] = list(values)
        parts.append(f"list_contains($w_{i}, t.{quote_ident(fld)})")
    if rule.per is not None:  # a ticket without an agent is no agent's
        parts.append(f"t.{quote_ident(rule.per)} is not null")
    return " and ".join(parts) or "true"


def read(con: duckdb.DuckDBPyConnection, rule: AlertRule, win: Window, max_tickets: int) -> dict[str | None, Reading]:
    """The rule's metric over `win`: subject → reading (etl/sql/alerts/metrics/<metric>.sql)."""
    metric = metrics()[rule.metric]
    params: dict[str, Any] = {"start": win.start or BEGINNING, "end": win.end, "max_tickets": max_tickets}
    if metric.parameter is not None:
        params[metric.parameter] = rule.parameter
    subject = f"cast(t.{quote_ident(rule.per)} as varchar)" if rule.per else "cast(null as varchar)"
    text = sqlfiles.query(f"alerts/metrics/{rule.metric}", subject=subject, filter=_filter(rule, params))
    (stmt,) = sqlfiles.statements(text)
    cur = con.cursor()
    try:
        rows = sqlfiles.execute(cur, stmt, params, f"alerts/metrics/{rule.metric}.sql").fetchall()
    finally:
        cur.close()
    out = {}
    for subj, value, basis, behind, tickets in rows:
        refs = tuple((t["source"], t["ticket_id"]) for t in (tickets or []))
        out[subj] = Reading(subj, None if value is None else float(value), int(basis or 0), int(behind or 0), refs)
    return out


def empty(rule: AlertRule, subject: str | None) -> Reading:
    """The reading of a window without rows: 0 for a count, unknown for a rate or a median."""
    return Reading(subject, metrics()[rule.metric].empty)


def holds(rule: AlertRule, now: Reading, before: Reading | None) -> bool:
    if now.value is None or now.basis < rule.min_count:
        return False
    if rule.compares_previous:
        if before is None or before.value is None or before.basis < rule.min_count:
            return False
        change = now.value - before.value
        return -change >= rule.threshold if rule.condition == "drops_by" else change >= rule.threshold
    return {"above": now.value > rule.threshold, "below": now.value < rule.threshold,
            "at_least": now.value >= rule.threshold, "at_most": now.value <= rule.threshold}[rule.condition]


def current_state(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str | None], dict[str, Any]]:
    """(rule, subject) → the last firing, for every rule and subject that is firing now."""
    cur = con.cursor()
    try:
        result = cur.execute(sqlfiles.query("alerts/state"))
        cols = [d[0] for d in result.description]
        return {(row["rule"], row["subject"]): row for row in (dict(zip(cols, r)) for r in result.fetchall())}
    finally:
        cur.close()


def as_of_of(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    stored = get_meta(con, "as_of")
    if stored is None:
        raise WarehouseError("the warehouse has no as_of: nothing was loaded yet", title="No data yet")
    return dt.datetime.fromisoformat(stored).astimezone(dt.UTC)


def judge(con: duckdb.DuckDBPyConnection, settings: Settings, rule: AlertRule, as_of: dt.datetime,
          also: set[str | None] | frozenset[str | None] = frozenset(),
          ) -> list[tuple[Reading, Reading | None, Window, Window | None]]:
    """The rule's readings at as_of, one per subject seen (a rule without `per`: one), and one
    for each subject of `also` (those firing now: without rows now, they have no value)."""
    tz = ZoneInfo(settings.reporting_timezone)
    cur_w = window(rule.window, as_of, tz)
    prev_w = previous(rule.window, as_of, tz) if rule.compares_previous else None
    now = read(con, rule, cur_w, settings.alerts.max_tickets)
    before = read(con, rule, prev_w, 0) if prev_w is not None else {}
    subjects = set(now) | set(also) | ({None} if rule.per is None else set())
    return [(now.get(s) or empty(rule, s), (before.get(s) or empty(rule, s)) if prev_w else None, cur_w, prev_w)
            for s in sorted(subjects, key=lambda s: (s is not None, s or ""))]


def _firing(rule: AlertRule, state: str, now: Reading, before: Reading | None, cur_w: Window,
            prev_w: Window | None, as_of: dt.datetime, evaluated_at: dt.datetime, lang: str) -> Firing:
    return Firing(
        rule=rule.name, subject=now.subject, per=rule.per, state=state, metric=rule.metric,
        condition=rule.condition, threshold=rule.threshold, window_name=rule.window,
        window_start=cur_w.start, window_end=cur_w.end,
        previous_start=prev_w.start if prev_w else None, previous_end=prev_w.end if prev_w else None,
        value=now.value, basis=now.basis, previous_value=before.value if before else None,
        previous_basis=before.basis if before else None, tickets=now.behind,
        rule_text=messages.describe(rule, lang), note=None, as_of=as_of, evaluated_at=evaluated_at,
        ticket_refs=now.tickets, description=rule.description, notify=rule.notify)


def sample_firing(rule: AlertRule, settings: Settings, now: Reading, before: Reading | None, cur_w: Window,
                  prev_w: Window | None, as_of: dt.datetime) -> Firing:
    """A firing of state "test" with the given readings: what `alerts test` sends (never stored)."""
    return _firing(rule, "test", now, before, cur_w, prev_w, as_of, dt.datetime.now(dt.UTC), settings.alerts.language)


def evaluate(con: duckdb.DuckDBPyConnection, settings: Settings, *, version: int | None = None,
             evaluated_at: dt.datetime | None = None, write: bool = True) -> list[Firing]:
    """Evaluate every enabled rule on the state `con` holds and record the firings (see the
    module's docstring). `con` is a build's connection: this writes (with `write=False`, it
    only tells what would fire, on any connection)."""
    evaluated_at = evaluated_at or dt.datetime.now(dt.UTC)
    as_of = as_of_of(con)
    lang = settings.alerts.language
    state = current_state(con)
    firings: list[Firing] = []
    enabled = {r.name: r for r in settings.alerts.rules if r.enabled}
    for rule in enabled.values():
        firing = {s for (name, s) in state if name == rule.name}
        for now, before, cur_w, prev_w in judge(con, settings, rule, as_of, firing):
            was = (rule.name, now.subject) in state
            if holds(rule, now, before) != was:
                firings.append(_firing(rule, "cleared" if was else "started", now, before, cur_w, prev_w,
                                       as_of, evaluated_at, lang))
    for (name, subject), last in sorted(state.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if name in enabled:
            continue
        firings.append(Firing(
            rule=name, subject=subject, per=last["per"], state="cleared", metric=last["metric"],
            condition=last["condition"], threshold=last["threshold"], window_name=last["window_name"],
            window_start=None, window_end=as_of, previous_start=None, previous_end=None, value=None, basis=None,
            previous_value=None, previous_basis=None, tickets=0, rule_text=last["rule_text"],
            note="the rule is no longer enabled in the settings; cleared without evaluation",
            as_of=as_of, evaluated_at=evaluated_at, deliver=False))
    if write:
        record(con, firings, version=version)
    return firings


def record(con: duckdb.DuckDBPyConnection, firings: list[Firing], *, version: int | None) -> None:
    """Append the firings and their tickets (etl/sql/alerts/record.sql), in one transaction."""
    if not firings:
        return
    steps = sqlfiles.steps("alerts/record")
    con.execute("begin transaction")
    try:
        run_id = con.execute("select max(run_id) from load_runs").fetchall()[0][0]
        next_id = int(con.execute(steps["next_id"]).fetchall()[0][0])
        for f in firings:
            f.firing_id, f.version, f.run_id = next_id, version, run_id
            next_id += 1
            sqlfiles.execute(con, steps["firing"], f.fields(), "alerts/record.sql")
            if f.ticket_refs:
                sqlfiles.execute(con, steps["tickets"], {
                    "firing_id": f.firing_id, "sources": [s for s, _t in f.ticket_refs],
                    "ticket_ids": [t for _s, t in f.ticket_refs]}, "alerts/record.sql")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
