-- Per item, how many of the filtered tickets it is listed for in {items}: missing_items (the
-- record lacked it) or unrecorded_items (the ticket's export records no field of it, so it was
-- not judged); columns of ticket_completeness, named by the page from a fixed list.
select unnest(t.{items}) as item, count(*) as tickets
from ticket_completeness t  -- it carries the ticket's dimensions the filters read
where {where}
group by 1
order by tickets desc, item
