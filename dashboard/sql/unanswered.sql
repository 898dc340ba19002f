-- Open tickets without a human reply, by how long they have waited at as_of.
with waiting as (
    select unanswered_wait_minutes as w, frt_sla
    from ticket_metrics t
    where {where} and unanswered_wait_minutes is not null
)
select bucket, min(rank) as rank, count(*) as tickets,
       count(*) filter (where frt_sla = 'breached') as breached
from (
    select frt_sla,
        case when w < 60 then '< 1 h' when w < 240 then '1–4 h' when w < 480 then '4–8 h'
             when w < 1440 then '8–24 h' when w < 4320 then '1–3 d' when w < 10080 then '3–7 d'
             else '> 7 d' end as bucket,
        case when w < 60 then 1 when w < 240 then 2 when w < 480 then 3 when w < 1440 then 4
             when w < 4320 then 5 when w < 10080 then 6 else 7 end as rank
    from waiting
)
group by bucket
order by rank
