"""The demo generator: deterministic, and its planted patterns (docs/DEMO_DATA.md) are
found by the metric views."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from etl.core.settings import load_settings
from etl.devtools.generate import AGENT_COMMUNICATION, AGENT_INCOMPLETE_RECORDS, PLANTED, generate
from etl.load.run import load
from tests.helpers import query


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


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("demo")
    info = generate(30_000, seed=5, out=out)
    settings = load_settings(db=tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    result = load([out], settings, as_of=info.as_of)
    return settings, result


def test_loads_completely(demo) -> None:  # type: ignore[no-untyped-def]
    settings, result = demo
    assert result.totals["rows_rejected"] == 0 and result.totals["rows_skipped"] == 0
    assert query(settings, "select count(*) from ticket_metrics") == [(30_000,)]


def test_events_agree_with_ticket_columns(demo) -> None:  # type: ignore[no-untyped-def]
    import duckdb

    from etl.core import sqlfiles
    from etl.warehouse.versions import resolve_live

    settings, _ = demo
    con = duckdb.connect(str(resolve_live(settings.warehouse_path)), read_only=True)
    # the build-time step, over the whole tables, as a full build runs it
    con.execute("create temp view tickets_in_scope as select * from tickets")
    con.execute("create temp view ticket_events_in_scope as select * from ticket_events")
    for name in ("int_escalation_events", "int_ticket_event_facts"):
        con.execute(f"create temp view {name} as {sqlfiles.sql_text('intermediate/' + name)}")
    diff = con.execute("""
        select count(*) filter (where t.first_response_at is distinct from e.first_agent_reply_at),
               count(*) filter (where coalesce(t.reopen_count, 0) <> e.reopen_events),
               count(*) filter (where t.escalation_level <> e.escalation_level)
        from tickets t join int_ticket_event_facts e using (source, ticket_id)""").fetchall()
    con.close()
    assert diff == [(0, 0, 0)]


def test_email_worst_sla(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    rows = query(settings, "select channel from ticket_metrics group by 1 order by pct_frt_within_sla(frt_sla)")
    assert rows[0][0] == "email", PLANTED["email_worst_sla"]


def test_weekend_backlog(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    off, work = query(settings, """
        select median(first_response_minutes) filter (where off), median(first_response_minutes) filter (where not off)
        from (select m.first_response_minutes, not d.is_working_day as off
              from ticket_metrics m join business_days d
                on d.schedule_id = 'default' and d.local_date = m.created_date)""")[0]
    assert off > 2 * work, PLANTED["weekend_backlog"]


def test_financial_categories_slowest(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    med = dict(query(settings, "select category, median(resolution_minutes) from ticket_metrics group by 1"))
    assert min(med["withdrawal"], med["account_security"]) > 1440, PLANTED["financial_slowest"]
    assert max(med["password_recovery"], med["app_usage"]) < 120
    assert max(med, key=med.get) == "withdrawal"


def test_withdrawal_improves(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    first, last = query(settings, """
        select median(resolution_minutes) filter (where created_date < date '2026-01-01'),
               median(resolution_minutes) filter (where created_date >= date '2026-07-01')
        from ticket_metrics where category = 'withdrawal'""")[0]
    assert last < 0.75 * first, PLANTED["withdrawal_improves"]


def test_escalations_come_from_financial_issues(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    order = [r[0] for r in query(settings, "select category from ticket_metrics group by 1 "
                                           "order by pct_escalated(is_escalated) desc")]
    assert set(order[:2]) == {"withdrawal", "account_security"}, PLANTED["escalations_financial"]
    share = query(settings, """select avg((category in ('withdrawal', 'account_security'))::int)
                               from ticket_metrics where escalation_level = 3""")[0][0]
    assert share > 0.6
    funnel = [r[0] for r in query(settings, "select tickets from escalation_funnel order by level")]
    assert funnel[0] > funnel[1] > funnel[2] > funnel[3] > 0


def test_new_hires_weak_on_product_knowledge(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    new, tenured = query(settings, """
        select avg(list_contains(q.error_types, 'product_knowledge')::int) filter (where new),
               avg(list_contains(q.error_types, 'product_knowledge')::int) filter (where not new)
        from (select q.error_types, t.created_at - cast(a.hired_on as timestamptz) < interval 90 day as new
              from qa_reviews_scored q
              join ticket_metrics t using (source, ticket_id)
              join agents a on a.source = t.source and a.agent_id = t.agent_id) q""")[0]
    assert new > 3 * tenured, PLANTED["new_hires_knowledge"]


def test_agent_with_incomplete_records(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    planted, rest = query(settings, f"""
        select sum(reviews_with_error) filter (where agent_id = '{AGENT_INCOMPLETE_RECORDS}')
                 / sum(reviews) filter (where agent_id = '{AGENT_INCOMPLETE_RECORDS}'),
               sum(reviews_with_error) filter (where agent_id <> '{AGENT_INCOMPLETE_RECORDS}')
                 / sum(reviews) filter (where agent_id <> '{AGENT_INCOMPLETE_RECORDS}')
        from agent_error_rates where error_type = 'incomplete_record'""")[0]
    assert planted > 5 * rest, PLANTED["incomplete_records_agent"]


def test_agent_with_communication_errors(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    top = query(settings, """select agent_id from agent_error_rates where error_type = 'communication'
                             group by 1 having sum(reviews) >= 10
                             order by sum(reviews_with_error) / sum(reviews) desc limit 1""")
    assert top == [(AGENT_COMMUNICATION,)], PLANTED["communication_agent"]
    reopen = dict(query(settings, "select agent_id = ?, pct_reopened(reopen_count, is_resolved) "
                                  "from ticket_metrics where agent_id is not null group by 1",
                        [AGENT_COMMUNICATION]))
    assert reopen[True] > 1.5 * reopen[False]


def test_incident_days(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    rows = query(settings, """
        with days as (select created_date, count(*) as n,
                             avg((category = 'transaction_delay')::int) as share
                      from ticket_metrics group by 1)
        select n / (select median(n) from days), share from days order by n desc limit 2""")
    for ratio, share in rows:
        assert ratio > 2.5 and share > 0.5, PLANTED["incident_days"]


def test_ai_assistant(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    bot_median, bot_only = query(settings, """
        select median(first_bot_response_minutes),
               count(*) filter (where first_response_at is null and is_resolved)
        from ticket_metrics where channel = 'ai_bot'""")[0]
    assert bot_median < 1 and bot_only > 0, PLANTED["bot_first"]


def test_escalated_tickets_less_satisfied(demo) -> None:  # type: ignore[no-untyped-def]
    settings, _ = demo
    csat = dict(query(settings, "select is_escalated, avg(csat) from ticket_metrics group by 1"))
    assert csat[True] < csat[False] - 0.5, PLANTED["csat_escalated"]
