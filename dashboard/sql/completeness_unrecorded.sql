-- The items of a rule that the filtered tickets' exports do not record at all
-- (ticket_completeness.unrecorded_items: no field of the rule in the file's mapping), with the
-- number of tickets each was not judged on.
select unnest(t.unrecorded_items) as item, count(*) as tickets
from ticket_completeness t  -- it carries the ticket's dimensions the filters read
where {where}
group by 1
order by tickets desc, item
