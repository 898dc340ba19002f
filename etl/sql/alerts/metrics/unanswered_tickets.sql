-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: open tickets still without a first response past their target
-- label_zh: 超时仍未响应的未解决工单数
-- unit: tickets
-- from: ticket_metrics, the tickets created in the window (created_at; window "all" for the whole backlog)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: tickets created
-- behind: those tickets
-- empty: 0
-- Neither answered nor resolved (unanswered_wait_minutes is set) and breached at as_of.
select
    {subject} as subject,
    count(*) filter (where t.unanswered_wait_minutes is not null and t.frt_sla = 'breached') as value,
    count(*) as basis,
    count(*) filter (where t.unanswered_wait_minutes is not null and t.frt_sla = 'breached') as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id) order by t.created_at)
        filter (where t.unanswered_wait_minutes is not null and t.frt_sla = 'breached'))[1:$max_tickets] as tickets
from ticket_metrics t
where t.created_at >= $start and t.created_at < $end and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
