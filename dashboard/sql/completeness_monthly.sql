-- The trend: share of complete records (pct_complete) per month of creation and team over
-- the filtered tickets a completeness rule applies to.
select t.created_month, t.team, pct_complete(t.is_complete) as pct, count(*) as tickets
from ticket_completeness t  -- it carries the ticket's dimensions the filters read
where {where} and t.required_items > 0 and t.team is not null
group by 1, 2
order by 1, 2
