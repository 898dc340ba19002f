-- Record completeness of the filtered tickets (ticket_completeness, pct_complete): tickets a
-- rule applies to, complete records, and how many lacked each item.
select count(*) filter (where t.required_items > 0) as with_rules,
       count(*) as tickets,
       count(*) filter (where not t.is_complete) as incomplete,
       pct_complete(t.is_complete) as pct_complete,
       pct_complete(case when t.required_items > 0 then t.is_complete end) as pct_complete_with_rules
from ticket_completeness t  -- it carries the ticket's dimensions the filters read
where {where}
