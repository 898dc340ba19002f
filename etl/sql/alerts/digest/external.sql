-- materialized: digest_query (read by the weekly digest, etl/alerts/digest.py; not stored)
-- grain: one row per ticket that reached an external body (escalation level 3) in the week
-- Placed in the week by escalation_steps.reached_at, or the ticket's creation when that time
-- is unknown (as the alert metric external_body_tickets does).
select
    s.ticket_id, coalesce(s.reached_at, s.created_at) as reached_at, s.reached_at is null as time_unknown,
    s.channel, s.category, s.team, s.agent_id
from escalation_steps s
where s.level = 3
  and coalesce(s.reached_at, s.created_at) >= $start and coalesce(s.reached_at, s.created_at) < $end
order by reached_at
