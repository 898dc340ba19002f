-- The tickets behind a chart: the filtered tickets, narrowed by the chart's selection.
-- {customer}: the customer's (hashed) id, for analysts and admins only.
select ticket_id, created_at, channel, category, priority, status, team, agent_id,
       round(first_response_minutes, 1) as first_response_minutes, frt_sla,
       round(resolution_minutes, 1) as resolution_minutes, escalation_level, reopen_count, csat,
       subject, source{customer}
from ticket_metrics t
where {where} and {extra}
order by created_at desc
limit $limit
