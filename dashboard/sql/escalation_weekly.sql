-- Escalation rate, and the share reaching an external body, per week of creation.
select created_week,
       pct_escalated(is_escalated) as pct_escalated,
       pct_escalated(escalation_level >= 3) as pct_external
from ticket_metrics t
where {where}
group by 1
order by 1
