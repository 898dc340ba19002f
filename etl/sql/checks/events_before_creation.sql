-- severity: warning
-- (*_in_scope are the whole tables after a full build, the touched tickets after an
-- incremental one: the other rows were checked when they were published.)
-- Tickets whose events put a reply, resolution or escalation before the ticket's creation
-- (negative minutes in ticket_metrics): usually clocks of two systems that disagree.
select source, ticket_id, first_response_minutes, resolution_minutes
from ticket_metrics_in_scope
where first_response_minutes < 0 or resolution_minutes < 0 or first_bot_response_minutes < 0
