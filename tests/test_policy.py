"""Configuration: SLA targets and clocks, schedules per team or channel, time zones with
daylight saving, holiday calendars, and clear errors for a wrong configuration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from etl.core.errors import ConfigError
from etl.core.settings import load_settings
from etl.load.run import load
from etl.warehouse.calendar import build_schedule_tables, holiday_calendar
from tests.helpers import SAMPLE_AS_OF, load_sample, metrics_by_ticket, settings_with


def test_priority_override_of_the_target(tmp_path: Path) -> None:
    s = settings_with(tmp_path, {"sla": {"first_response": {"rules": [
        {"priority": "urgent", "target_minutes": 30}]}}})
    load_sample(s)
    m = metrics_by_ticket(s)
    assert (m["T6"]["frt_target_minutes"], m["T6"]["frt_sla"]) == (30, "breached")  # 45 min
    assert (m["T10"]["frt_target_minutes"], m["T10"]["frt_sla"]) == (30, "met")      # 5 min
    assert (m["T1"]["frt_target_minutes"], m["T1"]["frt_sla"]) == (1440, "breached")


def test_business_clock(tmp_path: Path) -> None:
    s = settings_with(tmp_path, {"sla": {"first_response": {"clock": "business"}}})
    load_sample(s)
    m = metrics_by_ticket(s)
    assert m["T1"]["frt_sla"] == "met"        # 120 business minutes
    assert m["T2"]["frt_sla"] == "met"        # 60 business minutes over New Year
    assert m["T3"]["frt_sla"] == "breached"   # 2640 business minutes waiting at as_of
    assert m["T4"]["frt_sla"] == "pending"    # 360 business minutes waiting
    assert m["T1"]["frt_clock"] == "business"


def test_lunch_break_and_team_schedule(tmp_path: Path) -> None:
    s = settings_with(tmp_path, {
        "schedules": {
            "default": {"timezone": "Asia/Shanghai", "days": ["mon", "tue", "wed", "thu", "fri"],
                        "hours": ["09:00-12:00", "13:00-18:00"], "holidays": "CN"},
            "payments_24x7": {"timezone": "Asia/Shanghai",
                              "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                              "hours": ["00:00-24:00"], "holidays": ""},
        },
        "schedule_rules": [{"team": "payments", "schedule": "payments_24x7"}],
    })
    load_sample(s)
    m = metrics_by_ticket(s)
    assert m["T5"]["resolution_business_minutes"] == pytest.approx(960)  # two days of 8 h
    assert m["T1"]["first_response_business_minutes"] == pytest.approx(120)
    assert m["T2"]["schedule_id"] == "payments_24x7"
    assert m["T2"]["first_response_business_minutes"] == pytest.approx(5280)
    assert m["T11"]["schedule_id"] == "default"  # the rules replaced the shipped ai_bot rule


def test_schedule_in_a_zone_with_daylight_saving(tmp_path: Path) -> None:
    s = settings_with(tmp_path, {
        "schedules": {"default": {"timezone": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"],
                                  "hours": ["09:00-17:00"], "holidays": ""}},
        "schedule_rules": [],
    })
    path = tmp_path / "berlin.csv"
    # Fri 27 Mar 2026 16:00 CET → Mon 30 Mar 10:00 CEST; the clocks went forward on Sunday
    path.write_text("ticket_id,created_at,first_response_at\n"
                    "B1,2026-03-27T16:00:00+01:00,2026-03-30T10:00:00+02:00\n", encoding="utf-8")
    load([path], s, as_of=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    m = metrics_by_ticket(s)["B1"]
    assert m["first_response_minutes"] == 65 * 60
    assert m["first_response_business_minutes"] == pytest.approx(120)


def test_source_timezone_setting(tmp_path: Path) -> None:
    s = settings_with(tmp_path, {"source": {"timezone": "UTC"}})
    path = tmp_path / "utc.csv"
    path.write_text("ticket_id,created_at\nU1,2026-01-05 09:00\n", encoding="utf-8")
    load([path], s, as_of=SAMPLE_AS_OF)
    from tests.helpers import query

    assert query(s, "select strftime(created_at, '%H:%M'), source_tz from tickets") == [("09:00", "UTC")]


def test_china_holidays_and_makeup_days() -> None:
    cal = holiday_calendar("CN", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert dt.date(2026, 10, 1) in cal.holidays          # National Day
    assert dt.date(2026, 2, 17) in cal.holidays          # Spring Festival
    assert dt.date(2026, 1, 4) in cal.makeup_workdays    # a Sunday worked (调休)
    assert dt.date(2026, 2, 28) in cal.makeup_workdays   # a Saturday worked


def test_calendar_open_minutes_per_day() -> None:
    s = load_settings()
    _hours, days = build_schedule_tables(s.schedules["default"], dt.date(2026, 1, 1), dt.date(2026, 1, 6))
    rows = {r["local_date"]: (r["is_working_day"], r["open_minutes"]) for r in days.to_pylist()}
    assert rows[dt.date(2026, 1, 1)] == (False, 0)    # New Year
    assert rows[dt.date(2026, 1, 3)] == (False, 0)    # Saturday
    assert rows[dt.date(2026, 1, 4)] == (True, 540)   # make-up Sunday
    assert rows[dt.date(2026, 1, 5)] == (True, 540)


@pytest.mark.parametrize("overrides, message", [
    ({"sla": {"first_response": {"clock": "wall"}}}, "calendar' or 'business"),
    ({"sla": {"first_response": {"target_minutes": -5}}}, "positive number"),
    ({"sla": {"first_response": {"rules": [{"priority": "p0", "target_minutes": 5}]}}}, "priority"),
    ({"schedules": {"default": {"timezone": "Mars/Base"}}}, "not a known time zone"),
    ({"schedules": {"default": {"hours": ["9-18"]}}}, "HH:MM-HH:MM"),
    ({"schedules": {"default": {"hours": ["09:00-12:00", "11:00-18:00"]}}}, "overlap"),
    ({"schedules": {"default": {"days": ["monday"]}}}, "not weekdays"),
    ({"schedules": {"default": {"holidays": "XX"}}}, "holidays"),
    ({"schedules": {"weekend": {}}}, "schedules.default is missing"),
    ({"schedule_rules": [{"channel": "chat", "schedule": "nope"}]}, "not a schedule"),
    ({"schedule_rules": [{"schedule": "default"}]}, "must name a channel or a team"),
])
def test_configuration_errors(tmp_path: Path, overrides: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_with(tmp_path, overrides)


def test_config_file_and_env(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "desk.toml"
    cfg.write_text('[sla.first_response]\ntarget_minutes = 480\n[warehouse]\npath = "x/y.duckdb"\n',
                   encoding="utf-8")
    monkeypatch.delenv("DESK_DB", raising=False)
    s = load_settings(cfg)
    assert s.sla_rules[-1].target_minutes == 480
    assert s.warehouse_path.name == "y.duckdb"
    monkeypatch.setenv("DESK_DB", str(tmp_path / "env.duckdb"))
    monkeypatch.setenv("DESK_CONFIG", str(cfg))
    s = load_settings()
    assert s.warehouse_path == tmp_path / "env.duckdb" and s.sla_rules[-1].target_minutes == 480
    bad = tmp_path / "bad.toml"
    bad.write_text("[sla\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_calendar_is_kept_while_it_covers_the_data_and_rebuilt_when_the_schedule_changes(tmp_path: Path) -> None:
    """A refresh whose data and as_of the stored business calendar still covers keeps it (it
    is built a month ahead); one beyond it, or a changed schedule, builds it again, and the
    business minutes follow the schedule in force."""
    import json

    from etl.load.run import rebuild
    from tests.helpers import SAMPLE, query

    s = load_settings(db=tmp_path / "wh" / "warehouse.duckdb")
    load([SAMPLE / "tickets.csv"], s, as_of=SAMPLE_AS_OF)

    def calendar() -> dict:
        return json.loads(query(s, "select value from warehouse_meta where key = 'calendar'")[0][0])

    first = calendar()
    assert dt.date.fromisoformat(first["last"]) >= SAMPLE_AS_OF.date() + dt.timedelta(days=30)
    load([SAMPLE / "events.csv"], s, as_of=SAMPLE_AS_OF + dt.timedelta(days=7))
    assert calendar() == first
    rebuild(s, as_of=SAMPLE_AS_OF + dt.timedelta(days=60))
    later = calendar()
    assert later["last"] > first["last"] and later["key"] == first["key"]
    before = metrics_by_ticket(s)["T5"]["resolution_business_minutes"]

    lunch = settings_with(tmp_path, {"schedules": {"default": {
        "timezone": "Asia/Shanghai", "days": ["mon", "tue", "wed", "thu", "fri"],
        "hours": ["09:00-12:00", "13:00-18:00"], "holidays": "CN"}}, "schedule_rules": []})
    rebuild(lunch)
    assert calendar()["key"] != first["key"]
    assert metrics_by_ticket(lunch)["T5"]["resolution_business_minutes"] == pytest.approx(960)
    assert before != pytest.approx(960)
