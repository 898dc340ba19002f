-- Escalation rate by one dimension ({dim}).
select {dim} as value, count(*) as tickets, count(*) filter (where is_escalated) as escalated,
       pct_escalated(is_escalated) as pct_escalated
from ticket_metrics t
where {where} and {dim} is not null
group by 1
order by pct_escalated desc, escalated desc
limit 15
