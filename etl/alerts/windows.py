"""The time a rule looks at: its window, relative to the data's as_of, and the window before it.

Windows are counted against the warehouse's as_of (the time its data are valid for), never
the clock of whoever evaluates, so the same state gives the same firings. Calendar windows
(today, this week …) are days of the reporting time zone; weeks start on Monday.

| window | from | to | previous window |
|---|---|---|---|
| last_<N>h, last_<N>d | as_of − N hours / days | as_of | the N hours / days before |
| today | local midnight | as_of | yesterday, up to the same time of day |
| yesterday | the midnight before | local midnight | the day before |
| this_week | Monday 00:00 | as_of | last week, up to the same point |
| last_week | the Monday before | Monday 00:00 | the week before |
| this_month | the 1st, 00:00 | as_of | last month, up to the same point (at most its end) |
| last_month | the 1st of last month | the 1st | the month before |
| all | – | as_of | none |
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    name: str
    start: dt.datetime | None  # None: from the beginning (window "all")
    end: dt.datetime

    def words(self, tz: ZoneInfo) -> str:
        end = self.end.astimezone(tz)
        if self.start is None:
            return f"up to {end:%Y-%m-%d %H:%M}"
        return f"{self.start.astimezone(tz):%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


_LAST = re.compile(r"^last_(\d+)(h|d)$")


def _midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(dt.UTC)


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def window(name: str, as_of: dt.datetime, tz: ZoneInfo) -> Window:
    """The window `name` (canonical, as etl/core/alert_settings.window_name gives it) at as_of."""
    as_of = as_of.astimezone(dt.UTC)
    today = as_of.astimezone(tz).date()
    m = _LAST.match(name)
    if m:
        span = dt.timedelta(hours=int(m.group(1))) if m.group(2) == "h" else dt.timedelta(days=int(m.group(1)))
        return Window(name, as_of - span, as_of)
    monday = today - dt.timedelta(days=today.weekday())
    bounds = {
        "today": (_midnight(today, tz), as_of),
        "yesterday": (_midnight(today - dt.timedelta(days=1), tz), _midnight(today, tz)),
        "this_week": (_midnight(monday, tz), as_of),
        "last_week": (_midnight(monday - dt.timedelta(days=7), tz), _midnight(monday, tz)),
        "this_month": (_midnight(_month_start(today), tz), as_of),
        "last_month": (_midnight(_month_start(today, 1), tz), _midnight(_month_start(today), tz)),
        "all": (None, as_of),
    }
    if name not in bounds:
        raise ValueError(f"unknown window {name!r}")
    start, end = bounds[name]
    return Window(name, start, end)


def previous(name: str, as_of: dt.datetime, tz: ZoneInfo) -> Window | None:
    """The window of the same length just before `window(name, as_of)`; None for "all"."""
    current = window(name, as_of, tz)
    if current.start is None:
        return None
    m = _LAST.match(name)
    if m:
        span = current.end - current.start
        return Window(name, current.start - span, current.start)
    today = as_of.astimezone(tz).date()
    local_start = current.start.astimezone(tz).date()
    if name in ("today", "yesterday", "this_week", "last_week"):
        days = 7 if "week" in name else 1
        start = _midnight(local_start - dt.timedelta(days=days), tz)
        end = (_midnight(local_start, tz) if name in ("yesterday", "last_week")
               else start + (current.end - current.start))
        return Window(name, start, min(end, current.start))
    # months
    back = 1 if name == "this_month" else 2
    start = _midnight(_month_start(today, back), tz)
    month_end = _midnight(_month_start(today, back - 1), tz)
    if name == "last_month":
        return Window(name, start, month_end)
    return Window(name, start, min(start + (current.end - current.start), month_end))
