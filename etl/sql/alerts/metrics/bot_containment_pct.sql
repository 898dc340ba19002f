-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: containment (share resolved without a human reply)
-- label_zh: 自助解决率(无需人工回复即解决的占比)
-- unit: percent
-- from: ticket_metrics, the tickets created in the window (created_at)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: tickets created
-- behind: the tickets not contained (a human replied, or still open)
-- empty: null
-- The assistant's containment when filtered to channel = "ai_bot": tickets resolved
-- (is_resolved) with no human first response (first_response_at is NULL) / tickets. A
-- percentage like the rate macros (cast(100 as double): see metric_macros.sql).
select
    {subject} as subject,
    cast(100 as double) * count(*) filter (where t.is_resolved and t.first_response_at is null)
        / nullif(count(*), 0) as value,
    count(*) as basis,
    count(*) filter (where not (t.is_resolved and t.first_response_at is null)) as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id) order by t.created_at desc)
        filter (where not (t.is_resolved and t.first_response_at is null)))[1:$max_tickets] as tickets
from ticket_metrics t
where t.created_at >= $start and t.created_at < $end and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
