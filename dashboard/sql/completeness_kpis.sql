-- Record completeness of the filtered tickets (ticket_completeness, pct_complete): tickets a
-- rule applies to, complete records, and how many lacked each item.
select count(*) filter (where c.required_items > 0) as with_rules,
       count(*) as tickets,
       count(*) filter (where not c.is_complete) as incomplete,
       pct_complete(c.is_complete) as pct_complete,
       pct_complete(case when c.required_items > 0 then c.is_complete end) as pct_complete_with_rules
from ticket_metrics t
join ticket_completeness c using (source, ticket_id)
where {where}
