-- severity: error
-- (*_in_scope are the whole tables after a full build, the touched tickets after an
-- incremental one: the other rows were checked when they were published.)
-- ticket_metrics has exactly one row per (source, ticket_id).
select source, ticket_id, count(*) as copies
from ticket_metrics_in_scope
group by source, ticket_id
having count(*) > 1
