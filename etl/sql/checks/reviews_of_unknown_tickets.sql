-- severity: warning
-- (checked_* are the whole tables after a full build, the touched tickets after an
-- incremental one: a touched review's ticket, if stored, is a touched ticket too.)
-- QA reviews of tickets the warehouse does not hold (they count for the agent but have no
-- category or channel).
select source, review_id, ticket_id
from checked_qa_reviews q
where not exists (select 1 from checked_tickets t where t.source = q.source and t.ticket_id = q.ticket_id)
