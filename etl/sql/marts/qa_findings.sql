-- materialized: view
-- order: 4
-- grain: one row per error found in a QA review (source, review_id, error_type)
-- qa_findings: one row per error found in a QA review (a review without errors has no
-- row here; qa_reviews_scored has every review). A view.
select
    source, review_id, ticket_id, agent_id, team, reviewer_id, reviewed_at,
    reviewed_month, reviewed_week, score,
    unnest(error_types) as error_type,
    category, channel, priority
from qa_reviews_scored
