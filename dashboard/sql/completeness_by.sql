-- Share of complete records (pct_complete) by team or agent ({dim}) over the filtered
-- tickets a completeness rule applies to; the least complete first.
select t.{dim} as value,
       count(*) as tickets,
       count(*) filter (where not c.is_complete) as incomplete,
       pct_complete(c.is_complete) as pct_complete
from ticket_metrics t
join ticket_completeness c using (source, ticket_id)
where {where} and t.{dim} is not null and c.required_items > 0
group by 1
order by pct_complete, incomplete desc
limit 20
