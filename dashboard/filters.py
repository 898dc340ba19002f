"""The shared filters: what the sidebar holds, how they live in the URL, and the SQL they
add to a query (static fragments; every value is a bound parameter)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

# filter name → ticket_metrics column; the order is the sidebar's
DIMENSIONS: dict[str, str] = {
    "channel": "channel",
    "category": "category",
    "priority": "priority",
    "team": "team",
    "agent": "agent_id",
    "source": "source",
}
# the columns a filtered table needs: the dimensions' and the day of creation
FILTER_COLUMNS: tuple[str, ...] = (*DIMENSIONS.values(), "created_date")
PERIODS = ("qp_30", "qp_7", "qp_90", "qp_month", "qp_quarter", "qp_year", "qp_all", "qp_custom")
DEFAULT_PERIOD = "qp_90"


@dataclass(frozen=True)
class Filters:
    start: dt.date | None = None
    end: dt.date | None = None
    period: str = DEFAULT_PERIOD
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def chosen(self, name: str) -> tuple[str, ...]:
        return self.values.get(name, ())

    def where(self, alias: str = "t", date_column: str = "created_date",
              columns: Mapping[str, str] | None = None) -> tuple[str, dict[str, Any]]:
        """(SQL condition, parameters) for rows of `alias`. `columns` renames dimensions
        for tables whose columns differ (e.g. a review's date)."""
        cols = {**DIMENSIONS, **(columns or {})}
        parts = ["true"]
        params: dict[str, Any] = {}
        if self.start is not None:
            parts.append(f"{alias}.{date_column} >= $f_start")
            params["f_start"] = self.start
        if self.end is not None:
            parts.append(f"{alias}.{date_column} <= $f_end")
            params["f_end"] = self.end
        for name, values in sorted(self.values.items()):
            if values and name in cols:
                parts.append(f"list_contains($f_{name}, {alias}.{cols[name]})")
                params[f"f_{name}"] = list(values)
        return " and ".join(parts), params

    def previous(self) -> Filters | None:
        """The same filters over the period of equal length just before this one."""
        if self.start is None or self.end is None:
            return None
        days = (self.end - self.start).days + 1
        return replace(self, start=self.start - dt.timedelta(days=days),
                       end=self.start - dt.timedelta(days=1))

    @property
    def days(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).days + 1

    def to_query_params(self, lang: str) -> dict[str, str]:
        out: dict[str, str] = {"lang": lang}
        if self.period != DEFAULT_PERIOD:
            out["period"] = self.period.removeprefix("qp_")
        if self.period == "qp_custom" and self.start and self.end:
            out["from"] = self.start.isoformat()
            out["to"] = self.end.isoformat()
        for name, values in self.values.items():
            if values:
                out[name] = ",".join(values)
        return out


def period_range(period: str, as_of: dt.date, first: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """Dates of a quick pick, relative to the data's as_of (its last complete day)."""
    last = as_of
    if period == "qp_7":
        return last - dt.timedelta(days=6), last
    if period == "qp_30":
        return last - dt.timedelta(days=29), last
    if period == "qp_90":
        return last - dt.timedelta(days=89), last
    if period == "qp_year":
        return last - dt.timedelta(days=364), last
    if period == "qp_month":
        return last.replace(day=1), last
    if period == "qp_quarter":
        q_start_month = 3 * ((last.month - 1) // 3) + 1
        this_q = last.replace(month=q_start_month, day=1)
        end = this_q - dt.timedelta(days=1)
        return end.replace(month=3 * ((end.month - 1) // 3) + 1, day=1), end
    return first, last


def parse_query_params(qp: Mapping[str, str], as_of: dt.date, first: dt.date,
                       known: Mapping[str, list[str]]) -> tuple[Filters, str]:
    """Filters and language from URL parameters; unknown values are dropped, not errors."""
    lang = qp.get("lang", "en")
    lang = lang if lang in ("en", "zh") else "en"
    period = "qp_" + qp.get("period", DEFAULT_PERIOD.removeprefix("qp_"))
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    start, end = period_range(period, as_of, first)
    if period == "qp_custom":
        try:
            start = dt.date.fromisoformat(qp.get("from", ""))
            end = dt.date.fromisoformat(qp.get("to", ""))
        except ValueError:
            period = DEFAULT_PERIOD
            start, end = period_range(period, as_of, first)
        if start > end:
            start, end = end, start
    values = {}
    for name in DIMENSIONS:
        raw = qp.get(name)
        if raw:
            allowed = set(known.get(name, []))
            values[name] = tuple(v for v in raw.split(",") if v in allowed)
    return Filters(start=start, end=end, period=period, values=values), lang
