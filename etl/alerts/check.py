"""The ways in: the refresh's hook, `alerts check`, `alerts test RULE` and `alerts list`.

- `InBuild`: handed to `etl.load.run.load(..., before_publish=...)` by the refresh; evaluates
  the rules on the build just before it is published, and keeps the firings for delivery
  once the publish has happened (`deliver_published`). Any error of the evaluation is logged
  and leaves the build as it was: the data are published all the same.
- `check`: the same on its own, through the same publish path: the rules are first evaluated
  read only on the live state; only when a rule starts or clears is a build made (a copy of
  the file), evaluated again, published as a new version; then the firings are delivered.
- `send_test`: one sample message per destination of a rule, with the rule's current values
  on the live state (read only), marked as a test; raises DeliveryError in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from etl.alerts import messages
from etl.alerts.deliver import Delivery, DeliveryError, deliver, message, record, send
from etl.alerts.evaluate import Firing, as_of_of, current_state, empty, evaluate, judge, sample_firing
from etl.alerts.windows import previous, window
from etl.core.alert_settings import AlertRule
from etl.core.errors import WarehouseError
from etl.core.settings import Settings
from etl.warehouse import catalog
from etl.warehouse import schema as warehouse
from etl.warehouse.publish import Build
from etl.warehouse.versions import next_version

Log = Callable[..., None]


def _quiet(*_a: Any, **_k: Any) -> None:
    return None


def _log_firings(log: Log, firings: list[Firing]) -> None:
    for f in firings:
        log(f"alert_{f.state}", rule=f.rule, subject=f.subject, value=f.value, previous_value=f.previous_value,
            basis=f.basis, tickets=f.tickets, window=f.window_name, firing_id=f.firing_id, note=f.note)


@dataclass
class InBuild:
    """The refresh's before_publish hook: evaluate on the build, keep the firings."""

    settings: Settings
    log: Log = _quiet
    firings: list[Firing] = field(default_factory=list)

    def __call__(self, con: duckdb.DuckDBPyConnection, version: int) -> None:
        self.firings = []
        if not any(r.enabled for r in self.settings.alerts.rules) and not _any_firing(con):
            return
        try:
            self.firings = evaluate(con, self.settings, version=version)
        except Exception as exc:  # an alert must never cost the refresh its publish
            self.firings = []
            self.log("alerts_failed", error=messages.plain(f"{type(exc).__name__}: {exc}")[:500],
                     detail="no rule was evaluated on this state; the data are published all the same")
            return

    def deliver_published(self) -> list[Delivery]:
        """Log and deliver the firings of the state that was published (call only after the
        publish: firings of a build that failed were never published)."""
        try:
            _log_firings(self.log, self.firings)
            return deliver(self.settings, self.firings, self.log)
        except Exception as exc:  # deliver() does not raise; should it, the refresh still must not
            self.log("alert_delivery_failed", error=messages.plain(f"{type(exc).__name__}: {exc}")[:500])
            return []


def _any_firing(con: duckdb.DuckDBPyConnection) -> bool:
    try:
        return bool(current_state(con))
    except duckdb.CatalogException:
        return False


@dataclass
class CheckResult:
    firings: list[Firing]
    deliveries: list[Delivery]
    version: int | None  # the version published, or None when nothing started or cleared


def check(settings: Settings, *, log: Log = _quiet, env: Mapping[str, str] | None = None) -> CheckResult:
    """Evaluate the rules on the live state; publish and deliver what started or cleared."""
    live = settings.warehouse_path
    if not live.exists():
        raise WarehouseError(f"{live} does not exist; load data first", title="No warehouse yet")
    log("alerts_check_started", warehouse=str(live), rules=sum(r.enabled for r in settings.alerts.rules))
    published = None
    firings: list[Firing] = []
    if _changes(settings):  # a build (a copy of the whole file) only when something will be published
        firings, published = _publish_firings(settings)
    _log_firings(log, firings)
    if published is not None:
        log("published", version=published, firings=len(firings))
    deliveries = deliver(settings, firings, log, env)
    log("alerts_check_finished", firings=len(firings), published=published,
        delivered=sum(d.ok for d in deliveries), failed=sum(not d.ok for d in deliveries))
    return CheckResult(firings, deliveries, published)


