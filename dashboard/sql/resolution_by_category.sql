-- Median and P90 resolution hours per category (resolved tickets), with open counts.
select
    category,
    median(resolution_minutes) / 60 as median_hours,
    quantile_cont(resolution_minutes, 0.9) / 60 as p90_hours,
    count(resolution_minutes) as resolved,
    count(*) filter (where not is_resolved) as open
from ticket_metrics t
where {where} and category is not null
group by 1
