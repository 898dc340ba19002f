-- Resolution times (resolved) and ages (open, censored) per category, binned on a log scale
-- (bins 5 % wide) for the Kaplan–Meier curves.
select
    category,
    exp(round(ln(greatest(coalesce(resolution_minutes, age_minutes), 1)) * 20) / 20) as minutes,
    count(*) filter (where is_resolved) as events,
    count(*) filter (where not is_resolved) as censored
from ticket_metrics t
where {where} and category is not null
  and (resolution_minutes is not null or not is_resolved)
group by all
