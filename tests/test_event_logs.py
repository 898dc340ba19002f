"""Process-mining event logs (one row per activity of a case) as a ticket source through
`profile suggest`: the suggested profile, unedited, loads each case as a ticket (its newest
row, created at its earliest) and every row as an event, activities mapped to the canonical
event types where their words say so; the older rows count as loaded events, not as
skipped tickets. Hand-made files; expected values worked out by hand."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import openpyxl
import pytest

from etl.ingest import profiles
from etl.ingest.profiles.suggest import event_type_of, suggest
from etl.load.run import load
from tests.helpers import query, settings_with

AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)

LOG = """Case ID,Activity,Timestamp,Resource
C1,Ticket created,2026-03-02 09:00:00,Dee
C1,Assign to agent,2026-03-02 09:10:00,Anna
C1,Reply to customer,2026-03-02 09:30:00,Anna
C1,Escalate to 2nd line,2026-03-02 10:00:00,Anna
C1,Resolve ticket,2026-03-02 12:00:00,Bo
C1,Closed,2026-03-03 12:00:00,system
C2,Ticket created,2026-03-04 08:00:00,Eve
C2,Wait,2026-03-04 09:00:00,Anna
C2,Resolve ticket,2026-03-04 10:00:00,Anna
C2,Reopen,2026-03-05 10:00:00,Cy
C3,Ticket created,2026-03-06 08:00:00,Fay
"""


def _suggest_and_load(tmp_path: Path, name: str, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    own = tmp_path / "suggested.toml"
    own.write_text(suggest(path, timezone="UTC"), encoding="utf-8")
    s = settings_with(tmp_path, {})
    files = load([path], s, as_of=AS_OF, profile=profiles.find(str(own))).files
    return s, own, {f.kind: f for f in files}


@pytest.mark.parametrize(("activity", "expected"), [
    ("Ticket created", "created"), ("New", "created"), ("Assign seriousness", "assigned"),
    ("Assign to agent", "assigned"), ("Escalate to 2nd line", "escalated"), ("Resolve ticket", "resolved"),
    ("Solved", "resolved"), ("Closed", "closed"), ("Reopen", "reopened"), ("re-opened", "reopened"),
    ("Reply to customer", "agent_reply"), ("Customer replied", "customer_reply"), ("Add note", "internal_note"),
    ("Wait", "status_change"), ("8", "status_change"), ("open", "status_change"),
    ("工单升级", "escalated"), ("已解决", "resolved"), ("客户回复", "customer_reply"), ("派单", "assigned"),
])
def test_activity_words_name_the_event_type(activity: str, expected: str) -> None:
    assert event_type_of(activity) == expected


def test_suggest_writes_an_events_table_for_an_event_log(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    spec = tomllib.loads(suggest(path, timezone="UTC"))
    assert spec["columns"]["ticket_id"] == "Case ID"
    assert spec["columns"]["updated_at"] == "Timestamp"   # a ticket is its newest row
    events = spec["events"]
    assert (events["event_at"], events["event_type"], events["actor_id"]) == ("Timestamp", "Activity", "Resource")
    assert events["values"]["event_type"] == {
        "Ticket created": "created", "Assign to agent": "assigned", "Reply to customer": "agent_reply",
        "Escalate to 2nd line": "escalated", "Resolve ticket": "resolved", "Closed": "closed",
        "Reopen": "reopened", "*": "status_change"}


def test_event_log_loads_tickets_and_every_row_as_an_event(tmp_path: Path) -> None:
    s, _own, by_kind = _suggest_and_load(tmp_path, "log.csv", LOG)
    tickets, events = by_kind["tickets"], by_kind["events"]
    # 11 rows: 11 events loaded; 3 tickets, the 8 older rows of them not counted as skipped
    assert (events.rows_read, events.rows_loaded, events.rows_rejected, events.rows_skipped) == (11, 11, 0, 0)
    assert (tickets.rows_read, tickets.rows_loaded, tickets.rows_rejected, tickets.rows_skipped) == (3, 3, 0, 0)
    assert tickets.skipped_reasons == {} and tickets.reconciles and events.reconciles
    assert any("8 older rows" in w for w in tickets.warnings)
    assert query(s, "select ticket_id, created_at, updated_at from tickets order by 1") == [
        ("C1", dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), dt.datetime(2026, 3, 3, 12, tzinfo=dt.UTC)),
        ("C2", dt.datetime(2026, 3, 4, 8, tzinfo=dt.UTC), dt.datetime(2026, 3, 5, 10, tzinfo=dt.UTC)),
        ("C3", dt.datetime(2026, 3, 6, 8, tzinfo=dt.UTC), dt.datetime(2026, 3, 6, 8, tzinfo=dt.UTC)),
    ]
    assert dict(query(s, "select event_type, count(*) from ticket_events group by 1")) == {
        "created": 3, "assigned": 1, "agent_reply": 1, "escalated": 1, "resolved": 2, "closed": 1,
        "reopened": 1, "status_change": 1}
    # the activity's own words kept; who did it
    assert query(s, "select detail, actor_id from ticket_events where ticket_id = 'C2' and event_type = "
                    "'status_change'") == [("Wait", "Anna")]


def test_property_history_keeps_the_property_beside_its_value(tmp_path: Path) -> None:
    """A property history (HubSpot's shape): the changing time column is the event's time,
    the property's name the activity, its value kept in the detail with the name."""
    text = ("ticket_id,name,timestamp_instant,value\n"
            "7,hs_pipeline_stage,2026-01-01 10:00:00,new\n"
            "7,hs_pipeline_stage,2026-01-02 10:00:00,closed\n"
            "7,subject,2026-01-01 10:00:00,Login fails\n"
            "8,hs_pipeline_stage,2026-01-03 10:00:00,new\n")
    s, _own, by_kind = _suggest_and_load(tmp_path, "history.csv", text)
    assert (by_kind["events"].rows_read, by_kind["events"].rows_loaded) == (4, 4)
    assert (by_kind["tickets"].rows_read, by_kind["tickets"].rows_loaded, by_kind["tickets"].rows_skipped) == (2, 2, 0)
    assert sorted(r[0] for r in query(s, "select detail from ticket_events where ticket_id = '7'")) == [
        "hs_pipeline_stage: closed", "hs_pipeline_stage: new", "subject: Login fails"]


def test_a_file_of_one_row_per_ticket_is_no_event_log(tmp_path: Path) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text("Case ID,Status,Opened\nC1,Open,2026-03-02 09:00:00\nC2,Closed,2026-03-02 10:00:00\n"
                    "C3,Open,2026-03-03 09:00:00\n", encoding="utf-8")
    assert "events" not in tomllib.loads(suggest(path, timezone="UTC"))


def test_repeated_ids_without_a_changing_time_are_no_event_log(tmp_path: Path) -> None:
    """A snapshot export that repeats a ticket with the same times (a tag table) is not an
    event log: its repeats stay older versions of the ticket."""
    path = tmp_path / "tags.csv"
    path.write_text("ticket_id,tag,created_at\n1,a,2026-03-02 09:00:00\n1,b,2026-03-02 09:00:00\n"
                    "2,a,2026-03-03 09:00:00\n2,c,2026-03-03 09:00:00\n", encoding="utf-8")
    assert "events" not in tomllib.loads(suggest(path, timezone="UTC"))


def test_workbook_blank_rows_are_skipped_as_blank_rows(tmp_path: Path) -> None:
    """Empty rows after (and between) a sheet's records are counted as skipped "blank row",
    as a CSV's blank lines are: rows read = loaded + rejected + skipped."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["ticket_id", "created_at", "channel"])
    ws.append(["T1", "2026-03-01 10:00:00", "email"])
    ws.append([None, None, None])
    ws.append(["T2", "2026-03-01 11:00:00", "phone"])
    ws.cell(row=10, column=2).value = "   "   # a cell of blanks at the end: rows 5–10 are blank
    path = tmp_path / "tickets.xlsx"
    wb.save(path)
    f = load([path], settings_with(tmp_path, {}), as_of=AS_OF).files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_rejected, f.rows_skipped) == (9, 2, 0, 7)
    assert f.skipped_reasons == {"blank row": 7}
