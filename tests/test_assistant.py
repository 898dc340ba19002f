"""The AI assistant (marts ticket_assistant and assistant_automation, their macros, the AI
assistant page), on hand-made tickets whose expected values are worked out by hand, and the
page on the demo warehouse."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from etl.core.errors import ConfigError
from etl.core.settings import load_settings
from etl.load.run import load
from tests.helpers import DemoWarehouse, open_drilldowns, query, settings_with

AS_OF = dt.datetime(2026, 1, 20, tzinfo=dt.UTC)

# Local Asia/Shanghai times. 2026-01-12 is a Monday, a working day; the human agents' schedule
# ("default") is Mon-Fri 09:00-18:00.
TICKETS_HEAD = ["ticket_id", "created_at", "resolved_at", "status", "channel", "category", "team",
                "agent_id", "customer_id", "csat"]
TICKETS = [
    # bot only: answered in 1 minute, solved by the assistant (contained, stayed solved)
    ["B1", "2026-01-12 10:00:00", "2026-01-12 10:05:00", "solved", "ai_bot", "password_recovery", "frontline", "", "C1", "5"],
    # bot, then handed to A1 in the morning: after hours, bot reply after 10 min (not "at once")
    ["B2", "2026-01-12 23:00:00", "2026-01-13 12:00:00", "solved", "ai_bot", "withdrawal", "payments", "A1", "C3", "2"],
    # an agent only, on chat: not handled by the assistant
    ["B3", "2026-01-13 10:00:00", "2026-01-13 14:00:00", "solved", "chat", "withdrawal", "payments", "A2", "C4", ""],
    # contained after hours, then the customer came back on chat the next day (a repeat)
    ["B4", "2026-01-12 20:00:00", "2026-01-12 20:10:00", "solved", "ai_bot", "app_usage", "frontline", "", "C2", "4"],
    ["B5", "2026-01-13 11:00:00", "2026-01-13 11:40:00", "solved", "chat", "app_usage", "frontline", "A1", "C2", ""],
    # the assistant answered, nobody else yet: still open
    ["B6", "2026-01-13 12:00:00", "", "open", "ai_bot", "withdrawal", "payments", "", "C5", ""],
]
EVENTS_HEAD = ["ticket_id", "event_at", "event_type", "actor_id", "actor_role", "detail"]
EVENTS = [
    ["B1", "2026-01-12 10:00:00", "created", "C1", "customer", ""],
    ["B1", "2026-01-12 10:01:00", "bot_reply", "bot", "bot", ""],
    ["B1", "2026-01-12 10:05:00", "resolved", "bot", "system", ""],
    ["B2", "2026-01-12 23:00:00", "created", "C3", "customer", ""],
    ["B2", "2026-01-12 23:10:00", "bot_reply", "bot", "bot", ""],
    ["B2", "2026-01-13 09:00:00", "assigned", "system", "system", "assignee: A1"],
    ["B2", "2026-01-13 09:30:00", "agent_reply", "A1", "agent", ""],     # 30 min after the last event
    ["B2", "2026-01-13 09:40:00", "internal_note", "A1", "agent", ""],   # 10 min
    ["B2", "2026-01-13 12:00:00", "resolved", "A1", "agent", ""],
    ["B3", "2026-01-13 10:00:00", "created", "C4", "customer", ""],
    ["B3", "2026-01-13 10:20:00", "agent_reply", "A2", "agent", ""],     # 20 min
    ["B3", "2026-01-13 14:00:00", "resolved", "A2", "agent", ""],
    ["B4", "2026-01-12 20:00:00", "created", "C2", "customer", ""],
    ["B4", "2026-01-12 20:02:00", "bot_reply", "bot", "bot", ""],
    ["B4", "2026-01-12 20:10:00", "resolved", "bot", "system", ""],
    ["B5", "2026-01-13 11:00:00", "created", "C2", "customer", ""],
    ["B5", "2026-01-13 11:20:00", "agent_reply", "A1", "agent", ""],     # 20 min
    ["B5", "2026-01-13 11:40:00", "resolved", "A1", "agent", ""],
    ["B6", "2026-01-13 12:00:00", "created", "C5", "customer", ""],
    ["B6", "2026-01-13 12:01:00", "bot_reply", "bot", "bot", ""],
]


def write(path: Path, head: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([head, *rows])
    return path


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("assistant")
    files = [write(tmp / "tickets.csv", TICKETS_HEAD, TICKETS), write(tmp / "ticket_events.csv", EVENTS_HEAD, EVENTS)]
    s = settings_with(tmp, {"assistant": {"min_handled": 1}})
    load(files, s, as_of=AS_OF)
    return s


def test_containment_handoff_and_after_hours_per_ticket(desk) -> None:  # type: ignore[no-untyped-def]
    got = {r[0]: r[1:] for r in query(desk, """
        select ticket_id, is_handled, outcome, is_contained, is_contained_stayed_solved, is_handed_off,
               minutes_to_handoff, outside_human_hours, answered_at_once, human_minutes
        from ticket_assistant order by ticket_id""")}
    assert got == {
        "B1": (True, "contained", True, True, False, None, False, True, 0.0),
        # handed off at the assignment 09:00, 590 minutes after the bot's reply at 23:10;
        # 30 + 10 human minutes (the reply's gap is at the 30-minute cap)
        "B2": (True, "handed_off", False, False, True, pytest.approx(590.0), True, False, pytest.approx(40.0)),
        "B3": (False, None, False, False, False, None, False, False, pytest.approx(20.0)),
        # contained, but the customer came back the next day: not "stayed solved"
        "B4": (True, "contained", True, False, False, None, True, True, 0.0),
        "B5": (False, None, False, False, False, None, False, False, pytest.approx(20.0)),
        "B6": (True, "unresolved", False, False, False, None, False, True, 0.0),
    }


def test_rates_over_the_handled_tickets(desk) -> None:  # type: ignore[no-untyped-def]
    # handled: B1, B2, B4, B6; contained B1, B4 (50 %); handed off B2 (25 %); stayed solved B1
    # (25 %); after hours B2, B4, of which the assistant answered B4 at once
    row = query(desk, """
        select pct_contained(is_contained, is_handled), pct_handed_off(is_handed_off, is_handled),
               cast(100 as double) * count(*) filter (where is_contained_stayed_solved)
                   / count(*) filter (where is_handled),
               count(*) filter (where outside_human_hours),
               count(*) filter (where outside_human_hours and answered_at_once)
        from ticket_assistant""")[0]
    assert row == (50.0, 25.0, 25.0, 2, 1)
    # CSAT of contained (5, 4) against handed off (2); the contained one that came back
    assert query(desk, """
        select outcome, avg(csat), pct_followed_by_repeat(followed_by_repeat)
        from ticket_assistant where is_handled group by outcome order by outcome""") == [
        ("contained", 4.5, 50.0), ("handed_off", 2.0, 0.0), ("unresolved", None, 0.0)]


def test_the_human_schedule_and_at_once_are_settings(tmp_path: Path) -> None:
    files = [write(tmp_path / "tickets.csv", TICKETS_HEAD, TICKETS),
             write(tmp_path / "ticket_events.csv", EVENTS_HEAD, EVENTS)]
    s = settings_with(tmp_path, {"assistant": {"human_schedule": "around_the_clock", "answered_within_minutes": 15}})
    load(files, s, as_of=AS_OF)
    assert query(s, """
        select count(*) filter (where outside_human_hours), count(*) filter (where answered_at_once)
        from ticket_assistant""") == [(0, 4)]
    with pytest.raises(ConfigError, match="human_schedule"):
        settings_with(tmp_path, {"assistant": {"human_schedule": "nights"}})
    with pytest.raises(ConfigError, match="target_containment_pct"):
        settings_with(tmp_path, {"assistant": {"target_containment_pct": 120}})
    assert load_settings().assistant_answered_within_minutes == 5.0


# --- what to automate next: time stamps only (no events), human minutes = resolution time -----
RANK_HEAD = ["ticket_id", "created_at", "first_response_at", "resolved_at", "status", "channel", "category"]


def rank_rows() -> list[list[str]]:
    rows = []
    day = dt.datetime(2026, 1, 12, 10, 0)

    def add(category: str, channel: str, human: bool, minutes: int, n: int) -> None:
        for _ in range(n):
            created = day + dt.timedelta(minutes=len(rows))
            rows.append([f"K{len(rows):03d}", f"{created:%Y-%m-%d %H:%M:%S}",
                         f"{created + dt.timedelta(minutes=1):%Y-%m-%d %H:%M:%S}" if human else "",
                         f"{created + dt.timedelta(minutes=minutes):%Y-%m-%d %H:%M:%S}", "solved", channel, category])

    # app_usage: 10 tickets; the assistant handled 5 and contained 4 (reach 80 %), 40 % of all
    # contained now; 6 handled by people in 30 min
    add("app_usage", "ai_bot", False, 5, 4)
    add("app_usage", "ai_bot", True, 30, 1)
    add("app_usage", "chat", True, 30, 5)
    # withdrawal: 10 tickets, the assistant contained none of its 2 (reach 0 %)
    add("withdrawal", "ai_bot", True, 600, 2)
    add("withdrawal", "email", True, 600, 8)
    # password_recovery: 4 tickets, 2 contained of 2 handled (reach 100 %), 2 by people in 60 min
    add("password_recovery", "ai_bot", False, 5, 2)
    add("password_recovery", "chat", True, 60, 2)
    # account_security: the assistant handled only 1 (below min_handled = 2): no reach, no hours
    add("account_security", "ai_bot", False, 5, 1)
    add("account_security", "phone", True, 120, 2)
    return rows


@pytest.fixture(scope="module")
def ranking(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("ranking")
    s = settings_with(tmp, {"assistant": {"min_handled": 2, "target_containment_pct": 60}})
    load([write(tmp / "tickets.csv", RANK_HEAD, rank_rows())], s, as_of=AS_OF)
    return s


def test_what_to_automate_next_ranking(ranking) -> None:  # type: ignore[no-untyped-def]
    # hours freed at 60 % = tickets × (least(60, reach) − contained now) / 100 × minutes / 60:
    # app_usage 10 × (60 − 40) % × 30 min = 1.0 h; password_recovery 4 × (60 − 50) % × 60 min
    # = 0.4 h; withdrawal 10 × (0 − 0) % = 0 h; account_security: no reach, NULL, last
    got = query(ranking, """
        select rank, category, tickets, handled, contained_pct, reach_pct, human_minutes_per_ticket,
               minutes_basis, hours_freed
        from assistant_automation order by rank""")
    assert got == [
        (1, "app_usage", 10, 5, 40.0, 80.0, pytest.approx(30.0), "resolution_time", pytest.approx(1.0)),
        (2, "password_recovery", 4, 2, 50.0, 100.0, pytest.approx(60.0), "resolution_time", pytest.approx(0.4)),
        (3, "withdrawal", 10, 2, 0.0, 0.0, pytest.approx(600.0), "resolution_time", 0.0),
        (4, "account_security", 3, 1, pytest.approx(100 / 3), None, pytest.approx(120.0), "resolution_time", None),
    ]
    # the page's query takes the slider's target: at 45 % only app_usage frees anything
    # (10 × 5 % × 30 min = 0.25 h); at 90 % app_usage 10 × 40 % × 0.5 h = 2.0, password 4 × 40 % × 1 h = 1.6
    at_45 = page_ranking(ranking, 45.0)
    assert at_45[0] == ("app_usage", pytest.approx(0.25))
    assert dict(at_45[1:]) == {"withdrawal": 0.0, "password_recovery": 0.0, "account_security": None}
    assert page_ranking(ranking, 90.0)[:2] == [("app_usage", pytest.approx(2.0)),
                                               ("password_recovery", pytest.approx(1.6))]


def page_ranking(settings, target: float) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    from dashboard.db import sql_text
    from dashboard.filters import Filters
    from etl.core import sqlfiles

    where, params = Filters(start=None, end=None).where()
    text = sqlfiles.fill(sql_text("assistant_automation"), {"where": where})
    import duckdb

    from etl.warehouse.versions import resolve_live
    con = duckdb.connect(str(resolve_live(settings.warehouse_path)), read_only=True)
    try:
        cur = con.execute(text, {**params, "target": target, "min_handled": 2})
        cols = [d[0] for d in cur.description]
        return [(r[cols.index("category")], r[cols.index("hours_freed")]) for r in cur.fetchall()]
    finally:
        con.close()


# --- the page, and the demo data's planted pattern ---------------------------------------------
APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


def page(db: Path, monkeypatch: pytest.MonkeyPatch, **qp: str):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DESK_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in qp.items():
        at.query_params[key] = value
    at.run()
    return at.switch_page("views/assistant.py").run()


@pytest.mark.parametrize("lang, title, handled", [("en", "AI assistant", "Handled by the assistant"),
                                                   ("zh", "智能客服", "智能客服接待")])
def test_page_renders_in_both_languages(demo_warehouse: DemoWarehouse, monkeypatch: pytest.MonkeyPatch,
                                        lang: str, title: str, handled: str) -> None:
    at = page(demo_warehouse.path, monkeypatch, period="all", lang=lang)
    assert [e.message for e in at.exception] == []
    assert at.title[0].value == title
    assert len(at.get("plotly_chart")) == 6
    assert int(next(m.value for m in at.metric if m.label == handled).replace(",", "")) > 0
    at = open_drilldowns(at)
    assert [e.message for e in at.exception] == []
    assert at.dataframe  # the ranking table and the opened ticket lists


def test_page_follows_filters_and_slider(demo_warehouse: DemoWarehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    def handled(at) -> int:  # type: ignore[no-untyped-def]
        return int(next(m.value for m in at.metric if m.label == "Handled by the assistant").replace(",", ""))

    everything = page(demo_warehouse.path, monkeypatch, period="all")
    only = page(demo_warehouse.path, monkeypatch, period="all", category="password_recovery")
    expected = demo_warehouse.query("select count(*) from ticket_assistant where is_handled "
                                    "and category = 'password_recovery'")[0][0]
    assert handled(only) == expected < handled(everything)
    # the ranking table: one category under that filter; the slider moves its hours
    table = only.dataframe[-1].value
    assert len(table) == 1
    hours_at_60 = table["Agent hours freed"].iloc[0]
    only.slider(key="as_target").set_value(30).run()
    assert only.dataframe[-1].value["Agent hours freed"].iloc[0] < hours_at_60


def test_demo_ranks_the_simple_questions_first(demo_warehouse: DemoWarehouse) -> None:
    rows = demo_warehouse.query("""
        select category, reach_pct, hours_freed from assistant_automation order by rank""")
    assert {rows[0][0], rows[1][0]} == {"password_recovery", "app_usage"}
    reach = {c: r for c, r, _ in rows}
    assert min(reach["password_recovery"], reach["app_usage"]) > 40
    assert max(reach["transaction_delay"], reach["withdrawal"], reach["account_security"]) < 10


def test_tickets_behind_a_chart_counted_on_the_mart_are_the_listed_ones(demo_warehouse: DemoWarehouse) -> None:
    """The expanders' counts read ticket_assistant (or ticket_completeness, ticket_repeats)
    alone; the lists read ticket_metrics. For every chart of the assistant page, the
    incomplete records of Agent quality and Resolution's repeat-contact rate, under filters
    and a chart selection, both name the same tickets."""
    from dashboard import behind
    from dashboard.behind import Behind
    from dashboard.db import sql_text
    from dashboard.filters import Filters
    from dashboard.frame import selection_filter
    from etl.core import sqlfiles

    click = {"selection": {"points": [{"customdata": ["withdrawal"]}, {"customdata": ["app_usage"]}]}}
    filters = [Filters(), Filters(start=dt.date(2026, 3, 1), end=dt.date(2026, 6, 30),
                                  values={"channel": ("ai_bot", "chat"), "team": ("payments", "frontline")})]
    behinds = [behind.HANDLED, behind.HANDED_OFF, behind.OUTCOMES, behind.AFTER_HOURS,
               behind.HUMAN_HANDLED, behind.INCOMPLETE, behind.FOLLOWED_BY_REPEAT]
    for f in filters:
        where, params = f.where()
        for chart in behinds:
            for event in (None, click):
                sel, sel_params, _ = selection_filter(event, "category" if event else None, alias="{m}")
                narrowed = chart.narrowed(sel)
                counted = sqlfiles.fill(sql_text("tickets_count"), {"base": narrowed.mart, "where": where,
                                                                    "extra": narrowed.on_mart()})
                listed = sqlfiles.fill(sql_text("tickets"), {"where": where, "extra": narrowed.on_tickets(),
                                                             "customer": ""})
                bound = {**params, **sel_params}
                n = demo_warehouse.query(counted, bound)[0][0]
                rows = demo_warehouse.query(listed, {**bound, "limit": 1 << 40})
                assert n == len(rows) > 0, (chart.condition, f, event)
    with pytest.raises(ValueError, match="not a mart"):
        Behind("tickets", "{m}.is_handled")
