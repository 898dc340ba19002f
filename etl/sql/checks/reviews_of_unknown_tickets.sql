-- severity: warning
-- QA reviews of tickets the warehouse does not hold (they count for the agent but have no
-- category or channel).
select source, review_id, ticket_id
from qa_reviews q
where not exists (select 1 from tickets t where t.source = q.source and t.ticket_id = q.ticket_id)
