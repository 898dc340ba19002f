-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: tickets that breached the first-response target
-- label_zh: 首次响应超时工单数
-- unit: tickets
-- from: ticket_metrics, the tickets created in the window (created_at)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: tickets created
-- behind: the breached tickets
-- empty: 0
-- Tickets whose frt_sla is breached: answered after the target, or unanswered and older than
-- the target at as_of.
select
    {subject} as subject,
    count(*) filter (where t.frt_sla = 'breached') as value,
    count(*) as basis,
    count(*) filter (where t.frt_sla = 'breached') as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id) order by t.created_at desc)
        filter (where t.frt_sla = 'breached'))[1:$max_tickets] as tickets
from ticket_metrics t
where t.created_at >= $start and t.created_at < $end and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
