-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: escalation rate
-- label_zh: 升级率
-- unit: percent
-- from: ticket_metrics, the tickets created in the window (created_at)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: tickets created
-- behind: the escalated tickets
-- empty: null
-- pct_escalated (etl/sql/marts/metric_macros.sql): tickets escalated to level 1 or above / tickets.
select
    {subject} as subject,
    pct_escalated(t.is_escalated) as value,
    count(*) as basis,
    count(*) filter (where t.is_escalated) as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id) order by t.created_at desc)
        filter (where t.is_escalated))[1:$max_tickets] as tickets
from ticket_metrics t
where t.created_at >= $start and t.created_at < $end and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
