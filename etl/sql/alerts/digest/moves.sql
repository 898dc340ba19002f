-- materialized: digest_query (read by the weekly digest, etl/alerts/digest.py; not stored)
-- grain: one row per value of {dim} (category or team: the digest's allow-list) decided in both weeks
-- The largest moves of the share within the first-response SLA against the week before, in
-- percentage points, for the values with at least $min_decided decided tickets in each week.
with per_week as (
    select
        t.{dim} as value,
        count(*) filter (where t.created_at >= $start) as tickets,
        count(*) filter (where t.created_at < $start) as previous_tickets,
        count(*) filter (where t.created_at >= $start and t.frt_sla in ('met', 'breached')) as decided,
        count(*) filter (where t.created_at < $start and t.frt_sla in ('met', 'breached')) as previous_decided,
        cast(100 as double) * count(*) filter (where t.created_at >= $start and t.frt_sla = 'met')
            / nullif(count(*) filter (where t.created_at >= $start and t.frt_sla in ('met', 'breached')), 0) as pct_sla,
        cast(100 as double) * count(*) filter (where t.created_at < $start and t.frt_sla = 'met')
            / nullif(count(*) filter (where t.created_at < $start and t.frt_sla in ('met', 'breached')), 0)
            as previous_pct_sla
    from ticket_metrics t
    where t.created_at >= $prev_start and t.created_at < $end and t.{dim} is not null
    group by all
)

select *, pct_sla - previous_pct_sla as change
from per_week
where decided >= $min_decided and previous_decided >= $min_decided
order by abs(pct_sla - previous_pct_sla) desc, value
limit 5
