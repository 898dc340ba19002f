-- The filtered tickets that breached the time point $target (process_breaches), furthest past
-- the target first. {customer}: the customer's (hashed) id, for analysts and admins only.
select b.ticket_id, b.target, b.started_at as clock_started_at, b.stopped_at as clock_stopped_at,
       round(b.elapsed_minutes, 1) as elapsed_minutes, b.target_minutes,
       round(b.over_minutes, 1) as over_minutes, b.still_running,
       b.category, b.channel, b.priority, b.team, b.agent_id, m.status, b.evidence, m.subject,
       b.source{customer}
from process_breaches b
join ticket_metrics m on m.source = b.source and m.ticket_id = b.ticket_id
where {where} and b.target = $target
order by b.over_minutes desc, b.ticket_id
limit $limit
