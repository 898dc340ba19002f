-- severity: error
-- (*_in_scope are the whole tables after a full build, the touched tickets after an
-- incremental one: the other rows were checked when they were published.)
-- Time in a stage is never negative; its business minutes exist and never exceed its
-- calendar minutes (ticket_stage_times, as business_minutes_bounded for ticket_metrics).
select source, ticket_id, stage, minutes, business_minutes
from ticket_stage_times_in_scope
where minutes < 0
   or business_minutes is null
   or business_minutes > minutes + 1e-6
