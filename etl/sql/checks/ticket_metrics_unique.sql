-- severity: error
-- (*_in_scope are the whole tables after a full build, the touched tickets after an
-- incremental one: the other rows were checked when they were published.)
-- ticket_metrics has exactly one row per (source, ticket_id).
-- (Grouping ten million text keys is slow: the keys' 64-bit hashes are grouped first, and
-- only the rows whose hash repeats, if any, are grouped by the keys themselves.)
with repeated as (
    select hash(source, ticket_id) as key_hash
    from ticket_metrics_in_scope
    group by 1
    having count(*) > 1
)
select source, ticket_id, count(*) as copies
from ticket_metrics_in_scope
where hash(source, ticket_id) in (select key_hash from repeated)
group by source, ticket_id
having count(*) > 1
