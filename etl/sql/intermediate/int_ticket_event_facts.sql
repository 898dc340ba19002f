-- materialized: build_view
-- order: 2
-- grain: one row per ticket (source, ticket_id) that has events
-- int_ticket_event_facts: one row per ticket (source, ticket_id) that has events; what its
-- (Build-time view: *_in_scope are the whole tables for a full build, or the rows of the
-- tickets a load touched for an incremental one; see etl/warehouse/models.py.)
-- events say about first response, bot response, resolution, reopens and escalation.
-- Escalation levels of events are read in int_escalation_events.
with escalation_facts as (
    select source, ticket_id, max(level) as escalation_level, min(event_at) as first_escalated_at
    from int_escalation_events
    group by source, ticket_id
),

event_facts as (
    select
        source,
        ticket_id,
        count(*) as event_count,
        -- first response = first public reply by a human agent
        min(event_at) filter (where event_type = 'agent_reply' and actor_role = 'agent') as first_agent_reply_at,
        -- a bot's reply does not stop the first-response clock; it is kept apart
        min(event_at) filter (where event_type = 'bot_reply' or (event_type = 'agent_reply' and actor_role = 'bot')) as first_bot_reply_at,
        max(event_at) filter (where event_type = 'resolved') as last_resolved_at,
        max(event_at) filter (where event_type = 'closed') as last_closed_at,
        count(*) filter (where event_type = 'reopened') as reopen_events
    from ticket_events_in_scope
    group by source, ticket_id
)

select
    f.*,
    coalesce(e.escalation_level, 0) as escalation_level,
    e.first_escalated_at
from event_facts f
left join escalation_facts e using (source, ticket_id)
