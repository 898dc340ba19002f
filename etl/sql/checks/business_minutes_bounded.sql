-- severity: error
-- (*_in_scope are the whole tables after a full build, the touched tickets after an
-- incremental one: the other rows were checked when they were published.)
-- Business minutes exist wherever calendar minutes do, and never exceed them.
select ticket_id, first_response_minutes, first_response_business_minutes,
       resolution_minutes, resolution_business_minutes
from ticket_metrics_in_scope
where (first_response_minutes is not null and first_response_business_minutes is null)
   or (resolution_minutes is not null and resolution_business_minutes is null)
   or first_response_business_minutes > first_response_minutes + 1e-6
   or resolution_business_minutes > resolution_minutes + 1e-6
