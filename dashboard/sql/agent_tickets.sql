-- Ticket figures per agent over the filtered tickets, for the agent profile.
select agent_id, any_value(team) as team, count(*) as tickets,
       median(first_response_minutes) as frt_median_minutes,
       pct_frt_within_sla(frt_sla) as pct_sla,
       median(resolution_minutes) / 60 as resolution_median_hours,
       pct_escalated(is_escalated) as pct_escalated,
       pct_reopened(reopen_count, is_resolved) as pct_reopened
from ticket_metrics t
where {where} and agent_id is not null
group by 1
