-- severity: warning
-- (*_in_scope are the whole tables after a full build, the touched tickets after an
-- incremental one: a touched review's ticket, if stored, is a touched ticket too.)
-- QA reviews of tickets the warehouse does not hold (they count for the agent but have no
-- category or channel).
select source, review_id, ticket_id
from qa_reviews_in_scope q
where not exists (select 1 from tickets_in_scope t where t.source = q.source and t.ticket_id = q.ticket_id)
