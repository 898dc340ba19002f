"""Real exports nobody on the team wrote, loaded as a new user would (detected, or through
`profile suggest` unedited): every file whose rows carry an id and a creation time loads at
least 95 % of those rows; the rest are rejected only for a missing id or creation time.

The regulators' and helpdesks' files of ../shared/realdata are checked file by file. A
larger corpus (other tools: Zendesk, ServiceNow, OTRS, Freshdesk, Jira, China Mobile work
orders …, each with its SOURCE.txt) is checked where it lies beside the checkout, in
../corpus or the folder DESK_CORPUS names; it is not part of the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from etl.devtools.corpus import exports, try_file
from tests.helpers import REALDATA, ROOT

# file → (how it goes in, rows that carry an id and a creation time, rows without them)
REAL = {
    "cfpb-complaints-sample/complaints_sample.csv": ("detected cfpb_complaints", 6623, 0),
    "comcast-fcc-complaints/Comcast_telecom_complaints_data.csv": ("suggested", 2224, 0),
    "glpi-pgdf-ptbr/glpi.csv": ("suggested", 148, 0),
    # no creation time at all on 2,819 open tickets (the first response stands in for it)
    "kaggle-customer-support-tickets/customer_support_tickets.csv": ("detected kaggle_customer_support", 5650, 2819),
    "nyc311-sample/311_Service_Requests.csv": ("detected nyc311", 1000, 0),
    "nyc311-sample/311_Service_Requests.json": ("detected nyc311", 1000, 0),
    # an event log: its 5,998 rows are 5,998 events (195 of them repeats) and 890 tickets (each
    # one's newest row); the older rows count as events, not as skipped tickets
    "servicenow-uci-eventlog/incident_event_log.csv": ("detected servicenow_incident_event_log (tickets + events)",
                                                       5998 + 890, 0),
    "zendesk-fivetran-seeds/ticket_data.csv": ("detected zendesk_fivetran_ticket", 10, 0),
}
CORPUS = Path(os.environ.get("DESK_CORPUS", ROOT.parent / "corpus"))
# files of the corpus that are not ticket exports with an id and a creation time, and why
NOT_TICKETS = {
    "自定义数据.xlsx": "a workbook of report settings and totals, no ticket rows",
    "ticket_pipeline_stage_data.csv": "a lookup of pipeline stages",
}
# event logs (one row per activity or change of a case): `suggest` loads them as tickets + events
EVENT_LOGS = {"helpdesk.csv", "bpi_13_incidents.csv", "ticket_property_history_data.csv",
              "conversation_history_data.csv"}
OLDER = "older version of the ticket in the same file"


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_export_loads_as_a_new_user_would(name: str, tmp_path: Path) -> None:
    path = REALDATA / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared real-data folder is not beside this checkout)")
    how, carrying, without = REAL[name]
    o = try_file(path, tmp_path)
    assert o.how == how, o.error
    assert o.rows_read == o.rows_loaded + o.rows_rejected + o.rows_skipped
    # no row with an id and a creation time is rejected
    assert o.rows_rejected == without, o.rejected
    assert set(o.rejected) <= {"missing_created_at", "missing_ticket_id"}
    assert o.rows_loaded + o.rows_skipped >= 0.95 * carrying
    if "events" in how:  # every row of an event log is loaded as an event, none skipped as an older ticket
        assert OLDER not in o.skipped, o.skipped


@pytest.mark.slow
def test_corpus_of_other_tools(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} is absent (a corpus of other tools' exports, kept outside the repository)")
    outcomes = []
    for n, path in enumerate(exports([CORPUS])):
        if path.name in NOT_TICKETS:
            continue
        work = tmp_path / str(n)
        work.mkdir()
        outcomes.append(try_file(path, work))
    assert len(outcomes) >= 10
    short = [(o.path, o.how, o.rows_read, o.rows_loaded, o.error or o.rejected) for o in outcomes
             if o.error or o.rows_rejected or o.rows_loaded + o.rows_skipped < 0.95 * o.rows_read]
    assert short == []
    logs = [(Path(o.path).name, o.how, o.skipped) for o in outcomes if Path(o.path).name in EVENT_LOGS]
    assert sorted(n for n, _, _ in logs) == sorted(EVENT_LOGS)
    assert [(n, how, skipped) for n, how, skipped in logs
            if how != "suggested (tickets + events)" or OLDER in skipped] == []
    # where a file reports its own durations, ours agree on at least 99 % of its tickets
    compared = {(Path(o.path).name, figure): counts for o in outcomes for figure, counts in o.agreement.items()
                if figure.endswith("_minutes")}
    assert ("plum_customer_success_team_analysis_dataset.csv", "resolution_minutes") in compared
    assert [(k, c, a) for k, (c, a) in compared.items() if a < 0.99 * c] == []
    assert compared["plum_customer_success_team_analysis_dataset.csv", "resolution_minutes"][0] == 14409
