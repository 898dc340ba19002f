-- materialized: alert_metric (a query of the alert evaluation, not stored: its results go to alert_firings)
-- grain: one row per subject (the value of the rule's `per` field; one row when it has none)
-- label_en: median resolution (minutes)
-- label_zh: 解决时长中位数(分钟)
-- unit: minutes
-- from: ticket_metrics, the tickets resolved in the window (resolution_at, is_resolved)
-- fields: source, channel, category, subcategory, priority, status, team, agent_id, language, schedule_id
-- basis: resolved tickets
-- behind: the resolved tickets slower than the median
-- empty: null
-- median(resolution_minutes) over the tickets resolved in the window: by the time of the
-- resolution, not of the creation, so a recent window is not flattered by its slow tickets
-- being still open.
with resolved as (
    select {subject} as subject, t.source, t.ticket_id, t.resolution_minutes
    from ticket_metrics t
    where t.is_resolved and t.resolution_minutes is not null
      and t.resolution_at >= $start and t.resolution_at < $end and {filter}
),

figure as (
    select subject, median(resolution_minutes) as value, count(*) as basis
    from resolved
    group by all
)

select
    f.subject,
    any_value(f.value) as value,
    any_value(f.basis) as basis,
    count(*) filter (where r.resolution_minutes > f.value) as behind,
    (list(struct_pack(source := r.source, ticket_id := r.ticket_id) order by r.resolution_minutes desc)
        filter (where r.resolution_minutes > f.value))[1:$max_tickets] as tickets
from figure f
join resolved r on r.subject is not distinct from f.subject
group by f.subject
