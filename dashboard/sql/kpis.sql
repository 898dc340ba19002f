-- KPI tiles: one row over the filtered tickets; rates through the warehouse's macros.
select
    count(*) as tickets,
    median(first_response_minutes) as frt_median,
    quantile_cont(first_response_minutes, 0.9) as frt_p90,
    pct_frt_within_sla(frt_sla) as pct_sla,
    median(resolution_minutes) as resolution_median,
    pct_escalated(is_escalated) as pct_escalated,
    pct_reopened(reopen_count, is_resolved) as pct_reopened,
    pct_csat_satisfied(csat) as pct_csat
from ticket_metrics t
where {where}
