-- Which items the filtered tickets' records lacked (ticket_completeness.missing_items), with
-- the number of tickets that lacked each.
select unnest(t.missing_items) as item, count(*) as missing
from ticket_completeness t  -- it carries the ticket's dimensions the filters read
where {where}
group by 1
order by missing desc, item
