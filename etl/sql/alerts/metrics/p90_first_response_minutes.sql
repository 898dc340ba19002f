-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: P90 first response (minutes)
-- label_zh: 首次响应 P90(分钟)
-- unit: minutes
-- from: ticket_metrics, the answered tickets created in the window (created_at)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: answered tickets
-- behind: the answered tickets slower than the P90
-- empty: null
-- quantile_cont(first_response_minutes, 0.9) over the tickets answered by a human.
with answered as (
    select {subject} as subject, t.source, t.ticket_id, t.created_at, t.first_response_minutes
    from ticket_metrics t
    where t.created_at >= $start and t.created_at < $end and t.first_response_minutes is not null and {filter}
),

figure as (
    select subject, quantile_cont(first_response_minutes, 0.9) as value, count(*) as basis
    from answered
    group by all
)

select
    f.subject,
    any_value(f.value) as value,
    any_value(f.basis) as basis,
    count(*) filter (where a.first_response_minutes > f.value) as behind,
    (list(struct_pack(source := a.source, ticket_id := a.ticket_id) order by a.first_response_minutes desc)
        filter (where a.first_response_minutes > f.value))[1:$max_tickets] as tickets
from figure f
join answered a on a.subject is not distinct from f.subject
group by f.subject
