-- materialized: digest_query (read by the weekly digest, etl/alerts/digest.py; not stored)
-- grain: one row per ticket created in the week whose first response breached its target (the longest waits first)
select
    t.ticket_id, t.created_at, t.channel, t.category, t.team, t.agent_id,
    coalesce(t.first_response_minutes, t.unanswered_wait_minutes) as wait_minutes,
    t.first_response_at is null as unanswered
from ticket_metrics t
where t.created_at >= $start and t.created_at < $end and t.frt_sla = 'breached'
order by wait_minutes desc nulls last, t.created_at
limit $limit