def _changes(settings: Settings) -> bool:
    """Whether a rule would start or clear on the live state (evaluated read only)."""
    try:
        with warehouse.open_readonly(settings.warehouse_path) as con:
            return bool(evaluate(con, settings, write=False))
    except duckdb.CatalogException:  # a warehouse of an earlier version, without the alert tables
        return True


def _publish_firings(settings: Settings) -> tuple[list[Firing], int | None]:
    """A build of the live state, evaluated (again: the state may have moved meanwhile) and
    published when something started or cleared: (firings, version published or None)."""
    live = settings.warehouse_path
    with Build(settings) as build:
        con = build.con
        assert con is not None
        warehouse.apply_schema(con)  # a warehouse of an earlier version gains the alert tables
        built_from = int(warehouse.get_meta(con, "version") or 0)
        version = next_version(live, built_from)
        firings = evaluate(con, settings, version=version)
        if firings:
            warehouse.set_meta(con, "version", str(version))
            warehouse.set_meta(con, "previous_version", str(built_from))
            warehouse.set_meta(con, "published_at", dt.datetime.now(dt.UTC).isoformat())
            catalog.apply(con)
            build.publish(version)
            return firings, version
    return firings, None


def send_test(settings: Settings, name: str, env: Mapping[str, str] | None = None) -> list[Delivery]:
    """One sample message of rule `name` to each of its destinations; DeliveryError if any failed."""
    rule = settings.alerts.rule(name)
    targets = settings.alerts.destinations_of(rule)
    if not targets:
        raise DeliveryError(f"rule {name} has no destination: define one under [alerts.destinations] "
                            "(and name it in the rule's notify, or leave notify out for all)")
    firing = sample_firing(rule, settings, *_current(settings, rule))
    msg = message(settings, firing)
    out, failures = [], []
    for dest in targets:
        try:
            attempts, error = send(settings.alerts, dest, msg, env), None
        except DeliveryError as exc:
            attempts, error = getattr(exc, "attempts", 1), exc.detail
            failures.append(exc.detail)
        out.append(Delivery(at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), destination=dest.name,
                            kind=dest.kind, ok=error is None, attempts=attempts, error=error, firing_id=None,
                            rule=rule.name, subject=firing.subject, state="test", version=None, test=True))
        if settings.warehouse_path.parent.is_dir():
            record(settings.warehouse_path, out[-1])
    if failures:
        raise DeliveryError("; ".join(failures))
    return out


def _current(settings: Settings, rule: AlertRule) -> tuple[Any, ...]:
    """(reading, previous reading, window, previous window, as_of) of the rule on the live
    state, read only (for a rule with `per`: its first subject); without a warehouse, no
    values at the present time."""
    readings: list[Any] = []
    if settings.warehouse_path.exists():
        with warehouse.open_readonly(settings.warehouse_path) as con:
            as_of = as_of_of(con)
            readings = judge(con, settings, rule, as_of)
    else:
        as_of = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if readings:
        return (*readings[0], as_of)
    tz = ZoneInfo(settings.reporting_timezone)
    prev_w = previous(rule.window, as_of, tz) if rule.compares_previous else None
    return empty(rule, None), empty(rule, None) if prev_w else None, window(rule.window, as_of, tz), prev_w, as_of


def firing_now(settings: Settings) -> dict[str, int]:
    """rule → how many of its subjects are firing in the live state (for `alerts list`)."""
    if not settings.warehouse_path.exists():
        return {}
    try:
        with warehouse.open_readonly(settings.warehouse_path) as con:
            state = current_state(con)
    except duckdb.CatalogException:  # a warehouse published before alerts existed
        return {}
    out: dict[str, int] = {}
    for name, _subject in state:
        out[name] = out.get(name, 0) + 1
    return out
