-- Example reviews of one agent that found one error type, newest first.
select q.review_id, q.ticket_id, q.reviewed_at, q.score, q.comment, q.category, q.channel
from qa_reviews_scored q
where {where} and q.agent_id = $agent and list_contains(q.error_types, $error_type)
order by q.reviewed_at desc
limit 5
