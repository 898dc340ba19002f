-- The Alerts page: the tickets behind one firing (alert_firing_tickets), as the ticket lists
-- of the other pages show them. {customer}: the customer's (hashed) id, for analysts and admins.
select t.ticket_id, t.created_at, t.channel, t.category, t.priority, t.status, t.team, t.agent_id,
       round(t.first_response_minutes, 1) as first_response_minutes, t.frt_sla,
       round(t.resolution_minutes, 1) as resolution_minutes, t.escalation_level, t.reopen_count, t.csat,
       t.subject, t.source{customer}
from alert_firing_tickets a
join ticket_metrics t on t.source = a.source and t.ticket_id = a.ticket_id
where a.firing_id = $firing_id
order by t.created_at desc
limit $limit
