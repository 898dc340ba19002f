-- A few incomplete tickets of each of the given agents ($agents), newest first, for the
-- training list.
select t.agent_id, t.ticket_id
from ticket_metrics t
join ticket_completeness c using (source, ticket_id)
where {where} and list_contains($agents, t.agent_id) and not c.is_complete
qualify row_number() over (partition by t.agent_id order by t.created_at desc, t.ticket_id) <= 3
order by t.agent_id, t.created_at desc
