-- The escalation path over the filtered tickets: tickets reaching each step and the median
-- hours from the previous step (escalation_steps, the same grain as escalation_funnel).
with base as (
    select source, ticket_id from ticket_metrics t where {where}
),
steps as (
    select s.level, s.step, count(*) as tickets,
           median(s.minutes_from_previous_step) / 60 as median_hours_from_previous
    from escalation_steps s
    join base using (source, ticket_id)
    group by all
),
path as (
    select 0 as level, 'front_line' as step, (select count(*) from base) as tickets,
           cast(null as double) as median_hours_from_previous
    union all
    select * from steps
)
select level, step, tickets, median_hours_from_previous,
       tickets / lag(tickets) over (order by level) as share_of_previous
from path
order by level
