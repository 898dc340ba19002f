-- QA figures per agent over the filtered reviews, for the agent profile.
select agent_id, count(*) as reviews, pct_reviews_with_error(has_error) as pct_reviews_with_error,
       avg(score) as mean_score
from qa_reviews_scored q
where {where} and agent_id is not null
group by 1
