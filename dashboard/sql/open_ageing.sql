-- Unresolved tickets by age at as_of and category.
select bucket, min(rank) as rank, category, count(*) as tickets
from (
    select category,
        case when age_minutes < 1440 then '< 1 d' when age_minutes < 4320 then '1–3 d'
             when age_minutes < 10080 then '3–7 d' when age_minutes < 20160 then '7–14 d'
             when age_minutes < 43200 then '14–30 d' else '> 30 d' end as bucket,
        case when age_minutes < 1440 then 1 when age_minutes < 4320 then 2
             when age_minutes < 10080 then 3 when age_minutes < 20160 then 4
             when age_minutes < 43200 then 5 else 6 end as rank
    from ticket_metrics t
    where {where} and not is_resolved and category is not null
)
group by bucket, category
order by rank
