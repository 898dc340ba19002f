"""The demo generator: deterministic, and its planted patterns (docs/DEMO_DATA.md) are
found by the metric views, on the session's shared demo warehouse (tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from etl.devtools.generate import AGENT_COMMUNICATION, AGENT_INCOMPLETE_RECORDS, PLANTED, generate
from tests.helpers import DEMO_TICKETS, DemoWarehouse


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    a = generate(3000, seed=9, out=tmp_path / "a")
    generate(3000, seed=9, out=tmp_path / "b")
    generate(3000, seed=10, out=tmp_path / "c")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a")["tickets.csv"] != digest(tmp_path / "c")["tickets.csv"]
    assert a.tickets == 3000 and a.events > 3000 and a.reviews > 0 and a.agents >= 24
    assert a.as_of == dt.datetime(2026, 10, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_loads_completely(demo_warehouse: DemoWarehouse) -> None:
    result = demo_warehouse.result
    assert result.totals["rows_rejected"] == 0 and result.totals["rows_skipped"] == 0
    assert demo_warehouse.info.tickets == DEMO_TICKETS
    assert demo_warehouse.query("select count(*) from ticket_metrics") == [(DEMO_TICKETS,)]


def test_events_agree_with_ticket_columns(demo_warehouse: DemoWarehouse) -> None:
    from etl.core import sqlfiles

    con = demo_warehouse.connect()
    # the build-time step, over the whole tables, as a full build runs it
    con.execute("create temp view tickets_in_scope as select * from tickets")
    con.execute("create temp view ticket_events_in_scope as select * from ticket_events")
    for name in ("int_escalation_events", "int_ticket_event_facts"):
        con.execute(f"create temp view {name} as {sqlfiles.sql_text('intermediate/' + name)}")
    diff = con.execute("""
        select count(*),
               count(*) filter (where t.first_response_at is distinct from e.first_agent_reply_at),
               count(*) filter (where coalesce(t.reopen_count, 0) <> e.reopen_events),
               count(*) filter (where t.escalation_level <> e.escalation_level)
        from tickets t join int_ticket_event_facts e using (source, ticket_id)""").fetchall()
    con.close()
    # every ticket compared (the generator writes events for each), and none differs
    assert diff == [(DEMO_TICKETS, 0, 0, 0)]


def test_email_worst_sla(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    rows = query("select channel from ticket_metrics group by 1 order by pct_frt_within_sla(frt_sla)")
    assert rows[0][0] == "email", PLANTED["email_worst_sla"]


def test_weekend_backlog(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    off, work = query("""
        select median(first_response_minutes) filter (where off), median(first_response_minutes) filter (where not off)
        from (select m.first_response_minutes, not d.is_working_day as off
              from ticket_metrics m join business_days d
                on d.schedule_id = 'default' and d.local_date = m.created_date)""")[0]
    assert off > 2 * work, PLANTED["weekend_backlog"]


def test_financial_categories_slowest(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    med = dict(query("select category, median(resolution_minutes) from ticket_metrics group by 1"))
    assert min(med["withdrawal"], med["account_security"]) > 1440, PLANTED["financial_slowest"]
    assert max(med["password_recovery"], med["app_usage"]) < 120
    assert max(med, key=med.get) == "withdrawal"


def test_withdrawal_improves(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    # the first and the last quarter (92 days) of the demo year: the data end yesterday, so
    # these are counted from the generator's own end date (they were fixed dates when the
    # data ended on a fixed day: October–December 2025 against July–September 2026)
    end = demo_warehouse.info.as_of.date() - dt.timedelta(days=1)
    start = end - dt.timedelta(days=364)
    first, last, n_first, n_last = query("""
        select median(resolution_minutes) filter (where created_date < ?),
               median(resolution_minutes) filter (where created_date > ?),
               count(*) filter (where created_date < ?), count(*) filter (where created_date > ?)
        from ticket_metrics where category = 'withdrawal'""",
        [start + dt.timedelta(days=92), end - dt.timedelta(days=92)] * 2)[0]
    assert min(n_first, n_last) > 100
    assert last < 0.75 * first, PLANTED["withdrawal_improves"]


def test_escalations_come_from_financial_issues(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    order = [r[0] for r in query("select category from ticket_metrics group by 1 "
                                           "order by pct_escalated(is_escalated) desc")]
    assert set(order[:2]) == {"withdrawal", "account_security"}, PLANTED["escalations_financial"]
    share = query("""select avg((category in ('withdrawal', 'account_security'))::int)
                               from ticket_metrics where escalation_level = 3""")[0][0]
    assert share > 0.6
    funnel = [r[0] for r in query("select tickets from escalation_funnel order by level")]
    assert funnel[0] > funnel[1] > funnel[2] > funnel[3] > 0


def test_new_hires_weak_on_product_knowledge(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    new, tenured = query("""
        select avg(list_contains(q.error_types, 'product_knowledge')::int) filter (where new),
               avg(list_contains(q.error_types, 'product_knowledge')::int) filter (where not new)
        from (select q.error_types, t.created_at - cast(a.hired_on as timestamptz) < interval 90 day as new
              from qa_reviews_scored q
              join ticket_metrics t using (source, ticket_id)
              join agents a on a.source = t.source and a.agent_id = t.agent_id) q""")[0]
    assert new > 3 * tenured, PLANTED["new_hires_knowledge"]


def test_agent_with_incomplete_records(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    planted, rest = query(f"""
        select sum(reviews_with_error) filter (where agent_id = '{AGENT_INCOMPLETE_RECORDS}')
                 / sum(reviews) filter (where agent_id = '{AGENT_INCOMPLETE_RECORDS}'),
               sum(reviews_with_error) filter (where agent_id <> '{AGENT_INCOMPLETE_RECORDS}')
                 / sum(reviews) filter (where agent_id <> '{AGENT_INCOMPLETE_RECORDS}')
        from agent_error_rates where error_type = 'incomplete_record'""")[0]
    assert planted > 5 * rest, PLANTED["incomplete_records_agent"]


def test_agent_with_communication_errors(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    top = query("""select agent_id from agent_error_rates where error_type = 'communication'
                             group by 1 having sum(reviews) >= 10
                             order by sum(reviews_with_error) / sum(reviews) desc limit 1""")
    assert top == [(AGENT_COMMUNICATION,)], PLANTED["communication_agent"]
    reopen = dict(query("select agent_id = ?, pct_reopened(reopen_count, is_resolved) "
                                  "from ticket_metrics where agent_id is not null group by 1",
                        [AGENT_COMMUNICATION]))
    assert reopen[True] > 1.5 * reopen[False]


def test_incident_days(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    rows = query("""
        with days as (select created_date, count(*) as n,
                             avg((category = 'transaction_delay')::int) as share
                      from ticket_metrics group by 1)
        select n / (select median(n) from days), share from days order by n desc limit 2""")
    for ratio, share in rows:
        assert ratio > 2.5 and share > 0.5, PLANTED["incident_days"]


def test_ai_assistant(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    bot_median, bot_only = query("""
        select median(first_bot_response_minutes),
               count(*) filter (where first_response_at is null and is_resolved)
        from ticket_metrics where channel = 'ai_bot'""")[0]
    assert bot_median < 1 and bot_only > 0, PLANTED["bot_first"]


def test_escalated_tickets_less_satisfied(demo_warehouse: DemoWarehouse) -> None:
    query = demo_warehouse.query
    csat = dict(query("select is_escalated, avg(csat) from ticket_metrics group by 1"))
    assert csat[True] < csat[False] - 0.5, PLANTED["csat_escalated"]
