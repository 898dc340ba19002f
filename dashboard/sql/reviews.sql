-- The QA reviews behind a quality chart: the filtered reviews, newest first.
select review_id, ticket_id, agent_id, team, reviewed_at, reviewer_id, score,
       array_to_string(error_types, ';') as error_types, comment, category, channel, source
from qa_reviews_scored q
where {where}
order by reviewed_at desc
limit $limit
