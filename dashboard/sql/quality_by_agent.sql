-- Per agent and error type over the filtered reviews: reviews, reviews with the error, and
-- the error rate per reviewed ticket (the warehouse's pct_reviews_with).
-- {error_types}: the warehouse's qa_error_types() list (filled in by dashboard/db.py).
with reviews as (
    select * from qa_reviews_scored q where {where} and agent_id is not null
),
types as (
    select unnest({error_types}) as error_type
)
select r.agent_id, any_value(r.team) as team, ty.error_type,
       count(*) as reviews,
       count(*) filter (where list_contains(r.error_types, ty.error_type)) as reviews_with_error,
       pct_reviews_with(r.error_types, ty.error_type) / 100 as error_rate
from reviews r
cross join types ty
group by r.agent_id, ty.error_type
order by r.agent_id, list_position({error_types}, ty.error_type)
