-- Example reviews for each (agent, error type) pair of the training list: up to five reviews
-- of the agent that found the error type, newest first. $agents and $error_types are the
-- pairs as two lists of the same length.
with pairs as (
    select unnest($agents::varchar[]) as agent_id, unnest($error_types::varchar[]) as error_type
)
select p.agent_id, p.error_type, q.review_id, q.ticket_id, q.reviewed_at
from pairs p
join qa_reviews_scored q
  on q.agent_id = p.agent_id and list_contains(q.error_types, p.error_type)
where {where}
qualify row_number() over (partition by p.agent_id, p.error_type order by q.reviewed_at desc, q.review_id) <= 5
order by p.agent_id, p.error_type, q.reviewed_at desc, q.review_id
