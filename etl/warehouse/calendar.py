"""Business calendars: working schedules and public holidays → tables the metric SQL joins.

Business minutes between two instants are B(t2) − B(t1), where B(t) is the number of open
minutes of the schedule before t. `calendar_hours` holds B at the start of every UTC hour
and the open span inside that hour, so SQL gets B(t) with one equi-join on
(schedule_id, hour_epoch) and a clamp, vectorised over millions of tickets:

    B(t) = cum_open_minutes + greatest(0, least(minute_in_hour(t), open_to) - open_from)

The tables are built here with NumPy at minute resolution, in each schedule's own zone,
with the public holidays and official make-up working days of the `holidays` library.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from etl.core.errors import ConfigError
from etl.core.settings import Schedule

MINUTES_PER_DAY = 24 * 60
HOLIDAY, MAKEUP = 7, 8  # day types after the weekdays 0..6


@dataclass(frozen=True)
class HolidayCalendar:
    holidays: dict[dt.date, str]
    makeup_workdays: frozenset[dt.date]


def holiday_calendar(code: str, first: dt.date, last: dt.date) -> HolidayCalendar:
    """Public holidays and weekend make-up working days (调休) for the years in range."""
    if not code:
        return HolidayCalendar({}, frozenset())
    import holidays as holidays_lib

    years = range(first.year, last.year + 1)
    cal = holidays_lib.country_holidays(code, years=years)
    makeup = frozenset(d for d in getattr(cal, "weekend_workdays", ()) if first <= d <= last)
    return HolidayCalendar({d: str(n) for d, n in cal.items() if first <= d <= last}, makeup)


def _day_masks(schedule: Schedule) -> np.ndarray:
    """Boolean open-minute masks, shape (9, 1440): weekdays 0..6, holiday, make-up day."""
    masks = np.zeros((9, MINUTES_PER_DAY), dtype=bool)
    for weekday, spans in schedule.weekly.items():
        for start, end in spans:
            masks[weekday, start:end] = True
    for start, end in schedule.workday_hours:
        masks[MAKEUP, start:end] = True
    return masks


def build_schedule_tables(schedule: Schedule, first: dt.date, last: dt.date) -> tuple[pa.Table, pa.Table]:
    """(calendar_hours, business_days) for one schedule over local dates first..last."""
    tz = schedule.timezone
    # UTC hour range that covers every local minute of first..last (zones span ±14 h).
    start = pd.Timestamp(first - dt.timedelta(days=1), tz="UTC")
    end = pd.Timestamp(last + dt.timedelta(days=2), tz="UTC")
    hour0 = int(start.timestamp()) // 3600
    n_hours = (int(end.timestamp()) // 3600) - hour0
    utc_minutes = (hour0 * 60 + np.arange(n_hours * 60, dtype=np.int64))
    local = pd.DatetimeIndex(pd.to_datetime(utc_minutes * 60, unit="s", utc=True)).tz_convert(tz)
    local_naive = local.tz_localize(None)
    local_day = local_naive.normalize()
    minute_of_day = (local_naive.hour * 60 + local_naive.minute).to_numpy()

    days = pd.date_range(local_day.min(), local_day.max(), freq="D")
    hcal = holiday_calendar(schedule.holidays, days[0].date(), days[-1].date())
    day_type = days.day_of_week.to_numpy().copy()
    day_dates = [d.date() for d in days]
    names: list[str | None] = []
    for i, d in enumerate(day_dates):
        name = hcal.holidays.get(d)
        names.append(name)
        if name is not None:
            day_type[i] = HOLIDAY
        elif d in hcal.makeup_workdays:
            day_type[i] = MAKEUP
    day_index = ((local_day - days[0]).days).to_numpy()
    open_minute = _day_masks(schedule)[day_type[day_index], minute_of_day]

    per_hour = open_minute.reshape(n_hours, 60)
    counts = per_hour.sum(axis=1)
    first_open = np.where(counts > 0, per_hour.argmax(axis=1), 0)
    last_open = np.where(counts > 0, 60 - per_hour[:, ::-1].argmax(axis=1), 0)
    if np.any((counts > 0) & (last_open - first_open != counts)):
        raise ConfigError(f"schedules.{schedule.name}: an hour has more than one open span; "
                          "open and close times must leave at most one span per clock hour")
    cum = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.float64)
    hours = pa.table({
        "schedule_id": pa.array([schedule.name] * n_hours, pa.string()),
        "hour_epoch": pa.array(hour0 + np.arange(n_hours, dtype=np.int64)),
        "cum_open_minutes": pa.array(cum),
        "open_from": pa.array(first_open.astype(np.int16)),
        "open_to": pa.array(last_open.astype(np.int16)),
    })

    masks = _day_masks(schedule)
    keep = [(first <= d <= last) for d in day_dates]
    open_per_day = masks.sum(axis=1)[day_type]
    business_days = pa.table({
        "schedule_id": pa.array([schedule.name] * sum(keep), pa.string()),
        "local_date": pa.array([d for d, k in zip(day_dates, keep) if k], pa.date32()),
        "is_working_day": pa.array([bool(o > 0) for o, k in zip(open_per_day, keep) if k]),
        "is_public_holiday": pa.array([n is not None for n, k in zip(names, keep) if k]),
        "is_makeup_workday": pa.array([t == MAKEUP for t, k in zip(day_type, keep) if k]),
        "holiday_name": pa.array([n for n, k in zip(names, keep) if k], pa.string()),
        "open_minutes": pa.array([int(o) for o, k in zip(open_per_day, keep) if k], pa.int32()),
    })
    return hours, business_days


def build_calendar(schedules: dict[str, Schedule], first: dt.date, last: dt.date) -> tuple[pa.Table, pa.Table]:
    """Concatenated calendar tables of every configured schedule."""
    parts = [build_schedule_tables(s, first, last) for s in schedules.values()]
    return pa.concat_tables([p[0] for p in parts]), pa.concat_tables([p[1] for p in parts])
