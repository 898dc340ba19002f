-- The values of one dimension ({dim}) most behind the first-response SLA.
select
    {dim} as value,
    count(*) filter (where frt_sla = 'breached') as breached,
    100 - pct_frt_within_sla(frt_sla) as breach_pct
from ticket_metrics t
where {where} and {dim} is not null
group by 1
having count(*) filter (where frt_sla in ('met', 'breached')) > 0
order by breach_pct desc, breached desc
limit 8
