-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: reopen rate
-- label_zh: 重开率
-- unit: percent
-- from: ticket_metrics, the tickets created in the window (created_at)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: tickets resolved at least once
-- behind: the reopened tickets
-- empty: null
-- pct_reopened (etl/sql/marts/metric_macros.sql): reopened tickets / tickets resolved at least once.
select
    {subject} as subject,
    pct_reopened(t.reopen_count, t.is_resolved) as value,
    count(*) filter (where t.is_resolved or t.reopen_count > 0) as basis,
    count(*) filter (where t.reopen_count > 0) as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id) order by t.created_at desc)
        filter (where t.reopen_count > 0))[1:$max_tickets] as tickets
from ticket_metrics t
where t.created_at >= $start and t.created_at < $end and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
