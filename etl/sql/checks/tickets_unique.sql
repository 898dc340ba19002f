-- severity: error
-- (*_in_scope are the whole tables after a full build, the touched tickets after an
-- incremental one: the other rows were checked when they were published.)
-- The load keeps one version of each ticket per source.
select source, ticket_id, count(*) as copies
from tickets_in_scope
group by source, ticket_id
having count(*) > 1
