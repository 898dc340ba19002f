-- A few incomplete tickets of each of the given agents ($agents), newest first, for the
-- training list.
select t.agent_id, t.ticket_id
from ticket_completeness t  -- it carries the ticket's dimensions the filters read
where {where} and list_contains($agents, t.agent_id) and not t.is_complete
qualify row_number() over (partition by t.agent_id order by t.created_at desc, t.ticket_id) <= 3
order by t.agent_id, t.created_at desc
