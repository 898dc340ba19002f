-- One team's error rate per error type over the filtered reviews, all the team's reviews
-- pooled (the warehouse's pct_reviews_with), for the agent profile's reference bars.
-- {error_types}: the warehouse's qa_error_types() list (filled in by dashboard/db.py).
select ty.error_type,
       count(*) as reviews,
       pct_reviews_with(q.error_types, ty.error_type) / 100 as error_rate
from qa_reviews_scored q
cross join (select unnest({error_types}) as error_type) ty
where {where} and q.agent_id is not null and q.team = $team
group by ty.error_type
order by list_position({error_types}, ty.error_type)
