-- Which items the filtered tickets' records lacked (ticket_completeness.missing_items), with
-- the number of tickets that lacked each.
select unnest(c.missing_items) as item, count(*) as missing
from ticket_metrics t
join ticket_completeness c using (source, ticket_id)
where {where}
group by 1
order by missing desc, item
