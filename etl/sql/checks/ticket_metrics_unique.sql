-- severity: error
-- ticket_metrics has exactly one row per (source, ticket_id).
select source, ticket_id, count(*) as copies
from ticket_metrics
group by source, ticket_id
having count(*) > 1
