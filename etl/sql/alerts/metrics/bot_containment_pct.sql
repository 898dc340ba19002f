-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: the assistant's containment (share of the tickets it handled that it resolved without a human)
-- label_zh: 智能客服自助解决率(其处理的工单中无需人工即解决的占比)
-- unit: percent
-- from: ticket_metrics with ticket_assistant, the tickets the assistant handled created in the window (created_at)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: tickets the assistant handled
-- behind: the handled tickets not contained (handed off to a human, or still open)
-- empty: null
-- The one definition of containment is ticket_assistant's is_contained and the macro
-- pct_contained (etl/sql/marts/); this reads them, for the tickets created in the window.
select
    {subject} as subject,
    pct_contained(a.is_contained, a.is_handled) as value,
    count(*) as basis,
    count(*) filter (where not a.is_contained) as behind,
    (list(struct_pack(source := t.source, ticket_id := t.ticket_id) order by t.created_at desc)
        filter (where not a.is_contained))[1:$max_tickets] as tickets
from ticket_metrics t
join ticket_assistant a on a.source = t.source and a.ticket_id = t.ticket_id and a.is_handled
where t.created_at >= $start and t.created_at < $end and {filter}
group by all  -- by {subject} (ticket_metrics has a column named subject)
