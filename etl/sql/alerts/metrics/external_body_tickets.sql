-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: tickets that reached an external body
-- label_zh: 到达外部机构的工单数
-- unit: tickets
-- from: escalation_steps at level 3, placed in the window by reached_at (its created_at when unknown)
-- fields: source, channel, category, priority, team, agent_id
-- basis: tickets that reached an external body
-- behind: those tickets
-- empty: 0
-- A ticket reaches the external body (level 3) at escalation_steps.reached_at; a ticket
-- without escalated events does not know that time, and is placed at its creation.
select
    {subject} as subject,
    count(*) as value,
    count(*) as basis,
    count(*) as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id)
        order by coalesce(t.reached_at, t.created_at) desc))[1:$max_tickets] as tickets
from escalation_steps t
where t.level = 3
  and coalesce(t.reached_at, t.created_at) >= $start and coalesce(t.reached_at, t.created_at) < $end
  and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
