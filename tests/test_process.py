"""Time in each stage of the complaint process, the waiting split, handoffs and the process's
time points (docs/METRICS.md, "The process"), on hand-made tickets and events whose every
number below was worked out by hand; and the Process page through AppTest.

Schedule: the default, Mon–Fri 09:00–18:00 Asia/Shanghai with mainland China's holidays (no
holiday falls on 5–13 January 2026 but the 1st and 2nd). Times are local (+08:00); as_of is
2026-01-13 00:00 +08:00. Agents: X1 frontline, X2 and X3 security.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from etl.core.errors import ConfigError
from etl.core.settings import Settings
from etl.load.run import load, rebuild
from tests.helpers import SAMPLE_AS_OF, DemoWarehouse, open_page, query, record_queries, settings_with

TICKETS = """\
ticket_id,created_at,channel,category,priority,status,team,agent_id,first_response_at,resolved_at,closed_at,escalation_level,escalated_at
P1,2026-01-05 10:00,email,app_usage,normal,closed,frontline,X1,,,,0,
H1,2026-01-09 16:00,chat,withdrawal,high,solved,payments,X2,,,,0,
R1,2026-01-06 09:00,app,password_recovery,normal,closed,frontline,X1,,,,0,
A1,2026-01-07 09:00,chat,account_security,urgent,solved,security,X3,,,,,
N1,2026-01-08 09:00,phone,transaction_delay,normal,closed,payments,X2,2026-01-08 10:00,2026-01-08 12:00,2026-01-09 12:00,0,
N2,2026-01-12 09:00,web,app_usage,low,open,frontline,X1,2026-01-12 09:30,,,0,
W1,2026-01-05 09:00,email,withdrawal,normal,solved,payments,X2,2026-01-05 10:00,2026-01-07 10:00,,0,
W2,2026-01-05 09:00,email,withdrawal,normal,solved,payments,X2,2026-01-05 09:30,2026-01-09 09:00,,0,
W3,2026-01-12 09:00,email,withdrawal,normal,open,payments,X2,2026-01-12 09:10,,,0,
W4,2026-01-08 09:00,email,withdrawal,normal,open,payments,X2,2026-01-08 09:10,,,1,2026-01-09 12:00
E1,2026-01-02 10:00,email,account_restriction,normal,solved,frontline,X1,,,,,
"""

EVENTS = """\
ticket_id,event_at,event_type,actor_id,actor_role,detail
P1,2026-01-05 10:00,created,C1,customer,
P1,2026-01-05 10:30,agent_reply,X1,agent,
P1,2026-01-05 11:00,status_change,X1,agent,status: pending
P1,2026-01-05 13:00,customer_reply,C1,customer,
P1,2026-01-05 15:00,resolved,X1,agent,
P1,2026-01-08 15:00,closed,system,system,
H1,2026-01-09 16:10,agent_reply,X2,agent,
H1,2026-01-09 17:00,status_change,X2,agent,status = hold
H1,2026-01-12 10:00,status_change,X2,agent,Active
H1,2026-01-12 11:00,resolved,X2,agent,
R1,2026-01-06 09:20,agent_reply,X1,agent,
R1,2026-01-06 10:00,resolved,X1,agent,
R1,2026-01-06 12:00,reopened,C3,customer,
R1,2026-01-06 12:30,agent_reply,X1,agent,
R1,2026-01-06 14:00,resolved,X1,agent,
R1,2026-01-07 14:00,closed,system,system,
A1,2026-01-07 09:05,assigned,system,system,assignee: X1
A1,2026-01-07 09:30,agent_reply,X1,agent,
A1,2026-01-07 10:00,escalated,X1,agent,level 1
A1,2026-01-07 10:00,assigned,system,system,assignee: X2
A1,2026-01-07 11:00,assigned,system,system,assignee: X3
A1,2026-01-07 11:30,agent_reply,X3,agent,
A1,2026-01-07 13:00,resolved,X3,agent,
E1,2026-01-02 11:00,agent_reply,X1,agent,
E1,2026-01-03 10:00,escalated,X1,agent,level 1
E1,2026-01-04 10:00,escalated,X1,agent,level 2
E1,2026-01-09 16:00,agent_reply,X2,agent,
E1,2026-01-10 10:00,resolved,X2,agent,
"""

AGENTS = """\
agent_id,name,team
X1,One,frontline
X2,Two,security
X3,Three,security
"""


def write_export(folder: Path, events: str = EVENTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tickets.csv").write_text(TICKETS, encoding="utf-8")
    (folder / "events.csv").write_text(events, encoding="utf-8")
    (folder / "agents.csv").write_text(AGENTS, encoding="utf-8")
    return folder


def build(folder: Path, overrides: dict[str, Any] | None = None) -> Settings:
    settings = settings_with(folder, overrides or {})
    result = load([write_export(folder / "export")], settings, as_of=SAMPLE_AS_OF)
    assert result.totals["rows_rejected"] == 0
    return settings


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return build(tmp_path_factory.mktemp("process"))


def stages(settings: Settings, ticket: str) -> dict[str, tuple]:
    """stage → (minutes, business minutes, visits, is_current, evidence)."""
    rows = query(settings, "select stage, minutes, business_minutes, visits, is_current, evidence "
                           "from ticket_stage_times where ticket_id = ? order by stage_order", [ticket])
    return {r[0]: tuple(r[1:]) for r in rows}


def process(settings: Settings, ticket: str) -> dict[str, Any]:
    cur = query(settings, "select * from ticket_process where ticket_id = ?", [ticket])
    names = [r[0] for r in query(settings, "select column_name from (describe ticket_process)")]
    return dict(zip(names, cur[0], strict=True))


def verdicts(settings: Settings) -> dict[tuple[str, str], tuple[str, float]]:
    rows = query(settings, "select ticket_id, target, verdict, elapsed_minutes from process_target_results")
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def test_pending_in_the_middle(desk: Settings) -> None:
    # Mon 10:00 new → 10:30 reply: open → 11:00 pending → 13:00 the customer answers: open →
    # 15:00 solved → Thu 8 Jan 15:00 closed. Solved: Mon 15–18 + Tue + Wed + Thu 9–15 = 1620.
    assert stages(desk, "P1") == {
        "new": (30, 30, 1, False, "events"),
        "open": (150, 150, 2, False, "events"),
        "pending": (120, 120, 1, False, "events"),
        "solved": (4320, 1620, 1, False, "events"),
    }
    p = process(desk, "P1")
    assert (p["desk_wait_minutes"], p["customer_wait_minutes"], p["on_hold_minutes"]) == (180, 120, 0)
    assert (p["longest_stage"], p["current_stage"], p["assignments"], p["agent_handoffs"]) == ("open", None, 0, 0)


def test_on_hold_over_a_weekend_in_business_minutes(desk: Settings) -> None:
    # Fri 9 Jan 16:00 → 16:10 reply → 17:00 "status = hold" (Zendesk) → Mon 12 Jan 10:00
    # "Active" (ServiceNow: open) → 11:00 solved, not closed: the solved time is not counted yet.
    # On hold: 65 h; business: Fri 17–18 and Mon 9–10.
    assert stages(desk, "H1") == {
        "new": (10, 10, 1, False, "events"),
        "open": (110, 110, 2, False, "events"),
        "on_hold": (3900, 120, 1, False, "events"),
    }
    p = process(desk, "H1")
    assert (p["desk_wait_minutes"], p["desk_wait_business_minutes"]) == (4020, 240)   # = the resolution time
    assert (p["on_hold_minutes"], p["on_hold_business_minutes"], p["customer_wait_minutes"]) == (3900, 120, 0)
    assert p["longest_stage"] == "on_hold"


def test_reopened(desk: Settings) -> None:
    # Tue 09:00 → 09:20 reply → 10:00 solved → 12:00 reopened → 12:30 reply → 14:00 solved →
    # Wed 14:00 closed. Solved twice: 120 + 1440; business 120 + (Tue 14–18 + Wed 9–14) = 660.
    assert stages(desk, "R1") == {
        "new": (20, 20, 1, False, "events"),
        "open": (160, 160, 2, False, "events"),
        "solved": (1560, 660, 2, False, "events"),
    }


def test_reassigned_twice_and_escalated(desk: Settings) -> None:
    # Wed 09:00 → 09:05 assigned to X1 (opens it) → 10:00 escalated, reassigned to X2 (security)
    # → 11:00 to X3 (security) → 13:00 solved: two agent handoffs, one between teams.
    assert stages(desk, "A1") == {
        "new": (5, 5, 1, False, "events"),
        "open": (55, 55, 1, False, "events"),
        "escalated": (180, 180, 1, False, "events"),
    }
    p = process(desk, "A1")
    assert (p["assignments"], p["agent_handoffs"], p["team_handoffs"]) == (3, 2, 1)
    assert p["reply_after_escalated_at"].strftime("%H:%M") == "03:30"  # 11:30 local, the first reply since


def test_ticket_without_events(desk: Settings) -> None:
    # N1: Thu 09:00 → first response 10:00 → resolved 12:00 → closed Fri 12:00; business
    # solved: Thu 12–18 + Fri 9–12 = 540. N2: Mon 12 Jan 09:00 → 09:30, open until as_of
    # (midnight): 870 minutes, 510 of them business (09:30–18:00).
    assert stages(desk, "N1") == {
        "new": (60, 60, 1, False, "timestamps"),
        "open": (120, 120, 1, False, "timestamps"),
        "solved": (1440, 540, 1, False, "timestamps"),
    }
    assert stages(desk, "N2") == {
        "new": (30, 30, 1, False, "timestamps"),
        "open": (870, 510, 1, True, "timestamps"),
    }
    p = process(desk, "N2")
    assert (p["evidence"], p["current_stage"], p["assignments"], p["agent_handoffs"]) == ("timestamps", "open", None, None)
    # without events, W4's escalated_at escalates it: Thu 09:10 → Fri 12:00 open, then escalated to as_of
    w4 = stages(desk, "W4")
    assert (w4["open"][0], w4["escalated"][0], w4["escalated"][3]) == (1610, 5040, True)


def test_time_points_met_and_breached(desk: Settings) -> None:
    v = verdicts(desk)
    # withdrawal solved or escalated within 72 h (4320 min)
    assert v[("W1", "withdrawal_solved_or_escalated")] == ("met", 2940)        # solved after 49 h
    assert v[("W2", "withdrawal_solved_or_escalated")] == ("breached", 5760)   # solved after 96 h
    assert v[("W3", "withdrawal_solved_or_escalated")] == ("pending", 900)     # open 15 h at as_of
    assert v[("W4", "withdrawal_solved_or_escalated")] == ("met", 1620)        # escalated after 27 h
    assert v[("H1", "withdrawal_solved_or_escalated")] == ("met", 4020)        # the weekend counts: 67 h
    # the formal appeal (level 2, Sun 4 Jan 10:00) answered Fri 9 Jan 16:00: 5 d 6 h > 5 d
    assert v[("E1", "appeal_answered")] == ("breached", 7560)
    assert [k for k in v if k[1] == "appeal_answered"] == [("E1", "appeal_answered")]  # the only appeal
    # the first response is ticket_metrics' own verdict, for every ticket
    assert v[("P1", "first_response")] == ("met", 30)
    assert v[("E1", "first_response")] == ("met", 60)
    assert len([k for k in v if k[1] == "first_response"]) == 11
    breaches = query(desk, "select ticket_id, target, over_minutes, still_running from process_breaches "
                           "where target <> 'first_response' order by 1")
    assert breaches == [("E1", "appeal_answered", 360, False), ("W2", "withdrawal_solved_or_escalated", 1440, False)]


def test_stage_durations_view(desk: Settings) -> None:
    rows = {(r[0], r[1]): r[2:] for r in query(desk, """
        select category, stage, tickets, median_minutes, wait_rank from stage_durations
        where grouped_by = 'category' and category in ('app_usage', 'withdrawal')""")}
    # app_usage: P1 and N2. open: 150 and 870 → median 510; new: 30 and 30
    assert rows[("app_usage", "open")] == (2, 510, 1)
    assert rows[("app_usage", "new")] == (2, 30, 3)
    assert rows[("app_usage", "pending")] == (1, 120, 2)
    assert rows[("app_usage", "solved")][2] is None  # not ranked
    # withdrawal: W4's escalation (5040) holds longest, then H1's weekend on hold; open: H1 110,
    # W3 890, W4 1610, W1 2880, W2 5730 → median 1610
    assert rows[("withdrawal", "escalated")] == (1, 5040, 1)
    assert rows[("withdrawal", "on_hold")] == (1, 3900, 2)
    assert rows[("withdrawal", "open")] == (5, 1610, 3)
    total = query(desk, "select tickets_in_group from stage_durations where grouped_by = 'all' limit 1")
    assert total == [(11,)]


BUSINESS_TARGET = {"process": {"targets": [
    {"name": "withdrawal_solved", "category": "withdrawal", "stop": "solved", "target_minutes": 1000,
     "clock": "business"}]}}
MARTS = ("ticket_stage_times", "ticket_process")


@pytest.fixture(scope="module")
def two_loads(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, list]]:
    """The desk loaded in two runs (the second adds P1's last events and A1's reassignment to
    X3), with a business-clock target; the marts as the incremental build left them; then
    rebuilt in full."""
    tmp = tmp_path_factory.mktemp("two_loads")
    lines = EVENTS.splitlines(keepends=True)
    later = [line for line in lines if line.startswith(("P1,2026-01-05 13", "P1,2026-01-05 15", "P1,2026-01-08",
                                                         "A1,2026-01-07 11"))]
    s = settings_with(tmp, BUSINESS_TARGET)
    load([write_export(tmp / "one", "".join(line for line in lines if line not in later))], s, as_of=SAMPLE_AS_OF)
    second = tmp / "two"
    second.mkdir()
    (second / "events.csv").write_text(lines[0] + "".join(later), encoding="utf-8")
    load([second], s, as_of=SAMPLE_AS_OF)
    assert query(s, "select value from warehouse_meta where key = 'models_built'") == [("incremental",)]
    incremental = {m: query(s, f"select * from {m} order by all") for m in MARTS}
    rebuild(s)
    return s, incremental


def test_incremental_equals_full_rebuild(two_loads: tuple[Settings, dict[str, list]]) -> None:
    s, incremental = two_loads
    assert {m: query(s, f"select * from {m} order by all") for m in MARTS} == incremental
    assert stages(s, "P1")["solved"][0] == 4320  # the second load's events are in
    assert process(s, "A1")["agent_handoffs"] == 2


def test_business_clock_target(two_loads: tuple[Settings, dict[str, list]]) -> None:
    s, _ = two_loads
    v = {k: x for k, x in verdicts(s).items() if k[1] == "withdrawal_solved"}
    assert v[("H1", "withdrawal_solved")] == ("met", 240)        # Fri 16–18 + Mon 9–11
    assert v[("W2", "withdrawal_solved")] == ("breached", 2160)  # Mon 09:00 → Fri 09:00: four days of 9 h
    assert v[("W3", "withdrawal_solved")] == ("pending", 540)    # Mon 09:00 → midnight
    assert v[("W4", "withdrawal_solved")] == ("breached", 1620)  # not solved: Thu, Fri, Mon of 9 h at as_of
    # the configured list replaced the shipped targets; the first response is always there
    assert {k[1] for k in verdicts(s)} == {"first_response", "withdrawal_solved"}


@pytest.mark.parametrize("target, message", [
    ({"name": "first_response", "stop": "solved", "target_minutes": 60}, "sla.first_response"),
    ({"name": "x", "start": "appeal", "stop": "escalated", "target_minutes": 60}, "stops at 'reply' or 'solved'"),
    ({"name": "x", "start": "later", "stop": "solved", "target_minutes": 60}, "start"),
    ({"name": "x", "stop": "solved", "target_minutes": 0}, "positive number"),
    ({"name": "x", "stop": "solved", "target_minutes": 60, "category": "refunds"}, "category"),
    ({"name": "Bad Name", "stop": "solved", "target_minutes": 60}, "lower-case"),
])
def test_target_configuration_errors(tmp_path: Path, target: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_with(tmp_path, {"process": {"targets": [target]}})


# --- the Process page -----------------------------------------------------------------------

def page(db: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    return open_page(db, monkeypatch, "process", **params)


def test_page_on_hand_made_desk(desk: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = record_queries(monkeypatch)
    at = page(desk.warehouse_path, monkeypatch)
    assert [e.message for e in at.exception] == []
    assert at.title[0].value == "Process"
    # 11 tickets, 6 of them (N1 N2 W1–W4) without events: the page says so
    assert any("6 of these 11 tickets (54.5 %) have no event log" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) >= 3
    at.selectbox(key="proc_target").set_value("withdrawal_solved_or_escalated").run()
    # the breaching tickets wait in a closed expander that names their count (only the count
    # is queried); opened, they are queried and shown
    assert not [df for df in at.dataframe if "Over by (min)" in df.value.columns]
    assert "Breaching tickets (1)" in [e.label for e in at.expander]
    assert "process_breaches_count" in asked and "process_breaches" not in asked
    at.session_state["proc_breach_tickets_open"] = True
    at.run()
    assert "process_breaches" in asked
    breaches = [df.value for df in at.dataframe if "Over by (min)" in df.value.columns]
    assert breaches and list(breaches[0]["Ticket"]) == ["W2"]
    assert list(breaches[0]["Over by (min)"]) == [1440]
    assert any(b.label == "Download CSV" for b in at.get("download_button"))
    # the sidebar's filters apply: e-mail only leaves P1, W1–W4 and E1 (W1–W4 without events)
    at.multiselect(key="f_channel").set_value(["email"]).run()
    assert any("4 of these 6 tickets (66.7 %) have no event log" in i.value for i in at.info)
    at.radio(key="lang").set_value("zh").run()
    assert at.title[0].value == "处理流程" and not at.exception


def test_page_renders_on_demo(demo_warehouse: DemoWarehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    at = page(demo_warehouse.path, monkeypatch)
    assert [e.message for e in at.exception] == []
    assert len(at.get("plotly_chart")) >= 3
    longest = [df.value for df in at.dataframe if "Share of tickets" in df.value.columns]
    assert longest and len(longest[0]) == 7  # one row per category: the stage that holds it longest
    assert not any("no event log" in i.value for i in at.info)  # the demo desk has events for all
