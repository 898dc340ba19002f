-- The trend: share of complete records (pct_complete) per month of creation and team over
-- the filtered tickets a completeness rule applies to.
select t.created_month, t.team, pct_complete(c.is_complete) as pct, count(*) as tickets
from ticket_metrics t
join ticket_completeness c using (source, ticket_id)
where {where} and c.required_items > 0 and t.team is not null
group by 1, 2
order by 1, 2
