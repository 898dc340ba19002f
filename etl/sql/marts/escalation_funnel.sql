-- materialized: view
-- order: 6
-- grain: one row per source and step of the escalation path (0..3)
-- escalation_funnel: one row per source and step of the escalation path (0 front line,
-- 1 second line, 2 formal appeal, 3 external body): tickets that reached the step, their
-- share of all tickets and of the previous step, and the median minutes to reach it.
-- Over all stored tickets; the dashboard applies its filters to escalation_steps. A view.
with totals as (
    select source, count(*) as tickets from ticket_metrics group by source
),

steps as (
    select source, level, step, count(*) as tickets,
           median(minutes_from_creation) as median_minutes_from_creation,
           median(minutes_from_previous_step) as median_minutes_from_previous_step
    from escalation_steps
    group by source, level, step
),

funnel as (
    select source, 0 as level, 'front_line' as step, tickets,
           cast(null as double) as median_minutes_from_creation,
           cast(null as double) as median_minutes_from_previous_step
    from totals
    union all
    select * from steps
)

select
    f.source, f.level, f.step, f.tickets,
    f.tickets / t.tickets as share_of_all,
    f.tickets / lag(f.tickets) over (partition by f.source order by f.level) as share_of_previous,
    f.median_minutes_from_creation,
    f.median_minutes_from_previous_step
from funnel f
join totals t using (source)
