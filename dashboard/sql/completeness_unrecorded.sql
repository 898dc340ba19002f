-- The items of a rule that the filtered tickets' exports do not record at all
-- (ticket_completeness.unrecorded_items: no field of the rule in the file's mapping), with the
-- number of tickets each was not judged on.
select unnest(c.unrecorded_items) as item, count(*) as tickets
from ticket_metrics t
join ticket_completeness c using (source, ticket_id)
where {where}
group by 1
order by tickets desc, item
