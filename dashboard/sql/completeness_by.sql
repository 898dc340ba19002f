-- Share of complete records (pct_complete) by team or agent ({dim}) over the filtered
-- tickets a completeness rule applies to; the least complete first.
select t.{dim} as value,
       count(*) as tickets,
       count(*) filter (where not t.is_complete) as incomplete,
       pct_complete(t.is_complete) as pct_complete
from ticket_completeness t  -- it carries the ticket's dimensions the filters read
where {where} and t.{dim} is not null and t.required_items > 0
group by 1
order by pct_complete, incomplete desc
limit 20
