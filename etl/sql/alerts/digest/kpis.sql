-- materialized: digest_query (read by the weekly digest, etl/alerts/digest.py; not stored)
-- grain: one row per week: the week ($start – $end) and the one before ($prev_start – $start)
-- The overview's figures (the dashboard's KPI tiles) over the tickets created in each week,
-- through the warehouse's rate macros (etl/sql/marts/metric_macros.sql).
select
    case when t.created_at >= $start then 'week' else 'previous' end as period,
    count(*) as tickets,
    median(t.first_response_minutes) as frt_median,
    pct_frt_within_sla(t.frt_sla) as pct_sla,
    count(*) filter (where t.frt_sla = 'breached') as breached,
    median(t.resolution_minutes) as resolution_median,
    pct_escalated(t.is_escalated) as pct_escalated,
    pct_reopened(t.reopen_count, t.is_resolved) as pct_reopened,
    pct_csat_satisfied(t.csat) as pct_csat
from ticket_metrics t
where t.created_at >= $prev_start and t.created_at < $end
group by all
