"""Which tickets are behind a chart, where a per-ticket mart says it: a Behind is counted on
the mart alone and listed from ticket_metrics (dashboard/frame.py tickets_table). The
conditions of the pages that use one are here, so that a test can check that both name the
same tickets without running a page."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.filters import FILTER_COLUMNS


@dataclass(frozen=True)
class Behind:
    """The tickets behind a chart of a per-ticket mart that carries the filter columns
    (BEHIND_MARTS): those of its rows where `condition` holds, written with {m} for the mart's
    alias. They are counted on the mart alone (a join of ticket_metrics for the count of a
    closed expander cost ~0.1 s per chart at 1 M tickets) and listed from ticket_metrics."""

    mart: str
    condition: str

    def __post_init__(self) -> None:
        if self.mart not in BEHIND_MARTS:
            raise ValueError(f"{self.mart!r} is not a mart the tickets behind a chart are counted on")

    def narrowed(self, condition: str) -> Behind:
        """The tickets of this Behind where `condition` (on {m}) holds too."""
        return Behind(self.mart, f"({self.condition}) and ({condition})")

    def on_mart(self) -> str:
        """The condition on the mart's rows (alias t, as the filters write it)."""
        return self.condition.replace("{m}", "t")

    def on_tickets(self) -> str:
        """The same tickets as a condition on ticket_metrics t."""
        return (f"exists (select 1 from {self.mart} m where m.source = t.source "
                f"and m.ticket_id = t.ticket_id and {self.condition.replace('{m}', 'm')})")


# per-ticket marts with the filter and selection columns of ticket_metrics (MART_COLUMNS),
# copied from it row by row at every build; a version published before a mart carried them
# has them joined in (dashboard/db.py mart_with)
BEHIND_MARTS = ("ticket_assistant", "ticket_completeness", "ticket_repeats")
# the filters' columns and the chart selections' (dashboard/frame.py SELECTABLE)
MART_COLUMNS = (*FILTER_COLUMNS, "created_week")


# Agent quality's record completeness: the incomplete records (ticket_completeness)
INCOMPLETE = Behind("ticket_completeness", "not {m}.is_complete")

# Resolution's repeat-contact rate: the tickets their customer followed with a repeat
FOLLOWED_BY_REPEAT = Behind("ticket_repeats", "{m}.followed_by_repeat")

# the AI assistant page's charts: rows of ticket_assistant ({m})
HANDLED = Behind("ticket_assistant", "{m}.is_handled")
HANDED_OFF = Behind("ticket_assistant", "{m}.is_handed_off")
OUTCOMES = Behind("ticket_assistant", "{m}.outcome in ('contained', 'handed_off')")
AFTER_HOURS = Behind("ticket_assistant", "{m}.outside_human_hours")
HUMAN_HANDLED = Behind("ticket_assistant", "{m}.is_human_handled")
