-- The time points over the filtered tickets (process_target_results): per target, the tickets
-- that met it, breached it or are still inside it, and the share met of those decided.
select
    r.target,
    count(*) filter (where r.verdict = 'met') as met,
    count(*) filter (where r.verdict = 'breached') as breached,
    count(*) filter (where r.verdict = 'pending') as pending,
    cast(100 as double) * count(*) filter (where r.verdict = 'met')
        / nullif(count(*) filter (where r.verdict in ('met', 'breached')), 0) as pct_met,
    min(r.target_minutes) as min_target_minutes,
    max(r.target_minutes) as max_target_minutes
from process_target_results r
where {where}
group by 1
order by case when r.target = 'first_response' then 0 else 1 end, 1
