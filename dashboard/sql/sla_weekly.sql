-- Share within the first-response SLA per week of creation, split by {dim}.
select created_week, {dim} as value, pct_frt_within_sla(frt_sla) as pct_sla
from ticket_metrics t
where {where}
group by all
having count(*) filter (where frt_sla in ('met', 'breached')) > 0
order by 1
