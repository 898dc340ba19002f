-- severity: error
-- The load keeps one version of each ticket per source.
select source, ticket_id, count(*) as copies
from tickets
group by source, ticket_id
having count(*) > 1
