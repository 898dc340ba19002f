-- title: CSAT by escalation level and first-response SLA
select escalation_level, frt_sla, count(csat) as answers, round(avg(csat), 2) as mean_csat,
       round(pct_csat_satisfied(csat), 1) as pct_satisfied
from ticket_metrics
group by all
having count(csat) > 0
order by escalation_level, frt_sla
